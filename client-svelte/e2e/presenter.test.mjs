// Presenter mode in real browsers against the real server: alice leads a live session and
// locks it; bob's space bar and arrows look around on his own (free look) and leave the
// session alone, as a websocket peer in the room sees; bob raises a hand, alice grants it
// and they swap roles; bob's laser dot shows on alice's picture.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import WebSocket from 'ws';
import { artifacts, Fatal, makeClip, openAs, shot, sleep, startServer, tempDir, until } from './harness.mjs';

const TIMEOUT = { timeout: 90_000 };
let server;
let alice;
let bob;
let peer;
let mediaId = null;
/** The frame the session stands on while locked. */
let held = -1;

/** A member of the room straight from Node (not in the session): it hears every collab state. */
class Peer {
  constructor(apiUrl, user) {
    this.messages = [];
    this.ws = new WebSocket(`${apiUrl.replace(/^http/, 'ws')}/api/ws`, { headers: { 'X-Remote-User-Id': user, 'X-Remote-User-Name': user } });
    this.ws.on('message', (data) => this.messages.push(JSON.parse(String(data))));
    this.opened = new Promise((res, rej) => {
      this.ws.once('open', res);
      this.ws.once('error', rej);
    });
  }
  async join(id) {
    await this.opened;
    await until(() => this.messages.some((m) => m.type === 'welcome'), { what: 'the peer welcomed' });
    this.ws.send(JSON.stringify({ type: 'join_room', media_id: id, since_seq: null }));
    await until(() => this.messages.some((m) => m.type === 'room_joined'), { what: 'the peer in the room' });
  }
  /** The newest collab state the room sent. */
  get collab() {
    const states = this.messages.flatMap((m) => (m.type === 'collab' ? [m.state] : m.type === 'room_joined' ? [m.collab] : []));
    return states.reduce((a, b) => (b.version >= a.version ? b : a));
  }
  close() {
    this.ws.close();
  }
}

async function uploadClip(user) {
  const res = await fetch(`${server.apiUrl}/api/upload`, {
    method: 'POST',
    headers: { 'X-Remote-User-Id': user, 'X-File-Name': 'presenter.mp4', 'Content-Type': 'video/mp4' },
    body: readFileSync(makeClip(tempDir())),
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

/** Anyone signed in who has the link may comment, and so join the live session. */
async function openForComments(id, owner) {
  const res = await fetch(`${server.apiUrl}/api/media/${id}/sharing`, {
    method: 'PUT',
    headers: { 'X-Remote-User-Id': owner, 'Content-Type': 'application/json' },
    body: JSON.stringify({ link_access: 'comment', users: [] }),
  });
  assert.equal(res.status, 200, await res.text());
}

const frameOf = async (page) => Number(await page.locator('[data-testid=frame-number]').textContent());
const roleOf = async (page) => (await page.locator('[data-testid=session-role]').textContent())?.trim() ?? '';

async function press(page, key) {
  await page.evaluate(() => document.activeElement instanceof HTMLElement && document.activeElement.blur());
  await page.keyboard.press(key);
}

async function videoReady(page) {
  await page.waitForFunction(() => (document.querySelector('video')?.readyState ?? 0) >= 2, null, { timeout: 20_000 });
}

function step(name, fn) {
  it(name, TIMEOUT, async () => {
    try {
      await fn();
    } catch (e) {
      const slug = name.replace(/[^a-z0-9]+/gi, '-').slice(0, 40);
      for (const [who, u] of [['alice', alice], ['bob', bob]]) {
        await u?.page.screenshot({ path: `${artifacts}/FAILED-presenter-${slug}-${who}.png` }).catch(() => undefined);
      }
      throw e;
    }
  });
}

function need(value, what) {
  if (!value) throw new Error(`${what} is missing: an earlier step failed`);
  return value;
}

describe('presenter mode', { skip: !!process.env.DAILIES_E2E_MOCK && 'the mock server has no presenter mode' }, () => {
  before(async () => {
    server = await startServer();
    alice = await openAs('alice', 'Alice');
    bob = await openAs('bob', 'Bob');
  });

  after(async () => {
    peer?.close();
    for (const u of [alice, bob]) {
      if (u?.errors.length) console.log(`# browser errors:\n#   ${u.errors.join('\n#   ')}`);
      await u?.close();
    }
    await server?.stop();
  });

  step('alice leads a live session on her clip, bob follows', async () => {
    // bob's first visit makes him known to the server.
    await bob.page.goto(`${server.url}/`);
    await bob.page.getByText('Live', { exact: true }).waitFor({ timeout: 15_000 });
    const id = await uploadClip('alice');
    await openForComments(id, 'alice');
    peer = new Peer(server.apiUrl, 'carl');
    await peer.join(id);
    const [a, b] = [alice.page, bob.page];
    await a.goto(`${server.url}/#/media/${id}`);
    await b.goto(`${server.url}/#/media/${id}`);
    await videoReady(a);
    await videoReady(b);
    await a.locator('[data-testid=session-start]').click();
    await a.locator('[data-testid=session-live]').waitFor({ timeout: 10_000 });
    await b.locator('[data-testid=session-join]').click();
    await b.locator('[data-testid=session-live]').waitFor({ timeout: 10_000 });
    await until(async () => (await roleOf(b)) === 'Following Alice', { what: 'bob to follow alice' });
    for (let i = 0; i < 5; i++) await press(a, 'ArrowRight');
    await until(async () => peer.collab.frame > 0 && !peer.collab.playing, { what: 'the session to step on' });
    await sleep(300);
    held = peer.collab.frame;
    await until(async () => (await frameOf(a)) === held && (await frameOf(b)) === held, { what: `both on frame ${held}` });
    mediaId = id;
  });

  step('alice locks the session and everyone sees it', async () => {
    need(mediaId, 'the session');
    const [a, b] = [alice.page, bob.page];
    await a.locator('[data-testid=session-lock]').click();
    await until(async () => (await roleOf(b)) === 'Presenter: Alice · locked', { what: 'bob to see the lock' });
    await until(async () => (await roleOf(a)) === 'Presenter: you · locked', { what: 'alice to see her lock' });
    assert.equal(await a.locator('[data-testid=session-lock]').getAttribute('aria-pressed'), 'true');
    await until(() => peer.collab.locked === true, { what: 'the room to hear of the lock' });
    // A follower of a locked session has no "Take control", but a hand to raise.
    assert.equal(await b.getByRole('button', { name: 'Take control' }).count(), 0);
    await b.locator('[data-testid=raise-hand]').waitFor();
    await shot(b, 'presenter-01-locked');
  });

  step("bob's space bar and arrows look around alone: the session does not move", async () => {
    need(mediaId, 'the locked session');
    const [a, b] = [alice.page, bob.page];
    const before = peer.collab;
    await press(b, 'Space'); // plays bob's player alone
    await sleep(400);
    await press(b, 'ArrowRight'); // pauses it, a frame on
    const free = b.locator('[data-testid=free-look]');
    await free.waitFor({ timeout: 5_000 });
    await sleep(1000); // time for a refused or accepted control to have come back
    const after = peer.collab;
    assert.equal(after.version, before.version, 'a collab state changed');
    assert.deepEqual([after.playing, after.frame, after.leader], [false, held, before.leader]);
    assert.equal(await frameOf(a), held, "alice's frame moved");
    const mine = await frameOf(b);
    assert.ok(mine > held, `bob's player did not move on its own (frame ${mine})`);
    await until(async () => Number(await free.getAttribute('data-behind')) === held - mine, { what: 'the count of frames ahead' });
    assert.match((await free.textContent()) ?? '', /frames? ahead of the presenter/);
    assert.equal(await b.getByText('the presenter has locked the session').count(), 0, 'a refused control was sent');
    await shot(b, 'presenter-02-free-look');
    // G (or the button) rejoins on the presenter's frame.
    await press(b, 'g');
    await free.waitFor({ state: 'detached', timeout: 5_000 });
    await until(async () => (await frameOf(b)) === held, { what: 'bob back on the presenter\u2019s frame' });
  });

  step('bob raises a hand, alice grants it, and they swap roles', async () => {
    need(mediaId, 'the locked session');
    const [a, b] = [alice.page, bob.page];
    const before = peer.collab;
    await b.locator('[data-testid=raise-hand]').click();
    await until(async () => (await b.locator('[data-testid=raise-hand]').textContent())?.includes('Hand raised'), { what: 'the hand up' });
    const request = a.locator('[data-testid=lead-request]', { hasText: 'Bob' });
    await request.waitFor({ timeout: 10_000 });
    await shot(a, 'presenter-03-raised-hand');
    await request.locator('[data-testid=lead-grant]').click();
    await until(async () => (await roleOf(b)) === 'Presenter: you · locked', { what: 'bob to present' });
    await until(async () => (await roleOf(a)) === 'Presenter: Bob · locked', { what: 'alice to follow bob' });
    await a.locator('[data-testid=lead-request]').waitFor({ state: 'detached' });
    await b.locator('[data-testid=session-lock]').waitFor();
    await until(() => peer.collab.leader !== before.leader, { what: 'the room to hear of the new leader' });
    const handed = peer.collab;
    // Only the leader changed: nobody's picture jumps.
    assert.deepEqual([handed.frame, handed.playing, handed.at_server_time, handed.locked], [before.frame, before.playing, before.at_server_time, true]);
    await b.getByText('You are presenting now.').waitFor({ timeout: 5_000 });
  });

  step("bob's laser dot shows on alice's picture", async () => {
    need(mediaId, 'the session');
    const [a, b] = [alice.page, bob.page];
    const stage = await b.locator('.stage').boundingBox();
    const cx = stage.x + stage.width / 2;
    const cy = stage.y + stage.height / 2;
    await b.evaluate(() => document.activeElement instanceof HTMLElement && document.activeElement.blur());
    await b.keyboard.down('v');
    // The dot fades within a second of the last point: keep pointing while alice looks.
    let pointing = true;
    const moving = (async () => {
      for (let i = 0; pointing; i++) {
        await b.mouse.move(cx + (i % 2 ? 2 : -2), cy);
        await sleep(50);
      }
    })();
    try {
      const dot = a.locator('[data-testid=laser-dot][data-name=Bob]');
      await dot.waitFor({ timeout: 10_000 });
      await shot(a, 'presenter-04-laser');
      // It is where bob points: the middle of the frame, at alice's size.
      const d = await dot.boundingBox();
      const s = await a.locator('.stage').boundingBox();
      assert.ok(Math.abs(d.x + d.width / 2 - (s.x + s.width / 2)) < 12, `dot x ${d.x} in stage ${JSON.stringify(s)}`);
      assert.ok(Math.abs(d.y + d.height / 2 - (s.y + s.height / 2)) < 12, `dot y ${d.y} in stage ${JSON.stringify(s)}`);
      assert.match((await dot.textContent()) ?? '', /Bob/);
      // And red on the screenshot, there.
      const png = await a.screenshot({ clip: { x: d.x + d.width / 2 - 2, y: d.y + d.height / 2 - 2, width: 4, height: 4 } });
      assert.ok(png.length > 0);
      const red = await a.evaluate(async (bytes) => {
        const img = new Image();
        img.src = `data:image/png;base64,${bytes}`;
        await img.decode();
        const c = document.createElement('canvas');
        c.width = img.width;
        c.height = img.height;
        const ctx = c.getContext('2d');
        ctx.drawImage(img, 0, 0);
        const [r, g, bl] = ctx.getImageData(Math.floor(img.width / 2), Math.floor(img.height / 2), 1, 1).data;
        return { r, g, b: bl };
      }, png.toString('base64'));
      assert.ok(red.r > 180 && red.g < 120 && red.b < 120, `the dot's pixel is ${JSON.stringify(red)}`);
    } finally {
      pointing = false;
      await moving;
      await b.keyboard.up('v');
    }
    // Let go: no more points, and the dot is gone within a second or so.
    await a.locator('[data-testid=laser-dot]').waitFor({ state: 'detached', timeout: 3_000 });
    for (const u of [alice, bob]) assert.deepEqual(u.errors, [], 'browser errors');
  });
});
