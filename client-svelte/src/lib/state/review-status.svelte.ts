// Where a media is in its review (needs review → in progress → changes requested →
// approved), who moved it there and when; kept live by the room's `status_changed`.
import type { MediaInfo, ReviewStatus, RoomEvent, StatusChange, StatusView } from '../protocol/protocol';

export const STATUSES: readonly ReviewStatus[] = ['needs_review', 'in_progress', 'changes_requested', 'approved'];

export const STATUS_LABEL: Record<ReviewStatus, string> = {
  needs_review: 'Needs review',
  in_progress: 'In progress',
  changes_requested: 'Changes requested',
  approved: 'Approved',
};

/** The badge colour of each status (text on a tinted background). */
export const STATUS_COLOR: Record<ReviewStatus, string> = {
  needs_review: '#a3a7af',
  in_progress: '#4c8dff',
  changes_requested: '#f2b33d',
  approved: '#36c06b',
};

export function isReviewStatus(v: string | null | undefined): v is ReviewStatus {
  return v != null && (STATUSES as readonly string[]).includes(v);
}

/** What the status needs from the room (a Room, or a fake in tests). */
export interface StatusRoom {
  readonly mediaId: string;
  readonly media: MediaInfo | null;
  whenEvent(fn: (event: RoomEvent) => void): void;
}

/** The status routes; null for a guest, who has none (the room's events still arrive). */
export interface StatusApi {
  getStatus(mediaId: string): Promise<StatusView>;
  putStatus(mediaId: string, status: ReviewStatus): Promise<StatusView>;
}

const time = (iso: string | undefined) => (iso ? Date.parse(iso) || 0 : 0);
const sameChange = (a: StatusChange, b: StatusChange) => a.at === b.at && a.user_id === b.user_id && a.status === b.status;

export class StatusTrail {
  /** Newest first. */
  history = $state.raw<StatusChange[]>([]);
  loaded = $state(false);
  saving = $state(false);
  error = $state<string | null>(null);

  /** What the server said when asked (a media may have a status and no history yet). */
  private fetched = $state<ReviewStatus | null>(null);

  /** The newest change known, else what the server or the media says. */
  get status(): ReviewStatus {
    return this.history[0]?.status ?? this.fetched ?? this.room.media?.review_status ?? 'needs_review';
  }

  constructor(
    private readonly room: StatusRoom,
    private readonly api: StatusApi | null,
  ) {
    room.whenEvent((e) => e.kind === 'status_changed' && this.add(e.change));
  }

  async load(): Promise<void> {
    if (!this.api) return;
    try {
      this.take(await this.api.getStatus(this.room.mediaId));
      this.error = null;
    } catch (e) {
      this.error = (e as Error).message;
    }
  }

  async set(status: ReviewStatus): Promise<boolean> {
    if (!this.api || this.saving || status === this.status) return false;
    this.saving = true;
    try {
      this.take(await this.api.putStatus(this.room.mediaId, status));
      this.error = null;
      return true;
    } catch (e) {
      this.error = (e as Error).message;
      return false;
    } finally {
      this.saving = false;
    }
  }

  /** The server's view; changes that arrived live meanwhile and are newer stay. */
  private take(v: StatusView): void {
    const newest = time(v.history[0]?.at);
    const later = this.history.filter((c) => time(c.at) > newest && !v.history.some((h) => sameChange(h, c)));
    this.history = [...later, ...v.history];
    this.fetched = v.status;
    this.loaded = true;
  }

  private add(change: StatusChange): void {
    if (this.history.some((c) => sameChange(c, change))) return;
    this.history = [change, ...this.history].sort((a, b) => time(b.at) - time(a.at));
  }
}
