// A media's version stack as the review page shows it: the versions (v1 first), which one
// is open, the newest, reordering, removing and splitting one out (owner, admins), and the
// "all versions" list of every version's comments with their version.
import type { MediaId, MediaInfo, StackVersion, VersionComment } from '../protocol/protocol';
import type { StackApi } from '../net/versions';

export const versionLabel = (v: { version: number }) => `v${v.version}`;

/** The newest version of a stack: the highest number. */
export function newestVersion(stack: readonly StackVersion[]): StackVersion | null {
  return stack.reduce<StackVersion | null>((best, v) => (!best || v.version > best.version ? v : best), null);
}

/** The stack's ids in order with `id` moved by `delta` places (unchanged at an end). */
export function moveInOrder(order: readonly MediaId[], id: MediaId, delta: number): MediaId[] {
  const next = order.slice();
  const i = next.indexOf(id);
  const j = i + delta;
  if (i < 0 || j < 0 || j >= next.length) return next;
  next.splice(i, 1);
  next.splice(j, 0, id);
  return next;
}

/** "All versions": comments grouped newest version first, each version's by frame. */
export function groupByVersion(list: readonly VersionComment[]): { version: number; comments: VersionComment['comment'][] }[] {
  const by = new Map<number, VersionComment['comment'][]>();
  for (const { version, comment } of list) {
    if (comment.deleted) continue;
    let l = by.get(version);
    if (!l) by.set(version, (l = []));
    l.push(comment);
  }
  return [...by.entries()]
    .sort((a, b) => b[0] - a[0])
    .map(([version, comments]) => ({ version, comments: comments.sort((a, b) => a.frame - b.frame || a.id - b.id) }));
}

export class VersionStack {
  /** The stack, v1 first; a media without other versions has one entry. */
  versions = $state.raw<StackVersion[]>([]);
  current = $state<MediaId>('');
  busy = $state(false);
  error = $state<string | null>(null);
  /** "All versions": every version's comments, loaded when shown. */
  all = $state.raw<VersionComment[] | null>(null);
  allLoading = $state(false);

  readonly newest: StackVersion | null = $derived(newestVersion(this.versions));
  readonly currentVersion: StackVersion | null = $derived(this.versions.find((v) => v.id === this.current) ?? null);
  readonly hasVersions: boolean = $derived(this.versions.length > 1);
  /** The other versions, newest first: what compare offers. */
  readonly others: StackVersion[] = $derived(
    this.versions.filter((v) => v.id !== this.current).sort((a, b) => b.version - a.version),
  );

  constructor(private readonly api: StackApi) {}

  /** The open media (from the room): its stack, unless an update left it out (empty). */
  setMedia(m: MediaInfo | null): void {
    if (!m) return;
    this.current = m.id;
    if (m.stack?.length) this.versions = m.stack;
    else if (!this.versions.length) {
      this.versions = [{ id: m.id, version: m.version ?? 1, created_at: m.created_at, status: m.status, title: m.title }];
    }
  }

  private async run<T>(fn: () => Promise<T>): Promise<T | null> {
    if (this.busy) return null;
    this.busy = true;
    try {
      const r = await fn();
      this.error = null;
      return r;
    } catch (e) {
      this.error = (e as Error).message || String(e);
      return null;
    } finally {
      this.busy = false;
    }
  }

  async reload(): Promise<void> {
    const s = await this.run(() => this.api.stack(this.current));
    if (s) this.versions = s;
  }

  /** Moves a version earlier (-1) or later (+1) in the stack; the server renumbers. */
  async move(id: MediaId, delta: number): Promise<boolean> {
    const order = moveInOrder(
      this.versions.map((v) => v.id),
      id,
      delta,
    );
    if (order.every((x, i) => x === this.versions[i]?.id)) return false;
    const s = await this.run(() => this.api.reorder(this.current, order));
    if (s) this.versions = s;
    return !!s;
  }

  /** Removes one version (its file and comments); the others renumber. */
  async remove(id: MediaId): Promise<boolean> {
    const ok = await this.run(async () => {
      await this.api.remove(id);
      return true;
    });
    if (!ok) return false;
    const rest = this.versions.filter((v) => v.id !== id).map((v, i) => ({ ...v, version: i + 1 }));
    this.versions = rest;
    return true;
  }

  /** Takes a version out of the stack: it becomes a media of its own. */
  async split(id: MediaId): Promise<MediaInfo | null> {
    const m = await this.run(() => this.api.split(id));
    if (!m) return null;
    this.versions = this.versions.filter((v) => v.id !== id).map((v, i) => ({ ...v, version: i + 1 }));
    return m;
  }

  async loadAll(): Promise<void> {
    if (this.allLoading) return;
    this.allLoading = true;
    try {
      this.all = await this.api.allComments(this.current);
      this.error = null;
    } catch (e) {
      this.error = (e as Error).message || String(e);
    } finally {
      this.allLoading = false;
    }
  }
}
