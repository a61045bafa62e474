// The review room of one media file as this client sees it: metadata, comments (paged:
// the newest first, older ones on request) and threads, presence (kept by deltas), the
// collab state and live strokes, and what the caller may do here; catches up after a
// reconnect with `since_seq` (paged, acknowledged) and keeps comments typed or sent while
// offline until the server has them.
import type { AccessLevel, ClientMsg, CollabState, Comment, CommentId, Drawing, MediaInfo, Member, RoomEvent, SeqEvent, Shape, SubtitleCue } from '../protocol/protocol';
import { errorRoute } from '../net/error-routes';
import type { SocketEvents } from '../net/events';
import { isNewer } from './collab-math';
import { mergeComments, upsertComment } from './comment-pages';
import { applyMemberChanges, unlistedCount } from './presence';

/** What the room needs from the connection (a Connection, or a fake in tests). */
export interface RoomLink {
  on<K extends keyof SocketEvents>(name: K, fn: (e: SocketEvents[K]) => void): () => void;
  send(msg: ClientMsg): boolean;
  sendQueued(msg: ClientMsg): void;
  readonly isOpen: boolean;
}

export interface PendingComment {
  client_ref: string;
  text: string;
  frame: number;
  end_frame: number | null;
  parent_id: CommentId | null;
  drawing: Drawing | null;
  /** The subtitle cue on screen when it was written, when the author linked it. */
  subtitle_cue?: SubtitleCue | null;
  /** queued: not on the wire yet; sent: awaiting the server's comment_added; failed: refused. */
  state: 'queued' | 'sent' | 'failed';
  error?: string;
}

export interface Thread {
  root: Comment;
  replies: Comment[];
}

export type RoomStatus = 'joining' | 'joined' | 'closed' | 'error';

/** An empty `stack` in a `media_updated` push means "not included": keep the one we have. */
export function keepStack(next: MediaInfo, prev: MediaInfo | null): MediaInfo {
  return !next.stack?.length && prev?.stack?.length ? { ...next, stack: prev.stack } : next;
}

let refCounter = 0;
function newClientRef(): string {
  refCounter += 1;
  return `${Date.now().toString(36)}-${refCounter}-${Math.random().toString(36).slice(2, 8)}`;
}

const REMOVED = 'This media is no longer available to you: it was deleted, or it is no longer shared with you.';
export const RESYNCED = 'Reloaded the notes: you were away for a while';
/** How long a notice such as RESYNCED stays up, ms. */
export const NOTICE_MS = 6000;

export class Room {
  status = $state<RoomStatus>('joining');
  closedReason = $state('');
  media = $state.raw<MediaInfo | null>(null);
  /** Every comment loaded so far, top-level and replies, sorted by frame then id. */
  comments = $state.raw<Comment[]>([]);
  /** The cursor for the next older page of comments; null when all are loaded. */
  commentsBefore = $state<CommentId | null>(null);
  /** A `load_comments` is on its way (one at a time). */
  loadingOlder = $state(false);
  /** Missed events are arriving in `room_events` pages after a reconnect. */
  catchingUp = $state(false);
  /** A brief word about the room (the notes were reloaded); clears itself. */
  notice = $state<string | null>(null);
  /** The members shown (all of them in a small room); oneself always among them. */
  members = $state.raw<Member[]>([]);
  /** Everyone present, shown or not. */
  memberCount = $state(0);
  /** Present but not among `members`. */
  readonly others: number = $derived(unlistedCount(this.members.length, this.memberCount));
  collab = $state.raw<CollabState | null>(null);
  sessionId = $state<number | null>(null);
  seq = $state(0);
  pending = $state.raw<PendingComment[]>([]);
  /** Live strokes by session id (not stored; cleared by live_clear). */
  liveStrokes = $state.raw<Map<number, Shape[]>>(new Map());
  /** The last error the server sent about this room's requests. */
  lastError = $state<string | null>(null);
  /** The latest comment that arrived from someone else (for a "new" highlight). */
  lastRemoteComment = $state.raw<Comment | null>(null);
  /** What the caller may do here (null until the first join answered). */
  access = $state<AccessLevel | null>(null);
  /** Resolve requests on their way: the checkbox shows them until the server answers. */
  resolving = $state.raw<ReadonlyMap<CommentId, boolean>>(new Map());

  /** Comment, reply, draw, resolve, set the status, join live sessions. */
  readonly canComment: boolean = $derived(this.access === 'comment' || this.access === 'manage');
  /** Edit the sharing and the guest links (owner, admins). */
  readonly canManage: boolean = $derived(this.access === 'manage');

  threads: Thread[] = $derived.by(() => {
    const replies = new Map<CommentId, Comment[]>();
    const roots: Comment[] = [];
    for (const c of this.comments) {
      if (c.parent_id == null) roots.push(c);
      else {
        let list = replies.get(c.parent_id);
        if (!list) replies.set(c.parent_id, (list = []));
        list.push(c);
      }
    }
    // A reply whose note is in a page not loaded yet waits here, unshown, until it comes.
    return roots.map((root) => ({ root, replies: (replies.get(root.id) ?? []).sort((a, b) => a.id - b.id) }));
  });

  me: Member | null = $derived(this.members.find((m) => m.session_id === this.sessionId) ?? null);

  private unsubs: (() => void)[] = [];
  private joinedListeners: ((rejoin: boolean) => void)[] = [];
  private eventListeners: ((event: RoomEvent) => void)[] = [];
  private accessListeners: ((access: AccessLevel) => void)[] = [];
  private clearAllListeners: (() => void)[] = [];
  private resendTimer: ReturnType<typeof setTimeout> | null = null;
  private removedTimer: ReturnType<typeof setTimeout> | null = null;
  private noticeTimer: ReturnType<typeof setTimeout> | null = null;
  /** The `since_seq` of the join on its way (undefined when none is). */
  private askedSince: number | null | undefined = undefined;
  /** The next join asks for full state: catching up from our seq failed once already. */
  private fullNext = false;
  /** The seq a gap made us rejoin from: a second gap there asks for full state instead. */
  private gapRejoinedAt: number | null = null;

  constructor(
    readonly mediaId: string,
    private readonly link: RoomLink,
    private readonly storage: Pick<Storage, 'getItem' | 'setItem' | 'removeItem'> | null = safeSessionStorage(),
    /** How this client sees the media (a guest's file addresses differ). */
    private readonly view: (m: MediaInfo) => MediaInfo = (m) => m,
  ) {
    this.pending = this.loadPending();
    const on = <K extends keyof SocketEvents>(name: K, fn: (e: SocketEvents[K]) => void) =>
      this.unsubs.push(link.on(name, fn));
    on('ready', () => this.join());
    on('room_joined', (m) => m.media.id === mediaId && this.onJoined(m));
    on('room_event', (m) => m.media_id === mediaId && this.onEvent(m.seq, m.event));
    on('room_events', (m) => m.media_id === mediaId && this.onEventPage(m.events, m.more));
    on('comments_page', (m) => m.media_id === mediaId && this.onCommentsPage(m.comments, m.before));
    on('presence_delta', (m) => {
      if (m.media_id !== mediaId) return;
      this.members = applyMemberChanges(this.members, m.changes, this.sessionId);
      this.memberCount = m.member_count;
    });
    // Pages asked for on a socket that is gone do not come: ask again after the rejoin.
    on('lost', () => {
      this.loadingOlder = false;
      this.catchingUp = false;
      this.askedSince = undefined;
    });
    on('collab', (m) => m.media_id === mediaId && this.setCollab(m.state));
    on('live_stroke', (m) => m.media_id === mediaId && this.addLiveStroke(m.session_id, m.shape));
    on('live_clear', (m) => m.media_id === mediaId && this.clearLive(m.session_id, m.all));
    on('media_updated', (m) => m.media.id === mediaId && (this.media = this.view(keepStack(m.media, this.media))));
    on('access_changed', (m) => m.media_id === mediaId && this.setAccess(m.access));
    on('media_progress', (m) => {
      if (m.media_id === mediaId && this.media) this.media = { ...this.media, progress: m.progress };
    });
    on('room_closed', (m) => m.media_id === mediaId && this.close(m.reason));
    on('media_removed', (m) => {
      if (m.media_id !== mediaId || this.status === 'closed') return;
      // A member hears the room's own word next (deleted, or access removed), which says
      // which; only if it does not come is the reason guessed.
      if (this.status !== 'joined') return this.close(REMOVED);
      this.removedTimer ??= setTimeout(() => this.close(REMOVED), 1500);
    });
    on('error', (m) => {
      if (errorRoute(m) !== 'room') return;
      if (m.request === 'join_room' && this.status === 'joining') {
        // Catching up was refused: ask once for the whole state, never again from that seq.
        if (this.askedSince != null) return this.rejoinFull();
        this.status = 'error';
      }
      if (m.request === 'load_comments') this.loadingOlder = false;
      if (m.request === 'room_events_ack') return this.rejoinFull();
      if (m.request === 'add_comment' && m.client_ref) this.failPending(m.client_ref, m.message);
      // The refusal does not say which note: every checkbox shows the stored state again.
      if (m.request === 'resolve_comment') this.resolving = new Map();
      this.lastError = m.message;
    });
    if (link.isOpen) this.join();
  }

  dispose(): void {
    this.unsubs.forEach((u) => u());
    this.unsubs = [];
    if (this.resendTimer) clearTimeout(this.resendTimer);
    if (this.removedTimer) clearTimeout(this.removedTimer);
    if (this.noticeTimer) clearTimeout(this.noticeTimer);
    this.link.send({ type: 'leave_room', media_id: this.mediaId });
  }

  private close(reason: string): void {
    if (this.removedTimer) clearTimeout(this.removedTimer);
    this.removedTimer = null;
    if (this.status === 'closed') return;
    this.status = 'closed';
    this.closedReason = reason;
  }

  /** (Re)joins; after the first join only the missed events are asked for. */
  join(): void {
    const since = !this.fullNext && (this.status === 'joined' || this.seq > 0) ? this.seq : null;
    this.fullNext = false;
    if (this.status !== 'closed') this.status = 'joining';
    this.askedSince = since;
    this.link.send({ type: 'join_room', media_id: this.mediaId, since_seq: since });
  }

  /** Joins again asking for the whole state (catching up went wrong). */
  private rejoinFull(): void {
    this.fullNext = true;
    this.join();
  }

  private onJoined(m: SocketEvents['room_joined']): void {
    this.askedSince = undefined;
    this.media = this.view(m.media);
    this.members = m.members;
    this.memberCount = m.member_count;
    this.collab = m.collab;
    this.sessionId = m.session_id;
    this.setAccess(m.access);
    // A page asked for before this join answers a state we no longer hold.
    this.loadingOlder = false;
    if (m.comments) {
      this.comments = mergeComments([], m.comments);
      this.commentsBefore = m.comments_before;
      this.seq = m.seq;
      this.catchingUp = false;
      this.gapRejoinedAt = null;
      this.dropPendingAlreadyStored();
      if (m.resync) this.showNotice(RESYNCED);
    } else {
      // The room restarted (server restart): our numbering no longer applies.
      if (m.seq < this.seq) this.seq = m.seq;
      // The missed events follow in room_events pages, advancing seq to m.seq.
      this.catchingUp = m.seq > this.seq;
    }
    const rejoin = this.status === 'joining' && this.sessionId != null && this.seq > 0;
    this.status = 'joined';
    this.liveStrokes = new Map();
    // Comments sent before the link broke wait until the catch-up shows whether they arrived.
    if (this.catchingUp) this.transmitQueued();
    else this.scheduleResend();
    for (const fn of this.joinedListeners) fn(rejoin);
  }

  private showNotice(text: string): void {
    this.notice = text;
    if (this.noticeTimer) clearTimeout(this.noticeTimer);
    this.noticeTimer = setTimeout(() => {
      this.noticeTimer = null;
      this.notice = null;
    }, NOTICE_MS);
  }

  /** Asks for the next older page of comments; false when none is left or one is on its way. */
  loadOlder(): boolean {
    if (this.loadingOlder || this.commentsBefore == null || this.status !== 'joined' || this.catchingUp) return false;
    const sent = this.link.send({ type: 'load_comments', media_id: this.mediaId, before: this.commentsBefore });
    if (sent) this.loadingOlder = true;
    return sent;
  }

  private onCommentsPage(page: Comment[], before: CommentId | null): void {
    if (!this.loadingOlder) return; // asked before a rejoin that replaced the comments
    this.loadingOlder = false;
    this.comments = mergeComments(this.comments, page);
    this.commentsBefore = before;
  }

  /** One page of the catch-up: applied in order, then acknowledged for the next one. */
  private onEventPage(events: SeqEvent[], more: boolean): void {
    for (const { seq, event } of events) {
      if (this.step(seq, event) === 'gap') return this.rejoinFull();
    }
    if (more) {
      this.link.send({ type: 'room_events_ack', media_id: this.mediaId, seq: this.seq });
      return;
    }
    this.catchingUp = false;
    this.scheduleResend();
  }

  /** Called after every room_joined (the first and each one after a reconnect). */
  whenJoined(fn: (rejoin: boolean) => void): void {
    this.joinedListeners.push(fn);
  }

  /** Called after each room event is applied, in the room's order. */
  whenEvent(fn: (event: RoomEvent) => void): void {
    this.eventListeners.push(fn);
  }

  /** Called when the caller's level here changes (not on a join that keeps it). */
  whenAccessChanged(fn: (access: AccessLevel) => void): void {
    this.accessListeners.push(fn);
  }

  private setAccess(access: AccessLevel): void {
    const before = this.access;
    this.access = access;
    if (before !== null && before !== access) for (const fn of this.accessListeners) fn(access);
  }

  private onEvent(seq: number, event: RoomEvent): void {
    if (this.step(seq, event) !== 'gap' || this.status !== 'joined' || this.catchingUp) return;
    // A gap: we missed something. Ask again from what we have; the catch-up brings this
    // event too, in order (so it is not applied out of turn meanwhile). A second gap at
    // the same place means catching up does not help: then the whole state.
    if (this.gapRejoinedAt === this.seq) return this.rejoinFull();
    this.gapRejoinedAt = this.seq;
    this.join();
  }

  /** Applies the event that comes next; one seen already is skipped, a later one is not. */
  private step(seq: number, event: RoomEvent): 'applied' | 'seen' | 'gap' {
    if (seq <= this.seq) return 'seen'; // e.g. replayed after a rejoin
    if (seq > this.seq + 1) return 'gap';
    this.seq = seq;
    this.apply(event);
    for (const fn of this.eventListeners) fn(event);
    return 'applied';
  }

  /** Applies one room event to the local state. */
  apply(event: RoomEvent): void {
    switch (event.kind) {
      case 'comment_added': {
        if (event.client_ref && this.pending.some((p) => p.client_ref === event.client_ref)) {
          this.pending = this.pending.filter((p) => p.client_ref !== event.client_ref);
          this.savePending();
        } else {
          this.lastRemoteComment = event.comment;
        }
        this.upsert(event.comment);
        break;
      }
      case 'comment_edited':
        this.upsert(event.comment);
        break;
      case 'comment_deleted':
        // One in a page not loaded yet: that page, when it comes, is newer than this.
        if (!this.comments.some((c) => c.id === event.comment_id)) break;
        if (event.comment) this.upsert(event.comment);
        else this.comments = this.comments.filter((c) => c.id !== event.comment_id && c.parent_id !== event.comment_id);
        break;
      case 'media_renamed':
        if (this.media) this.media = { ...this.media, title: event.title };
        break;
      case 'comment_resolved': {
        this.upsert(event.comment);
        if (this.resolving.has(event.comment.id)) {
          const next = new Map(this.resolving);
          next.delete(event.comment.id);
          this.resolving = next;
        }
        break;
      }
      case 'status_changed':
        if (this.media) this.media = { ...this.media, review_status: event.change.status };
        break;
    }
  }

  private upsert(c: Comment): void {
    this.comments = upsertComment(this.comments, c);
  }

  setCollab(s: CollabState): void {
    if (isNewer(s, this.collab) || (this.collab && s.active !== this.collab.active)) this.collab = s;
  }

  // ---- comments

  /** Adds a comment (or a reply); it shows as pending until the server stores it. */
  addComment(c: {
    text: string;
    frame: number;
    end_frame?: number | null;
    parent_id?: CommentId | null;
    drawing?: Drawing | null;
    subtitle_cue?: SubtitleCue | null;
  }): PendingComment {
    const p: PendingComment = {
      client_ref: newClientRef(),
      text: c.text,
      frame: Math.max(0, Math.round(c.frame)),
      end_frame: c.end_frame ?? null,
      parent_id: c.parent_id ?? null,
      drawing: c.drawing ?? null,
      subtitle_cue: c.subtitle_cue ?? null,
      state: 'queued',
    };
    this.pending = [...this.pending, p];
    if (this.status === 'joined' && this.link.isOpen) this.transmit(p);
    this.savePending();
    return p;
  }

  private transmit(p: PendingComment): void {
    const sent = this.link.send({
      type: 'add_comment',
      media_id: this.mediaId,
      text: p.text,
      frame: p.frame,
      end_frame: p.end_frame,
      parent_id: p.parent_id,
      drawing: p.drawing,
      client_ref: p.client_ref,
      ...(p.subtitle_cue ? { subtitle_cue: p.subtitle_cue } : {}),
    });
    if (sent) this.pending = this.pending.map((q) => (q.client_ref === p.client_ref ? { ...q, state: 'sent' } : q));
  }

  /**
   * After a (re)join, sends what the server does not have. Comments already sent wait a
   * moment first: the catch-up events may show the server stored them before the link broke.
   */
  private scheduleResend(): void {
    this.transmitQueued();
    if (this.resendTimer) clearTimeout(this.resendTimer);
    if (!this.pending.some((p) => p.state === 'sent')) return;
    this.resendTimer = setTimeout(() => {
      this.resendTimer = null;
      for (const p of this.pending) if (p.state === 'sent') this.transmit(p);
    }, 1500);
  }

  private transmitQueued(): void {
    for (const p of this.pending) if (p.state === 'queued') this.transmit(p);
  }

  /**
   * With a full comment list (first join after a reload) the echo of a comment sent
   * before the reload is lost; one with the same frame, parent and text stands for it.
   */
  private dropPendingAlreadyStored(): void {
    const keep = this.pending.filter(
      (p) => p.state === 'queued' || !this.comments.some((c) => c.frame === p.frame && c.parent_id === p.parent_id && c.text === p.text),
    );
    if (keep.length !== this.pending.length) {
      this.pending = keep;
      this.savePending();
    }
  }

  /**
   * The server refused the pending comment `ref` (its error names it by client_ref).
   * It stays, marked, for the author to fix, retry or drop.
   */
  private failPending(ref: string, message: string): void {
    const victim = this.pending.find((p) => p.client_ref === ref && p.state === 'sent');
    if (!victim) return;
    this.pending = this.pending.map((p) => (p === victim ? { ...p, state: 'failed', error: message } : p));
    this.savePending();
  }

  /** Sends a refused (or stuck) pending comment again. */
  retryPending(ref: string): void {
    const p = this.pending.find((q) => q.client_ref === ref);
    if (!p) return;
    this.pending = this.pending.map((q) => (q === p ? { ...q, state: 'queued', error: undefined } : q));
    if (this.status === 'joined' && this.link.isOpen) this.transmit({ ...p, state: 'queued' });
    this.savePending();
  }

  /** Drops a pending comment the user gave up on. */
  discardPending(ref: string): void {
    this.pending = this.pending.filter((p) => p.client_ref !== ref);
    this.savePending();
  }

  editComment(id: CommentId, text: string, drawing: Drawing | null): void {
    this.link.sendQueued({ type: 'edit_comment', comment_id: id, text, drawing });
  }

  deleteComment(id: CommentId): void {
    this.link.sendQueued({ type: 'delete_comment', comment_id: id });
  }

  /** Marks a top-level note resolved, or open again; the room's event confirms it. */
  resolveComment(id: CommentId, resolved: boolean): void {
    const c = this.comments.find((x) => x.id === id);
    if (!c || c.parent_id != null || c.deleted) return;
    if ((c.resolved_at != null) === resolved && !this.resolving.has(id)) return;
    const next = new Map(this.resolving);
    next.set(id, resolved);
    this.resolving = next;
    this.link.sendQueued({ type: 'resolve_comment', comment_id: id, resolved });
  }

  /** Whether a note shows as resolved: the request on its way, else what the server stored. */
  isResolved(c: Comment): boolean {
    return this.resolving.get(c.id) ?? c.resolved_at != null;
  }

  // ---- live strokes

  private addLiveStroke(session: number, shape: Shape): void {
    const next = new Map(this.liveStrokes);
    next.set(session, [...(next.get(session) ?? []), shape].slice(-200));
    this.liveStrokes = next;
  }

  /** Someone cleared their own ink (`all` false), or the leader cleared everyone's. */
  private clearLive(session: number, all: boolean): void {
    if (all) {
      this.liveStrokes = new Map();
      for (const fn of this.clearAllListeners) fn();
      return;
    }
    if (!this.liveStrokes.has(session)) return;
    const next = new Map(this.liveStrokes);
    next.delete(session);
    this.liveStrokes = next;
  }

  /** Called when someone cleared everyone's ink (our own strokes included). */
  whenAllCleared(fn: () => void): void {
    this.clearAllListeners.push(fn);
  }

  sendLiveStroke(shape: Shape): void {
    this.link.send({ type: 'live_stroke', media_id: this.mediaId, shape });
  }

  /**
   * Clears our own live strokes for everyone, or (`all`: the leader, the owner, admins)
   * everyone's; the server does not echo it back to us.
   */
  sendLiveClear(all: boolean): void {
    this.link.send({ type: 'live_clear', media_id: this.mediaId, all });
    if (all) this.liveStrokes = new Map();
  }

  // ---- the typed comment text survives reconnects and reloads

  loadDraft(): string {
    return this.storage?.getItem(`dailies.draft.${this.mediaId}`) ?? '';
  }
  saveDraft(text: string): void {
    if (!this.storage) return;
    if (text) this.storage.setItem(`dailies.draft.${this.mediaId}`, text);
    else this.storage.removeItem(`dailies.draft.${this.mediaId}`);
  }

  private loadPending(): PendingComment[] {
    try {
      const raw = this.storage?.getItem(`dailies.pending.${this.mediaId}`);
      // After a reload we cannot know whether a sent one arrived: treat all as sent, so
      // the resend waits for the catch-up events first.
      return raw ? (JSON.parse(raw) as PendingComment[]).map((p) => ({ ...p, state: 'sent' as const })) : [];
    } catch {
      return [];
    }
  }
  private savePending(): void {
    if (!this.storage) return;
    const key = `dailies.pending.${this.mediaId}`;
    if (this.pending.length) this.storage.setItem(key, JSON.stringify(this.pending));
    else this.storage.removeItem(key);
  }
}

function safeSessionStorage(): Storage | null {
  try {
    return typeof sessionStorage === 'undefined' ? null : sessionStorage;
  } catch {
    return null;
  }
}
