// Merging pages of a room's comments (newest first by id, as the server sends them) into
// what the client holds, sorted by frame. Pure, so the paging rules are tested.
import type { Comment } from '../protocol/protocol';

export function byFrame(a: Comment, b: Comment): number {
  return a.frame - b.frame || a.id - b.id;
}

/**
 * `held` with `page` merged in: a comment in the page replaces the held one of the same id
 * (a page is at least as new as any event applied for its ids). Sorted by frame, then id.
 */
export function mergeComments(held: readonly Comment[], page: readonly Comment[]): Comment[] {
  if (!page.length) return [...held];
  const byId = new Map(held.map((c) => [c.id, c]));
  for (const c of page) byId.set(c.id, c);
  return [...byId.values()].sort(byFrame);
}

/** Inserts or replaces one comment in a list sorted by frame (binary insert: cheap at 2,000). */
export function upsertComment(held: readonly Comment[], c: Comment): Comment[] {
  const rest = held.filter((x) => x.id !== c.id);
  let lo = 0;
  let hi = rest.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (byFrame(rest[mid], c) < 0) lo = mid + 1;
    else hi = mid;
  }
  rest.splice(lo, 0, c);
  return rest;
}
