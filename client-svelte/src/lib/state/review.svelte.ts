// The review page's side of the live session: playback commands go to the session while
// in it, the player follows the shared state, a session link joins, and the address
// follows the session so it can be copied to invite others.
import { untrack } from 'svelte';
import type { CollabAction, Shape } from '../protocol/protocol';
import type { Room } from './room.svelte';
import { mediaHref, type Route } from './router.svelte';
import type { FollowTarget, Session } from './session.svelte';

/** What the controller drives (the Player, or a fake in tests). */
export interface ReviewPlayer extends FollowTarget {
  clamp(frame: number): number;
  step(delta: number): void;
  toggle(): void;
  toggleLoop(): [number, number] | null;
  shuttleForward(): void;
  shuttleBackward(): void;
}

/** The address bar: the route shown, and rewriting it without a navigation (the Router). */
export interface RouteLink {
  readonly route: Route;
  replace(href: string): void;
}

/** While scrubbing, at most one seek per this many ms goes out (and the last one always). */
export const CONTROL_THROTTLE_MS = 120;
/** How often the player is brought back to the shared state while in the session. */
export const FOLLOW_MS = 40;

function hrefOf(r: Extract<Route, { name: 'media' }>): string {
  return mediaHref(r.id, {
    session: r.session || undefined,
    frame: r.frame ?? undefined,
    comment: r.comment ?? undefined,
    compare: r.compare ?? undefined,
  });
}

export class ReviewController {
  private readonly room: Room;
  private readonly session: Session;
  private readonly player: ReviewPlayer;
  private readonly router: RouteLink;
  private readonly now: () => number;
  /**
   * In the session: what every command checks. Derived, so it changes only when it flips
   * (not with every presence update, which would restart the follower).
   */
  readonly inSession: boolean = $derived.by(() => this.session.joined);

  private lastSent = -Infinity;
  private trailing: ReturnType<typeof setTimeout> | null = null;
  private readonly stopEffects: () => void;

  constructor(room: Room, session: Session, player: ReviewPlayer, router: RouteLink, now: () => number = () => performance.now()) {
    this.room = room;
    this.session = session;
    this.player = player;
    this.router = router;
    this.now = now;
    this.stopEffects = $effect.root(() => {
      this.joinFromLink();
      this.addressFollowsSession();
      this.followWhileInSession();
    });
  }

  dispose(): void {
    this.stopEffects();
    if (this.trailing) clearTimeout(this.trailing);
    this.trailing = null;
  }

  // ---- the transport: the player alone, or the session for everyone

  /**
   * Whether a command moves this player alone: out of the session, or in free look. In a
   * locked session a follower's command would be refused: it starts free look instead.
   */
  private alone(): boolean {
    if (!this.inSession || this.session.freeLook) return true;
    if (!this.session.locked || this.session.isLeader) return false;
    this.session.detach();
    return true;
  }

  toggle(): void {
    const p = this.player;
    if (this.alone()) return p.toggle();
    if (p.playing) {
      const f = p.frame;
      p.pause();
      p.seek(f);
      this.control({ action: 'pause', frame: f });
    } else {
      this.control({ action: 'play', frame: p.frame });
    }
  }

  step(delta: number): void {
    const p = this.player;
    if (this.alone()) return p.step(delta);
    const f = p.clamp(p.frame + delta);
    const wasPlaying = p.playing;
    p.pause();
    p.seek(f);
    // Holding an arrow key steps fast: throttle those seeks like scrubbing.
    this.control(wasPlaying ? { action: 'pause', frame: f } : { action: 'seek', frame: f }, !wasPlaying);
  }

  /** `final` is false while scrubbing: those seeks are throttled. */
  seek(frame: number, final = true): void {
    const f = this.player.clamp(frame);
    this.player.seek(f);
    if (!this.alone()) this.control({ action: 'seek', frame: f }, !final);
  }

  setRate(rate: number): void {
    this.player.setRate(rate);
    if (!this.alone()) this.control({ action: 'rate', rate });
  }

  toggleLoop(): void {
    const range = this.player.toggleLoop();
    if (!this.alone()) this.control({ action: 'loop', range });
  }

  /** L. A session plays at one speed for everyone: there it just plays. */
  forward(): void {
    if (this.alone()) this.player.shuttleForward();
    else if (!this.player.playing) this.toggle();
  }

  /** J. Not in a session: it cannot play backwards for everyone. */
  backward(): void {
    if (this.alone()) this.player.shuttleBackward();
  }

  // ---- live drawing, shown to the others in the session

  liveStroke(shape: Shape): void {
    if (this.inSession) this.room.sendLiveStroke(shape);
  }

  /** Clears our own live ink for everyone, or (`all`) everyone's. */
  clearLive(all = false): void {
    if (this.inSession) this.room.sendLiveClear(all);
  }

  /** Free look on (from following) or off (back on the presenter's frame). */
  toggleFreeLook(): void {
    if (this.session.freeLook) this.session.rejoin();
    else this.session.detach();
  }

  private control(action: CollabAction, throttle = false): void {
    if (!this.inSession || this.session.freeLook) return;
    if (this.trailing) clearTimeout(this.trailing);
    this.trailing = null;
    const now = this.now();
    if (throttle && now - this.lastSent < CONTROL_THROTTLE_MS) {
      this.session.hold();
      this.trailing = setTimeout(() => this.control(action), CONTROL_THROTTLE_MS);
      return;
    }
    this.lastSent = now;
    this.session.control(action);
  }

  // ---- the session and the address

  private linkAsksSession(): boolean {
    const r = this.router.route;
    return r.name === 'media' && r.id === this.room.mediaId && r.session;
  }

  /** Opening a session link (or following one while already here) joins the session. */
  private joinFromLink(): void {
    let asked = untrack(() => this.linkAsksSession());
    let answered = false;
    $effect(() => {
      const asks = this.linkAsksSession();
      if (asks && !asked) answered = false; // a new request, e.g. a pasted link
      asked = asks;
      if (asks && this.room.status === 'joined' && !answered) {
        answered = true;
        untrack(() => !this.session.joined && this.session.start());
      }
    });
  }

  /** Joining adds `?session=1` to the address, leaving takes it away. */
  private addressFollowsSession(): void {
    // Not before the first join: a session link must stay until it has been answered.
    let last: boolean | null = null;
    $effect(() => {
      const joined = this.inSession;
      if (last === null && !joined) {
        last = joined;
        return;
      }
      if (joined === last) return;
      last = joined;
      untrack(() => {
        const r = this.router.route;
        if (r.name !== 'media' || r.id !== this.room.mediaId) return;
        // A compare view stays in the address: it is part of what the link shows.
        const want = mediaHref(this.room.mediaId, { session: joined || undefined, compare: r.compare ?? undefined });
        if (hrefOf(r) !== want) this.router.replace(want);
      });
    });
  }

  private followWhileInSession(): void {
    $effect(() => {
      if (!this.inSession) return;
      const timer = setInterval(() => this.session.follow(this.player), FOLLOW_MS);
      return () => {
        clearInterval(timer);
        // Out of the session: drop any catch-up nudge of the playback rate.
        untrack(() => this.player.setRate(this.player.rate));
      };
    });
  }
}
