import { describe, expect, it } from 'vitest';
import type { Comment } from '../protocol/protocol';
import { filterThreads, openCount } from './notes';
import type { Thread } from './room.svelte';

const c = (id: number, extra: Partial<Comment> = {}): Comment => ({
  id, media_id: 'm1', parent_id: null, user_id: 'bob', user_name: 'Bob', text: `note ${id}`, frame: id, end_frame: null,
  drawing: null, created_at: '', edited_at: null, deleted: false, guest: false, resolved_by: null, resolved_by_name: null,
  resolved_at: null, ...extra,
});
const resolved = { resolved_by: 'alice', resolved_by_name: 'Alice', resolved_at: '2026-12-02T10:00:00Z' };
const threads: Thread[] = [
  { root: c(1), replies: [c(10, { parent_id: 1, text: 'the sky is off', user_name: 'Carla' })] },
  { root: c(2, resolved), replies: [] },
  { root: c(3, { deleted: true, text: '' }), replies: [c(11, { parent_id: 3 })] },
  { root: c(4, { text: 'Grade the sky' }), replies: [] },
];

describe('notes filter', () => {
  it('shows open, resolved or all notes', () => {
    expect(filterThreads(threads, 'all', '').map((t) => t.root.id)).toEqual([1, 2, 3, 4]);
    expect(filterThreads(threads, 'open', '').map((t) => t.root.id)).toEqual([1, 4]);
    expect(filterThreads(threads, 'resolved', '').map((t) => t.root.id)).toEqual([2]);
  });

  it('counts open notes, deleted ones not', () => {
    expect(openCount(threads)).toBe(2);
  });

  it('searches notes, replies and their authors', () => {
    expect(filterThreads(threads, 'all', 'SKY').map((t) => t.root.id)).toEqual([1, 4]);
    expect(filterThreads(threads, 'open', 'carla').map((t) => t.root.id)).toEqual([1]);
  });

  it('takes a request on its way for the stored state', () => {
    const pending = (x: Comment) => (x.id === 1 ? true : x.resolved_at != null);
    expect(filterThreads(threads, 'resolved', '', pending).map((t) => t.root.id)).toEqual([1, 2]);
    expect(openCount(threads, pending)).toBe(1);
  });
});
