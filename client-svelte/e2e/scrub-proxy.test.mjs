// A camera file that plays in browsers as it is but has a keyframe only every 5 s: the
// server makes a scrub proxy beside it, the player shows that by default, and "Original"
// switches to the file as uploaded on the same frame.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { Fatal, openAs, shot, startServer, tempDir, until } from './harness.mjs';

let server;
let erin;

function longGopClip(dir) {
  const out = join(dir, 'camera-long-gop.mp4');
  execFileSync('ffmpeg', [
    '-hide_banner', '-loglevel', 'error', '-y',
    '-f', 'lavfi', '-i', 'testsrc2=size=320x240:rate=25', '-f', 'lavfi', '-i', 'sine',
    '-t', '10', '-c:v', 'libx264', '-preset', 'veryfast', '-pix_fmt', 'yuv420p',
    '-g', '125', '-keyint_min', '125', '-sc_threshold', '0',
    '-c:a', 'aac', '-movflags', '+faststart', out,
  ]);
  return out;
}

describe('scrub proxy', () => {
  before(async () => {
    server = await startServer();
    erin = await openAs('erin', 'Erin');
  });
  after(async () => {
    await erin?.close();
    await server?.stop();
  });

  it('plays the scrub proxy of a long-GOP original and switches to the original on the same frame', { timeout: 120_000 }, async () => {
    const page = erin.page;
    await page.goto(`${server.url}/`);
    await page.setInputFiles('[data-testid=file-input]', longGopClip(tempDir()));
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
    await until(async () => !!(await page.evaluate(async (mid) => (await (await fetch(`/api/media/${mid}`)).json()).scrub_url, id)), {
      what: 'the scrub proxy',
      timeout: 60_000,
    });
    await page.goto(`${server.url}/#/media/${id}`);
    await page.waitForFunction(() => (document.querySelector('video')?.readyState ?? 0) >= 2, null, { timeout: 20_000 });
    const picture = page.locator('[data-testid=rendition]');
    assert.equal(await picture.inputValue(), 'scrub');
    assert.match(await page.evaluate(() => document.querySelector('video').currentSrc), /scrub\.mp4$/);

    await page.getByRole('button', { name: /^Timecode/ }).click();
    const input = page.getByRole('textbox', { name: 'Go to timecode or frame' });
    await input.fill('180');
    await input.press('Enter');
    const number = page.locator('[data-testid=frame-number]');
    await until(async () => (await number.textContent()) === '180', { what: 'frame 180' });

    await picture.selectOption('main');
    await until(async () => /original\.mp4$/.test(await page.evaluate(() => document.querySelector('video').currentSrc)), {
      what: 'the original playing',
    });
    await page.waitForFunction(() => (document.querySelector('video')?.readyState ?? 0) >= 2, null, { timeout: 20_000 });
    await until(async () => (await number.textContent()) === '180', { what: 'still frame 180 on the original' });
    const t = await page.evaluate(() => document.querySelector('video').currentTime);
    assert.equal(Math.floor(t * 25 + 1e-6), 180, `video time ${t} is not inside frame 180`);
    await shot(page, '45-scrub-proxy');
  });
});
