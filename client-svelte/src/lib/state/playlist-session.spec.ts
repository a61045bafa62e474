import { describe, expect, it, vi } from 'vitest';
import type { SocketEvents } from '../net/events';
import type { PlaylistApi } from '../net/versions';
import type { CollabAction, Playlist, PlaylistCursor } from '../protocol/protocol';
import { media } from './room-fixtures';
import { PlaylistSession } from './playlist-session.svelte';

const pl: Playlist = {
  id: 'p',
  title: 'Dailies',
  owner_id: 'alice',
  owner_name: 'Alice',
  created_at: '',
  updated_at: '',
  access: 'manage',
  live: null,
  items: ['m1', 'm2', 'm3'].map((id) => ({ media_id: id, media: { ...media, id }, review_status: null, open_comments: 0, shared: true })),
};

function setup(start: { playlist: string; item: number } | null = null) {
  const link = {
    joined: false,
    isLeader: true,
    cursor: undefined as PlaylistCursor | undefined,
    sent: [] as CollabAction[],
    control(a: CollabAction) {
      link.sent.push(a);
    },
  };
  let moved: ((e: SocketEvents['session_moved']) => void) | null = null;
  const socket = { on: (_n: 'session_moved', fn: (e: SocketEvents['session_moved']) => void) => ((moved = fn), () => (moved = null)) };
  const api = { get: vi.fn(async () => pl) } as unknown as PlaylistApi;
  const went: string[] = [];
  const ps = new PlaylistSession('m1', link, api, socket, (h) => went.push(h), start);
  return { link, ps, api, went, move: (e: SocketEvents['session_moved']) => moved?.(e) };
}

describe('PlaylistSession', () => {
  it('starts a session over a playlist from its link, once joined', async () => {
    const { link, ps, api } = setup({ playlist: 'p', item: 0 });
    ps.sync();
    expect(link.sent).toEqual([]);
    link.joined = true;
    ps.sync();
    expect(link.sent).toEqual([{ action: 'goto', playlist_id: 'p', index: 0 }]);
    link.cursor = { playlist_id: 'p', index: 0 };
    ps.sync();
    expect(link.sent).toHaveLength(1);
    await vi.waitFor(() => expect(ps.count).toBe(3));
    expect(api.get).toHaveBeenCalledTimes(1);
  });

  it('the leader moves on; everyone follows into the next item’s room on its frame', async () => {
    const { link, ps, went, move } = setup();
    link.joined = true;
    link.cursor = { playlist_id: 'p', index: 0 };
    ps.sync();
    await vi.waitFor(() => expect(ps.count).toBe(3));
    expect(ps.canPrevious).toBe(false);
    ps.next();
    expect(link.sent).toEqual([{ action: 'goto', playlist_id: 'p', index: 1 }]);
    move({ type: 'session_moved', media_id: 'other', to: 'x', playlist_id: 'p', index: 1, frame: 0 });
    expect(went).toEqual([]);
    move({ type: 'session_moved', media_id: 'm1', to: 'm2', playlist_id: 'p', index: 1, frame: 0 });
    expect(went).toEqual(['#/media/m2?session=1&frame=0']);
  });

  it('a follower has no previous or next', async () => {
    const { link, ps } = setup();
    link.joined = true;
    link.isLeader = false;
    link.cursor = { playlist_id: 'p', index: 1 };
    ps.sync();
    await vi.waitFor(() => expect(ps.count).toBe(3));
    expect(ps.canNext).toBe(false);
    ps.next();
    expect(link.sent).toEqual([]);
  });
});
