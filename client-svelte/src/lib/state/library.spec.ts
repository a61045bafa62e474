import { describe, expect, it, vi } from 'vitest';
import { Connection } from '../net/connection.svelte';
import { socketFactory } from '../net/fake-socket';
import type { MediaInfo } from '../protocol/protocol';
import { Library, type LibraryApi } from './library.svelte';

function fakeApi(over: Partial<LibraryApi> = {}): LibraryApi {
  return { listMedia: vi.fn(), renameMedia: vi.fn(), deleteMedia: vi.fn(), sharedWithMe: vi.fn().mockResolvedValue([]), knownUsers: vi.fn().mockResolvedValue([]), ...over };
}

const m = (id: string, title: string, created_at: string): MediaInfo =>
  ({ id, title, created_at, owner_id: 'alice', status: 'processing', progress: 0, review_status: 'needs_review' }) as MediaInfo;

function setup(api: LibraryApi = fakeApi()) {
  const f = socketFactory();
  const conn = new Connection({ url: 'ws://x', createSocket: f.create });
  const lib = new Library(conn, api);
  conn.start();
  f.last.open();
  return { f, lib, api };
}

describe('Library', () => {
  it('asks for the list when connected and keeps it live', () => {
    const { f, lib } = setup();
    expect(f.last.sentOf('list_media')).toHaveLength(1);
    f.last.push({ type: 'media_list', items: [m('a', 'Alpha', '2026-01-01'), m('b', 'beta', '2026-01-02')] });
    expect(lib.visible.map((x) => x.id)).toEqual(['b', 'a']);
    f.last.push({ type: 'media_progress', media_id: 'a', progress: 0.5, stage: 'proxy' });
    expect(lib.get('a')?.progress).toBe(0.5);
    expect(lib.stages.a).toBe('proxy');
    f.last.push({ type: 'media_updated', media: { ...m('a', 'Alpha', '2026-01-01'), status: 'ready' } });
    expect(lib.get('a')?.status).toBe('ready');
    f.last.push({ type: 'media_updated', media: m('c', 'Gamma', '2026-01-03') });
    expect(lib.items).toHaveLength(3);
    f.last.push({ type: 'media_removed', media_id: 'b' });
    expect(lib.items.map((x) => x.id).sort()).toEqual(['a', 'c']);
  });

  it('filters and sorts', () => {
    const { lib } = setup();
    lib.replace([m('a', 'Zeta', '2026-01-01'), m('b', 'alpha', '2026-01-02'), m('c', 'Alphabet', '2026-01-03')]);
    lib.sort = 'title';
    expect(lib.visible.map((x) => x.title)).toEqual(['alpha', 'Alphabet', 'Zeta']);
    lib.filter = 'ALPH';
    expect(lib.visible).toHaveLength(2);
  });

  it('renames optimistically and rolls back on failure', async () => {
    const api = fakeApi({ renameMedia: vi.fn().mockRejectedValue(new Error('nope')) });
    const { lib } = setup(api);
    lib.replace([m('a', 'Old', '2026-01-01')]);
    await expect(lib.rename('a', 'New')).rejects.toThrow('nope');
    expect(lib.get('a')?.title).toBe('Old');
    vi.mocked(api.renameMedia).mockResolvedValue(undefined);
    await lib.rename('a', ' New ');
    expect(lib.get('a')?.title).toBe('New');
  });

  it('deletes through the API', async () => {
    const api = fakeApi({ deleteMedia: vi.fn().mockResolvedValue(undefined) });
    const { lib } = setup(api);
    lib.replace([m('a', 'A', '1')]);
    await lib.remove('a');
    expect(api.deleteMedia).toHaveBeenCalledWith('a');
    expect(lib.items).toHaveLength(0);
  });

  it('lists what others shared, with their names, and files new media by owner', async () => {
    const shared = { ...m('s1', 'Their cut', '2026-01-05'), owner_id: 'carol' };
    const another = { ...m('s2', 'Another', '2026-01-06'), owner_id: 'dave' };
    let onServer = [shared];
    let known = [{ id: 'carol', name: 'Carol' }];
    const api = fakeApi({ sharedWithMe: vi.fn(async () => onServer), knownUsers: vi.fn(async () => known) });
    const { f, lib } = setup(api);
    lib.show('shared');
    await vi.waitFor(() => expect(lib.sharedLoaded).toBe(true));
    expect(lib.tab).toBe('shared');
    expect(lib.sharedVisible.map((x) => x.id)).toEqual(['s1']);
    expect(lib.ownerName(shared)).toBe('Carol');
    // Newly shared with us: the list is read again (with the new owner's name); our own
    // upload goes to the library at once.
    onServer = [another, shared];
    known = [...known, { id: 'dave', name: 'Dave' }];
    f.last.push({ type: 'media_updated', media: another });
    f.last.push({ type: 'media_updated', media: m('mine', 'Mine', '2026-01-07') });
    expect(lib.items.map((x) => x.id)).toEqual(['mine']);
    await vi.waitFor(() => expect(lib.shared.map((x) => x.id)).toEqual(['s2', 's1']));
    expect(lib.ownerName(lib.shared[0])).toBe('Dave');
    // Updates land where the media is listed; a removal (unshared) takes it away, and an
    // update that overtook it does not bring it back.
    f.last.push({ type: 'media_updated', media: { ...shared, review_status: 'approved' } });
    expect(lib.get('s1')?.review_status).toBe('approved');
    onServer = [another];
    f.last.push({ type: 'media_removed', media_id: 's1' });
    f.last.push({ type: 'media_updated', media: shared });
    await vi.waitFor(() => expect(api.sharedWithMe).toHaveBeenCalledTimes(3));
    await vi.waitFor(() => expect(lib.shared.map((x) => x.id)).toEqual(['s2']));
  });

  it('filters by review status', () => {
    const { lib } = setup();
    lib.replace([m('a', 'A', '1'), { ...m('b', 'B', '2'), review_status: 'approved' }, { ...m('c', 'C', '3'), review_status: 'approved' }]);
    lib.status = 'approved';
    expect(lib.visible.map((x) => x.id)).toEqual(['c', 'b']);
    lib.status = 'changes_requested';
    expect(lib.visible).toEqual([]);
    lib.status = 'all';
    expect(lib.visible).toHaveLength(3);
  });
});
