import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { Connection } from '../net/connection.svelte';
import { socketFactory } from '../net/fake-socket';
import type { CollabState, UserInfo } from '../protocol/protocol';
import { LASER_FADE_MS, LASER_INTERVAL_MS } from './laser.svelte';
import { DECLINED, GRANTED, Presenter } from './presenter.svelte';
import { collab, media, member } from './room-fixtures';
import { Room } from './room.svelte';

const ann = member(1, 'Ann', { in_session: true, leader: true });
const ben = member(2, 'Ben', { in_session: true });
const cid = member(3, 'Cid', { in_session: true });
const user = (name: string): UserInfo => ({ id: name.toLowerCase(), name, is_admin: false });

describe('Presenter', () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  /** The room of m1 as session `me` sees it, Ann (1) leading a live session of three. */
  function setup(me: number) {
    const f = socketFactory();
    const conn = new Connection({ url: 'ws://x', createSocket: f.create, random: () => 0 });
    conn.start();
    f.last.open();
    const room = new Room('m1', conn, null);
    const notices: string[] = [];
    const presenter = new Presenter(room, conn, (t) => notices.push(t), {
      now: () => Date.now(),
      setTimeout: (fn, ms) => setTimeout(fn, ms),
      clearTimeout: (h) => clearTimeout(h as ReturnType<typeof setTimeout>),
    });
    const live = { ...collab, active: true, leader: 1 };
    const join = (sessionId = me) =>
      f.last.push({ type: 'room_joined', comments_before: null, resync: false, member_count: 3, media, comments: [], collab: live, members: [ann, ben, cid], seq: 0, session_id: sessionId, access: 'comment' });
    join();
    const state = (s: Partial<CollabState>) =>
      f.last.push({ type: 'collab', media_id: 'm1', state: { ...live, ...s, version: (room.collab?.version ?? 0) + 1 } });
    const asked = (session_id: number, name: string) => f.last.push({ type: 'lead_requested', media_id: 'm1', session_id, user: user(name) });
    const closed = (session_id: number, granted: boolean) => f.last.push({ type: 'lead_request_closed', media_id: 'm1', session_id, granted });
    return { f, room, presenter, notices, state, asked, closed, join };
  }

  it('locks and unlocks as the leader, and everyone sees the lock', () => {
    const lead = setup(1);
    expect(lead.presenter.locked).toBe(false);
    lead.presenter.setLocked(true);
    expect(lead.f.last.sentOf('session_control').map((m) => m.control)).toEqual([{ action: 'lock', locked: true }]);
    lead.state({ locked: true });
    expect(lead.presenter.locked).toBe(true);
    // A follower cannot lock: nothing goes out.
    const follower = setup(2);
    follower.presenter.setLocked(false);
    expect(follower.f.last.sentOf('session_control')).toEqual([]);
    follower.state({ locked: true });
    expect(follower.presenter.locked).toBe(true);
    // A session that ended is not locked, whatever its last state said.
    follower.state({ locked: true, active: false });
    expect(follower.presenter.locked).toBe(false);
  });

  it('queues requests for the leader once each, and answers them', () => {
    const { f, presenter, asked, closed } = setup(1);
    asked(2, 'Ben');
    asked(3, 'Cid');
    asked(2, 'Ben'); // sent again on a hand-over, say: still one
    expect(presenter.requests.map((r) => [r.session_id, r.user.name])).toEqual([[2, 'Ben'], [3, 'Cid']]);
    presenter.decline(3);
    expect(f.last.sentOf('decline_lead')).toEqual([{ type: 'decline_lead', media_id: 'm1', session_id: 3 }]);
    expect(presenter.requests.map((r) => r.session_id)).toEqual([2]);
    // Cid asks again; then leaves the session: the server closes the request.
    asked(3, 'Cid');
    closed(3, false);
    expect(presenter.requests.map((r) => r.session_id)).toEqual([2]);
    presenter.grant(2);
    expect(f.last.sentOf('grant_lead')).toEqual([{ type: 'grant_lead', media_id: 'm1', session_id: 2 }]);
    expect(presenter.requests).toEqual([]);
    // Nothing to answer: nothing goes out.
    presenter.grant(7);
    expect(f.last.sentOf('grant_lead')).toHaveLength(1);
  });

  it('drops the queue when the lead moves on (the next leader hears the requests)', () => {
    const { presenter, asked, state } = setup(1);
    asked(2, 'Ben');
    asked(3, 'Cid');
    state({ leader: 2 });
    expect(presenter.requests).toEqual([]);
    presenter.grant(3);
  });

  it('raises a hand once; the hand goes down when the request is answered', () => {
    const { f, presenter, notices, closed, state } = setup(2);
    presenter.raiseHand();
    presenter.raiseHand();
    expect(f.last.sentOf('request_lead')).toEqual([{ type: 'request_lead', media_id: 'm1' }]);
    expect(presenter.raised).toBe(true);
    closed(3, false); // someone else's
    expect(presenter.raised).toBe(true);
    closed(2, false);
    expect([presenter.raised, notices]).toEqual([false, [DECLINED]]);
    presenter.raiseHand();
    closed(2, true);
    state({ leader: 2 });
    expect([presenter.raised, notices]).toEqual([false, [DECLINED, GRANTED]]);
    // The leader has no one to ask.
    presenter.raiseHand();
    expect(f.last.sentOf('request_lead')).toHaveLength(2);
  });

  it('lowers the hand when the request is refused or the socket is new', () => {
    const { f, presenter, join } = setup(2);
    presenter.raiseHand();
    f.last.push({ type: 'error', code: 'bad_message', message: 'join the session first', request: 'request_lead' });
    expect(presenter.raised).toBe(false);
    presenter.raiseHand();
    join(5);
    expect(presenter.raised).toBe(false);
  });

  it('shows the session\u2019s notices', () => {
    const { f, notices } = setup(2);
    f.last.push({ type: 'session_notice', media_id: 'm1', message: "Alice (the media's owner) took over the locked session" });
    f.last.push({ type: 'session_notice', media_id: 'm2', message: 'another room' });
    expect(notices).toEqual(["Alice (the media's owner) took over the locked session"]);
  });

  it('points with the laser only while on and in the session, at most ~30 points a second', () => {
    const { f, presenter } = setup(2);
    presenter.point(0.1, 0.1);
    expect(f.last.sentOf('laser')).toEqual([]);
    presenter.holdLaser(true);
    for (let i = 0; i < 100; i++) {
      presenter.point(i / 100, 0.5);
      vi.advanceTimersByTime(10); // a pointer moving at 100 Hz for a second
    }
    vi.advanceTimersByTime(LASER_INTERVAL_MS);
    const sent = f.last.sentOf('laser');
    expect(sent.length).toBeLessThanOrEqual(31);
    expect(sent.length).toBeGreaterThanOrEqual(25);
    expect(sent.at(-1)).toEqual({ type: 'laser', media_id: 'm1', x: 0.99, y: 0.5 }); // the latest always goes
    // Released: a point still waiting is dropped, and moves send nothing.
    vi.advanceTimersByTime(100);
    presenter.point(0.2, 0.2);
    presenter.point(0.3, 0.3);
    presenter.holdLaser(false);
    vi.advanceTimersByTime(1000);
    presenter.point(0.4, 0.4);
    expect(f.last.sentOf('laser').map((m) => m.x).slice(sent.length)).toEqual([0.2]);
    presenter.toggleLaser();
    expect(presenter.laserOn).toBe(true);
  });

  it('shows others\u2019 laser dots by name, fading out within a second', () => {
    const { f, presenter } = setup(2);
    f.last.push({ type: 'laser', media_id: 'm1', session_id: 1, user_name: 'Ann', x: 0.25, y: 0.75 });
    expect(presenter.dots.dots).toEqual([{ session_id: 1, name: 'Ann', x: 0.25, y: 0.75, opacity: 1 }]);
    vi.advanceTimersByTime(700);
    presenter.dots.tick();
    const [half] = presenter.dots.dots;
    expect(half.opacity).toBeGreaterThan(0);
    expect(half.opacity).toBeLessThan(1);
    // A new point lights it again, where it now is.
    f.last.push({ type: 'laser', media_id: 'm1', session_id: 1, user_name: 'Ann', x: 0.5, y: 0.5 });
    expect(presenter.dots.dots.map((d) => [d.x, d.opacity])).toEqual([[0.5, 1]]);
    vi.advanceTimersByTime(LASER_FADE_MS);
    expect(presenter.dots.tick()).toBe(false);
    expect(presenter.dots.dots).toEqual([]);
  });
});
