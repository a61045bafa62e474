// What a compare view shows (the other media, side by side / wipe / overlay, the wipe's
// position, the overlay's opacity, whose sound), and how a live session carries it: a
// change here goes to everyone as `compare {view}`, the leader's view is shown here.
import type { CollabAction, CompareAudio, CompareMode, CompareView } from '../protocol/protocol';

/** What the compare state needs from the live session (the Session, or a fake in tests). */
export interface CompareSessionLink {
  /** In the session and following it (not in free look). */
  readonly following: boolean;
  /** The session's compare view (undefined out of a session). */
  readonly shared: CompareView | null | undefined;
  control(action: CollabAction): void;
}

export const COMPARE_MODES: { id: CompareMode; label: string }[] = [
  { id: 'side_by_side', label: 'Side by side' },
  { id: 'wipe', label: 'Wipe' },
  { id: 'overlay', label: 'Overlay' },
];

/** While the user drags a slider, at most one change per this many ms goes out. */
export const SEND_THROTTLE_MS = 80;
/** The session's echo of an older value is not shown for this long after a local change. */
export const ECHO_GRACE_MS = 600;

const clamp01 = (v: number) => (Number.isFinite(v) ? Math.min(1, Math.max(0, v)) : 0.5);

export function sameView(a: CompareView | null | undefined, b: CompareView | null | undefined): boolean {
  if (!a || !b) return !a && !b;
  return a.other === b.other && a.mode === b.mode && a.wipe === b.wipe && a.opacity === b.opacity && a.audio === b.audio;
}

export function newView(other: string, mode: CompareMode = 'side_by_side'): CompareView {
  return { other, mode, wipe: 0.5, opacity: 0.5, audio: 'this' };
}

export class CompareState {
  view = $state.raw<CompareView | null>(null);
  private lastLocal = -Infinity;
  private lastSent = -Infinity;
  private trailing: ReturnType<typeof setTimeout> | null = null;
  private wasFollowing = false;

  constructor(
    private readonly link: CompareSessionLink,
    initialOther: string | null = null,
    private readonly now: () => number = () => performance.now(),
  ) {
    if (initialOther) this.view = newView(initialOther);
  }

  dispose(): void {
    if (this.trailing) clearTimeout(this.trailing);
    this.trailing = null;
  }

  open(other: string, mode: CompareMode = this.view?.mode ?? 'side_by_side'): void {
    this.change(this.view ? { ...this.view, other, mode } : newView(other, mode), false);
  }

  close(): void {
    this.change(null, false);
  }

  setMode(mode: CompareMode): void {
    if (this.view) this.change({ ...this.view, mode }, false);
  }

  /** `dragging`: while the slider moves, changes to the session are throttled. */
  setWipe(wipe: number, dragging = false): void {
    if (this.view) this.change({ ...this.view, wipe: clamp01(wipe) }, dragging);
  }

  setOpacity(opacity: number, dragging = false): void {
    if (this.view) this.change({ ...this.view, opacity: clamp01(opacity) }, dragging);
  }

  setAudio(audio: CompareAudio): void {
    if (this.view) this.change({ ...this.view, audio }, false);
  }

  private change(view: CompareView | null, throttle: boolean): void {
    this.view = view;
    this.lastLocal = this.now();
    if (this.link.following) this.send(throttle);
  }

  private send(throttle: boolean): void {
    if (this.trailing) clearTimeout(this.trailing);
    this.trailing = null;
    const now = this.now();
    if (throttle && now - this.lastSent < SEND_THROTTLE_MS) {
      this.trailing = setTimeout(() => this.send(false), SEND_THROTTLE_MS);
      return;
    }
    this.lastSent = now;
    this.link.control({ action: 'compare', view: this.view ? { ...this.view } : null });
  }

  /**
   * Brings the view in line with the session: call whenever the session's state or the
   * following changes. Joining with a view of one's own shows it to everyone; else the
   * session's view is shown here.
   */
  sync(): void {
    const following = this.link.following;
    const joined = following && !this.wasFollowing;
    this.wasFollowing = following;
    if (!following) return;
    const shared = this.link.shared ?? null;
    if (joined && this.view && !sameView(this.view, shared)) return this.send(false);
    if (sameView(this.view, shared)) return;
    if (this.now() - this.lastLocal < ECHO_GRACE_MS) return;
    this.view = shared ? { ...shared } : null;
  }
}
