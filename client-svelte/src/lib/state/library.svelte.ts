// The media list of the library, kept live by the socket (progress, updates, removals),
// and what others shared with the caller ("Shared with me"), both filterable by title and
// review status.
import type { KnownUser, MediaInfo, ReviewStatus } from '../protocol/protocol';
import type { SocketEvents } from '../net/events';
import { keepStack } from './room.svelte';
import { newestVersion } from './versions.svelte';

export interface LibraryLink {
  on<K extends keyof SocketEvents>(name: K, fn: (e: SocketEvents[K]) => void): () => void;
  send(msg: { type: 'list_media' }): boolean;
}

export interface LibraryApi {
  listMedia(): Promise<MediaInfo[]>;
  renameMedia(id: string, title: string): Promise<MediaInfo | undefined>;
  deleteMedia(id: string): Promise<void>;
  sharedWithMe(): Promise<MediaInfo[]>;
  knownUsers(): Promise<KnownUser[]>;
}

export type SortKey = 'newest' | 'oldest' | 'title';
/** The caller's own media, or what others shared with them. */
export type LibraryTab = 'mine' | 'shared';
export type StatusFilter = ReviewStatus | 'all';

/** Media filtered by a title search (and a review status) and sorted (a new array). */
export function arrange(items: MediaInfo[], filter: string, sort: SortKey, status: StatusFilter = 'all'): MediaInfo[] {
  const q = filter.trim().toLowerCase();
  const list = items.filter((m) => (!q || m.title.toLowerCase().includes(q)) && (status === 'all' || m.review_status === status));
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
  status = $state<StatusFilter>('all');
  tab = $state<LibraryTab>('mine');

  /** What others shared with the caller, newest first. */
  shared = $state.raw<MediaInfo[]>([]);
  sharedLoaded = $state(false);
  sharedError = $state<string | null>(null);
  /** Names of the users the server knows, for "shared by". */
  names = $state.raw<Record<string, string>>({});
  /** The media whose share dialog is open (from its card's menu). */
  shareTarget = $state<string | null>(null);
  /** The signed-in user, from the socket's welcome. */
  me = $state<string | null>(null);

  visible: MediaInfo[] = $derived(arrange(this.items, this.filter, this.sort, this.status));
  sharedVisible: MediaInfo[] = $derived(arrange(this.shared, this.filter, this.sort, this.status));

  private unsubs: (() => void)[] = [];

  constructor(
    private readonly link: LibraryLink,
    private readonly api: LibraryApi,
  ) {
    this.unsubs.push(
      link.on('welcome', (m) => (this.me = m.user.id)),
      link.on('ready', () => {
        link.send({ type: 'list_media' });
        if (this.sharedLoaded) void this.refreshShared();
      }),
      link.on('media_list', (m) => this.replace(m.items)),
      link.on('media_updated', (m) => this.upsert(m.media)),
      link.on('media_progress', (m) => {
        const i = this.items.findIndex((x) => x.id === m.media_id);
        if (i >= 0) this.patch(i, { progress: m.progress });
        if (this.shared.some((x) => x.id === m.media_id)) {
          this.shared = this.shared.map((x) => (x.id === m.media_id ? { ...x, progress: m.progress } : x));
        }
        this.stages = { ...this.stages, [m.media_id]: m.stage };
      }),
      link.on('media_removed', (m) => {
        this.items = this.items.filter((x) => x.id !== m.media_id);
        this.shared = this.shared.filter((x) => x.id !== m.media_id);
      }),
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

  /**
   * A media the socket told us about: updated where it is listed; a new one of the
   * caller's goes to their list. One of someone else's may be newly shared with them, or
   * an update that overtook its own removal (a share just ended): only the server's list
   * says which, so "Shared with me" is read again.
   */
  upsert(m: MediaInfo): void {
    if (this.foldIntoStack(m)) return;
    const i = this.items.findIndex((x) => x.id === m.id);
    const j = this.shared.findIndex((x) => x.id === m.id);
    if (i >= 0) this.patch(i, keepStack(m, this.items[i]));
    if (j >= 0) this.shared = this.shared.map((x) => (x.id === m.id ? { ...x, ...keepStack(m, x) } : x));
    if (i >= 0 || j >= 0) return;
    if (this.refreshVersion(m)) return;
    if (this.me == null || m.owner_id === this.me) this.items = [m, ...this.items];
    else if (this.sharedLoaded) void this.refreshShared();
  }

  /**
   * The library shows one card per stack, its newest version: a version that is not the
   * newest only refreshes its stack's card, and a new newest one takes the card's place.
   * Returns whether `m` was handled so.
   */
  private foldIntoStack(m: MediaInfo): boolean {
    if (!m.stack || m.stack.length < 2) return false;
    const ids = new Set(m.stack.map((v) => v.id));
    const newest = newestVersion(m.stack);
    const fold = (list: MediaInfo[]): MediaInfo[] | null => {
      const at = list.findIndex((x) => ids.has(x.id));
      if (at < 0) return null;
      const card = m.id === newest?.id ? m : { ...list[at], stack: m.stack };
      return [...list.slice(0, at), card, ...list.slice(at + 1).filter((x) => !ids.has(x.id))];
    };
    const mine = fold(this.items);
    const theirs = fold(this.shared);
    if (mine) this.items = mine;
    if (theirs) this.shared = theirs;
    return !!(mine || theirs);
  }

  /**
   * An update of an older version that came without its stack (a late processing step of
   * v1 after v2 took the card, say): it refreshes that version's entry in its card's stack
   * rather than becoming a card of its own. Returns whether `m` was such a version.
   */
  private refreshVersion(m: MediaInfo): boolean {
    const entry = (x: MediaInfo) => !!x.stack?.some((v) => v.id === m.id);
    const update = (list: MediaInfo[]) =>
      list.map((x) => (entry(x) ? { ...x, stack: x.stack.map((v) => (v.id === m.id ? { ...v, status: m.status, title: m.title } : v)) } : x));
    const mine = this.items.some(entry);
    const theirs = this.shared.some(entry);
    if (mine) this.items = update(this.items);
    if (theirs) this.shared = update(this.shared);
    return mine || theirs;
  }

  private namesLoading: Promise<void> | null = null;

  async refreshNames(): Promise<void> {
    this.namesLoading ??= this.api
      .knownUsers()
      .then((known) => {
        if (known.length) this.names = Object.fromEntries(known.map((u) => [u.id, u.name]));
      })
      .catch(() => undefined)
      .finally(() => (this.namesLoading = null));
    return this.namesLoading;
  }

  private sharedLoading: Promise<void> | null = null;
  private sharedAgain = false;

  /** Reads "Shared with me"; asked again while reading, it reads once more after. */
  refreshShared(): Promise<void> {
    if (this.sharedLoading) {
      this.sharedAgain = true;
      return this.sharedLoading;
    }
    this.sharedLoading = (async () => {
      do {
        this.sharedAgain = false;
        await this.loadShared();
      } while (this.sharedAgain);
      this.sharedLoading = null;
    })();
    return this.sharedLoading;
  }

  private async loadShared(): Promise<void> {
    try {
      const [list] = await Promise.all([this.api.sharedWithMe(), this.refreshNames()]);
      this.shared = list;
      this.sharedLoaded = true;
      this.sharedError = null;
    } catch (e) {
      this.sharedError = (e as Error).message;
    }
  }

  /** Shows a tab; "Shared with me" is asked for each time it is opened. */
  show(tab: LibraryTab): void {
    this.tab = tab;
    if (tab === 'shared') void this.refreshShared();
  }

  ownerName(m: MediaInfo): string {
    return this.names[m.owner_id] ?? m.owner_id;
  }

  private patch(i: number, changes: Partial<MediaInfo>): void {
    const next = this.items.slice();
    next[i] = { ...next[i], ...changes };
    this.items = next;
  }

  get(id: string): MediaInfo | undefined {
    return this.items.find((m) => m.id === id) ?? this.shared.find((m) => m.id === id);
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
    this.shared = this.shared.filter((x) => x.id !== id);
  }
}
