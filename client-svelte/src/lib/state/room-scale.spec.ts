// The room of a large review: presence kept by deltas, comments in pages, the catch-up in
// acknowledged pages, and a resync when the client was away too long.
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { Connection } from '../net/connection.svelte';
import { socketFactory, type FakeSocket } from '../net/fake-socket';
import type { Comment, RoomEvent, ServerMsg } from '../protocol/protocol';
import { collab, comment, media, member } from './room-fixtures';
import { NOTICE_MS, RESYNCED, Room } from './room.svelte';

type Joined = Extract<ServerMsg, { type: 'room_joined' }>;

describe('Room at scale', () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  function setup() {
    const f = socketFactory();
    const conn = new Connection({ url: 'ws://x', createSocket: f.create, random: () => 0 });
    conn.start();
    f.last.open();
    const room = new Room('m1', conn, null);
    const joined = (s: FakeSocket, over: Partial<Joined>) =>
      s.push({
        type: 'room_joined', media, comments: [], comments_before: null, resync: false, members: [member(9, 'Me')],
        member_count: 1, collab, seq: 1, session_id: 9, access: 'comment', ...over,
      });
    const events = (s: FakeSocket, list: [number, RoomEvent][], more: boolean) =>
      s.push({ type: 'room_events', media_id: 'm1', events: list.map(([seq, event]) => ({ seq, event })), more });
    const added = (c: Comment): RoomEvent => ({ kind: 'comment_added', comment: c, client_ref: null });
    const delta = (s: FakeSocket, changes: Extract<ServerMsg, { type: 'presence_delta' }>['changes'], member_count: number) =>
      s.push({ type: 'presence_delta', media_id: 'm1', changes, member_count });
    const reconnect = () => {
      f.last.close(1006, '');
      vi.advanceTimersByTime(1000);
      f.last.open();
      return f.last;
    };
    const sent = <T extends Parameters<FakeSocket['sentOf']>[0]>(type: T) => f.sockets.flatMap((s) => s.sentOf(type));
    return { f, room, joined, events, added, delta, reconnect, sent };
  }

  describe('presence', () => {
    it('starts from the shown members and the count, then follows deltas', () => {
      const { f, room, joined, delta } = setup();
      const lead = member(1, 'Lead', { leader: true, in_session: true });
      joined(f.last, { members: [lead, member(9, 'Me')], member_count: 250 });
      expect([room.members.length, room.memberCount, room.others]).toEqual([2, 250, 248]);
      expect(room.me?.user_name).toBe('Me');
      delta(f.last, [{ type: 'member_joined', member: member(3, 'Cy') }, { type: 'member_left', session_id: 1 }], 251);
      expect(room.members.map((m) => m.user_name)).toEqual(['Me', 'Cy']);
      expect(room.others).toBe(249);
      // The same delta again (say, repeated by a reconnecting server) changes nothing.
      delta(f.last, [{ type: 'member_joined', member: member(3, 'Cy') }, { type: 'member_left', session_id: 1 }], 251);
      expect(room.members).toHaveLength(2);
      // Another room's delta is not ours.
      f.last.push({ type: 'presence_delta', media_id: 'm2', changes: [{ type: 'member_left', session_id: 9 }], member_count: 1 });
      expect(room.me).not.toBeNull();
    });

    it('keeps finding itself through a private change while not among the shown', () => {
      const { f, room, joined, delta } = setup();
      joined(f.last, { members: [member(1, 'A'), member(2, 'B')], member_count: 500 });
      expect(room.me).toBeNull();
      delta(f.last, [{ type: 'member_changed', member: member(9, 'Me', { in_session: true }) }], 500);
      expect(room.me?.in_session).toBe(true);
      // Shown for a while, then not: the room tells everyone, then us of ourselves.
      delta(f.last, [{ type: 'member_left', session_id: 9 }], 500);
      expect(room.me?.in_session).toBe(true);
      expect(room.others).toBe(497);
    });
  });

  describe('paged comments', () => {
    it('shows the newest page, loads older pages one at a time, and stops at the end', () => {
      const { f, room, joined, sent } = setup();
      joined(f.last, { comments: [comment(30, 5), comment(29, 80)], comments_before: 29 });
      expect(room.commentsBefore).toBe(29);
      expect(room.loadOlder()).toBe(true);
      expect(room.loadOlder()).toBe(false); // one in flight at a time
      expect(sent('load_comments')).toEqual([{ type: 'load_comments', media_id: 'm1', before: 29 }]);
      f.last.push({ type: 'comments_page', media_id: 'm1', comments: [comment(28, 1), comment(27, 90)], before: 27 });
      expect(room.comments.map((c) => c.id)).toEqual([28, 30, 29, 27]);
      expect(room.loadingOlder).toBe(false);
      room.loadOlder();
      f.last.push({ type: 'comments_page', media_id: 'm1', comments: [comment(1, 2)], before: null });
      expect(room.commentsBefore).toBeNull();
      expect(room.loadOlder()).toBe(false);
      expect(sent('load_comments').map((m) => m.before)).toEqual([29, 27]);
    });

    it('keeps events applied to loaded comments, and upserts events about comments not loaded', () => {
      const { f, room, joined } = setup();
      joined(f.last, { seq: 1, comments: [comment(10, 5)], comments_before: 10 });
      const ev = (seq: number, event: RoomEvent) => f.last.push({ type: 'room_event', media_id: 'm1', seq, event });
      ev(2, { kind: 'comment_edited', comment: comment(3, 40, { text: 'edited before it was loaded' }) });
      ev(3, { kind: 'comment_deleted', comment_id: 4, comment: null }); // unknown: ignored
      ev(4, { kind: 'comment_deleted', comment_id: 5, comment: comment(5, 1, { deleted: true }) }); // unknown marker too
      ev(5, { kind: 'comment_resolved', comment: comment(6, 50, { resolved_at: 'x', resolved_by_name: 'Cy' }) });
      expect(room.comments.map((c) => c.id)).toEqual([10, 3, 6]);
      expect(room.seq).toBe(5);
      // The page is as new as those events: its copy stands.
      room.loadOlder();
      f.last.push({ type: 'comments_page', media_id: 'm1', comments: [comment(6, 50, { resolved_at: 'x', resolved_by_name: 'Cy' }), comment(3, 40, { text: 'edited before it was loaded' }), comment(2, 0)], before: null });
      expect(room.comments.map((c) => [c.id, c.text])).toEqual([[2, 'c2'], [10, 'c10'], [3, 'edited before it was loaded'], [6, 'c6']]);
    });

    it('shows a reply whose note is not loaded yet once the note arrives, and never fails on it', () => {
      const { f, room, joined } = setup();
      joined(f.last, { comments: [comment(50, 5, { parent_id: 7 }), comment(40, 9)], comments_before: 40 });
      expect(room.threads.map((t) => [t.root.id, t.replies.map((r) => r.id)])).toEqual([[40, []]]);
      room.loadOlder();
      f.last.push({ type: 'comments_page', media_id: 'm1', comments: [comment(7, 3)], before: null });
      expect(room.threads.map((t) => [t.root.id, t.replies.map((r) => r.id)])).toEqual([[7, [50]], [40, []]]);
    });

    it('drops a page that answers what a rejoin replaced, and asks again after a reconnect', () => {
      const { f, room, joined, reconnect, sent } = setup();
      joined(f.last, { comments: [comment(9, 1)], comments_before: 9 });
      room.loadOlder();
      const s = reconnect();
      expect(room.loadingOlder).toBe(false);
      joined(s, { comments: [comment(12, 1), comment(9, 1)], comments_before: 9, resync: true });
      s.push({ type: 'comments_page', media_id: 'm1', comments: [comment(3, 1)], before: null });
      expect(room.comments.map((c) => c.id)).toEqual([9, 12]);
      expect(room.loadOlder()).toBe(true);
      expect(sent('load_comments')).toHaveLength(2);
    });

    it('lets a refused page be asked for again', () => {
      const { f, room, joined } = setup();
      joined(f.last, { comments: [comment(9, 1)], comments_before: 9 });
      room.loadOlder();
      f.last.push({ type: 'error', code: 'internal', message: 'could not read the notes', request: 'load_comments' });
      expect([room.loadingOlder, room.lastError]).toEqual([false, 'could not read the notes']);
      expect(room.loadOlder()).toBe(true);
    });
  });

  describe('catch-up', () => {
    it('applies pages in order, acknowledges each but the last, and resumes live events after it', () => {
      const { f, room, joined, events, added, reconnect, sent } = setup();
      joined(f.last, { seq: 2, comments: [comment(1, 1)] });
      const s = reconnect();
      expect(sent('join_room').map((j) => j.since_seq)).toEqual([null, 2]);
      joined(s, { seq: 7, comments: null });
      expect(room.catchingUp).toBe(true);
      // A replayed event (seq 2) is skipped; seq counts on.
      events(s, [[2, added(comment(1, 1, { text: 'replayed' }))], [3, added(comment(3, 3))], [4, added(comment(4, 4))]], true);
      expect(s.sentOf('room_events_ack')).toEqual([{ type: 'room_events_ack', media_id: 'm1', seq: 4 }]);
      expect(room.comments.map((c) => [c.id, c.text])).toEqual([[1, 'c1'], [3, 'c3'], [4, 'c4']]);
      expect(room.loadOlder()).toBe(false); // not while catching up
      events(s, [[5, added(comment(5, 5))], [6, added(comment(6, 6))]], true);
      events(s, [[7, added(comment(7, 7))]], false);
      expect(s.sentOf('room_events_ack').map((a) => a.seq)).toEqual([4, 6]);
      expect(room.catchingUp).toBe(false);
      s.push({ type: 'room_event', media_id: 'm1', seq: 8, event: added(comment(8, 8)) });
      expect(room.seq).toBe(8);
      expect(room.comments).toHaveLength(7);
      expect(sent('join_room')).toHaveLength(2);
    });

    it('asks for the whole state when a page skips events, not again from the same seq', () => {
      const { f, room, joined, events, added, reconnect, sent } = setup();
      joined(f.last, { seq: 2, comments: [] });
      const s = reconnect();
      joined(s, { seq: 9, comments: null });
      events(s, [[3, added(comment(3, 3))], [5, added(comment(5, 5))]], true);
      expect(s.sentOf('room_events_ack')).toHaveLength(0);
      expect(sent('join_room').map((j) => j.since_seq)).toEqual([null, 2, null]);
      expect(room.seq).toBe(3);
    });

    it('falls back to the whole state once when catching up is refused', () => {
      const { f, room, joined, reconnect, sent } = setup();
      joined(f.last, { seq: 4, comments: [] });
      const s = reconnect();
      s.push({ type: 'error', code: 'bad_message', message: 'bad since_seq', request: 'join_room' });
      expect(sent('join_room').map((j) => j.since_seq)).toEqual([null, 4, null]);
      expect(room.status).toBe('joining');
      s.push({ type: 'error', code: 'forbidden', message: 'no access', request: 'join_room' });
      expect(sent('join_room')).toHaveLength(3);
      expect(room.status).toBe('error');
      // A refused ack also ends in one full join.
      joined(s, { seq: 4, comments: [] });
      const t = reconnect();
      joined(t, { seq: 9, comments: null });
      t.push({ type: 'error', code: 'bad_message', message: 'stale ack', request: 'room_events_ack' });
      expect(sent('join_room').map((j) => j.since_seq)).toEqual([null, 4, null, 4, null]);
    });

    it('a second gap at the same place asks for the whole state instead of looping', () => {
      const { f, joined, events, sent } = setup();
      joined(f.last, { seq: 3, comments: [] });
      const ev = (seq: number) => f.last.push({ type: 'room_event', media_id: 'm1', seq, event: { kind: 'media_renamed', title: `t${seq}` } });
      ev(6);
      joined(f.last, { seq: 6, comments: null });
      events(f.last, [], false); // the server had nothing after all
      ev(7);
      expect(sent('join_room').map((j) => j.since_seq)).toEqual([null, 3, null]);
    });

    it('resends a comment sent before the drop only once the catch-up shows it did not arrive', () => {
      const { f, room, joined, events, reconnect } = setup();
      joined(f.last, { seq: 1, comments: [] });
      room.addComment({ text: 'lost', frame: 3 });
      const s = reconnect();
      joined(s, { seq: 3, comments: null });
      vi.advanceTimersByTime(5000);
      expect(s.sentOf('add_comment')).toHaveLength(0);
      events(s, [[2, { kind: 'media_renamed', title: 'x' }], [3, { kind: 'media_renamed', title: 'y' }]], false);
      vi.advanceTimersByTime(2000);
      expect(s.sentOf('add_comment').map((m) => m.text)).toEqual(['lost']);
    });
  });

  describe('resync', () => {
    it('replaces the comments, keeps what is pending, and says so briefly', () => {
      const { f, room, joined } = setup();
      joined(f.last, { seq: 3, comments: [comment(1, 1), comment(2, 2)] });
      const s0 = f.last;
      s0.close(1006, '');
      const p = room.addComment({ text: 'written offline', frame: 4 });
      vi.advanceTimersByTime(1000);
      f.last.open();
      const s = f.last;
      expect(room.notice).toBeNull();
      joined(s, { seq: 900, comments: [comment(700, 1), comment(2, 2, { text: 'changed' })], comments_before: 2, resync: true });
      expect(room.comments.map((c) => [c.id, c.text])).toEqual([[700, 'c700'], [2, 'changed']]);
      expect(room.commentsBefore).toBe(2);
      expect(room.seq).toBe(900);
      expect(room.pending.map((x) => x.client_ref)).toEqual([p.client_ref]);
      expect(s.sentOf('add_comment').map((m) => m.text)).toEqual(['written offline']);
      expect(room.notice).toBe(RESYNCED);
      vi.advanceTimersByTime(NOTICE_MS);
      expect(room.notice).toBeNull();
    });

    it('says nothing on an ordinary full join', () => {
      const { f, room, joined } = setup();
      joined(f.last, { comments: [comment(1, 1)] });
      expect(room.notice).toBeNull();
    });
  });
});

