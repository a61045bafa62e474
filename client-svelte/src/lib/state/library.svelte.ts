// The media list of the library, kept live by the socket (progress, updates, removals).
import type { MediaInfo } from '../protocol/protocol';
import type { SocketEvents } from '../net/events';

export interface LibraryLink {
  on<K extends keyof SocketEvents>(name: K, fn: (e: SocketEvents[K]) => void): () => void;
  send(msg: { type: 'list_media' }): boolean;
}

export interface LibraryApi {
  listMedia(): Promise<MediaInfo[]>;
  renameMedia(id: string, title: string): Promise<MediaInfo | undefined>;
  deleteMedia(id: string): Promise<void>;
}

export type SortKey = 'newest' | 'oldest' | 'title';

/** Media filtered by a title search and sorted (a new array). */
export function arrange(items: MediaInfo[], filter: string, sort: SortKey): MediaInfo[] {
  const q = filter.trim().toLowerCase();
  const list = q ? items.filter((m) => m.title.toLowerCase().includes(q)) : [...items];
  if (sort === 'title') list.sort((a, b) => a.title.localeCompare(b.title));
  else if (sort === 'oldest') list.sort((a, b) => a.created_at.localeCompare(b.created_at));
  else list.sort((a, b) => b.created_at.localeCompare(a.created_at));
  return list;
}

export class Library {
  items = $state.raw<MediaInfo[]>([]);
  loaded = $state(false);
  error = $state<string | null>(null);
  /** Live stage names while processing ("probe", "proxy", …). */
  stages = $state.raw<Record<string, string>>({});
  filter = $state('');
  sort = $state<SortKey>('newest');

  visible: MediaInfo[] = $derived(arrange(this.items, this.filter, this.sort));

  private unsubs: (() => void)[] = [];

  constructor(
    private readonly link: LibraryLink,
    private readonly api: LibraryApi,
  ) {
    this.unsubs.push(
      link.on('ready', () => link.send({ type: 'list_media' })),
      link.on('media_list', (m) => this.replace(m.items)),
      link.on('media_updated', (m) => this.upsert(m.media)),
      link.on('media_progress', (m) => {
        const i = this.items.findIndex((x) => x.id === m.media_id);
        if (i >= 0) this.patch(i, { progress: m.progress });
        this.stages = { ...this.stages, [m.media_id]: m.stage };
      }),
      link.on('media_removed', (m) => (this.items = this.items.filter((x) => x.id !== m.media_id))),
    );
  }

  dispose(): void {
    this.unsubs.forEach((u) => u());
  }

  async refresh(): Promise<void> {
    try {
      this.replace(await this.api.listMedia());
      this.error = null;
    } catch (e) {
      this.error = (e as Error).message;
    }
  }

  replace(items: MediaInfo[]): void {
    this.items = items;
    this.loaded = true;
  }

  upsert(m: MediaInfo): void {
    const i = this.items.findIndex((x) => x.id === m.id);
    if (i < 0) this.items = [m, ...this.items];
    else this.patch(i, m);
  }

  private patch(i: number, changes: Partial<MediaInfo>): void {
    const next = this.items.slice();
    next[i] = { ...next[i], ...changes };
    this.items = next;
  }

  get(id: string): MediaInfo | undefined {
    return this.items.find((m) => m.id === id);
  }

  async rename(id: string, title: string): Promise<void> {
    const t = title.trim();
    const i = this.items.findIndex((x) => x.id === id);
    if (!t || i < 0) return;
    const before = this.items[i].title;
    this.patch(i, { title: t });
    try {
      const updated = await this.api.renameMedia(id, t);
      if (updated) this.upsert(updated);
    } catch (e) {
      const j = this.items.findIndex((x) => x.id === id);
      if (j >= 0) this.patch(j, { title: before });
      throw e;
    }
  }

  async remove(id: string): Promise<void> {
    await this.api.deleteMedia(id);
    this.items = this.items.filter((x) => x.id !== id);
  }
}
