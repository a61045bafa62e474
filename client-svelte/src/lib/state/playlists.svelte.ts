// Dailies playlists: the list of those the caller may open, one playlist's builder (title,
// items added from the library, reordered, removed; saved as one replace), and its player,
// which plays the items one after another, skipping those the caller may not open.
import type { MediaId, MediaInfo, Playlist, PlaylistItem, PlaylistSummary } from '../protocol/protocol';
import type { PlaylistApi } from '../net/versions';

const message = (e: unknown) => (e as Error).message || String(e);

export class PlaylistList {
  items = $state.raw<PlaylistSummary[]>([]);
  loaded = $state(false);
  error = $state<string | null>(null);

  constructor(private readonly api: PlaylistApi) {}

  async refresh(): Promise<void> {
    try {
      this.items = await this.api.list();
      this.loaded = true;
      this.error = null;
    } catch (e) {
      this.error = message(e);
    }
  }

  /** Makes an empty playlist (or one of `items`) and returns it. */
  async create(title: string, items: MediaId[] = []): Promise<Playlist | null> {
    const t = title.trim();
    if (!t) {
      this.error = 'A playlist needs a title.';
      return null;
    }
    try {
      const p = await this.api.create({ title: t, items });
      this.error = null;
      void this.refresh();
      return p;
    } catch (e) {
      this.error = message(e);
      return null;
    }
  }
}

/** One entry being edited: its media id, and what is known of it to show. */
export interface DraftItem {
  media_id: MediaId;
  media: MediaInfo | null;
}

/** `list` with the entry at `i` moved by `delta` places (unchanged at an end). */
export function moveItem<T>(list: readonly T[], i: number, delta: number): T[] {
  const j = i + delta;
  const next = list.slice();
  if (i < 0 || i >= next.length || j < 0 || j >= next.length) return next;
  const [x] = next.splice(i, 1);
  next.splice(j, 0, x);
  return next;
}

/** The next item from `from` in direction `dir` that the caller may open (null: none). */
export function nextPlayable(items: readonly PlaylistItem[], from: number, dir: 1 | -1 = 1): number | null {
  for (let i = from + dir; i >= 0 && i < items.length; i += dir) {
    const m = items[i].media;
    if (m && m.status === 'ready' && m.playback_url) return i;
  }
  return null;
}

export class PlaylistPage {
  playlist = $state.raw<Playlist | null>(null);
  error = $state<string | null>(null);
  notFound = $state(false);
  /** The builder's draft (while editing). */
  editing = $state(false);
  title = $state('');
  draft = $state.raw<DraftItem[]>([]);
  saving = $state(false);
  /** The player's current item. */
  index = $state(0);

  readonly canEdit: boolean = $derived(this.playlist?.access === 'manage');
  readonly current: PlaylistItem | null = $derived(this.playlist?.items[this.index] ?? null);
  readonly dirty: boolean = $derived.by(() => {
    const p = this.playlist;
    if (!p) return false;
    return this.title.trim() !== p.title || this.draft.length !== p.items.length || this.draft.some((d, i) => d.media_id !== p.items[i].media_id);
  });

  constructor(
    readonly id: string,
    private readonly api: PlaylistApi,
  ) {}

  async load(): Promise<void> {
    try {
      this.take(await this.api.get(this.id));
      this.error = null;
      this.notFound = false;
    } catch (e) {
      if ((e as { status?: number }).status === 404) this.notFound = true;
      this.error = message(e);
    }
  }

  private take(p: Playlist): void {
    this.playlist = p;
    if (this.index >= p.items.length) this.index = Math.max(0, p.items.length - 1);
    if (!this.editing) this.resetDraft();
  }

  private resetDraft(): void {
    const p = this.playlist;
    this.title = p?.title ?? '';
    this.draft = p?.items.map((i) => ({ media_id: i.media_id, media: i.media })) ?? [];
  }

  edit(): void {
    if (!this.canEdit) return;
    this.resetDraft();
    this.editing = true;
  }

  cancel(): void {
    this.editing = false;
    this.resetDraft();
  }

  add(m: MediaInfo): void {
    this.draft = [...this.draft, { media_id: m.id, media: m }];
  }

  remove(i: number): void {
    this.draft = this.draft.filter((_, k) => k !== i);
  }

  move(i: number, delta: number): void {
    this.draft = moveItem(this.draft, i, delta);
  }

  async save(): Promise<boolean> {
    if (this.saving) return false;
    const title = this.title.trim();
    if (!title) {
      this.error = 'A playlist needs a title.';
      return false;
    }
    this.saving = true;
    try {
      const p = await this.api.update(this.id, { title, items: this.draft.map((d) => d.media_id) });
      this.editing = false;
      this.take(p);
      this.resetDraft();
      this.error = null;
      return true;
    } catch (e) {
      this.error = message(e);
      return false;
    } finally {
      this.saving = false;
    }
  }

  async delete(): Promise<boolean> {
    try {
      await this.api.remove(this.id);
      return true;
    } catch (e) {
      this.error = message(e);
      return false;
    }
  }

  /** The player: item `i` (one the caller may open). */
  play(i: number): void {
    const items = this.playlist?.items ?? [];
    if (i >= 0 && i < items.length) this.index = i;
  }

  /** Moves on to the next playable item; false at the end. */
  next(): boolean {
    const n = nextPlayable(this.playlist?.items ?? [], this.index, 1);
    if (n == null) return false;
    this.index = n;
    return true;
  }

  previous(): boolean {
    const n = nextPlayable(this.playlist?.items ?? [], this.index, -1);
    if (n == null) return false;
    this.index = n;
    return true;
  }

  /** The first item to play (the first one the caller may open). */
  first(): number | null {
    return nextPlayable(this.playlist?.items ?? [], -1, 1);
  }
}
