// The whole review flow in a real browser against the real server: upload, play and
// step, comment with a drawing, see it live as another user, reply, and a live session.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { artifacts, Fatal, makeBigClip, makeClip, openAs, shot, startServer, tempDir, until, sleep } from './harness.mjs';

const TIMEOUT = { timeout: 90_000 };
let server;
let alice;
let bob;
let mediaId = null;
const COMMENT = 'Check the edge of the frame here';
const REPLY = 'Agreed, fixing in the next version';

/** 25 fps timecode, as the player should show it. */
function tc(frame) {
  const p = (n) => String(n).padStart(2, '0');
  const s = Math.floor(frame / 25);
  return `${p(Math.floor(s / 3600))}:${p(Math.floor(s / 60) % 60)}:${p(s % 60)}:${p(frame % 25)}`;
}

async function frameOf(page) {
  return Number(await page.locator('[data-testid=frame-number]').textContent());
}

/** The frame number once it stopped changing. */
async function settledFrame(page) {
  let last = -1;
  return until(
    async () => {
      const f = await frameOf(page);
      const stable = f === last;
      last = f;
      return stable ? { f } : null;
    },
    { interval: 250, what: 'a settled frame' },
  ).then((r) => r.f);
}

async function press(page, key) {
  // Keys go to the player, not to whichever button was clicked last.
  await page.evaluate(() => document.activeElement instanceof HTMLElement && document.activeElement.blur());
  await page.keyboard.press(key);
}

async function expectFrame(page, frame) {
  await until(async () => (await frameOf(page)) === frame, { what: `frame ${frame}`, timeout: 10_000 });
  assert.equal(await page.locator('[data-testid=timecode]').textContent(), tc(frame));
  // What is on screen is that frame: the element sits inside it.
  const t = await page.evaluate(() => document.querySelector('video').currentTime);
  assert.equal(Math.floor(t * 25 + 1e-6), frame, `video time ${t} is not inside frame ${frame}`);
}

async function openMedia(user) {
  await user.page.goto(`${server.url}/#/media/${mediaId}`);
  await user.page.waitForFunction(() => (document.querySelector('video')?.readyState ?? 0) >= 2, null, { timeout: 20_000 });
}

/** A test that leaves screenshots of both browsers behind when it fails. */
function step(name, fn) {
  it(name, TIMEOUT, async (t) => {
    try {
      await fn(t);
    } catch (e) {
      const slug = name.replace(/[^a-z0-9]+/gi, '-').slice(0, 40);
      for (const [who, u] of [['alice', alice], ['bob', bob]]) await u?.page.screenshot({ path: `${artifacts}/FAILED-${slug}-${who}.png` }).catch(() => undefined);
      throw e;
    }
  });
}

function needMedia(t) {
  if (!mediaId) t.skip('no uploaded media (the upload test failed)');
  return !!mediaId;
}

describe('review flow', () => {
  before(async () => {
    server = await startServer({ admins: ['bob'] });
    alice = await openAs('alice', 'Alice');
    bob = await openAs('bob', 'Bob');
  });

  after(async () => {
    for (const u of [alice, bob]) {
      if (u?.errors.length) console.log(`# browser errors of a user:\n#   ${u.errors.join('\n#   ')}`);
      await u?.close();
    }
    await server?.stop();
  });

  step('is served by the server itself, client routes included', async () => {
    const headers = { 'X-Remote-User-Id': 'alice' };
    for (const path of ['/', '/media/some-id']) {
      const res = await fetch(`${server.apiUrl}${path}`, { headers });
      assert.equal(res.status, 200, `GET ${path}`);
      assert.match(await res.text(), /<div id="app">/, `GET ${path} is not the client`);
    }
    const api = await fetch(`${server.apiUrl}/api/no-such-route`, { headers });
    assert.equal(api.status, 404, 'unknown API routes must not fall back to the client');
  });

  step('shows the library and connects', async () => {
    await alice.page.goto(`${server.url}/`);
    await alice.page.getByRole('heading', { name: /Library/ }).waitFor();
    await alice.page.getByText('Live', { exact: true }).waitFor({ timeout: 15_000 });
    await shot(alice.page, '01-library-empty');
  });

  step('uploads a clip and waits until it is ready', async () => {
    const clip = makeClip(tempDir());
    await alice.page.setInputFiles('[data-testid=file-input]', clip);
    const row = alice.page.locator('[data-testid=upload-row]').first();
    await until(
      async () => {
        const state = await row.getAttribute('data-state');
        if (state === 'failed') throw new Fatal(`upload failed: ${await row.textContent()}`);
        return state === 'done';
      },
      { what: 'the upload to finish', timeout: 30_000 },
    );
    await shot(alice.page, '02-uploaded');
    const card = alice.page.locator('[data-testid=media-card]').first();
    await until(
      async () => {
        const status = await card.getAttribute('data-status');
        if (status === 'failed') throw new Fatal(`processing failed: ${await card.textContent()}`);
        return status === 'ready';
      },
      { what: 'processing to finish', timeout: 60_000 },
    );
    mediaId = await card.getAttribute('data-id');
    assert.ok(mediaId);
    await card.locator('img').waitFor({ timeout: 5_000 }).catch(() => undefined);
    await shot(alice.page, '03-library-ready');
  });

  step('resumes an upload after the network drops', async () => {
    const clip = makeBigClip(tempDir());
    server.throttleUploads(1_500_000);
    try {
      await alice.page.goto(`${server.url}/`);
      await alice.page.setInputFiles('[data-testid=file-input]', clip);
      const row = alice.page.locator('[data-testid=upload-row]', { hasText: 'noise-big.mp4' });
      await until(async () => Number(await row.getByRole('progressbar').getAttribute('aria-valuenow')) >= 15, { what: 'the upload to get going' });
      server.cut(2500);
      await until(async () => ['stalled', 'failed'].includes(await row.getAttribute('data-state')), { what: 'the upload to notice the drop' });
      const during = await row.getAttribute('data-state');
      await shot(alice.page, '02b-upload-interrupted');
      assert.equal(during, 'stalled', `the upload ${during} instead of waiting to resume: ${await row.textContent()}`);
      await until(async () => (await row.getAttribute('data-state')) === 'done', { what: 'the upload to resume and finish', timeout: 40_000 });
    } finally {
      server.throttleUploads(0);
    }
    // The server got the whole file: it processes it like any other.
    const card = alice.page.locator('[data-testid=media-card]', { hasText: 'noise-big' });
    await until(
      async () => {
        const status = await card.getAttribute('data-status');
        if (status === 'failed') throw new Fatal(`processing the resumed upload failed: ${await card.textContent()}`);
        return status === 'ready';
      },
      { what: 'the resumed upload to be processed', timeout: 60_000 },
    );
  });

  step('plays and steps frame by frame', async (t) => {
    if (!needMedia(t)) return;
    const page = alice.page;
    await openMedia(alice);
    await expectFrame(page, 0);
    await page.locator('[data-testid=play-button]').click();
    await sleep(1200);
    await press(page, 'Space');
    const n = await settledFrame(page);
    assert.ok(n > 5, `playback advanced only to frame ${n}`);
    await expectFrame(page, n);
    await press(page, 'ArrowRight');
    await expectFrame(page, n + 1);
    await press(page, 'Shift+ArrowRight');
    await expectFrame(page, n + 11);
    await press(page, 'ArrowLeft');
    await expectFrame(page, n + 10);
    await press(page, 'Home');
    await expectFrame(page, 0);
    await press(page, 'End');
    await expectFrame(page, 99);
    await press(page, 'Home');
    for (let i = 0; i < 3; i++) await press(page, 'Shift+ArrowRight');
    await expectFrame(page, 30);
    await shot(page, '04-player-frame-30');
  });

  step('adds a comment with an arrow, and another user sees it live', async (t) => {
    if (!needMedia(t)) return;
    await openMedia(bob);
    const page = alice.page;
    await press(page, 'd');
    await page.locator('[data-tool=arrow]').click();
    await page.locator('[data-testid=draw-layer][role=application]').waitFor();
    const box = await page.locator('[data-testid=draw-layer]').boundingBox();
    await page.mouse.move(box.x + box.width * 0.25, box.y + box.height * 0.3);
    await page.mouse.down();
    await page.mouse.move(box.x + box.width * 0.45, box.y + box.height * 0.5, { steps: 6 });
    await page.mouse.move(box.x + box.width * 0.6, box.y + box.height * 0.65, { steps: 6 });
    await page.mouse.up();
    await page.locator('[data-testid=drawing-chip]').waitFor();
    await page.locator('[data-testid=comment-input]').fill(COMMENT);
    await page.locator('[data-testid=comment-send]').click();
    const mine = page.locator('[data-testid=comment]', { hasText: COMMENT });
    await mine.waitFor({ timeout: 10_000 });
    assert.equal(await page.locator('[data-testid=pending-comment]').count(), 0);
    await shot(page, '05-comment-with-arrow');

    const theirs = bob.page.locator('[data-testid=comment]', { hasText: COMMENT });
    await theirs.waitFor({ timeout: 10_000 });
    await theirs.locator('[data-testid=comment-timecode]').click();
    await expectFrame(bob.page, 30);
    await until(async () => (await bob.page.locator('[data-testid=draw-layer] path.saved').count()) > 0, { what: 'the arrow on the frame' });
    await shot(bob.page, '06-bob-sees-comment');
  });

  step('replies in the thread, live for the author', async (t) => {
    if (!needMedia(t)) return;
    const theirs = bob.page.locator('[data-testid=comment]', { hasText: COMMENT });
    await theirs.getByRole('button', { name: 'Reply' }).click();
    await bob.page.locator('[data-testid=reply-input]').fill(REPLY);
    await bob.page.locator('[data-testid=reply-send]').click();
    await bob.page.locator('[data-testid=comment]', { hasText: REPLY }).waitFor({ timeout: 10_000 });
    await alice.page.locator('[data-testid=comment]', { hasText: REPLY }).waitFor({ timeout: 10_000 });
    await shot(alice.page, '07-reply-seen-by-alice');
  });

  step('tells the author about the reply, and marks it seen', async (t) => {
    if (!needMedia(t)) return;
    const a = alice.page;
    await until(async () => (await a.locator('[data-testid=unread-count]').count()) > 0, { what: 'an unread notification' });
    await a.locator('[data-testid=notifications-button]').click();
    const menu = a.getByRole('dialog', { name: 'Notifications' });
    await menu.getByText(REPLY, { exact: false }).waitFor();
    await shot(a, '07b-notifications');
    await menu.getByRole('button', { name: 'Mark all seen' }).click();
    await until(async () => (await a.locator('[data-testid=unread-count]').count()) === 0, { what: 'no unread notifications' });
    await a.keyboard.press('Escape');
  });

  step('runs a live session: the follower stops on the leader’s frame', async (t) => {
    if (!needMedia(t)) return;
    const a = alice.page;
    const b = bob.page;
    await a.locator('[data-testid=session-start]').click();
    await a.locator('[data-testid=session-live]').waitFor({ timeout: 10_000 });
    // The address bar now holds the invitation; bob follows it.
    const link = await a.evaluate(() => location.href);
    assert.match(link, /#\/media\/[^?]+\?session=1$/);
    await b.goto(link);
    await b.locator('[data-testid=session-live]').waitFor({ timeout: 10_000 });
    await until(async () => /Following/.test((await b.locator('[data-testid=session-role]').textContent()) ?? ''), { what: 'bob to follow' });

    await press(a, 'Home');
    await expectFrame(b, 0);
    await press(a, 'Space'); // play
    await sleep(1500);
    await press(a, 'Space'); // pause
    const n = await settledFrame(a);
    assert.ok(n > 5, `the session played only to frame ${n}`);
    await expectFrame(b, n);
    await press(a, 'ArrowRight');
    await expectFrame(a, n + 1);
    await expectFrame(b, n + 1);
    await until(async () => (await b.locator('[data-testid=sync-state]').getAttribute('data-sync')) === 'synced', { what: 'bob in sync' });
    await shot(a, '08-session-leader');
    await shot(b, '09-session-follower');

    // Live strokes: what the leader draws shows up for the follower, and clears for both.
    await press(a, 'd');
    await a.locator('[data-tool=pen]').click();
    await a.locator('[data-testid=draw-layer][role=application]').waitFor();
    const box = await a.locator('[data-testid=draw-layer]').boundingBox();
    await a.mouse.move(box.x + box.width * 0.3, box.y + box.height * 0.7);
    await a.mouse.down();
    for (let i = 1; i <= 12; i++) await a.mouse.move(box.x + box.width * (0.3 + i * 0.03), box.y + box.height * (0.7 - (i % 3) * 0.05));
    await a.mouse.up();
    const live = b.locator('[data-testid=draw-layer] path.live');
    await until(async () => (await live.count()) > 0, { what: 'the live stroke at the follower' });
    await shot(b, '09b-follower-sees-live-stroke');
    await a.getByRole('button', { name: 'Clear drawing' }).click();
    await until(async () => (await live.count()) === 0, { what: 'the live stroke to clear' });
    await press(a, 'Escape');
  });

  step('rides out a dropped connection: keeps typed text, sends offline comments, resyncs', async (t) => {
    if (!needMedia(t)) return;
    const a = alice.page;
    const b = bob.page;
    const OFFLINE = 'Written while the link was down';
    const TYPED = 'Half-typed thought';
    const before = await settledFrame(a);
    server.cut(4000);
    await a.locator('[data-testid=reconnecting]').waitFor({ timeout: 10_000 });
    await a.locator('[data-testid=comment-input]').fill(OFFLINE);
    await a.locator('[data-testid=comment-send]').click();
    await a.locator('[data-testid=pending-comment]', { hasText: OFFLINE }).waitFor();
    await a.locator('[data-testid=comment-input]').fill(TYPED);
    await shot(a, '10-offline');
    // Back online: the queued comment lands once, for everyone; the typed text is still there.
    await a.locator('[data-testid=comment]', { hasText: OFFLINE }).waitFor({ timeout: 30_000 });
    await b.locator('[data-testid=comment]', { hasText: OFFLINE }).waitFor({ timeout: 30_000 });
    assert.equal(await a.locator('[data-testid=pending-comment]').count(), 0);
    assert.equal(await a.locator('[data-testid=comment]', { hasText: OFFLINE }).count(), 1);
    assert.equal(await a.locator('[data-testid=comment-input]').inputValue(), TYPED);
    // The session picks up where it was, on the same frame.
    await a.locator('[data-testid=session-live]').waitFor({ timeout: 10_000 });
    await b.locator('[data-testid=session-live]').waitFor({ timeout: 10_000 });
    await expectFrame(a, before);
    await expectFrame(b, before);
    await press(a, 'ArrowRight');
    await expectFrame(a, before + 1);
    await expectFrame(b, before + 1);
    await shot(a, '11-reconnected');
    await b.setViewportSize({ width: 820, height: 1100 });
    await shot(b, '12-review-tablet');
  });

  step('renames and deletes media in the library', async (t) => {
    if (!needMedia(t)) return;
    const a = alice.page;
    await a.goto(`${server.url}/#/`);
    const found = a.locator('[data-testid=media-card]', { hasText: 'noise-big' });
    await found.waitFor({ timeout: 10_000 });
    const card = a.locator(`[data-testid=media-card][data-id="${await found.getAttribute('data-id')}"]`);
    await card.getByRole('button', { name: /More actions/ }).click();
    await card.getByRole('menuitem', { name: 'Rename' }).click();
    await card.getByRole('textbox', { name: 'Title' }).fill('Noise, second pass');
    await card.getByRole('textbox', { name: 'Title' }).press('Enter');
    const renamed = a.locator('[data-testid=media-card]', { hasText: 'Noise, second pass' });
    await renamed.waitFor();
    // The new title is the server's, not just the page's.
    await a.reload();
    await renamed.waitFor({ timeout: 10_000 });
    await renamed.getByRole('button', { name: /More actions/ }).click();
    await renamed.getByRole('menuitem', { name: /Delete/ }).click();
    await shot(a, '13-delete-confirm');
    await renamed.getByRole('button', { name: 'Delete', exact: true }).click();
    await until(async () => (await a.locator('[data-testid=media-card]', { hasText: 'Noise, second pass' }).count()) === 0, { what: 'the media to go' });
    await a.reload();
    await a.locator('[data-testid=media-card]').first().waitFor({ timeout: 10_000 });
    assert.equal(await a.locator('[data-testid=media-card]', { hasText: 'Noise, second pass' }).count(), 0);
  });
});
