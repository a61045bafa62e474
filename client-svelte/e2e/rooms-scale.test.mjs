// Rooms at scale in a real browser against the real server: a room with more notes than
// one page (some with drawings large enough to travel by reference) opens on its newest
// page, loads the rest as the notes panel is scrolled, and fetches and draws a large
// drawing; a room bigger than the server's presence list names a few and counts the rest;
// a tab over the per-user socket limit says so and waits instead of hammering the server.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import WebSocket from 'ws';
import { artifacts, Fatal, makeClip, openAs, shot, startServer, tempDir, until } from './harness.mjs';

const TIMEOUT = { timeout: 120_000 };
/** The server's page: at most 100 comments (or 1 MiB). */
const PAGE = 100;
const TOTAL = 250;
/** Frames 0..89 for ordinary notes; each large drawing has a frame of its own from 90. */
const LARGE = [3, 120, 247];

/** A socket to the server as one user, straight from Node (no browser). */
class Sock {
  constructor(apiUrl, user) {
    this.messages = [];
    this.waiters = [];
    this.ws = new WebSocket(`${apiUrl.replace(/^http/, 'ws')}/api/ws`, {
      headers: { 'X-Remote-User-Id': user, 'X-Remote-User-Name': user[0].toUpperCase() + user.slice(1) },
    });
    this.ws.on('message', (data) => {
      this.messages.push(JSON.parse(String(data)));
      for (const w of [...this.waiters]) w();
    });
    this.closed = new Promise((res) => this.ws.on('close', (code, reason) => res({ code, reason: String(reason) })));
  }
  send(msg) {
    this.ws.send(JSON.stringify(msg));
  }
  /** The first message (from the start) that `pred` accepts. */
  wait(pred, what, timeout = 20_000) {
    return new Promise((res, rej) => {
      const check = () => {
        const m = this.messages.find(pred);
        if (!m) return false;
        this.waiters = this.waiters.filter((w) => w !== check);
        clearTimeout(timer);
        res(m);
        return true;
      };
      const timer = setTimeout(() => {
        this.waiters = this.waiters.filter((w) => w !== check);
        rej(new Error(`timed out waiting for ${what}`));
      }, timeout);
      if (!check()) this.waiters.push(check);
    });
  }
  async join(mediaId) {
    await this.wait((m) => m.type === 'welcome', 'welcome');
    this.send({ type: 'join_room', media_id: mediaId, since_seq: null });
    return this.wait((m) => m.type === 'room_joined' && m.media.id === mediaId, 'room_joined');
  }
  close() {
    this.ws.close();
    return this.closed;
  }
}

/** Uploads a clip as `user` over HTTP and waits until it is ready; answers its id. */
async function uploadClip(server, user) {
  const file = makeClip(tempDir());
  const res = await fetch(`${server.apiUrl}/api/upload`, {
    method: 'POST',
    headers: { 'X-Remote-User-Id': user, 'X-File-Name': 'scale.mp4', 'Content-Type': 'video/mp4' },
    body: readFileSync(file),
  });
  const body = await res.json();
  assert.ok(res.ok, `upload: ${res.status} ${JSON.stringify(body)}`);
  await until(
    async () => {
      const m = await (await fetch(`${server.apiUrl}/api/media/${body.id}`, { headers: { 'X-Remote-User-Id': user } })).json();
      if (m.status === 'failed') throw new Fatal(`processing failed: ${m.error}`);
      return m.status === 'ready';
    },
    { what: 'the clip to be ready', timeout: 60_000 },
  );
  return body.id;
}

/** Anyone signed in who has the link may comment (docs/sharing.md). */
async function openForComments(server, mediaId, owner) {
  const res = await fetch(`${server.apiUrl}/api/media/${mediaId}/sharing`, {
    method: 'PUT',
    headers: { 'X-Remote-User-Id': owner, 'Content-Type': 'application/json' },
    body: JSON.stringify({ link_access: 'comment', users: [] }),
  });
  assert.equal(res.status, 200, await res.text());
}

/** A pen stroke of `points` points: 1,200 of them are about 30 KiB of JSON. */
function bigDrawing(points = 1200) {
  const pts = Array.from({ length: points }, (_, i) => ({ x: 0.1 + (0.8 * i) / points, y: 0.5 + 0.3 * Math.sin(i / 20) }));
  return { shapes: [{ tool: 'pen', points: pts, color: '#ff3b30', width: 0.01, text: null }] };
}

function failureShots(name, browsers) {
  const slug = name.replace(/[^a-z0-9]+/gi, '-').slice(0, 40);
  return Promise.all(browsers.filter(Boolean).map((b, i) => b.page.screenshot({ path: `${artifacts}/FAILED-${slug}-${i}.png` }).catch(() => undefined)));
}

describe('a room with more notes than one page', () => {
  let server;
  let alice;
  let mediaId;
  /** comment index → id, as the server numbered them. */
  const ids = new Map();

  before(async () => {
    server = await startServer();
    mediaId = await uploadClip(server, 'alice');
    // 250 notes over the websocket, as a busy review leaves them; three with large drawings.
    const bob = new Sock(server.apiUrl, 'bob');
    await openForComments(server, mediaId, 'alice');
    await bob.join(mediaId);
    for (let i = 0; i < TOTAL; i++) {
      const large = LARGE.indexOf(i);
      bob.send({
        type: 'add_comment', media_id: mediaId, text: `note ${i}`, frame: large >= 0 ? 90 + large : (i * 7) % 90,
        end_frame: null, parent_id: null, drawing: large >= 0 ? bigDrawing() : null, client_ref: `n${i}`,
      });
    }
    await until(() => bob.messages.filter((m) => m.type === 'room_event' && m.event.kind === 'comment_added').length >= TOTAL || bob.messages.find((m) => m.type === 'error'), {
      what: `${TOTAL} notes stored`,
      timeout: 60_000,
    });
    const refused = bob.messages.find((m) => m.type === 'error');
    assert.equal(refused, undefined, `a note was refused: ${JSON.stringify(refused)}`);
    for (const m of bob.messages) if (m.type === 'room_event' && m.event.kind === 'comment_added') ids.set(Number(m.event.client_ref.slice(1)), m.event.comment);
    // The server keeps large drawings out of the messages: they are fetched.
    for (const i of LARGE) assert.match(ids.get(i).drawing_url ?? '', /\/api\/media\/.+\/comments\/\d+\/drawing$/, `note ${i} by reference`);
    await bob.close();
    alice = await openAs('alice', 'Alice');
  });
  after(async () => {
    await alice?.close();
    await server?.stop();
  });

  it('shows the newest page, loads the rest as the panel scrolls, and draws a large drawing', TIMEOUT, async (t) => {
    const page = alice.page;
    try {
      const drawingRequests = [];
      page.on('request', (r) => r.url().includes('/drawing') && drawingRequests.push(new URL(r.url()).pathname));
      await page.goto(`${server.url}/#/media/${mediaId}`);
      await page.waitForFunction(() => (document.querySelector('video')?.readyState ?? 0) >= 2, null, { timeout: 20_000 });
      const panel = page.locator('[data-testid=comments-panel]');
      await until(async () => Number(await panel.getAttribute('data-loaded')) > 0, { what: 'the first page' });
      assert.equal(Number(await panel.getAttribute('data-loaded')), PAGE, 'one page first');
      assert.equal(await panel.getAttribute('data-more'), 'true');
      assert.match(await page.locator('[data-testid=open-count]').textContent(), /^100\+ open$/);
      // The timeline marks the notes loaded, not more.
      assert.equal(await page.locator('[data-testid=timeline]').getAttribute('data-notes'), String(PAGE));
      await shot(page, 'scale-01-first-page');

      // Scrolling to the end loads the older pages, one after the other.
      const list = page.getByRole('list', { name: 'Comment threads' });
      await until(
        async () => {
          await list.evaluate((el) => el.scrollTo({ top: el.scrollHeight }));
          return (await panel.getAttribute('data-more')) === 'false';
        },
        { what: 'every page loaded by scrolling', timeout: 30_000, interval: 300 },
      );
      assert.equal(Number(await panel.getAttribute('data-loaded')), TOTAL);
      assert.match(await page.locator('[data-testid=open-count]').textContent(), /^250 open$/);
      assert.equal(await page.locator('[data-testid=load-older]').count(), 0, 'no button once all are here');
      assert.equal(await page.locator('[data-testid=timeline]').getAttribute('data-notes'), String(TOTAL));

      // The oldest large drawing came with an older page: opening its note fetches and draws it.
      const oldest = ids.get(LARGE[0]);
      assert.equal(drawingRequests.length, 0, `nothing fetched before it is needed: ${drawingRequests}`);
      await page.evaluate(([m, c]) => (location.hash = `#/media/${m}?comment=${c}`), [mediaId, oldest.id]);
      await until(async () => (await page.locator('[data-testid=frame-number]').textContent()) === String(oldest.frame), { what: `frame ${oldest.frame}` });
      const saved = page.locator('[data-testid=draw-layer] path.saved');
      await until(async () => (await saved.count()) > 0, { what: 'the large drawing on the frame' });
      assert.deepEqual(drawingRequests, [`/api/media/${mediaId}/comments/${oldest.id}/drawing`]);
      // It is a pen stroke of 1,200 points: the path has them all.
      const d = await saved.first().getAttribute('d');
      assert.ok((d.match(/L/g) ?? []).length >= 1000 || d.length > 10_000, `a long path, got ${d.length} characters`);
      assert.equal(await page.locator('[data-testid=drawing-failed]').count(), 0);
      await shot(page, 'scale-02-large-drawing');

      // Cached: going there again fetches nothing more.
      await page.evaluate(([m]) => (location.hash = `#/media/${m}?frame=0`), [mediaId]);
      await page.evaluate(([m, c]) => (location.hash = `#/media/${m}?comment=${c}`), [mediaId, oldest.id]);
      await until(async () => (await saved.count()) > 0, { what: 'the drawing again' });
      assert.equal(drawingRequests.length, 1);
      assert.deepEqual(alice.errors.filter((e) => !/favicon/.test(e)), []);
    } catch (e) {
      await failureShots(t.name, [alice]);
      throw e;
    }
  });
});

describe('a room larger than its presence list', () => {
  let server;
  let alice;
  let mediaId;
  const socks = [];

  before(async () => {
    server = await startServer({ extraArgs: ['--presence-list-max', '3'] });
    mediaId = await uploadClip(server, 'alice');
    await openForComments(server, mediaId, 'alice');
    // Six others, one after the other so the earliest joined are known: u1, u2, u3 are shown.
    for (let i = 1; i <= 6; i++) {
      const s = new Sock(server.apiUrl, `u${i}`);
      socks.push(s);
      await s.join(mediaId);
    }
    alice = await openAs('alice', 'Alice');
  });
  after(async () => {
    await Promise.all(socks.map((s) => s.close()));
    await alice?.close();
    await server?.stop();
  });

  it('names the few shown and counts the others, live', TIMEOUT, async (t) => {
    const page = alice.page;
    try {
      await page.goto(`${server.url}/#/media/${mediaId}`);
      const toggle = page.locator('[data-testid=people-toggle]');
      await until(async () => (await toggle.getAttribute('data-count')) === '7', { what: '7 here' });
      assert.equal(await toggle.textContent(), '7 here');
      await toggle.click();
      const names = () => page.locator('[data-testid=people-list] [data-testid=person]').allTextContents();
      // The three earliest, and oneself (always listed); the other three are counted.
      assert.deepEqual((await names()).sort(), ['Alice', 'U1', 'U2', 'U3']);
      const others = page.locator('[data-testid=people-others]');
      assert.equal(await others.textContent(), 'and 3 others');
      await shot(page, 'scale-03-presence');

      // u2 leaves: u4 moves up into the shown, and one fewer is counted.
      await socks[1].close();
      await until(async () => (await names()).sort().join() === 'Alice,U1,U3,U4', { what: 'u4 shown instead of u2' });
      await until(async () => (await others.textContent()) === 'and 2 others', { what: 'and 2 others' });
      assert.equal(await toggle.textContent(), '6 here');
    } catch (e) {
      await failureShots(t.name, [alice]);
      throw e;
    }
  });
});

describe('the per-user socket limit', () => {
  let server;
  let carol;
  const socks = [];

  before(async () => {
    server = await startServer({ extraArgs: ['--max-sockets-per-user', '3'] });
    for (let i = 0; i < 3; i++) {
      const s = new Sock(server.apiUrl, 'carol');
      socks.push(s);
      await s.wait((m) => m.type === 'welcome', 'welcome');
    }
    carol = await openAs('carol', 'Carol');
  });
  after(async () => {
    await Promise.all(socks.map((s) => s.close()));
    await carol?.close();
    await server?.stop();
  });

  it('shows the refusal, does not reconnect in a loop, and gets in on Retry now', TIMEOUT, async (t) => {
    const page = carol.page;
    try {
      const opened = [];
      page.on('websocket', (ws) => opened.push(ws.url()));
      await page.goto(`${server.url}/`);
      const refused = page.locator('[data-testid=refused]');
      await refused.waitFor({ timeout: 15_000 });
      assert.match(await refused.textContent(), /too many open connections.*retrying in \d+s/);
      await shot(page, 'scale-04-socket-limit');
      await new Promise((r) => setTimeout(r, 4000));
      assert.equal(opened.length, 1, `one attempt, then the long wait: ${opened.length}`);
      // One of the other sockets goes: the user retries at once and is in.
      await socks.pop().close();
      await page.getByRole('button', { name: 'Retry now' }).click();
      await until(async () => (await page.locator('.conn .pill.ok').count()) === 1, { what: 'connected after Retry now' });
      assert.equal(await refused.count(), 0);
      assert.equal(opened.length, 2);
    } catch (e) {
      await failureShots(t.name, [carol]);
      throw e;
    }
  });
});
