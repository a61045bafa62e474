// Post-production interchange in the browser: a clip whose timecode track starts at
// 01:00:00:00 shows source timecode in the player and on its comments; the display choice
// switches to timecode from zero, frame numbers from 1001 and seconds and survives a
// reload; the Notes & files menu exports and downloads; an EDL's locators are previewed
// and added as notes at their frames.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Fatal, openAs, shot, startServer, tempDir, until } from './harness.mjs';

let server;
let ella;

function timecodeClip(dir) {
  const out = join(dir, 'A001C003 take 2.mov');
  execFileSync('ffmpeg', [
    '-hide_banner', '-loglevel', 'error', '-y',
    '-f', 'lavfi', '-i', 'testsrc2=size=320x240:rate=25',
    '-t', '4', '-c:v', 'libx264', '-preset', 'ultrafast', '-pix_fmt', 'yuv420p',
    '-timecode', '01:00:00:00', out,
  ]);
  return out;
}

describe('interchange', () => {
  before(async () => {
    server = await startServer();
    ella = await openAs('ella', 'Ella');
  });
  after(async () => {
    await ella?.close();
    await server?.stop();
  });

  it('shows source timecode, switches the display, exports, downloads and imports an EDL', { timeout: 150_000 }, async () => {
    const page = ella.page;
    const dir = tempDir();
    await page.goto(`${server.url}/`);
    await page.setInputFiles('[data-testid=file-input]', timecodeClip(dir));
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
    const tc = page.locator('[data-testid=timecode]');
    await until(async () => (await tc.textContent()) === '01:00:00:00', { what: 'source timecode at frame 0' });

    // Go to the fifth frame (frame 4) by typing its source timecode.
    await page.getByRole('button', { name: /^Timecode/ }).click();
    const input = page.getByRole('textbox', { name: 'Go to timecode or frame' });
    await input.fill('01:00:00:04');
    await input.press('Enter');
    await until(async () => (await tc.textContent()) === '01:00:00:04', { what: 'the fifth frame' });
    assert.equal(await page.locator('[data-testid=frame-number]').textContent(), '4');

    // A comment there shows the same source timecode.
    await page.locator('[data-testid=comment-input]').fill('boom in frame');
    await page.locator('[data-testid=comment-send]').click();
    const stamp = page.locator('[data-testid=comment-timecode]').first();
    await until(async () => (await stamp.textContent())?.trim() === '01:00:00:04', { what: 'the comment in source timecode' });

    const display = page.locator('[data-testid=time-display]');
    await display.selectOption('zero');
    await until(async () => (await tc.textContent()) === '00:00:00:04', { what: 'timecode from zero' });
    await display.selectOption('frames');
    await page.getByRole('spinbutton', { name: 'First frame number' }).fill('1001');
    await page.getByRole('spinbutton', { name: 'First frame number' }).press('Tab');
    await until(async () => (await tc.textContent()) === '1005', { what: 'frame numbers from 1001' });
    await until(async () => (await stamp.textContent())?.trim() === '1005', { what: 'the comment as a frame number' });
    await display.selectOption('seconds');
    await until(async () => (await tc.textContent()) === '0.160s', { what: 'seconds' });
    await page.reload();
    await page.waitForFunction(() => (document.querySelector('video')?.readyState ?? 0) >= 2, null, { timeout: 20_000 });
    assert.equal(await page.locator('[data-testid=time-display]').inputValue(), 'seconds', 'the choice survives a reload');
    // It is the account's: another browser (a fresh profile, nothing in its storage) shows it.
    const other = await openAs('ella', 'Ella');
    try {
      await other.page.goto(page.url());
      await until(async () => (await other.page.locator('[data-testid=time-display]').inputValue().catch(() => '')) === 'seconds', {
        what: "the account's display choice in another browser",
      });
      await until(async () => /^\d+\.\d{3}s$/.test(await other.page.locator('[data-testid=timecode]').textContent()), { what: 'seconds in the other browser' });
    } finally {
      await other.close();
    }
    await page.locator('[data-testid=time-display]').selectOption('source');

    // Exports and downloads from the menu.
    await page.locator('[data-testid=interchange-menu] summary').click();
    // The links the menu offers, fetched as the browser would follow them.
    const follow = (testid) =>
      page.evaluate(async (t) => {
        const a = document.querySelector(`[data-testid=${t}]`);
        const r = await fetch(a.href);
        return { status: r.status, disposition: r.headers.get('content-disposition'), text: t.startsWith('export') ? await r.text() : '' };
      }, testid);
    const edl = await follow('export-edl');
    assert.equal(edl.status, 200);
    assert.match(edl.text, /\* LOC: 01:00:00:04 RED +Ella: boom in frame/);
    assert.match(edl.disposition, /^attachment; filename="A001C003 take 2\.edl"/);
    const orig = await follow('download-original');
    assert.equal(orig.status, 200);
    assert.match(orig.disposition, /filename="A001C003 take 2\.mov"/);
    assert.equal((await follow('download-proxy')).status, 200);
    for (const f of ['csv', 'fcpxml', 'xml', 'avid']) assert.equal((await follow(`export-${f}`)).status, 200, f);

    // An EDL from the edit: two locators in, one past the end.
    const cut = join(dir, 'cut.edl');
    writeFileSync(
      cut,
      'TITLE: cut 3\nFCM: NON-DROP FRAME\n\n' +
        '001  A001C003 V     C        01:00:00:00 01:00:04:00 01:00:00:00 01:00:04:00\n' +
        '* FROM CLIP NAME: A001C003 take 2.mov\n' +
        '* LOC: 01:00:01:00 YELLOW  sky replacement\n' +
        '* LOC: 01:00:02:10 RED     grade warmer\n' +
        '* LOC: 01:00:09:00 BLUE    after the end\n',
    );
    await page.setInputFiles('[data-testid=import-edl-file]', cut);
    const preview = page.locator('[data-testid=edl-preview]');
    await preview.waitFor();
    assert.equal(await preview.locator('[data-testid=edl-note]').count(), 2);
    assert.match(await preview.locator('[data-testid=edl-note]').first().textContent(), /01:00:01:00.*sky replacement/);
    assert.match(await preview.locator('[data-testid=edl-skipped]').first().textContent(), /outside the media/);
    await shot(page, '50-edl-import-preview');
    await preview.locator('[data-testid=edl-add]').click();
    await until(
      async () => {
        const all = await page.locator('[data-testid=comment-timecode]').allTextContents();
        return all.map((t) => t.trim()).includes('01:00:02:10') && all.map((t) => t.trim()).includes('01:00:01:00');
      },
      { what: 'the imported notes at their timecodes' },
    );
    await shot(page, '51-source-timecode');
  });
});
