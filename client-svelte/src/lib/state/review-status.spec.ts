import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { Connection } from '../net/connection.svelte';
import { socketFactory } from '../net/fake-socket';
import type { CollabState, MediaInfo, ReviewStatus, StatusChange, StatusView } from '../protocol/protocol';
import { isReviewStatus, STATUSES, STATUS_LABEL, StatusTrail, type StatusApi } from './review-status.svelte';
import { Room } from './room.svelte';

const media = { id: 'm1', title: 'clip', review_status: 'needs_review', fps_rational: { num: 25, den: 1 } } as MediaInfo;
const collab: CollabState = { active: false, leader: null, playing: false, frame: 0, at_server_time: 0, rate: 1, loop_range: null, version: 0, locked: false };
const change = (status: ReviewStatus, at: string, user_id = 'bob'): StatusChange => ({ status, user_id, user_name: user_id, at });

function fakeApi(history: StatusChange[] = []): StatusApi & { puts: ReviewStatus[] } {
  const puts: ReviewStatus[] = [];
  return {
    puts,
    getStatus: async (): Promise<StatusView> => ({ status: history[0]?.status ?? 'needs_review', history }),
    putStatus: async (_id, status) => {
      puts.push(status);
      history = [change(status, '2026-12-02T10:05:00Z', 'alice'), ...history];
      return { status, history };
    },
  };
}

describe('StatusTrail', () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  function setup(api: StatusApi | null) {
    const f = socketFactory();
    const conn = new Connection({ url: 'ws://x', createSocket: f.create, random: () => 0 });
    conn.start();
    f.last.open();
    const room = new Room('m1', conn, null);
    const trail = new StatusTrail(room, api);
    f.last.push({ type: 'room_joined', comments_before: null, resync: false, member_count: 1, media, comments: [], members: [], collab, seq: 1, session_id: 3, access: 'comment' });
    const live = (seq: number, c: StatusChange) =>
      f.last.push({ type: 'room_event', media_id: 'm1', seq, event: { kind: 'status_changed', change: c } });
    return { f, room, trail, live };
  }

  it('starts from the media, loads the history, sets a new status', async () => {
    const api = fakeApi([change('in_progress', '2026-12-02T09:00:00Z')]);
    const { trail } = setup(api);
    expect(trail.status).toBe('needs_review');
    await trail.load();
    expect(trail.status).toBe('in_progress');
    expect(await trail.set('approved')).toBe(true);
    expect(api.puts).toEqual(['approved']);
    expect(trail.history.map((c) => c.status)).toEqual(['approved', 'in_progress']);
    // The same status again is no change.
    expect(await trail.set('approved')).toBe(false);
  });

  it('follows the room live, once per change, and the media with it', async () => {
    // The server has the change the room is about to announce.
    const api = fakeApi([change('changes_requested', '2026-12-02T10:01:00Z')]);
    const { trail, live, room } = setup(api);
    live(2, change('changes_requested', '2026-12-02T10:01:00Z'));
    expect(trail.status).toBe('changes_requested');
    expect(room.media?.review_status).toBe('changes_requested');
    // Our own change comes back as an event too: it is listed once.
    await trail.set('approved');
    live(3, change('approved', '2026-12-02T10:05:00Z', 'alice'));
    expect(trail.history.map((c) => [c.status, c.user_id])).toEqual([
      ['approved', 'alice'],
      ['changes_requested', 'bob'],
    ]);
  });

  it('keeps a live change that is newer than the history loaded', async () => {
    const { trail, live } = setup(fakeApi([change('in_progress', '2026-12-02T09:00:00Z')]));
    live(2, change('approved', '2026-12-02T10:00:00Z'));
    await trail.load();
    expect(trail.history.map((c) => c.status)).toEqual(['approved', 'in_progress']);
  });

  it('for a guest: no routes, the live changes still show', async () => {
    const { trail, live } = setup(null);
    await trail.load();
    expect(await trail.set('approved')).toBe(false);
    live(2, change('in_progress', '2026-12-02T10:00:00Z', 'alice'));
    expect(trail.status).toBe('in_progress');
  });

  it('says why a change was refused', async () => {
    const api = fakeApi();
    api.putStatus = async () => {
      throw new Error('viewers cannot set the status');
    };
    const { trail } = setup(api);
    expect(await trail.set('approved')).toBe(false);
    expect(trail.error).toBe('viewers cannot set the status');
    expect(trail.saving).toBe(false);
  });

  it('labels every status', () => {
    expect(STATUSES.map((s) => STATUS_LABEL[s])).toEqual(['Needs review', 'In progress', 'Changes requested', 'Approved']);
    expect([isReviewStatus('approved'), isReviewStatus('done'), isReviewStatus(null)]).toEqual([true, false, false]);
  });
});
