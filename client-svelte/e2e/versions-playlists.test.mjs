// Version stacks, compare and dailies playlists in real browsers against the real server
// (docs/versions.md): alice uploads v1 and v2 of a clip whose frames carry their number,
// compares them side by side frame-locked and with a wipe, builds a three-item playlist and
// shares it, and leads a live session over it that bob joins late and follows item by item.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { Fatal, openAnonymous, openAs, shot, startServer, tempDir, until } from './harness.mjs';

const FONT = '/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf';
let server;
let alice;
let bob;
const ids = {};
const missing = new Set();
let playlistUrl = null;

/** 3 s at 25 fps of testsrc2 with the frame number burnt in (and which version it is). */
function numberedClip(dir, name, label) {
  const out = join(dir, name);
  const text = `drawtext=fontfile=${FONT}:text='%{frame_num}':fontsize=64:fontcolor=white:box=1:boxcolor=black:x=12:y=12`;
  const tag = `drawtext=fontfile=${FONT}:text='${label}':fontsize=28:fontcolor=yellow:x=12:y=h-40`;
  execFileSync('ffmpeg', [
    '-hide_banner', '-loglevel', 'error', '-y',
    '-f', 'lavfi', '-i', 'testsrc2=size=320x240:rate=25', '-f', 'lavfi', '-i', 'sine',
    '-vf', `${text},${tag}`, '-t', '3', '-c:v', 'libx264', '-preset', 'veryfast', '-pix_fmt', 'yuv420p',
    '-c:a', 'aac', '-movflags', '+faststart', out,
  ]);
  return out;
}

async function press(page, key, times = 1) {
  await page.evaluate(() => document.activeElement instanceof HTMLElement && document.activeElement.blur());
  for (let i = 0; i < times; i++) await page.keyboard.press(key);
}

async function mediaJson(page, id) {
  return page.evaluate(async (mid) => (await fetch(`/api/media/${mid}`)).json(), id);
}

async function waitReady(page, id) {
  await until(
    async () => {
      const m = await mediaJson(page, id);
      if (m.status === 'failed') throw new Fatal(`processing of ${id} failed: ${m.error}`);
      return m.status === 'ready';
    },
    { what: `${id} ready`, timeout: 90_000 },
  );
}

/** The frame the first (or `sel`) video element sits in, once it is not seeking. */
function videoFrame(page, sel = '[data-testid=video]') {
  return page.evaluate((s) => {
    const v = document.querySelector(s);
    return v && !v.seeking && v.readyState >= 2 ? Math.floor(v.currentTime * 25 + 1e-6) : null;
  }, sel);
}

describe('versions, compare and playlists', { skip: !!process.env.DAILIES_E2E_MOCK && 'the mock server has no stacks or playlists' }, () => {
  before(async () => {
    server = await startServer({ admins: ['bob'] });
    alice = await openAs('alice', 'Alice');
    bob = await openAs('bob', 'Bob');
    for (const u of [alice, bob]) u.page.on('response', (r) => r.status() === 404 && missing.add(r.url()));
  });
  after(async () => {
    for (const u of [alice, bob]) {
      if (u?.errors.length) console.log(`# page errors of a browser: ${[...new Set(u.errors)].join(' | ')}`);
      await u?.close();
    }
    if (missing.size) console.log(`# 404: ${[...missing].join(' ')}`);
    await server?.stop();
  });

  it('uploads v1 and v2 into one stack and compares them frame-locked, side by side and wiped', { timeout: 180_000 }, async () => {
    const page = alice.page;
    const dir = tempDir();
    await page.goto(`${server.url}/`);
    await page.setInputFiles('[data-testid=file-input]', [
      numberedClip(dir, 'shot010.mp4', 'v1'),
      numberedClip(dir, 'shot020.mp4', 'shot 20'),
      numberedClip(dir, 'shot030.mp4', 'shot 30'),
    ]);
    await until(
      async () => {
        for (const card of await page.locator('[data-testid=media-card]').all()) {
          const title = await card.locator('a.title').textContent();
          ids[title.trim().replace(/\.mp4$/, '')] = await card.getAttribute('data-id');
        }
        return ids.shot010 && ids.shot020 && ids.shot030;
      },
      { what: 'the three cards' },
    );
    ids.v1 = ids.shot010;
    await waitReady(page, ids.v1);

    // "Upload as new version of…" then the picker.
    await page.locator('[data-testid=upload-version-of]').selectOption(ids.v1);
    await page.setInputFiles('[data-testid=file-input]', numberedClip(dir, 'shot010_v2.mp4', 'v2'));
    const v2 = await until(
      async () => {
        const m = await mediaJson(page, ids.v1);
        return m.stack?.length === 2 ? m.stack.find((v) => v.version === 2)?.id : null;
      },
      { what: 'v2 in the stack', timeout: 60_000 },
    );
    ids.v2 = v2;
    await waitReady(page, v2);
    // One card for the stack, its newest version, with the badge: live (an update of v1
    // that names no stack stays inside the card), and as the server lists it after a reload.
    const oneCard = async () => {
      const cards = page.locator('[data-testid=media-card]');
      return (await cards.count()) === 3 && (await page.locator(`[data-testid=media-card][data-id="${v2}"] [data-testid=version-badge]`).textContent()) === 'v2';
    };
    await until(oneCard, { what: 'one card with a v2 badge, live', timeout: 30_000 });
    // v1 renamed, then v2: their pushes arrive in that order, so once the card shows v2's
    // new title, v1's push (which names no stack) has been taken in.
    const rename = (id, title) =>
      page.evaluate(async ([mid, t]) => (await fetch(`/api/media/${mid}`, { method: 'PATCH', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ title: t }) })).status, [id, title]);
    assert.equal(await rename(ids.v1, 'shot010 first cut'), 200);
    assert.equal(await rename(v2, 'shot010 v2'), 200);
    await until(async () => (await page.locator(`[data-testid=media-card][data-id="${v2}"] a.title`).textContent()).trim() === 'shot010 v2', { what: "v2's new title on its card" });
    assert.ok(await oneCard(), 'an update of v1 stays inside the stack\'s card');
    await page.reload();
    await until(oneCard, { what: 'one card with a v2 badge after a reload', timeout: 30_000 });

    // The card opens the newest version; the switcher knows both.
    await page.locator(`[data-testid=media-card][data-id="${v2}"] a.thumb`).click();
    await page.waitForFunction(() => (document.querySelector('[data-testid=video]')?.readyState ?? 0) >= 2, null, { timeout: 20_000 });
    assert.equal(await page.locator('[data-testid=review-version]').textContent(), 'v2');
    assert.equal(await page.locator('[data-testid=version-switcher]').inputValue(), v2);

    // The versions menu reorders the stack (and back), the server renumbering it.
    await page.locator('[data-testid=versions-menu-button]').click();
    const rows = page.locator('[data-testid=version-row]');
    const order = async () => (await rows.evaluateAll((els) => els.map((e) => e.getAttribute('data-id')))).join(' ');
    assert.equal(await order(), `${ids.v1} ${v2}`);
    await page.getByRole('button', { name: 'Move v2 earlier' }).click();
    await until(async () => (await order()) === `${v2} ${ids.v1}`, { what: 'v2 moved first' });
    assert.deepEqual((await mediaJson(page, v2)).stack.map((x) => [x.id, x.version]), [[v2, 1], [ids.v1, 2]]);
    await page.getByRole('button', { name: 'Move v1 later' }).click();
    await until(async () => (await order()) === `${ids.v1} ${v2}`, { what: 'the stack back in order' });
    await page.locator('[data-testid=versions-menu] button[aria-label=Close]').click();

    // Compare with v1, side by side.
    await page.locator('[data-testid=compare-with]').selectOption(ids.v1);
    await until(async () => (await page.locator('[data-testid=compare-bar]').getAttribute('data-mode')) === 'side_by_side', { what: 'the compare bar' });
    await page.waitForFunction(() => (document.querySelector('[data-testid=compare-video]')?.readyState ?? 0) >= 2, null, { timeout: 20_000 });
    assert.match(page.url(), new RegExp(`compare=${ids.v1}`));

    // Stepping moves both: after 12 steps both players show frame 12 (what each element
    // presented, and where each element's clock sits).
    await press(page, 'ArrowRight', 12);
    const bothAt = async (n) => {
      const frames = page.locator('[data-testid=compare-frames]');
      return (
        (await frames.getAttribute('data-left')) === String(n) &&
        (await frames.getAttribute('data-right')) === String(n) &&
        (await videoFrame(page)) === n &&
        (await videoFrame(page, '[data-testid=compare-video]')) === n
      );
    };
    await until(() => bothAt(12), { what: 'both players on frame 12' });
    await press(page, 'ArrowLeft', 5);
    await until(() => bothAt(7), { what: 'both players on frame 7' });
    await shot(page, '50-compare-side-by-side');

    // Playing plays both; pausing stops both on one frame.
    await press(page, ' ');
    await until(async () => page.evaluate(() => !document.querySelector('[data-testid=compare-video]').paused), { what: 'the right side playing' });
    await until(async () => Number(await page.locator('[data-testid=compare-frames]').getAttribute('data-left')) > 20, { what: 'playing on' });
    await press(page, ' ');
    await until(
      async () => {
        const f = await videoFrame(page);
        return f != null && (await page.evaluate(() => document.querySelector('[data-testid=compare-video]').paused)) && (await bothAt(f));
      },
      { what: 'both paused on one frame' },
    );

    // Wipe at 30 %: the right picture shows left of the line.
    await page.locator('[data-testid=compare-mode-wipe]').click();
    await page.locator('[data-testid=wipe-slider]').fill('0.3');
    await until(async () => /inset\(0(px)? 70%/.test(await page.locator('[data-testid=compare-video]').evaluate((v) => v.style.clipPath)), {
      what: 'the wipe at 30 %',
    });
    await shot(page, '51-compare-wipe');

    // The notes of the right side take a comment on its own frame: it belongs to v1.
    const rightFrame = Number(await page.locator('[data-testid=compare-frames]').getAttribute('data-right'));
    await page.locator('[data-testid=notes-tab-other]').click();
    const box = page.locator('[data-testid=comment-input]:visible');
    await box.fill('Compared with v2: the grade changed here');
    await page.locator('[data-testid=comment-send]:visible').click();
    const all = await until(
      async () => {
        const list = await page.evaluate(async (mid) => (await fetch(`/api/media/${mid}/stack/comments`)).json(), ids.v2);
        return list.find((x) => x.comment.text.startsWith('Compared with v2')) ?? null;
      },
      { what: 'the comment on the right side stored' },
    );
    assert.equal(all.version, 1);
    assert.equal(all.comment.media_id, ids.v1);
    assert.equal(all.comment.frame, rightFrame);
    // "All versions" lists it with its version's label.
    await page.locator('[data-testid=notes-tab-all]').click();
    await until(async () => (await page.locator('[data-testid=version-comment][data-version="1"]').count()) === 1, { what: 'the v1 note in all versions' });
    await page.locator('[data-testid=compare-close]').click();
    await until(async () => (await page.locator('[data-testid=compare-bar]').count()) === 0, { what: 'compare closed' });
    assert.doesNotMatch(page.url(), /compare=/);
  });

  it('runs a live session over a three-item playlist: the leader advances, the late follower lands and follows', { timeout: 180_000 }, async () => {
    const a = alice.page;
    const b = bob.page;
    for (const id of [ids.shot020, ids.shot030]) await waitReady(a, id);

    // The builder: a title, three items from the library, one moved, saved.
    await a.goto(`${server.url}/#/playlists`);
    await a.locator('[data-testid=new-playlist-title]').fill('Dailies Tuesday');
    await a.locator('[data-testid=new-playlist]').click();
    await a.locator('[data-testid=playlist-add]').waitFor();
    for (const id of [ids.shot030, ids.v2, ids.shot020]) await a.locator('[data-testid=playlist-add]').selectOption(id);
    await until(async () => (await a.locator('[data-testid=draft-item]').count()) === 3, { what: 'three items in the draft' });
    await a.getByRole('button', { name: 'Move shot030.mp4 down' }).click();
    await a.locator('[data-testid=save-playlist]').click();
    await until(async () => (await a.locator('[data-testid=playlist-item]').count()) === 3, { what: 'the saved playlist' });
    const order = await a.locator('[data-testid=playlist-item] .title').allTextContents();
    assert.deepEqual(order.map((t) => t.trim()), ['shot010 v2', 'shot030.mp4', 'shot020.mp4']);
    playlistUrl = a.url().replace(/\?edit=1$/, '');
    assert.equal(await a.locator('[data-testid=playlist-item]').first().getAttribute('data-open'), '0');

    // Shared through its dialog: everyone signed in with the link may comment.
    await a.locator('[data-testid=share-playlist]').click();
    await a.locator('[data-testid=share-link-access]').selectOption('comment');
    await a.locator('[data-testid=share-save]').click();
    await a.locator('[data-testid=share-saved]').waitFor();
    await a.locator('[data-testid=share-dialog] button[aria-label=Close]').click();

    // alice starts the session on the first item.
    await a.locator('[data-testid=start-live]').click();
    await until(async () => (await a.locator('[data-testid=playlist-position]').textContent().catch(() => null)) === '1', {
      what: 'the playlist session on item 1',
    });
    assert.match(a.url(), new RegExp(`#/media/${ids.v2}\\?session=1`));

    // bob arrives late: the playlist page points him at the live item.
    await b.goto(playlistUrl);
    await b.locator('[data-testid=join-live]').click();
    await until(async () => (await b.locator('[data-testid=playlist-position]').textContent().catch(() => null)) === '1', {
      what: 'bob on the live item',
    });
    assert.match(b.url(), new RegExp(`#/media/${ids.v2}`));

    // The session carries the compare view: alice wipes against v1, bob sees the same.
    await a.locator('[data-testid=compare-with]').selectOption(ids.v1);
    await a.locator('[data-testid=compare-mode-wipe]').click();
    await until(async () => (await b.locator('[data-testid=compare-bar]').getAttribute('data-mode').catch(() => null)) === 'wipe', {
      what: "bob sees alice's wipe",
    });
    await a.locator('[data-testid=compare-close]').click();
    await until(async () => (await b.locator('[data-testid=compare-bar]').count()) === 0, { what: 'bob out of compare' });

    // Next: both move to item 2, on the same frame; then alice steps and bob follows.
    const landOn = async (page, id, n) =>
      new RegExp(`#/media/${id}`).test(page.url()) &&
      (await page.locator('[data-testid=playlist-position]').textContent().catch(() => null)) === String(n);
    await a.locator('[data-testid=playlist-next]').click();
    await until(() => landOn(a, ids.shot030, 2), { what: 'alice on item 2' });
    await until(() => landOn(b, ids.shot030, 2), { what: 'bob on item 2' });
    await a.waitForFunction(() => (document.querySelector('[data-testid=video]')?.readyState ?? 0) >= 2, null, { timeout: 20_000 });
    await b.waitForFunction(() => (document.querySelector('[data-testid=video]')?.readyState ?? 0) >= 2, null, { timeout: 20_000 });
    await until(async () => (await videoFrame(b)) === 0 && (await videoFrame(a)) === 0, { what: 'both on the first frame' });
    await until(async () => (await a.locator('[data-testid=playlist-next]').isEnabled()), { what: 'alice leading item 2' });
    await press(a, 'ArrowRight', 9);
    await until(async () => (await videoFrame(a)) === 9 && (await videoFrame(b)) === 9, { what: 'both on frame 9 of item 2' });
    assert.equal(await b.locator('[data-testid=frame-number]').textContent(), '9');

    await a.locator('[data-testid=playlist-next]').click();
    await until(() => landOn(b, ids.shot020, 3), { what: 'bob on item 3' });
    await until(async () => (await videoFrame(b)) === 0, { what: 'bob on the first frame of item 3' });
    await shot(b, '52-playlist-follower');
  });

  it("gives the playlist a guest link: a guest with no identity clicks through its items", { timeout: 120_000 }, async () => {
    const a = alice.page;
    assert.ok(playlistUrl, 'the playlist of the test before');
    await a.goto(playlistUrl);
    await a.locator('[data-testid=share-playlist]').click();
    const dialog = a.locator('[data-testid=share-dialog]');
    await dialog.locator('[data-testid=guest-label]').fill('Client dailies');
    await dialog.locator('[data-testid=guest-create]').click();
    const url = dialog.locator('[data-testid=guest-url]');
    await url.waitFor({ timeout: 10_000 });
    const guestUrl = await url.inputValue();
    assert.match(guestUrl, new RegExp(`^${server.url}/r/[A-Za-z0-9_-]{20,}$`));
    await dialog.locator('[data-testid=guest-link]', { hasText: 'Client dailies' }).waitFor();
    await dialog.locator('button[aria-label=Close]').click();

    const guest = await openAnonymous();
    try {
      const g = guest.page;
      await g.goto(guestUrl);
      await g.locator('[data-testid=guest-name]').fill('Cleo');
      await g.locator('[data-testid=guest-enter]').click();
      await g.locator('[data-testid=guest-playlist]').waitFor({ timeout: 15_000 });
      const items = g.locator('[data-testid=guest-playlist-item]');
      assert.equal(await items.count(), 3);
      assert.equal(await items.nth(0).getAttribute('data-current'), '1');
      assert.match(g.url(), new RegExp(`#/media/${ids.v2}`));
      // The second item: its own media, playing through the guest routes.
      await items.nth(1).click();
      await until(async () => (await items.nth(1).getAttribute('data-current')) === '1', { what: 'the guest on item 2' });
      assert.match(g.url(), new RegExp(`#/media/${ids.shot030}`));
      await g.waitForFunction(() => (document.querySelector('[data-testid=video]')?.readyState ?? 0) >= 2, null, { timeout: 20_000 });
      const src = await g.evaluate(() => document.querySelector('[data-testid=video]')?.currentSrc ?? '');
      assert.match(src, new RegExp(`/api/guest/files/${ids.shot030}/`));
      await shot(g, '53-playlist-guest');
    } finally {
      if (guest.errors.length) console.log(`# guest page errors: ${[...new Set(guest.errors)].join(' | ')}`);
      await guest.close();
    }
  });
});
