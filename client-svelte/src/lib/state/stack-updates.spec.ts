// How version stacks reach the library, the room and uploads: one card per stack (its
// newest version), an update without its stack keeps the one known, a new version's upload.
import { describe, expect, it, vi } from 'vitest';
import { uploadUrl } from '../net/api';
import { Connection } from '../net/connection.svelte';
import { socketFactory } from '../net/fake-socket';
import { tusMetadata, type TransferCallbacks, type TransferOptions } from '../net/transfer';
import type { MediaInfo, StackVersion } from '../protocol/protocol';
import { Library } from './library.svelte';
import { media } from './room-fixtures';
import { keepStack } from './room.svelte';
import { Uploads } from './uploads.svelte';

const v = (id: string, version: number): StackVersion => ({ id, version, created_at: '', status: 'ready', title: id });
const mi = (id: string, version: number, stack: StackVersion[]): MediaInfo => ({ ...media, id, version, stack, owner_id: 'alice' });

describe('stacks in the library', () => {
  it('shows one card per stack: a new version takes the card, an older one only refreshes it', () => {
    const f = socketFactory();
    const conn = new Connection({ url: 'ws://x', createSocket: f.create });
    const api = { listMedia: vi.fn(), renameMedia: vi.fn(), deleteMedia: vi.fn(), sharedWithMe: vi.fn().mockResolvedValue([]), knownUsers: vi.fn().mockResolvedValue([]) };
    const lib = new Library(conn, api);
    conn.start();
    f.last.open();
    f.last.push({ type: 'media_list', items: [mi('a1', 1, [v('a1', 1)]), mi('b', 1, [v('b', 1)])] });
    f.last.push({ type: 'media_updated', media: mi('a2', 2, [v('a1', 1), v('a2', 2)]) });
    expect(lib.items.map((m) => m.id)).toEqual(['a2', 'b']);
    f.last.push({ type: 'media_updated', media: { ...mi('a1', 1, [v('a1', 1), v('a2', 2)]), title: 'renamed v1' } });
    expect(lib.items.map((m) => m.id)).toEqual(['a2', 'b']);
    expect(lib.items[0].title).toBe('clip');
    // an update without its stack keeps the one known
    f.last.push({ type: 'media_updated', media: { ...mi('a2', 2, []), title: 'v2 renamed' } });
    expect(lib.items[0]).toMatchObject({ title: 'v2 renamed', stack: [v('a1', 1), v('a2', 2)] });
  });

  it('keeps a late update of an older version inside its card', () => {
    const f = socketFactory();
    const conn = new Connection({ url: 'ws://x', createSocket: f.create });
    const api = { listMedia: vi.fn(), renameMedia: vi.fn(), deleteMedia: vi.fn(), sharedWithMe: vi.fn().mockResolvedValue([]), knownUsers: vi.fn().mockResolvedValue([]) };
    const lib = new Library(conn, api);
    conn.start();
    f.last.open();
    f.last.push({ type: 'welcome', user: { id: 'alice', name: 'Alice', is_admin: false } } as never);
    f.last.push({ type: 'media_list', items: [mi('a1', 1, [v('a1', 1)]), mi('b', 1, [v('b', 1)])] });
    f.last.push({ type: 'media_updated', media: mi('a2', 2, [v('a1', 1), v('a2', 2)]) });
    // v1's sprite sheet is done after v2 took the card: its push names no stack
    f.last.push({ type: 'media_updated', media: { ...mi('a1', 1, []), status: 'ready', title: 'v1 again' } });
    expect(lib.items.map((m) => m.id)).toEqual(['a2', 'b']);
    expect(lib.items[0].stack.find((x) => x.id === 'a1')).toMatchObject({ title: 'v1 again', status: 'ready' });
    // a media of its own still gets its card
    f.last.push({ type: 'media_updated', media: mi('c', 1, []) });
    expect(lib.items.map((m) => m.id)).toEqual(['c', 'a2', 'b']);
  });

  it('keeps the stack of a push that left it out', () => {
    const prev = mi('a', 2, [v('x', 1), v('a', 2)]);
    expect(keepStack(mi('a', 2, []), prev).stack).toHaveLength(2);
    expect(keepStack(mi('a', 2, [v('a', 1)]), prev).stack).toHaveLength(1);
    expect(keepStack(mi('a', 1, []), null).stack).toEqual([]);
  });
});

describe('uploading a new version', () => {
  it('names the stack in the tus metadata and the plain upload address', () => {
    expect(tusMetadata({ name: 'a.mp4', type: 'video/mp4' }, { versionOf: 'm 1' })).toEqual({ filename: 'a.mp4', filetype: 'video/mp4', version_of: 'm 1' });
    expect(tusMetadata({ name: 'a.mp4', type: '' })).toEqual({ filename: 'a.mp4', filetype: 'application/octet-stream' });
    expect(uploadUrl('m 1')).toBe('/api/upload?version_of=m%201');
    expect(uploadUrl()).toBe('/api/upload');
  });

  it('passes the target to the transfer', () => {
    const seen: (TransferOptions | undefined)[] = [];
    const u = new Uploads((_f: File, _cb: TransferCallbacks, opts?: TransferOptions) => {
      seen.push(opts);
      return { abort: () => undefined };
    });
    u.add([new File([new Uint8Array(4)], 'v2.mp4', { type: 'video/mp4' })], { versionOf: 'a1' });
    u.add([new File([new Uint8Array(4)], 'new.mp4', { type: 'video/mp4' })]);
    expect(seen).toEqual([{ versionOf: 'a1' }, undefined]);
    expect(u.items[0].versionOf).toBe('a1');
  });
});
