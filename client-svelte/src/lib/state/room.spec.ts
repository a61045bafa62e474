import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { Connection } from '../net/connection.svelte';
import { socketFactory, type FakeSocket } from '../net/fake-socket';
import type { AccessLevel, Comment } from '../protocol/protocol';
import { collab, comment, media } from './room-fixtures';
import { Room } from './room.svelte';

class MemStore {
  m = new Map<string, string>();
  getItem(k: string) { return this.m.get(k) ?? null; }
  setItem(k: string, v: string) { this.m.set(k, v); }
  removeItem(k: string) { this.m.delete(k); }
}

describe('Room', () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  function setup(store = new MemStore()) {
    const f = socketFactory();
    const conn = new Connection({ url: 'ws://x', createSocket: f.create, random: () => 0 });
    conn.start();
    f.last.open();
    const room = new Room('m1', conn, store);
    const joinSeqs = () => f.sockets.flatMap((s) => s.sentOf('join_room').map((j) => j.since_seq));
    const joined = (s: FakeSocket, seq: number, comments: Comment[] | null, access: AccessLevel = 'comment') =>
      s.push({ type: 'room_joined', comments_before: null, resync: false, member_count: 1, media, comments, members: [], collab, seq, session_id: 9, access });
    const event = (s: FakeSocket, seq: number, c: Comment, client_ref: string | null = null) =>
      s.push({ type: 'room_event', media_id: 'm1', seq, event: { kind: 'comment_added', comment: c, client_ref } });
    /** A catch-up page of comment_added events. */
    const page = (s: FakeSocket, added: [number, Comment, string?][], more = false) =>
      s.push({
        type: 'room_events', media_id: 'm1', more,
        events: added.map(([seq, comment, ref]) => ({ seq, event: { kind: 'comment_added', comment, client_ref: ref ?? null } })),
      });
    return { f, conn, room, joinSeqs, joined, event, page, store };
  }

  it('joins, sorts comments by frame and threads replies', () => {
    const { f, room, joined, joinSeqs } = setup();
    expect(joinSeqs()).toEqual([null]);
    joined(f.last, 3, [comment(2, 50), comment(1, 10), comment(3, 50, { parent_id: 1 })]);
    expect(room.status).toBe('joined');
    expect(room.comments.map((c) => c.id)).toEqual([1, 2, 3]);
    expect(room.threads.map((t) => [t.root.id, t.replies.map((r) => r.id)])).toEqual([[1, [3]], [2, []]]);
  });

  it('applies events in order and ignores replays', () => {
    const { f, room, joined, event } = setup();
    joined(f.last, 3, []);
    event(f.last, 4, comment(10, 5));
    event(f.last, 4, comment(10, 5));
    expect(room.comments).toHaveLength(1);
    expect(room.seq).toBe(4);
    f.last.push({ type: 'room_event', media_id: 'm1', seq: 5, event: { kind: 'comment_edited', comment: comment(10, 5, { text: 'new' }) } });
    expect(room.comments[0].text).toBe('new');
    f.last.push({ type: 'room_event', media_id: 'm1', seq: 6, event: { kind: 'comment_deleted', comment_id: 10, comment: null } });
    expect(room.comments).toHaveLength(0);
    f.last.push({ type: 'room_event', media_id: 'm1', seq: 7, event: { kind: 'media_renamed', title: 'better' } });
    expect(room.media?.title).toBe('better');
  });

  it('rejoins from its last seq after a reconnect and catches up', () => {
    const { f, room, joined, event, page, joinSeqs } = setup();
    joined(f.last, 3, [comment(1, 10)]);
    event(f.last, 4, comment(2, 20));
    f.last.close(1006, '');
    vi.advanceTimersByTime(1000);
    f.last.open();
    expect(joinSeqs()).toEqual([null, 4]);
    joined(f.last, 5, null);
    expect(room.catchingUp).toBe(true);
    page(f.last, [[5, comment(3, 30)]]);
    expect(room.catchingUp).toBe(false);
    expect(room.comments.map((c) => c.id)).toEqual([1, 2, 3]);
    expect(room.seq).toBe(5);
  });

  it('asks again when it sees a gap, and applies nothing out of order', () => {
    const { f, room, joined, event, page, joinSeqs } = setup();
    joined(f.last, 3, []);
    event(f.last, 6, comment(6, 60));
    event(f.last, 7, comment(7, 70)); // still waiting for the catch-up
    expect(joinSeqs()).toEqual([null, 3]);
    expect(room.comments).toHaveLength(0);
    joined(f.last, 7, null);
    page(f.last, [4, 5, 6, 7].map((s) => [s, comment(s, s * 10)]));
    expect(room.comments.map((c) => c.id)).toEqual([4, 5, 6, 7]);
    expect(room.seq).toBe(7);
  });

  it('queues comments while offline and sends them once rejoined', () => {
    const { f, room, joined, event } = setup();
    joined(f.last, 1, []);
    f.last.close(1006, '');
    const p = room.addComment({ text: 'offline note', frame: 12 });
    expect(room.pending).toHaveLength(1);
    expect(room.pending[0].state).toBe('queued');
    vi.advanceTimersByTime(1000);
    f.last.open();
    expect(f.last.sentOf('add_comment')).toHaveLength(0); // not before the room is rejoined
    joined(f.last, 1, null);
    const sent = f.last.sentOf('add_comment');
    expect(sent).toHaveLength(1);
    expect(sent[0]).toMatchObject({ text: 'offline note', frame: 12, client_ref: p.client_ref });
    event(f.last, 2, comment(7, 12, { text: 'offline note', user_id: 'alice' }), p.client_ref);
    expect(room.pending).toHaveLength(0);
    expect(room.comments.map((c) => c.id)).toEqual([7]);
    expect(room.lastRemoteComment).toBeNull();
  });

  it('does not duplicate a comment whose echo arrives in the catch-up', () => {
    const { f, room, joined, page } = setup();
    joined(f.last, 1, []);
    const p = room.addComment({ text: 'racing', frame: 3 });
    expect(f.last.sentOf('add_comment')).toHaveLength(1);
    f.last.close(1006, ''); // the echo was lost with the link
    vi.advanceTimersByTime(1000);
    f.last.open();
    joined(f.last, 2, null);
    vi.advanceTimersByTime(5000); // the catch-up is slow: nothing is resent meanwhile
    page(f.last, [[2, comment(8, 3, { text: 'racing' }), p.client_ref]]);
    vi.advanceTimersByTime(5000);
    expect(f.last.sentOf('add_comment')).toHaveLength(0);
    expect(room.pending).toHaveLength(0);
  });

  it('resends a comment the server never got', () => {
    const { f, room, joined } = setup();
    joined(f.last, 1, []);
    room.addComment({ text: 'lost', frame: 3 });
    f.last.close(1006, '');
    vi.advanceTimersByTime(1000);
    f.last.open();
    joined(f.last, 1, null);
    vi.advanceTimersByTime(2000);
    expect(f.last.sentOf('add_comment').map((m) => m.text)).toEqual(['lost']);
  });

  it('marks a refused comment failed, with the reason, and retries it', () => {
    const { f, room, joined } = setup();
    joined(f.last, 1, []);
    room.addComment({ text: 'first', frame: 1 });
    room.addComment({ text: 'second', frame: 2 });
    // The error names the refused comment by its client_ref: the second, not the oldest.
    const second = room.pending[1].client_ref;
    f.last.push({ type: 'error', code: 'bad_message', message: 'text too long', request: 'add_comment', client_ref: second });
    // An error without a ref (or for another room's comment) fails nothing here.
    f.last.push({ type: 'error', code: 'bad_message', message: 'x', request: 'add_comment', client_ref: 'elsewhere' });
    f.last.push({ type: 'error', code: 'bad_message', message: 'y', request: 'add_comment' });
    expect(room.pending.map((p) => [p.text, p.state, p.error])).toEqual([
      ['first', 'sent', undefined],
      ['second', 'failed', 'text too long'],
    ]);
    room.retryPending(second);
    expect(room.pending[1].state).toBe('sent');
    expect(f.last.sentOf('add_comment').map((m) => m.text)).toEqual(['first', 'second', 'second']);
  });

  it('shows the refusals of its session and live drawing requests', () => {
    const { f, room, joined } = setup();
    joined(f.last, 1, []);
    const refuse = (request: string, message: string) => f.last.push({ type: 'error', code: 'bad_message', message, request });
    room.sendLiveStroke({ tool: 'pen', points: [{ x: 0, y: 0 }], color: '#ff0000', width: 0.01, text: null });
    refuse('live_stroke', 'join the session first');
    expect(room.lastError).toBe('join the session first');
    room.sendLiveClear(false);
    refuse('live_clear', 'join the room first');
    expect(room.lastError).toBe('join the room first');
    refuse('session_leave', 'the room closed');
    expect(room.lastError).toBe('the room closed');
    // Not the room's: the library's, the organizer's, or one from before nothing could be read.
    room.lastError = null;
    refuse('rename_media', 'no such media');
    refuse('organizer_page', 'plugin timed out');
    f.last.push({ type: 'error', code: 'bad_message', message: 'unreadable', request: null });
    expect(room.lastError).toBeNull();
    expect(room.status).toBe('joined');
  });

  it('keeps typed text and pending comments across a reload', () => {
    const store = new MemStore();
    const a = setup(store);
    a.joined(a.f.last, 1, []);
    a.room.saveDraft('half a thought');
    a.f.last.close(1006, '');
    a.room.addComment({ text: 'kept', frame: 1 });
    const b = setup(store);
    expect(b.room.loadDraft()).toBe('half a thought');
    expect(b.room.pending.map((p) => p.text)).toEqual(['kept']);
  });

  it('tracks presence, collab versions, live strokes and closing', () => {
    const { f, room, joined } = setup();
    joined(f.last, 1, []);
    f.last.push({ type: 'presence_delta', media_id: 'm1', changes: [{ type: 'member_changed', member: { session_id: 9, user_id: 'alice', user_name: 'Alice', in_session: true, leader: true } }], member_count: 1 });
    expect(room.me?.leader).toBe(true);
    f.last.push({ type: 'collab', media_id: 'm1', state: { ...collab, active: true, version: 2, frame: 40 } });
    f.last.push({ type: 'collab', media_id: 'm1', state: { ...collab, active: true, version: 1, frame: 10 } });
    expect(room.collab?.frame).toBe(40);
    f.last.push({ type: 'live_stroke', media_id: 'm1', session_id: 4, user_id: 'bob', shape: { tool: 'line', points: [{ x: 0, y: 0 }, { x: 1, y: 1 }], color: '#ffffff', width: 0.01, text: null } });
    expect(room.liveStrokes.get(4)).toHaveLength(1);
    f.last.push({ type: 'live_stroke', media_id: 'm1', session_id: 5, user_id: 'cid', shape: { tool: 'line', points: [{ x: 0, y: 0 }, { x: 1, y: 1 }], color: '#ffffff', width: 0.01, text: null } });
    // Clearing one's own ink takes only that member's strokes away.
    f.last.push({ type: 'live_clear', media_id: 'm1', session_id: 4, all: false });
    expect([...room.liveStrokes.keys()]).toEqual([5]);
    let cleared = 0;
    room.whenAllCleared(() => (cleared += 1));
    f.last.push({ type: 'live_clear', media_id: 'm1', session_id: 9, all: true });
    expect([room.liveStrokes.size, cleared]).toEqual([0, 1]);
    f.last.push({ type: 'room_closed', media_id: 'm1', reason: 'deleted' });
    expect(room.status).toBe('closed');
  });

  it('knows what the caller may do, and follows changes live', () => {
    const { f, room, joined } = setup();
    const heard: AccessLevel[] = [];
    room.whenAccessChanged((a) => heard.push(a));
    expect(room.access).toBeNull();
    joined(f.last, 1, [], 'view');
    expect([room.access, room.canComment, room.canManage]).toEqual(['view', false, false]);
    f.last.push({ type: 'access_changed', media_id: 'other', access: 'manage' });
    expect(room.access).toBe('view');
    f.last.push({ type: 'access_changed', media_id: 'm1', access: 'comment' });
    expect([room.access, room.canComment, room.canManage]).toEqual(['comment', true, false]);
    f.last.push({ type: 'access_changed', media_id: 'm1', access: 'manage' });
    expect(room.canManage).toBe(true);
    expect(heard).toEqual(['comment', 'manage']);
  });

  it('resolves a note: shown at once, confirmed by the room, undone on a refusal', () => {
    const { f, room, joined } = setup();
    joined(f.last, 1, [comment(1, 10), comment(2, 10, { parent_id: 1 })]);
    room.resolveComment(2, true); // a reply: not a note of its own
    room.resolveComment(1, true);
    expect(f.last.sentOf('resolve_comment')).toEqual([{ type: 'resolve_comment', comment_id: 1, resolved: true }]);
    expect(room.isResolved(room.comments[0])).toBe(true);
    const done = comment(1, 10, { resolved_by: 'carol', resolved_by_name: 'Carol', resolved_at: '2026-12-02T10:00:00Z' });
    f.last.push({ type: 'room_event', media_id: 'm1', seq: 2, event: { kind: 'comment_resolved', comment: done } });
    expect(room.resolving.size).toBe(0);
    expect(room.comments[0].resolved_by_name).toBe('Carol');
    // Open again, refused: the checkbox shows what is stored.
    room.resolveComment(1, false);
    expect(room.isResolved(room.comments[0])).toBe(false);
    f.last.push({ type: 'error', code: 'forbidden', message: 'viewers cannot resolve', request: 'resolve_comment' });
    expect(room.isResolved(room.comments[0])).toBe(true);
    expect(room.lastError).toBe('viewers cannot resolve');
  });

  it('tells listeners about events in order, and the media about status changes', () => {
    const { f, room, joined } = setup();
    joined(f.last, 1, []);
    const kinds: string[] = [];
    room.whenEvent((e) => kinds.push(e.kind));
    const change = { status: 'approved' as const, user_id: 'bob', user_name: 'Bob', at: '2026-12-02T10:00:00Z' };
    f.last.push({ type: 'room_event', media_id: 'm1', seq: 2, event: { kind: 'status_changed', change } });
    f.last.push({ type: 'room_event', media_id: 'm1', seq: 2, event: { kind: 'status_changed', change } });
    expect(kinds).toEqual(['status_changed']);
    expect(room.media?.review_status).toBe('approved');
  });

  it('closes with the room\'s reason when access goes, even after the list removal', () => {
    const { f, room, joined } = setup();
    joined(f.last, 1, []);
    f.last.push({ type: 'media_removed', media_id: 'm1' });
    expect(room.status).toBe('joined');
    f.last.push({ type: 'room_closed', media_id: 'm1', reason: 'your access to this media was removed' });
    expect([room.status, room.closedReason]).toEqual(['closed', 'your access to this media was removed']);
    vi.advanceTimersByTime(5000);
    expect(room.closedReason).toBe('your access to this media was removed');
  });

  it('closes on a removal alone when the room says nothing', () => {
    const { f, room, joined } = setup();
    joined(f.last, 1, []);
    f.last.push({ type: 'media_removed', media_id: 'm1' });
    vi.advanceTimersByTime(2000);
    expect(room.status).toBe('closed');
    expect(room.closedReason).toMatch(/no longer available/);
  });

  it('shows a guest the guest file addresses', () => {
    const f = socketFactory();
    const conn = new Connection({ url: 'ws://x', createSocket: f.create, random: () => 0 });
    conn.start();
    f.last.open();
    const room = new Room('m1', conn, null, (m) => ({ ...m, playback_url: `/api/guest${m.playback_url}` }));
    f.last.push({ type: 'room_joined', comments_before: null, resync: false, member_count: 1, media, comments: [], members: [], collab, seq: 1, session_id: 2, access: 'view' });
    expect(room.media?.playback_url).toBe('/api/guest/files/m1/proxy.mp4');
    f.last.push({ type: 'media_updated', media: { ...media, title: 'renamed' } });
    expect(room.media?.playback_url).toBe('/api/guest/files/m1/proxy.mp4');
  });
});
