// Subtitles in the browser: an SRT added through "Notes & files → Subtitle tracks…" shows
// its cue over the picture at its time and not before (read from the pixels of a
// screenshot: white text over a black band at the bottom of the clip), moves when the
// track is re-timed, goes away with the CC menu off, and the composer links a comment
// to the cue on screen.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { artifacts, Fatal, openAs, startServer, tempDir, until } from './harness.mjs';

let server;
let sam;

/** 5 s of testsrc2 with a black band over its lower third, where the cue text shows. */
function bandedClip(dir) {
  const out = join(dir, 'banded.mp4');
  execFileSync('ffmpeg', [
    '-hide_banner', '-loglevel', 'error', '-y',
    '-f', 'lavfi', '-i', 'testsrc2=size=640x360:rate=25',
    '-t', '5', '-vf', 'drawbox=x=0:y=ih*0.6:w=iw:h=ih*0.4:color=black:t=fill',
    '-c:v', 'libx264', '-preset', 'ultrafast', '-pix_fmt', 'yuv420p', '-movflags', '+faststart', out,
  ]);
  return out;
}

/** Seeks the video to `t` seconds and waits until that frame is shown. */
async function seek(page, t) {
  await page.evaluate(
    (t) =>
      new Promise((resolve) => {
        const v = document.querySelector('video');
        if (Math.abs(v.currentTime - t) < 0.001 && !v.seeking) return resolve();
        v.addEventListener('seeked', () => resolve(), { once: true });
        v.currentTime = t;
      }),
    t,
  );
  await page.waitForFunction(() => {
    const v = document.querySelector('video');
    return v && !v.seeking && v.readyState >= 2;
  });
}

/** Bright (text) pixels in the band at the bottom of a screenshot of the video, read in the page. */
async function brightInBand(page, name) {
  const png = await page.locator('[data-testid=video]').screenshot({ path: join(artifacts, `${name}.png`) });
  return page.evaluate(async (b64) => {
    const img = new Image();
    img.src = `data:image/png;base64,${b64}`;
    await img.decode();
    const c = document.createElement('canvas');
    [c.width, c.height] = [img.width, img.height];
    const g = c.getContext('2d');
    g.drawImage(img, 0, 0);
    // The band is the clip's lower 40%; the element may letterbox, so read its lowest 30%
    // of the picture's area (the element's own box holds the picture, centred).
    const y0 = Math.round(img.height * 0.72);
    const d = g.getImageData(0, y0, img.width, img.height - y0).data;
    let n = 0;
    for (let i = 0; i < d.length; i += 4) if (d[i] > 200 && d[i + 1] > 200 && d[i + 2] > 200) n++;
    return n;
  }, png.toString('base64'));
}

/** The active track's cues as the browser parsed them: [start, end] seconds. */
function cueTimes(page) {
  return page.evaluate(() => {
    const t = [...document.querySelector('video').textTracks].find((x) => x.mode === 'showing');
    return t && t.cues ? [...t.cues].map((c) => [c.startTime, c.endTime]) : null;
  });
}

describe('subtitles', () => {
  before(async () => {
    mkdirSync(artifacts, { recursive: true });
    server = await startServer();
    sam = await openAs('sam', 'Sam');
  });
  after(async () => {
    await sam?.close();
    await server?.stop();
  });

  it('shows a cue at its time, re-times it, turns it off and links a comment to it', { timeout: 180_000 }, async () => {
    const page = sam.page;
    const dir = tempDir();
    await page.goto(`${server.url}/`);
    await page.setInputFiles('[data-testid=file-input]', bandedClip(dir));
    const card = page.locator('[data-testid=media-card]').first();
    await until(
      async () => {
        const status = await card.getAttribute('data-status');
        if (status === 'failed') throw new Fatal(`processing failed: ${await card.textContent()}`);
        return status === 'ready';
      },
      { what: 'processing', timeout: 90_000 },
    );
    const id = await card.getAttribute('data-id');
    await page.goto(`${server.url}/#/media/${id}`);
    await page.waitForFunction(() => (document.querySelector('video')?.readyState ?? 0) >= 2, null, { timeout: 20_000 });

    // Add the track through the Notes & files menu.
    const srt = join(dir, 'english.srt');
    writeFileSync(srt, '1\n00:00:01,000 --> 00:00:02,000\nHELLO WORLD\n');
    await page.locator('[data-testid=interchange-menu] summary').click();
    await page.locator('[data-testid=open-subtitles]').click();
    const dialog = page.locator('[data-testid=subtitles-dialog]');
    await page.setInputFiles('[data-testid=subtitle-file]', srt);
    await dialog.locator('[data-testid=subtitle-new-language]').fill('en');
    await dialog.locator('[data-testid=subtitle-new-default]').check();
    await dialog.locator('[data-testid=subtitle-upload]').click();
    await until(async () => (await dialog.locator('[data-testid=subtitle-row]').count()) === 1, { what: 'the track listed' });
    assert.equal(await dialog.locator('[data-testid=subtitle-title]').inputValue(), 'english');
    await dialog.locator('[data-testid=subtitles-close]').click();

    // The default track is on, its cue read by the browser.
    const cc = page.locator('[data-testid=cc-menu]');
    await until(async () => (await cc.inputValue()) !== '', { what: 'the CC menu on the default track' });
    await until(async () => JSON.stringify(await cueTimes(page)) === '[[1,2]]', { what: 'the cue loaded at 1-2 s' });

    await seek(page, 0.5);
    const before = await brightInBand(page, 'subtitles-0.5s');
    await seek(page, 1.5);
    const during = await until(async () => {
      const n = await brightInBand(page, 'subtitles-1.5s');
      return n > 50 ? n : 0;
    }, { what: 'the cue drawn over the band at 1.5 s' });
    assert.ok(before < 10, `no cue at 0.5 s, yet ${before} bright pixels in the band`);
    assert.ok(during > 50, `the cue at 1.5 s: ${during} bright pixels`);

    // The composer shows the cue on screen and links the comment to it.
    await until(async () => (await page.locator('[data-testid=composer-cue-text]').textContent()) === 'HELLO WORLD', { what: 'the cue in the composer' });
    assert.equal(await page.locator('[data-testid=link-cue]').isChecked(), true);
    await page.locator('[data-testid=comment-input]').fill('say it slower');
    await page.locator('[data-testid=comment-send]').click();
    await until(async () => (await page.locator('[data-testid=comment-cue]').first().textContent())?.includes('HELLO WORLD'), {
      what: 'the comment showing its cue',
    });

    // Re-timed by +2 s: the cue is gone at 1.5 s and shows at 3.5 s.
    await page.locator('[data-testid=interchange-menu] summary').click();
    await page.locator('[data-testid=open-subtitles]').click();
    const offset = dialog.locator('[data-testid=subtitle-offset]');
    await offset.fill('2000');
    await offset.press('Tab');
    await until(async () => JSON.stringify(await cueTimes(page)) === '[[3,4]]', { what: 'the cue moved to 3-4 s' });
    await dialog.locator('[data-testid=subtitles-close]').click();
    await seek(page, 1.5);
    const moved = await brightInBand(page, 'subtitles-retimed-1.5s');
    assert.ok(moved < 10, `no cue at 1.5 s after the re-time, yet ${moved} bright pixels`);
    await seek(page, 3.5);
    await until(async () => (await brightInBand(page, 'subtitles-retimed-3.5s')) > 50, { what: 'the re-timed cue at 3.5 s' });

    // CC off: no track shows and nothing is drawn.
    await cc.selectOption('');
    await until(
      () => page.evaluate(() => [...document.querySelector('video').textTracks].every((t) => t.mode !== 'showing')),
      { what: 'every track off' },
    );
    await seek(page, 3.6);
    const off = await brightInBand(page, 'subtitles-off-3.6s');
    assert.ok(off < 10, `CC off, yet ${off} bright pixels`);
    assert.deepEqual(sam.errors.filter((e) => !e.includes('favicon')), []);
  });
});
