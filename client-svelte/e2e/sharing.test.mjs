// Team review in real browsers against the real server: alice shares a clip with bob (not
// an admin) through the Share dialog; bob opens it from "Shared with me"; a live session
// lands bob on alice's frame; a status change and a resolved note are seen live; a guest
// with no identity at all opens a password guest link, comments with an arrow, and is cut
// off when alice revokes the link; a view-only link with downloads; bob loses commenting
// when made a viewer, then the page when removed.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { artifacts, Fatal, makeClip, openAnonymous, openAs, shot, startServer, tempDir, until } from './harness.mjs';

const TIMEOUT = { timeout: 90_000 };
const PASSWORD = 'northern-lights';
const GUEST_NOTE = 'The horizon tilts here';
const BOB_NOTE = 'Colour looks cold on this shot';
let server;
let alice;
let bob;
let guest;
let mediaId = null;
let guestUrl = null;

function tc(frame) {
  const p = (n) => String(n).padStart(2, '0');
  const s = Math.floor(frame / 25);
  return `${p(Math.floor(s / 3600))}:${p(Math.floor(s / 60) % 60)}:${p(s % 60)}:${p(frame % 25)}`;
}

const frameOf = async (page) => Number(await page.locator('[data-testid=frame-number]').textContent());

async function expectFrame(page, frame, what = `frame ${frame}`) {
  await until(async () => (await frameOf(page)) === frame, { what, timeout: 10_000 });
}

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
  await page.evaluate(() => document.activeElement instanceof HTMLElement && document.activeElement.blur());
  await page.keyboard.press(key);
}

async function videoReady(page) {
  await page.waitForFunction(() => (document.querySelector('video')?.readyState ?? 0) >= 2, null, { timeout: 20_000 });
}

/** alice's Share dialog on the review page, open (opened if needed). */
async function shareDialog() {
  const dialog = alice.page.locator('[data-testid=share-dialog]');
  if (!(await dialog.isVisible())) await alice.page.locator('[data-testid=share-button]').click();
  await dialog.waitFor();
  // Loaded: the people list shows the owner line at least.
  await dialog.getByText('Owner', { exact: true }).waitFor({ timeout: 10_000 });
  return dialog;
}

async function saveSharing(dialog) {
  await dialog.locator('[data-testid=share-save]').click();
  await until(
    async () => {
      const err = dialog.locator('p.err[role=alert]');
      if (await err.count()) throw new Fatal(`saving the sharing failed: ${await err.first().textContent()}`);
      return (await dialog.locator('[data-testid=share-saved]').count()) > 0;
    },
    { what: 'the sharing to be saved' },
  );
}

async function closeDialog() {
  await alice.page.locator('[data-testid=share-dialog]').getByRole('button', { name: 'Close' }).click();
  await alice.page.locator('[data-testid=share-dialog]').waitFor({ state: 'detached' });
}

function step(name, fn) {
  it(name, TIMEOUT, async () => {
    try {
      await fn();
    } catch (e) {
      const slug = name.replace(/[^a-z0-9]+/gi, '-').slice(0, 40);
      for (const [who, u] of [['alice', alice], ['bob', bob], ['guest', guest]]) {
        await u?.page.screenshot({ path: `${artifacts}/FAILED-sharing-${slug}-${who}.png` }).catch(() => undefined);
      }
      throw e;
    }
  });
}

/** Each step needs the ones before it; after a failure the rest fail at once, saying so. */
function need(value, what) {
  if (!value) throw new Error(`${what} is missing: an earlier step failed`);
  return value;
}

// The mock server has no sharing or guest routes.
describe('team review: sharing, live session, guests', { skip: !!process.env.DAILIES_E2E_MOCK && 'the mock server has no sharing routes' }, () => {
  before(async () => {
    server = await startServer();
    alice = await openAs('alice', 'Alice');
    bob = await openAs('bob', 'Bob');
    guest = await openAnonymous();
  });

  after(async () => {
    for (const u of [alice, bob, guest]) {
      if (u?.errors.length) console.log(`# browser errors:\n#   ${u.errors.join('\n#   ')}`);
      await u?.close();
    }
    await server?.stop();
  });

  step('alice uploads a clip; bob, signed in, has nothing shared yet', async () => {
    // bob's visit makes him a user the server knows, so alice can pick him.
    await bob.page.goto(`${server.url}/`);
    await bob.page.getByRole('heading', { name: /Library/ }).waitFor();
    await bob.page.getByText('Live', { exact: true }).waitFor({ timeout: 15_000 });
    await bob.page.locator('[data-testid=tab-shared]').click();
    await bob.page.getByText('Nothing is shared with you yet.').waitFor();

    await alice.page.goto(`${server.url}/`);
    await alice.page.getByText('Live', { exact: true }).waitFor({ timeout: 15_000 });
    await alice.page.setInputFiles('[data-testid=file-input]', makeClip(tempDir()));
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
    assert.equal(await card.locator('[data-testid=status-badge]').getAttribute('data-status'), 'needs_review');
  });

  step('alice shares it with bob as a commenter, and only with him', async () => {
    need(mediaId, 'the media');
    await alice.page.goto(`${server.url}/#/media/${mediaId}`);
    await videoReady(alice.page);
    const dialog = await shareDialog();
    await dialog.locator('[data-testid=share-user-search]').fill('Bo');
    await dialog.locator('[data-testid=share-candidate][data-user-id=bob]').click();
    const row = dialog.locator('[data-testid=share-user][data-user-id=bob]');
    await row.waitFor();
    assert.equal(await row.locator('[data-testid=share-role]').inputValue(), 'commenter');
    // No one else signed in gets it from the link: removing bob later really removes him.
    await dialog.locator('[data-testid=share-link-access]').selectOption('off');
    await shot(alice.page, 'sharing-01-dialog');
    await saveSharing(dialog);
    await closeDialog();
    // The server has what the dialog showed.
    const res = await fetch(`${server.apiUrl}/api/media/${mediaId}/sharing`, { headers: { 'X-Remote-User-Id': 'alice' } });
    const stored = await res.json();
    assert.equal(stored.link_access, 'off');
    assert.deepEqual(stored.users.map((u) => [u.user_id, u.role]), [['bob', 'commenter']]);
  });

  step('bob finds it under "Shared with me" and opens it', async () => {
    need(mediaId, 'the media');
    const b = bob.page;
    await b.locator('[data-testid=tab-shared]').click();
    const card = b.locator(`[data-testid=media-card][data-id="${mediaId}"]`);
    await card.waitFor({ timeout: 10_000 });
    await card.locator('[data-testid=media-owner]', { hasText: 'by Alice' }).waitFor();
    await shot(b, 'sharing-02-shared-with-me');
    await card.getByRole('link', { name: /^Open / }).click();
    await videoReady(b);
    assert.equal(await b.locator('[data-testid=share-button]').count(), 0, 'bob does not manage the sharing');
    await b.locator('[data-testid=comment-input]').waitFor();
  });

  step('both join a live session: bob stops on the frame alice pauses on', async () => {
    need(mediaId, 'the media');
    const a = alice.page;
    const b = bob.page;
    await a.locator('[data-testid=session-start]').click();
    await a.locator('[data-testid=session-live]').waitFor({ timeout: 10_000 });
    await b.locator('[data-testid=session-join]').click();
    await b.locator('[data-testid=session-live]').waitFor({ timeout: 10_000 });
    await until(async () => /Following/.test((await b.locator('[data-testid=session-role]').textContent()) ?? ''), { what: 'bob to follow' });
    await press(a, 'Home');
    await expectFrame(b, 0);
    await press(a, 'Space'); // play
    await until(async () => (await frameOf(a)) >= 20, { what: 'the session to play on' });
    await press(a, 'Space'); // pause
    const n = await settledFrame(a);
    assert.ok(n >= 20, `the session stopped at frame ${n}`);
    await expectFrame(b, n, `bob on alice's frame ${n}`);
    assert.equal(await b.locator('[data-testid=timecode]').textContent(), tc(n));
    await until(async () => (await b.locator('[data-testid=sync-state]').getAttribute('data-sync')) === 'synced', { what: 'bob in sync' });
    await shot(b, 'sharing-03-bob-follows');
    // Out of the session again, so each moves on their own.
    await a.getByRole('button', { name: 'Leave' }).click();
    await b.getByRole('button', { name: 'Leave' }).click();
  });

  step('bob sets the review status, and alice sees it live', async () => {
    need(mediaId, 'the media');
    const b = bob.page;
    await b.locator('[data-testid=status-picker]').click();
    await b.locator('[data-testid=status-option][data-status=changes_requested]').click();
    await until(async () => (await b.locator('[data-testid=status-picker]').getAttribute('data-status')) === 'changes_requested', {
      what: "bob's status to change",
    });
    await until(async () => (await alice.page.locator('[data-testid=status-picker]').getAttribute('data-status')) === 'changes_requested', {
      what: 'the status at alice',
    });
    await alice.page.locator('[data-testid=status-picker]').click();
    const history = alice.page.locator('[data-testid=status-history] li').first();
    await history.waitFor();
    assert.match(await history.textContent(), /Changes requested\s+by Bob/);
    await shot(alice.page, 'sharing-04-status-history');
    await alice.page.locator('[data-testid=status-picker]').click();
    await alice.page.locator('[data-testid=status-menu]').waitFor({ state: 'detached' });
  });

  step('alice resolves bob\u2019s note, and bob sees it resolved live', async () => {
    need(mediaId, 'the media');
    const b = bob.page;
    await b.locator('[data-testid=comment-input]').fill(BOB_NOTE);
    await b.locator('[data-testid=comment-send]').click();
    const theirs = alice.page.locator('[data-testid=comment]', { hasText: BOB_NOTE });
    await theirs.waitFor({ timeout: 10_000 });
    const openBefore = Number(await b.locator('[data-testid=open-count]').getAttribute('data-count'));
    await theirs.locator('[data-testid=resolve-toggle]').check();
    const atBob = b.locator('[data-testid=comment]', { hasText: BOB_NOTE });
    await until(async () => (await atBob.getAttribute('data-resolved')) === 'true', { what: 'the note resolved at bob' });
    await atBob.locator('[data-testid=resolved-by]', { hasText: 'Resolved by Alice' }).waitFor();
    assert.equal(Number(await b.locator('[data-testid=open-count]').getAttribute('data-count')), openBefore - 1);
    // The open filter leaves it out; the resolved one shows only it.
    await b.locator('[data-testid=notes-filter-open]').click();
    await atBob.waitFor({ state: 'detached' });
    await b.locator('[data-testid=notes-filter-resolved]').click();
    await atBob.waitFor();
    await shot(b, 'sharing-05-resolved');
    await b.locator('[data-testid=notes-filter-all]').click();
  });

  step('alice makes a guest link with a password; a wrong token is refused', async () => {
    need(mediaId, 'the media');
    const dialog = await shareDialog();
    await dialog.locator('[data-testid=guest-label]').fill('Client review');
    await dialog.locator('[data-testid=guest-password]').fill(PASSWORD);
    await dialog.locator('[data-testid=guest-expires]').fill('2099-06-01T12:00');
    await dialog.locator('[data-testid=guest-create]').click();
    const url = dialog.locator('[data-testid=guest-url]');
    await url.waitFor({ timeout: 10_000 });
    guestUrl = await url.inputValue();
    assert.match(guestUrl, new RegExp(`^${server.url}/r/[A-Za-z0-9_-]{20,}$`));
    const row = dialog.locator('[data-testid=guest-link]', { hasText: 'Client review' });
    await row.waitFor();
    assert.match(await row.textContent(), /can comment · password/);
    assert.match(await row.textContent(), /expires /);
    await shot(alice.page, 'sharing-06-guest-link');
    await closeDialog();

    const g = guest.page;
    await g.goto(`${server.url}/r/not-a-real-token`);
    await g.locator('[data-testid=guest-name]').fill('Carla');
    await g.locator('[data-testid=guest-enter]').click();
    await g.locator('[data-testid=guest-ended]', { hasText: 'This review link is not valid' }).waitFor({ timeout: 10_000 });
  });

  step('a guest with no identity opens the link with the password and comments with an arrow', async () => {
    const g = guest.page;
    await g.goto(need(guestUrl, 'the guest link'));
    await g.locator('[data-testid=guest-name]').fill('Carla');
    await g.locator('[data-testid=guest-password]').fill('not-it');
    await g.locator('[data-testid=guest-enter]').click();
    await g.locator('[data-testid=guest-error]', { hasText: 'Wrong password.' }).waitFor({ timeout: 10_000 });
    await g.locator('[data-testid=guest-password]').fill(PASSWORD);
    await g.locator('[data-testid=guest-enter]').click();
    await videoReady(g);
    await g.locator('[data-testid=guest-user]', { hasText: 'Carla' }).waitFor();
    // A guest is in no library and has no notifications.
    assert.equal(await g.locator('[data-testid=notifications-button]').count(), 0);
    assert.equal(await g.getByRole('link', { name: 'Back to the library' }).count(), 0);
    assert.equal(await g.locator('[data-testid=guest-download]').count(), 0, 'the link does not allow downloads');

    const M = 40;
    await press(g, 'Home');
    for (let i = 0; i < 4; i++) await press(g, 'Shift+ArrowRight');
    await expectFrame(g, M);
    await press(g, 'd');
    await g.locator('[data-tool=arrow]').click();
    const layer = g.locator('[data-testid=draw-layer][role=application]');
    await layer.waitFor();
    const box = await layer.boundingBox();
    await g.mouse.move(box.x + box.width * 0.3, box.y + box.height * 0.3);
    await g.mouse.down();
    await g.mouse.move(box.x + box.width * 0.5, box.y + box.height * 0.45, { steps: 6 });
    await g.mouse.move(box.x + box.width * 0.65, box.y + box.height * 0.6, { steps: 6 });
    await g.mouse.up();
    await g.locator('[data-testid=drawing-chip]').waitFor();
    await g.locator('[data-testid=comment-input]').fill(GUEST_NOTE);
    await g.locator('[data-testid=comment-send]').click();
    await g.locator('[data-testid=comment]', { hasText: GUEST_NOTE }).waitFor({ timeout: 10_000 });
    await shot(g, 'sharing-07-guest-commented');

    const atAlice = alice.page.locator('[data-testid=comment]', { hasText: GUEST_NOTE });
    await atAlice.waitFor({ timeout: 10_000 });
    assert.equal(await atAlice.getAttribute('data-guest'), 'true');
    await atAlice.locator('[data-testid=guest-mark]').waitFor();
    assert.match(await atAlice.textContent(), /Carla\s*guest/);
    assert.equal(await atAlice.locator('[data-testid=comment-timecode]').textContent(), tc(M));
    assert.ok(await atAlice.getByLabel('Has a drawing').count(), 'the arrow came with the note');
    await shot(alice.page, 'sharing-08-alice-sees-guest');
  });

  step('alice revokes the guest link, and the guest’s page says it is no longer valid', async () => {
    const dialog = await shareDialog();
    const row = dialog.locator('[data-testid=guest-link]', { hasText: 'Client review' });
    await row.locator('[data-testid=guest-revoke]').click();
    await row.locator('[data-testid=guest-revoke-confirm]').click();
    await row.waitFor({ state: 'detached', timeout: 10_000 });
    await closeDialog();
    await guest.page.locator('[data-testid=guest-ended]', { hasText: 'This review link is no longer valid' }).waitFor({ timeout: 15_000 });
    await shot(guest.page, 'sharing-09-guest-revoked');
    // And it stays so: the link opens nothing any more.
    await guest.page.goto(need(guestUrl, 'the guest link'));
    await guest.page.locator('[data-testid=guest-name]').fill('Carla');
    await guest.page.locator('[data-testid=guest-password]').fill(PASSWORD);
    await guest.page.locator('[data-testid=guest-enter]').click();
    await guest.page.locator('[data-testid=guest-ended]', { hasText: 'This review link is not valid' }).waitFor({ timeout: 10_000 });
  });

  step('a view-only guest link that allows downloads: no comment box, a download button', async () => {
    const dialog = await shareDialog();
    await dialog.locator('[data-testid=guest-label]').fill('Editor download');
    await dialog.locator('[data-testid=guest-can-comment]').uncheck();
    await dialog.locator('[data-testid=guest-can-download]').check();
    await dialog.locator('[data-testid=guest-create]').click();
    const url = await dialog.locator('[data-testid=guest-url]').inputValue();
    const row = dialog.locator('[data-testid=guest-link]', { hasText: 'Editor download' });
    await row.waitFor();
    assert.match(await row.textContent(), /view only · can download · no password/);
    await closeDialog();

    const g = guest.page;
    await g.goto(url);
    await g.locator('[data-testid=guest-name]').fill('Dana');
    await g.locator('[data-testid=guest-enter]').click();
    await videoReady(g);
    await g.locator('[data-testid=view-only]').waitFor();
    assert.equal(await g.locator('[data-testid=comment-input]').count(), 0);
    assert.equal(await g.locator('[data-testid=draw-toggle]').count(), 0);
    const download = g.locator('[data-testid=guest-download]');
    await download.waitFor();
    // The original comes with the guest cookie alone.
    const status = await g.evaluate(async (href) => (await fetch(href, { credentials: 'same-origin' })).status, await download.getAttribute('href'));
    assert.equal(status, 200);
    await shot(g, 'sharing-09b-guest-download');
  });

  step('made a viewer, bob loses the comment box and the session live', async () => {
    need(mediaId, 'the media');
    const b = bob.page;
    const dialog = await shareDialog();
    await dialog.locator('[data-testid=share-user][data-user-id=bob] [data-testid=share-role]').selectOption('viewer');
    await saveSharing(dialog);
    await closeDialog();
    await b.locator('[data-testid=view-only]').waitFor({ timeout: 10_000 });
    assert.equal(await b.locator('[data-testid=comment-input]').count(), 0);
    assert.equal(await b.locator('[data-testid=draw-toggle]').count(), 0);
    assert.equal(await b.locator('[data-testid=session-start]').count(), 0);
    assert.equal(await b.locator('[data-testid=status-picker]').count(), 0);
    await b.locator('[data-testid=status-readonly][data-status=changes_requested]').waitFor();
    assert.ok(await b.locator('[data-testid=resolve-toggle]').first().isDisabled());
    await shot(b, 'sharing-10-bob-viewer');
  });

  step('alice removes bob: his review page says so and leaves', async () => {
    need(mediaId, 'the media');
    const b = bob.page;
    const dialog = await shareDialog();
    await dialog.locator('[data-testid=share-user][data-user-id=bob] [data-testid=share-remove]').click();
    await saveSharing(dialog);
    await closeDialog();
    await b.getByRole('alert').filter({ hasText: 'Your access to this media was removed.' }).waitFor({ timeout: 10_000 });
    await b.getByRole('heading', { name: /Shared with me|Library/ }).waitFor();
    assert.equal(await b.locator('video').count(), 0, 'the review page is gone');
    await shot(b, 'sharing-11-bob-removed');
    // "Shared with me" no longer lists it, without a reload.
    await b.getByRole('heading', { name: /Shared with me/ }).waitFor();
    await b.getByText('Nothing is shared with you yet.').waitFor({ timeout: 10_000 });
    // And the server agrees.
    const res = await fetch(`${server.apiUrl}/api/media/${mediaId}`, { headers: { 'X-Remote-User-Id': 'bob' } });
    assert.equal(res.status, 404);
  });

  step('alice’s library shows the status and filters by it', async () => {
    need(mediaId, 'the media');
    const a = alice.page;
    await a.goto(`${server.url}/#/`);
    const card = a.locator(`[data-testid=media-card][data-id="${mediaId}"]`);
    await card.waitFor({ timeout: 10_000 });
    assert.equal(await card.locator('[data-testid=status-badge]').getAttribute('data-status'), 'changes_requested');
    await a.locator('[data-testid=status-filter]').selectOption('approved');
    await card.waitFor({ state: 'detached' });
    await a.locator('[data-testid=status-filter]').selectOption('changes_requested');
    await card.waitFor();
    await shot(a, 'sharing-12-library-status');
    // The card's menu opens the same Share dialog: bob is gone, the revoked link too.
    await card.getByRole('button', { name: /More actions/ }).click();
    await card.getByRole('menuitem', { name: 'Share…' }).click();
    const dialog = a.locator('[data-testid=share-dialog]');
    await dialog.locator('[data-testid=guest-link]').first().waitFor({ timeout: 10_000 });
    assert.deepEqual(
      (await dialog.locator('[data-testid=guest-link] strong').allTextContents()).map((t) => t.trim()),
      ['Editor download'],
    );
    assert.equal(await dialog.locator('[data-testid=share-user]').count(), 0);
    await dialog.getByRole('button', { name: 'Close' }).click();
    await dialog.waitFor({ state: 'detached' });
  });
});
