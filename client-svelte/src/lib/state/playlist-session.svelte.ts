// A live session over a playlist, from the review page of its current item: which
// playlist and item (from the session's state), the leader's previous / next (`goto`),
// following everyone into the next item's room (`session_moved`), and starting a
// playlist session from a link (`?session=1&playlist=…&item=N`).
import type { CollabAction, Playlist, PlaylistCursor } from '../protocol/protocol';
import type { SocketEvents } from '../net/events';
import type { PlaylistApi } from '../net/versions';
import { mediaHref } from './router.svelte';

export interface PlaylistSessionLink {
  readonly joined: boolean;
  readonly isLeader: boolean;
  /** The session's playlist cursor (none: not over a playlist). */
  readonly cursor: PlaylistCursor | undefined;
  control(action: CollabAction): void;
}

export interface MovedLink {
  on(name: 'session_moved', fn: (e: SocketEvents['session_moved']) => void): () => void;
}

export class PlaylistSession {
  playlist = $state.raw<Playlist | null>(null);
  error = $state<string | null>(null);
  private loadedFor: string | null = null;
  private startAsked: { playlist: string; item: number } | null;
  private readonly unsub: () => void;

  constructor(
    private readonly mediaId: string,
    private readonly link: PlaylistSessionLink,
    private readonly api: PlaylistApi,
    socket: MovedLink,
    /** Navigates (the Router's `go`). */
    private readonly go: (href: string) => void,
    start: { playlist: string; item: number } | null = null,
  ) {
    this.startAsked = start;
    this.unsub = socket.on('session_moved', (m) => {
      if (m.media_id !== this.mediaId) return;
      this.go(mediaHref(m.to, { session: true, frame: m.frame }));
    });
  }

  dispose(): void {
    this.unsub();
  }

  get cursor(): PlaylistCursor | null {
    return this.link.joined ? (this.link.cursor ?? null) : null;
  }

  get count(): number {
    return this.playlist?.items.length ?? 0;
  }

  get canPrevious(): boolean {
    const c = this.cursor;
    return !!c && this.link.isLeader && c.index > 0;
  }

  get canNext(): boolean {
    const c = this.cursor;
    return !!c && this.link.isLeader && c.index + 1 < this.count;
  }

  /** Call when the session's state changes: loads the playlist, answers a start link. */
  sync(): void {
    if (!this.link.joined) return;
    const c = this.link.cursor;
    const s = this.startAsked;
    if (s && (c?.playlist_id !== s.playlist || c.index !== s.item)) {
      this.startAsked = null;
      this.link.control({ action: 'goto', playlist_id: s.playlist, index: s.item });
    } else if (s) this.startAsked = null;
    const id = c?.playlist_id ?? s?.playlist ?? null;
    if (id && id !== this.loadedFor) {
      this.loadedFor = id;
      void this.load(id);
    }
  }

  private async load(id: string): Promise<void> {
    try {
      this.playlist = await this.api.get(id);
      this.error = null;
    } catch (e) {
      this.error = (e as Error).message || String(e);
    }
  }

  goto(index: number): void {
    const c = this.cursor;
    if (!c || index < 0 || index >= this.count) return;
    this.link.control({ action: 'goto', playlist_id: c.playlist_id, index });
  }

  next(): void {
    if (this.canNext) this.goto(this.cursor!.index + 1);
  }

  previous(): void {
    if (this.canPrevious) this.goto(this.cursor!.index - 1);
  }
}
