// Drawings that travel by reference: a comment with a large drawing carries `drawing_url`
// instead, fetched when the drawing is needed (shown on its frame, or its comment selected)
// and cached by comment id and `edited_at`. A failed fetch is tried again the next time
// the drawing is needed.
import { untrack } from 'svelte';
import { json } from '../net/api';
import type { Comment, CommentId, Drawing } from '../protocol/protocol';

export type DrawingState = 'none' | 'loading' | 'ready' | 'failed';

type Entry = { state: 'loading'; promise: Promise<Drawing | null> } | { state: 'ready'; drawing: Drawing } | { state: 'failed' };

export const DRAWING_FAILED = 'drawing could not be loaded';

/** The cache key: a new edit is a new drawing. */
export function drawingKey(c: Pick<Comment, 'id' | 'edited_at'>): string {
  return `${c.id}@${c.edited_at ?? ''}`;
}

export class Drawings {
  private entries = $state.raw<ReadonlyMap<string, Entry>>(new Map());

  constructor(
    private readonly fetchDrawing: (url: string) => Promise<Drawing> = (url) => json<Drawing>(url),
    /** Where this client fetches an address from (a guest's routes differ). */
    private readonly mapUrl: (url: string) => string = (url) => url,
  ) {}

  /** The comment's drawing, inline or fetched; null when it has none or it is not here yet. */
  of(c: Comment): Drawing | null {
    if (c.drawing) return c.drawing;
    if (!c.drawing_url) return null;
    const e = this.entries.get(drawingKey(c));
    return e?.state === 'ready' ? e.drawing : null;
  }

  /** Whether the comment has a drawing at all, here or by reference. */
  has(c: Comment): boolean {
    return !!(c.drawing?.shapes.length || c.drawing_url);
  }

  stateOf(c: Comment): DrawingState {
    if (c.drawing || !c.drawing_url) return c.drawing ? 'ready' : 'none';
    return this.entries.get(drawingKey(c))?.state ?? 'none';
  }

  /**
   * The drawing is needed now: fetches it unless it is here or on its way (a failed one is
   * fetched again). Reads nothing reactively, so an effect calling it does not rerun when
   * the fetch ends.
   */
  need(c: Comment): void {
    void untrack(() => this.load(c));
  }

  /** The drawing, fetched if need be; null when it has none or the fetch failed. */
  load(c: Comment): Promise<Drawing | null> {
    if (c.drawing || !c.drawing_url) return Promise.resolve(c.drawing);
    const key = drawingKey(c);
    const e = untrack(() => this.entries.get(key));
    if (e?.state === 'ready') return Promise.resolve(e.drawing);
    if (e?.state === 'loading') return e.promise;
    const promise = this.fetchDrawing(this.mapUrl(c.drawing_url)).then(
      (drawing) => {
        this.set(c.id, key, { state: 'ready', drawing });
        return drawing;
      },
      () => {
        this.set(c.id, key, { state: 'failed' });
        return null;
      },
    );
    this.set(c.id, key, { state: 'loading', promise });
    return promise;
  }

  /** Keeps one version per comment: an edited drawing replaces the one before. */
  private set(id: CommentId, key: string, entry: Entry): void {
    const next = new Map(untrack(() => this.entries));
    const prefix = `${id}@`;
    for (const k of next.keys()) if (k.startsWith(prefix) && k !== key) next.delete(k);
    next.set(key, entry);
    this.entries = next;
  }
}
