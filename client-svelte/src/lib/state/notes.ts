// Which comment threads the panel shows: open, resolved or all notes, narrowed by a text
// search over the note, its author and its replies. Pure, so the panel's rules are tested.
import type { Comment } from '../protocol/protocol';
import type { Thread } from './room.svelte';

export type NoteFilter = 'open' | 'resolved' | 'all';

export const NOTE_FILTERS: readonly { value: NoteFilter; label: string }[] = [
  { value: 'open', label: 'Open' },
  { value: 'resolved', label: 'Resolved' },
  { value: 'all', label: 'All' },
];

/** A note still to deal with: top-level, not deleted, not resolved. */
export function isOpenNote(c: Comment, resolved: (c: Comment) => boolean = (x) => x.resolved_at != null): boolean {
  return c.parent_id == null && !c.deleted && !resolved(c);
}

export function openCount(threads: readonly Thread[], resolved?: (c: Comment) => boolean): number {
  return threads.reduce((n, t) => n + (isOpenNote(t.root, resolved) ? 1 : 0), 0);
}

export function filterThreads(
  threads: readonly Thread[],
  show: NoteFilter,
  query: string,
  resolved: (c: Comment) => boolean = (x) => x.resolved_at != null,
): Thread[] {
  const q = query.trim().toLowerCase();
  return threads.filter((t) => {
    // A deleted note kept for its replies is neither open nor resolved: only under "all".
    if (show === 'open' && !isOpenNote(t.root, resolved)) return false;
    if (show === 'resolved' && (t.root.deleted || !resolved(t.root))) return false;
    if (!q) return true;
    return (
      t.root.text.toLowerCase().includes(q) ||
      t.root.user_name.toLowerCase().includes(q) ||
      t.replies.some((r) => r.text.toLowerCase().includes(q) || r.user_name.toLowerCase().includes(q))
    );
  });
}
