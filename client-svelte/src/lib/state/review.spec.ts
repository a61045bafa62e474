import { flushSync } from 'svelte';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { Connection } from '../net/connection.svelte';
import { socketFactory } from '../net/fake-socket';
import type { CollabState, MediaInfo, Member } from '../protocol/protocol';
import { Player } from './player.svelte';
import { CONTROL_THROTTLE_MS, FOLLOW_MS, ReviewController } from './review.svelte';
import { Room } from './room.svelte';
import { Router } from './router.svelte';
import { Session } from './session.svelte';

const media = { id: 'm1', fps_rational: { num: 25, den: 1 }, frame_count: 100 } as MediaInfo;
const collab: CollabState = { active: false, leader: null, playing: false, frame: 0, at_server_time: 0, rate: 1, loop_range: null, version: 0, locked: false };
const me = (in_session: boolean): Member => ({ session_id: 2, user_id: 'bob', user_name: 'Bob', in_session, leader: in_session });

describe('ReviewController', () => {
  let stops: (() => void)[] = [];
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => {
    stops.forEach((s) => s());
    stops = [];
    vi.useRealTimers();
  });

  /** The review page of m1, opened at `hash`; the room is joined when `join` is called. */
  function setup(hash: string) {
    window.history.replaceState(null, '', hash);
    const f = socketFactory();
    const conn = new Connection({ url: 'ws://x', createSocket: f.create });
    conn.start();
    f.last.open();
    const router = new Router(window);
    const room = new Room('m1', conn, null);
    const session = new Session(room, { send: (m) => conn.send(m), serverNow: () => Date.now(), get isOpen() { return conn.isOpen; } });
    const player = new Player();
    player.configure(media.fps_rational, media.frame_count, null);
    const review = new ReviewController(room, session, player, router, () => Date.now());
    stops.push(() => review.dispose(), () => conn.stop());
    const server = {
      join: () => f.last.push({ type: 'room_joined', comments_before: null, resync: false, member_count: 1, media, comments: [], collab, members: [me(false)], seq: 0, session_id: 2, access: 'comment' }),
      /** Bob is in the session (or not), and the session is live. */
      inSession: (yes: boolean) => {
        f.last.push({ type: 'collab', media_id: 'm1', state: { ...collab, active: yes, leader: yes ? 2 : null, version: (room.collab?.version ?? 0) + 1 } });
        f.last.push({ type: 'presence_delta', media_id: 'm1', changes: [{ type: 'member_changed', member: me(yes) }], member_count: 1 });
      },
      state: (s: Partial<CollabState>) =>
        f.last.push({ type: 'collab', media_id: 'm1', state: { ...collab, active: true, leader: 2, ...s, version: (room.collab?.version ?? 0) + 1 } }),
    };
    const controls = () => f.last.sentOf('session_control').map((m) => m.control);
    return { f, router, room, session, player, review, server, controls };
  }

  it('joins the session a link asks for, once the room is joined', () => {
    const { f, server } = setup('#/media/m1?session=1');
    flushSync();
    expect(f.last.sentOf('session_join')).toEqual([]);
    server.join();
    flushSync();
    expect(f.last.sentOf('session_join')).toEqual([{ type: 'session_join', media_id: 'm1' }]);
    server.inSession(true);
    flushSync();
    expect(window.location.hash).toBe('#/media/m1?session=1');
    expect(f.last.sentOf('session_join')).toHaveLength(1);
  });

  it('puts the session in the address while in it, and takes it out after', () => {
    const { server, session } = setup('#/media/m1?frame=12');
    server.join();
    flushSync();
    // Not in a session yet: the link stays as it was opened.
    expect(window.location.hash).toBe('#/media/m1?frame=12');
    session.start();
    server.inSession(true);
    flushSync();
    expect(window.location.hash).toBe('#/media/m1?session=1');
    session.leave();
    server.inSession(false);
    flushSync();
    expect(window.location.hash).toBe('#/media/m1');
  });

  it('joins again when a session link is followed while already here', () => {
    const { f, router, server, session } = setup('#/media/m1');
    server.join();
    flushSync();
    expect(f.last.sentOf('session_join')).toHaveLength(0);
    router.replace('#/media/m1?session=1');
    flushSync();
    expect(f.last.sentOf('session_join')).toHaveLength(1);
    server.inSession(true);
    flushSync();
    session.leave();
    server.inSession(false);
    flushSync();
    expect(window.location.hash).toBe('#/media/m1');
    router.replace('#/media/m1?session=1');
    flushSync();
    expect(f.last.sentOf('session_join')).toHaveLength(2);
    // Another page's link is not ours.
    router.replace('#/media/m2?session=1');
    flushSync();
    expect(f.last.sentOf('session_join')).toHaveLength(2);
  });

  it('drives the player alone outside the session, and the session inside it', () => {
    const { review, player, server, controls } = setup('#/media/m1');
    server.join();
    review.step(1);
    review.setRate(2);
    review.toggleLoop();
    expect(player.frame).toBe(1);
    expect(controls()).toEqual([]);
    server.inSession(true);
    flushSync();
    review.step(1);
    review.toggle();
    review.setRate(0.5);
    review.toggleLoop(); // off again
    expect(player.frame).toBe(2);
    expect(controls()).toEqual([
      { action: 'seek', frame: 2 },
      { action: 'play', frame: 2 },
      { action: 'rate', rate: 0.5 },
      { action: 'loop', range: null },
    ]);
  });

  it('in a locked session a follower\u2019s keys look around alone, and rejoin puts it back', () => {
    const { review, player, server, session, controls } = setup('#/media/m1');
    server.join();
    server.inSession(true);
    server.state({ leader: 1, frame: 20, locked: true });
    flushSync();
    vi.advanceTimersByTime(FOLLOW_MS);
    expect(player.frame).toBe(20);
    review.step(1);
    review.toggle();
    review.toggle();
    review.seek(5);
    review.setRate(2);
    expect(session.freeLook).toBe(true);
    expect(controls()).toEqual([]);
    expect(player.frame).toBe(5);
    // The presenter moves on; the follower stays where it looks.
    server.state({ leader: 1, frame: 60, locked: true });
    vi.advanceTimersByTime(2 * FOLLOW_MS);
    expect([player.frame, session.behind]).toEqual([5, 55]);
    review.toggleFreeLook();
    vi.advanceTimersByTime(2 * FOLLOW_MS);
    expect([player.frame, player.rate, session.freeLook]).toEqual([60, 1, false]);
    expect(controls()).toEqual([]);
  });

  it('unlocked, a follower drives as before; free look on purpose sends nothing', () => {
    const { review, server, session, controls } = setup('#/media/m1');
    server.join();
    server.inSession(true);
    server.state({ leader: 1, frame: 20 });
    flushSync();
    vi.advanceTimersByTime(FOLLOW_MS);
    review.step(1);
    expect(controls()).toEqual([{ action: 'seek', frame: 21 }]);
    review.toggleFreeLook();
    expect(session.freeLook).toBe(true);
    review.step(1);
    review.seek(3);
    expect(controls()).toHaveLength(1);
  });

  it('sends at most one seek per throttle period while scrubbing, and always the last', () => {
    const { review, server, controls } = setup('#/media/m1');
    server.join();
    server.inSession(true);
    flushSync();
    review.seek(10, false);
    review.seek(11, false);
    review.seek(12, false);
    expect(controls()).toEqual([{ action: 'seek', frame: 10 }]);
    vi.advanceTimersByTime(CONTROL_THROTTLE_MS);
    expect(controls()).toEqual([{ action: 'seek', frame: 10 }, { action: 'seek', frame: 12 }]);
    // A final seek goes at once and replaces the one waiting.
    review.seek(30, false);
    review.seek(31);
    vi.advanceTimersByTime(5 * CONTROL_THROTTLE_MS);
    expect(controls().slice(2)).toEqual([{ action: 'seek', frame: 31 }]);
  });

  it('follows the shared state while in the session, and stops once out of it', () => {
    const { review, player, server, session } = setup('#/media/m1');
    const setRate = vi.spyOn(player, 'setRate');
    server.join();
    server.inSession(true);
    flushSync();
    server.state({ frame: 42 });
    vi.advanceTimersByTime(FOLLOW_MS);
    expect(player.frame).toBe(42);
    // Others coming and going do not restart the follower.
    server.inSession(true);
    flushSync();
    expect(setRate).not.toHaveBeenCalled();
    session.leave();
    server.inSession(false);
    flushSync();
    expect(setRate).toHaveBeenCalledWith(1); // the catch-up nudge is dropped
    server.state({ frame: 60 });
    vi.advanceTimersByTime(10 * FOLLOW_MS);
    expect(player.frame).toBe(42);
    review.dispose();
  });

  it('sends live strokes only while in the session', () => {
    const { f, review, server } = setup('#/media/m1');
    const shape = { tool: 'pen' as const, points: [{ x: 0, y: 0 }], color: '#ff0000', width: 0.01, text: null };
    server.join();
    review.liveStroke(shape);
    review.clearLive();
    expect(f.last.sentOf('live_stroke')).toHaveLength(0);
    expect(f.last.sentOf('live_clear')).toHaveLength(0);
    server.inSession(true);
    flushSync();
    review.liveStroke(shape);
    review.clearLive();
    review.clearLive(true);
    expect(f.last.sentOf('live_stroke')).toEqual([{ type: 'live_stroke', media_id: 'm1', shape }]);
    expect(f.last.sentOf('live_clear').map((m) => m.all)).toEqual([false, true]);
  });

  it('stops following and drops a waiting seek when the page closes', () => {
    const { review, player, server, controls } = setup('#/media/m1');
    server.join();
    server.inSession(true);
    flushSync();
    review.seek(10, false);
    review.seek(11, false);
    review.dispose();
    server.state({ frame: 50 });
    vi.advanceTimersByTime(10 * FOLLOW_MS);
    expect(controls()).toEqual([{ action: 'seek', frame: 10 }]);
    expect(player.frame).toBe(11);
  });
});
