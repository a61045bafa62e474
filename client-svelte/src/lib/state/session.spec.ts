import { beforeEach, describe, expect, it, vi } from 'vitest';
import { Connection } from '../net/connection.svelte';
import { socketFactory } from '../net/fake-socket';
import type { CollabState, MediaInfo } from '../protocol/protocol';
import { Room } from './room.svelte';
import { Session, type FollowTarget } from './session.svelte';

const media = { id: 'm1', fps_rational: { num: 25, den: 1 } } as MediaInfo;
const idle: CollabState = { active: true, leader: 1, playing: false, frame: 0, at_server_time: 0, rate: 1, loop_range: null, version: 1, locked: false };

class FakePlayer implements FollowTarget {
  frame = 0;
  playing = false;
  lastFrame = 999;
  fpsValue = 25;
  loop: [number, number] | null = null;
  elementRate = 1;
  rate = 1;
  pos = 0;
  seeks: number[] = [];
  exactPosition() {
    return this.pos;
  }
  seek(f: number) {
    this.frame = f;
    this.pos = f;
    this.seeks.push(f);
  }
  play() {
    this.playing = true;
  }
  pause() {
    this.playing = false;
  }
  setRate(r: number) {
    this.rate = r;
    this.elementRate = r;
  }
  setElementRate(r: number) {
    this.elementRate = r;
  }
}

describe('Session', () => {
  let f: ReturnType<typeof socketFactory>;
  let room: Room;
  let session: Session;
  let conn: Connection;
  let serverNow = 50_000;
  const push = (state: Partial<CollabState>) =>
    f.last.push({ type: 'collab', media_id: 'm1', state: { ...idle, ...state, version: (room.collab?.version ?? 0) + 1 } });

  beforeEach(() => {
    vi.useFakeTimers();
    f = socketFactory();
    conn = new Connection({ url: 'ws://x', createSocket: f.create });
    conn.start();
    f.last.open();
    room = new Room('m1', conn, null);
    f.last.push({
      type: 'room_joined', comments_before: null, resync: false, member_count: 1, media, comments: [], collab: idle, seq: 0, session_id: 2, access: 'comment',
      members: [
        { session_id: 1, user_id: 'alice', user_name: 'Alice', in_session: true, leader: true },
        { session_id: 2, user_id: 'bob', user_name: 'Bob', in_session: true, leader: false },
      ],
    });
    session = new Session(room, { send: (m) => conn.send(m), serverNow: () => serverNow, get isOpen() { return conn.isOpen; } });
  });

  it('knows who leads', () => {
    expect(session.active).toBe(true);
    expect(session.joined).toBe(true);
    expect(session.isLeader).toBe(false);
    expect(session.leader?.user_name).toBe('Alice');
    expect(session.participants).toHaveLength(2);
  });

  it('a follower lands on the frame the leader paused on', () => {
    const p = new FakePlayer();
    push({ playing: false, frame: 42 });
    session.follow(p);
    expect(p.frame).toBe(42);
    expect(p.playing).toBe(false);
    session.follow(p);
    expect(session.sync).toBe('synced');
  });

  it('waits for a scheduled play, then plays from the right frame', () => {
    const p = new FakePlayer();
    push({ playing: true, frame: 10, at_server_time: serverNow + 200 });
    session.follow(p);
    expect(p.playing).toBe(false);
    expect(p.frame).toBe(10);
    expect(session.sync).toBe('waiting');
    serverNow += 400; // 0.2 s into playback: frame 15
    session.follow(p);
    expect(p.playing).toBe(true);
    expect(p.frame).toBe(15);
  });

  it('nudges small drift and seeks large drift while playing', () => {
    const p = new FakePlayer();
    push({ playing: true, frame: 0, at_server_time: serverNow - 4000 }); // target 100
    p.playing = true;
    p.pos = 97;
    session.follow(p);
    expect(p.elementRate).toBeGreaterThan(1);
    expect(p.seeks).toEqual([]);
    p.pos = 60;
    session.follow(p);
    expect(p.seeks).toEqual([102]);
  });

  it('drives by sending controls', () => {
    session.control({ action: 'pause', frame: 7 });
    session.takeLead();
    const controls = f.last.sentOf('session_control').map((m) => m.control);
    expect(controls).toEqual([{ action: 'pause', frame: 7 }, { action: 'take_lead' }]);
  });

  it('does not pull the player back while its own command is on the way', () => {
    const p = new FakePlayer();
    push({ playing: false, frame: 10 });
    session.follow(p);
    expect(p.frame).toBe(10);
    p.seek(30); // the local, optimistic part of a seek
    session.control({ action: 'seek', frame: 30 });
    session.follow(p);
    expect(p.frame).toBe(30);
    push({ playing: false, frame: 30 });
    session.follow(p);
    expect(p.frame).toBe(30);
    expect(session.sync).toBe('synced');
  });

  it('a leader stepping fast keeps every step while the states of earlier ones arrive', () => {
    const p = new FakePlayer();
    push({ playing: false, frame: 0 });
    session.follow(p);
    // Five steps sent before any of their states is back; the states then arrive one by
    // one between the steps of following (the old order lost a step here).
    for (let i = 1; i <= 5; i++) {
      p.seek(p.frame + 1);
      session.control({ action: 'seek', frame: p.frame });
    }
    for (let i = 1; i <= 5; i++) {
      push({ playing: false, frame: i });
      session.follow(p);
      expect(p.frame, `after the state of step ${i}`).toBe(5);
    }
    expect(session.sync).toBe('synced');
  });

  it('a step held back by the throttle is not undone before it is sent', () => {
    const p = new FakePlayer();
    push({ playing: false, frame: 0 });
    session.follow(p);
    p.seek(1);
    session.control({ action: 'seek', frame: 1 });
    p.seek(2);
    session.hold(); // the second step waits for the throttle
    push({ playing: false, frame: 1 });
    session.follow(p);
    expect(p.frame).toBe(2);
    session.control({ action: 'seek', frame: 2 });
    push({ playing: false, frame: 2 });
    session.follow(p);
    expect(p.frame).toBe(2);
    expect(session.sync).toBe('synced');
  });

  it('gives up waiting for a command the server never answers', () => {
    const p = new FakePlayer();
    push({ playing: false, frame: 10 });
    session.follow(p);
    p.seek(30);
    session.control({ action: 'seek', frame: 30 });
    serverNow += 2000;
    session.follow(p);
    expect(p.frame).toBe(10);
  });

  it('goes back into the session after a reconnect', () => {
    session.start();
    f.last.close(1006, '');
    vi.advanceTimersByTime(1000);
    f.last.open();
    f.last.push({ type: 'room_joined', comments_before: null, resync: false, member_count: 1, media, comments: null, collab: idle, seq: 0, session_id: 5, members: [], access: 'comment' });
    expect(f.last.sentOf('session_join')).toHaveLength(1);
    session.leave();
    f.last.close(1006, '');
    vi.advanceTimersByTime(1000);
    f.last.open();
    f.last.push({ type: 'room_joined', comments_before: null, resync: false, member_count: 1, media, comments: null, collab: idle, seq: 0, session_id: 6, members: [], access: 'comment' });
    expect(f.last.sentOf('session_join')).toHaveLength(0);
  });

  it('puts a session the room forgot back on its frame', () => {
    const p = new FakePlayer();
    session.start();
    push({ playing: false, frame: 42 });
    session.follow(p);
    f.last.close(1006, '');
    vi.advanceTimersByTime(1000);
    f.last.open();
    // The room was emptied meanwhile: a fresh, inactive session.
    f.last.push({ type: 'room_joined', comments_before: null, resync: false, member_count: 1, media, comments: null, collab: { ...idle, active: false, leader: null, version: 0 }, seq: 0, session_id: 7, members: [], access: 'comment' });
    expect(f.last.sentOf('session_join')).toHaveLength(1);
    f.last.push({ type: 'presence_delta', media_id: 'm1', changes: [{ type: 'member_joined', member: { session_id: 7, user_id: 'bob', user_name: 'Bob', in_session: true, leader: true } }], member_count: 1 });
    f.last.push({ type: 'collab', media_id: 'm1', state: { ...idle, leader: 7, frame: 0, version: 1 } });
    session.follow(p);
    expect(f.last.sentOf('session_control').map((m) => m.control)).toEqual([{ action: 'pause', frame: 42 }]);
  });

  it('shows offline while the link is down', () => {
    const p = new FakePlayer();
    f.last.close(1006, '');
    session.follow(p);
    expect(session.sync).toBe('offline');
  });

  it('a viewer cannot join, and one demoted is not put back after a reconnect', () => {
    f.last.push({ type: 'access_changed', media_id: 'm1', access: 'view' });
    const before = f.last.sentOf('session_join').length;
    session.start();
    expect(session.allowed).toBe(false);
    expect(f.last.sentOf('session_join')).toHaveLength(before);
    f.last.push({ type: 'access_changed', media_id: 'm1', access: 'comment' });
    session.start();
    expect(f.last.sentOf('session_join')).toHaveLength(before + 1);
    f.last.push({ type: 'access_changed', media_id: 'm1', access: 'view' });
    f.last.close(1006, '');
    vi.advanceTimersByTime(1000);
    f.last.open();
    f.last.push({ type: 'room_joined', comments_before: null, resync: false, member_count: 1, media, comments: null, collab: idle, seq: 0, session_id: 8, members: [], access: 'comment' });
    expect(f.last.sentOf('session_join')).toHaveLength(0);
  });

  describe('free look', () => {
    it('stops following and counts the frames behind the presenter', () => {
      const p = new FakePlayer();
      push({ playing: false, frame: 40 });
      session.follow(p);
      expect(p.frame).toBe(40);
      session.detach();
      expect(session.freeLook).toBe(true);
      p.seek(12); // the follower scrubs back on its own
      push({ playing: false, frame: 50 }); // the presenter moves on
      session.follow(p);
      expect(p.frame).toBe(12);
      expect([session.sync, session.behind]).toEqual(['free', 38]);
      // While the session plays, the count follows its running frame (25 fps, 2 s: 50 more).
      push({ playing: true, frame: 50, at_server_time: serverNow });
      serverNow += 2000;
      session.follow(p);
      expect([p.playing, session.behind]).toEqual([false, 88]);
      expect(f.last.sentOf('session_control')).toEqual([]);
    });

    it('counts frames ahead as negative', () => {
      const p = new FakePlayer();
      push({ playing: false, frame: 10 });
      session.detach();
      p.seek(25);
      session.follow(p);
      expect(session.behind).toBe(-15);
    });

    it('rejoins on the presenter\u2019s frame', () => {
      const p = new FakePlayer();
      push({ playing: false, frame: 40 });
      session.detach();
      p.seek(3);
      session.follow(p);
      session.rejoin();
      expect(session.freeLook).toBe(false);
      session.follow(p);
      expect(p.frame).toBe(40);
      push({ playing: true, frame: 40, at_server_time: serverNow - 1000 }); // now at 65
      session.follow(p);
      expect([p.playing, p.frame]).toEqual([true, 65]);
    });

    it('is for followers only, and ends on leaving', () => {
      push({ leader: 2 });
      session.detach();
      expect(session.freeLook).toBe(false);
      push({ leader: 1 });
      session.detach();
      expect(session.freeLook).toBe(true);
      // Granted the lead while looking around: the presenter drives, so it follows.
      push({ leader: 2 });
      expect(session.freeLook).toBe(false);
      push({ leader: 1 });
      let left = 0;
      session.whenLeft(() => (left += 1));
      session.leave();
      expect(left).toBe(1);
      push({ leader: 1 });
      expect(session.freeLook).toBe(false);
    });

    it('knows when the presenter locked the session', () => {
      expect(session.locked).toBe(false);
      push({ locked: true });
      expect(session.locked).toBe(true);
      push({ locked: true, active: false });
      expect(session.locked).toBe(false);
    });
  });
});
