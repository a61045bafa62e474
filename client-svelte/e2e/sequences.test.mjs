// A VFX shot delivered as numbered frames: uploaded as a zip, reviewed with the frame
// numbers of its file names (1001…), its gap told.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { Fatal, openAs, shot, startServer, tempDir, until } from './harness.mjs';

let server;
let dana;

/** 1001–1030 as PNG frames without 1010, zipped (stored) under a folder, as a render farm delivers. */
function makeSequenceZip(dir) {
  const frames = join(dir, 'frames');
  execFileSync('mkdir', ['-p', frames]);
  execFileSync('ffmpeg', [
    '-hide_banner', '-loglevel', 'error', '-y', '-f', 'lavfi', '-i', 'testsrc2=size=320x240:rate=24',
    '-frames:v', '30', '-start_number', '1001', join(frames, 'shot_030.%04d.png'),
  ]);
  const out = join(dir, 'shot_030.zip');
  execFileSync('python3', [
    '-c',
    `import os, sys, zipfile
src, out = sys.argv[1], sys.argv[2]
with zipfile.ZipFile(out, 'w', zipfile.ZIP_STORED) as z:
    for n in sorted(os.listdir(src)):
        if n != 'shot_030.1010.png':
            z.write(os.path.join(src, n), 'shot_030/' + n)`,
    frames,
    out,
  ]);
  return out;
}

describe('image sequences', () => {
  before(async () => {
    server = await startServer();
    dana = await openAs('dana', 'Dana');
  });
  after(async () => {
    await dana?.close();
    await server?.stop();
  });

  it('shows a zip of frames with its own frame numbers and its gap', { timeout: 120_000 }, async () => {
    const page = dana.page;
    await page.goto(`${server.url}/`);
    await page.setInputFiles('[data-testid=file-input]', makeSequenceZip(tempDir()));
    const card = page.locator('[data-testid=media-card]').first();
    await until(
      async () => {
        const status = await card.getAttribute('data-status');
        if (status === 'failed') throw new Fatal(`processing failed: ${await card.textContent()}`);
        return status === 'ready';
      },
      { what: 'processing', timeout: 90_000 },
    );
    await page.goto(`${server.url}/#/media/${await card.getAttribute('data-id')}`);
    await page.waitForFunction(() => (document.querySelector('video')?.readyState ?? 0) >= 2, null, { timeout: 20_000 });
    const number = page.locator('[data-testid=frame-number]');
    await until(async () => (await number.textContent()) === '1001', { what: 'frame 0 shown as 1001' });
    const transport = await page.locator('.transport').textContent();
    assert.match(transport, /\/ 1030/);
    const badges = await page.locator('[data-testid=source-badge]').allTextContents();
    assert.ok(badges.includes('Image sequence · PNG · 1001–1030'), badges.join(' | '));
    assert.ok(badges.includes('1 missing frame: 1010'), badges.join(' | '));

    // A frame number typed in is one of the sequence's own.
    await page.getByRole('button', { name: /^Timecode/ }).click();
    const input = page.getByRole('textbox', { name: 'Go to timecode or frame' });
    await input.fill('1015');
    await input.press('Enter');
    await until(async () => (await number.textContent()) === '1015', { what: 'frame 1015' });
    const t = await page.evaluate(() => document.querySelector('video').currentTime);
    assert.equal(Math.floor(t * 24 + 1e-6), 14, `video time ${t} is not inside timeline frame 14`);
    await shot(page, '40-image-sequence');
  });
});
