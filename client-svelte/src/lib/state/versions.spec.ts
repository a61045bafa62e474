import { describe, expect, it, vi } from 'vitest';
import type { StackApi } from '../net/versions';
import type { StackVersion } from '../protocol/protocol';
import { comment, media } from './room-fixtures';
import { groupByVersion, moveInOrder, newestVersion, VersionStack } from './versions.svelte';

const v = (id: string, version: number): StackVersion => ({ id, version, created_at: `2026-01-0${version}T00:00:00Z`, status: 'ready', title: id });

function fakeApi(over: Partial<StackApi> = {}): StackApi {
  return {
    stack: vi.fn(),
    reorder: vi.fn(async (_id, order: string[]) => order.map((id, i) => v(id, i + 1))),
    split: vi.fn(async (id: string) => ({ ...media, id })),
    remove: vi.fn(async () => undefined),
    allComments: vi.fn(async () => []),
    ...over,
  };
}

describe('version stacks', () => {
  it('finds the newest, moves ids, groups every version’s notes newest first', () => {
    expect(newestVersion([v('a', 1), v('c', 3), v('b', 2)])?.id).toBe('c');
    expect(newestVersion([])).toBeNull();
    expect(moveInOrder(['a', 'b', 'c'], 'c', -1)).toEqual(['a', 'c', 'b']);
    expect(moveInOrder(['a', 'b'], 'a', -1)).toEqual(['a', 'b']);
    const groups = groupByVersion([
      { version: 1, comment: comment(2, 30) },
      { version: 2, comment: comment(3, 5) },
      { version: 1, comment: comment(1, 10) },
      { version: 1, comment: comment(4, 1, { deleted: true }) },
    ]);
    expect(groups.map((g) => [g.version, g.comments.map((c) => c.id)])).toEqual([
      [2, [3]],
      [1, [1, 2]],
    ]);
  });

  it('takes the stack from the media, and keeps it when an update leaves it out', () => {
    const s = new VersionStack(fakeApi());
    s.setMedia({ ...media, id: 'b', version: 2, stack: [v('a', 1), v('b', 2)] });
    expect(s.hasVersions).toBe(true);
    expect(s.currentVersion?.version).toBe(2);
    expect(s.others.map((x) => x.id)).toEqual(['a']);
    s.setMedia({ ...media, id: 'b', version: 2, stack: [] });
    expect(s.versions).toHaveLength(2);
  });

  it('reorders, removes and splits through the routes, renumbering', async () => {
    const api = fakeApi();
    const s = new VersionStack(api);
    s.setMedia({ ...media, id: 'a', version: 1, stack: [v('a', 1), v('b', 2), v('c', 3)] });
    expect(await s.move('c', -1)).toBe(true);
    expect(api.reorder).toHaveBeenCalledWith('a', ['a', 'c', 'b']);
    expect(s.versions.map((x) => `${x.id}${x.version}`)).toEqual(['a1', 'c2', 'b3']);
    expect(await s.move('a', -1)).toBe(false);
    expect(await s.remove('c')).toBe(true);
    expect(s.versions.map((x) => `${x.id}${x.version}`)).toEqual(['a1', 'b2']);
    expect((await s.split('b'))?.id).toBe('b');
    expect(s.versions.map((x) => x.id)).toEqual(['a']);
  });

  it('says why a change was refused, and changes nothing', async () => {
    const s = new VersionStack(fakeApi({ remove: vi.fn().mockRejectedValue(new Error('not yours')) }));
    s.setMedia({ ...media, id: 'a', stack: [v('a', 1), v('b', 2)] });
    expect(await s.remove('b')).toBe(false);
    expect(s.error).toBe('not yours');
    expect(s.versions).toHaveLength(2);
  });
});
