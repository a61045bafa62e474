import { describe, expect, it } from 'vitest';
import { mergeComments, upsertComment } from './comment-pages';
import { comment } from './room-fixtures';

describe('comment pages', () => {
  it('merges a page by id, the page winning, sorted by frame then id', () => {
    const held = [comment(5, 10), comment(9, 40, { text: 'old' })];
    const merged = mergeComments(held, [comment(9, 40, { text: 'new' }), comment(2, 10), comment(1, 90)]);
    expect(merged.map((c) => [c.id, c.text])).toEqual([[2, 'c2'], [5, 'c5'], [9, 'new'], [1, 'c1']]);
    expect(mergeComments(merged, [])).toEqual(merged);
  });

  it('upserts one comment in place', () => {
    const held = [comment(1, 10), comment(2, 20), comment(3, 30)];
    expect(upsertComment(held, comment(2, 35)).map((c) => c.id)).toEqual([1, 3, 2]);
    expect(upsertComment(held, comment(4, 0)).map((c) => c.id)).toEqual([4, 1, 2, 3]);
  });
});
