import { describe, expect, it, vi } from 'vitest';
import type { PlaylistApi } from '../net/versions';
import type { MediaInfo, Playlist, PlaylistEdit, PlaylistItem } from '../protocol/protocol';
import { media } from './room-fixtures';
import { moveItem, nextPlayable, PlaylistList, PlaylistPage } from './playlists.svelte';

const m = (id: string, extra: Partial<MediaInfo> = {}): MediaInfo => ({ ...media, id, title: id, ...extra });
const item = (mi: MediaInfo | null, id = mi?.id ?? 'x'): PlaylistItem => ({ media_id: id, media: mi, review_status: 'needs_review', open_comments: 2, shared: true });

function playlist(items: PlaylistItem[], access: Playlist['access'] = 'manage'): Playlist {
  return { id: 'p', title: 'Dailies', owner_id: 'alice', owner_name: 'Alice', created_at: '', updated_at: '', items, access, live: null };
}

function fakeApi(p: Playlist): PlaylistApi {
  return {
    list: vi.fn(async () => []),
    get: vi.fn(async () => p),
    create: vi.fn(async (e: PlaylistEdit) => ({ ...p, title: e.title })),
    update: vi.fn(async (_id: string, e: PlaylistEdit) => ({ ...p, title: e.title, items: e.items.map((id) => item(m(id))) })),
    remove: vi.fn(async () => undefined),
    getSharing: vi.fn(),
    putSharing: vi.fn(),
  };
}

describe('playlists', () => {
  it('moves entries and finds the next playable item, skipping those one may not open', () => {
    expect(moveItem([1, 2, 3], 0, 1)).toEqual([2, 1, 3]);
    expect(moveItem([1, 2, 3], 2, 1)).toEqual([1, 2, 3]);
    const items = [item(m('a')), item(null, 'hidden'), item(m('c', { status: 'processing' })), item(m('d'))];
    expect(nextPlayable(items, 0)).toBe(3);
    expect(nextPlayable(items, 3, -1)).toBe(0);
    expect(nextPlayable(items, 3)).toBeNull();
  });

  it('needs a title to make one', async () => {
    const list = new PlaylistList(fakeApi(playlist([])));
    expect(await list.create('  ')).toBeNull();
    expect(list.error).toMatch(/title/);
    expect((await list.create('Monday'))?.title).toBe('Monday');
  });

  it('builds: adds, reorders, removes and saves the items in one replace', async () => {
    const api = fakeApi(playlist([item(m('a')), item(m('b'))]));
    const page = new PlaylistPage('p', api);
    await page.load();
    page.edit();
    page.add(m('c'));
    page.move(2, -2);
    page.remove(2);
    page.title = 'Tuesday';
    expect(page.dirty).toBe(true);
    expect(await page.save()).toBe(true);
    expect(api.update).toHaveBeenCalledWith('p', { title: 'Tuesday', items: ['c', 'a'] });
    expect(page.editing).toBe(false);
    expect(page.playlist?.items.map((i) => i.media_id)).toEqual(['c', 'a']);
  });

  it('plays through and stops at the end; one who may only view cannot edit', async () => {
    const page = new PlaylistPage('p', fakeApi(playlist([item(m('a')), item(null, 'h'), item(m('c'))], 'view')));
    await page.load();
    page.edit();
    expect(page.editing).toBe(false);
    expect(page.first()).toBe(0);
    expect(page.next()).toBe(true);
    expect(page.current?.media_id).toBe('c');
    expect(page.next()).toBe(false);
    expect(page.previous()).toBe(true);
    expect(page.index).toBe(0);
  });

  it('says a missing playlist is not found', async () => {
    const api = fakeApi(playlist([]));
    api.get = vi.fn().mockRejectedValue(Object.assign(new Error('no such playlist'), { status: 404 }));
    const page = new PlaylistPage('gone', api);
    await page.load();
    expect(page.notFound).toBe(true);
    expect(page.error).toBe('no such playlist');
  });
});
