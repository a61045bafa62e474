// One reviewer on a tablet-sized touch screen with 29.97 fps media: drop-frame timecode
// in, the exact frame on screen out, and drawing with a finger.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Fatal, makeClip, openAs, shot, startServer, tempDir, until } from './harness.mjs';

const FPS = 30000 / 1001;
let server;
let carol;

describe('tablet, 29.97 fps', () => {
  before(async () => {
    server = await startServer();
    carol = await openAs('carol', 'Carol', { width: 1024, height: 768, hasTouch: true });
  });
  after(async () => {
    await carol?.close();
    await server?.stop();
  });

  it('goes to a drop-frame timecode and shows exactly that frame', { timeout: 120_000 }, async () => {
    const page = carol.page;
    await page.goto(`${server.url}/`);
    await page.setInputFiles('[data-testid=file-input]', makeClip(tempDir(), { seconds: 62, rate: '30000/1001', name: 'ntsc-62s.mp4' }));
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
    for (const [tc, frame] of [
      ['00:01:00;02', 1800], // the first label of minute one: ;00 and ;01 are skipped
      ['00:00:59;29', 1799],
      ['00:00:33;10', 1000],
    ]) {
      await page.getByRole('button', { name: /^Timecode/ }).click();
      const input = page.getByRole('textbox', { name: 'Go to timecode or frame' });
      await input.fill(tc);
      await input.press('Enter');
      await until(async () => Number(await page.locator('[data-testid=frame-number]').textContent()) === frame, { what: `frame ${frame}` });
      assert.equal(await page.locator('[data-testid=timecode]').textContent(), tc);
      const t = await page.evaluate(() => document.querySelector('video').currentTime);
      assert.equal(Math.floor(t * FPS + 1e-6), frame, `video time ${t} is not inside frame ${frame}`);
    }
    await page.evaluate(() => document.activeElement instanceof HTMLElement && document.activeElement.blur());
    await page.keyboard.press('ArrowRight');
    await until(async () => (await page.locator('[data-testid=timecode]').textContent()) === '00:00:33;11', { what: 'the next frame' });
    await shot(page, '20-ntsc-drop-frame');
  });

  it('draws with a finger on a tablet-sized page', { timeout: 60_000 }, async () => {
    const page = carol.page;
    await page.setViewportSize({ width: 768, height: 1024 });
    await page.getByRole('button', { name: 'Draw on frame' }).tap();
    await page.locator('[data-tool=pen]').tap();
    const layer = page.locator('[data-testid=draw-layer][role=application]');
    await layer.waitFor();
    const box = await layer.boundingBox();
    // Real touch input through the browser's input pipeline, not synthetic DOM events.
    const cdp = await page.context().newCDPSession(page);
    const at = (fx, fy) => [{ x: box.x + box.width * fx, y: box.y + box.height * fy, id: 1 }];
    await cdp.send('Input.dispatchTouchEvent', { type: 'touchStart', touchPoints: at(0.2, 0.3) });
    for (let i = 1; i <= 10; i++) await cdp.send('Input.dispatchTouchEvent', { type: 'touchMove', touchPoints: at(0.2 + i * 0.05, 0.3 + (i % 2) * 0.1) });
    await cdp.send('Input.dispatchTouchEvent', { type: 'touchEnd', touchPoints: [] });
    await page.locator('[data-testid=drawing-chip]').waitFor({ timeout: 5_000 });
    assert.match(await page.locator('[data-testid=drawing-chip]').textContent(), /1 shape/);
    await shot(page, '21-touch-drawing-portrait');
  });
});
