// Two players locked frame by frame for a compare view: the left (the room's media) is
// driven as usual, the right follows it by time through each media's own rational frame
// rate, clamped to its own length; while playing, small drift is closed by nudging the
// follower's playback rate and large drift by a seek.
import type { Rational } from '../protocol/protocol';

/** The frame of `to` on screen when frame `frame` of `from` starts, within `[0, toLast]`. */
export function mapFrame(frame: number, from: Rational, to: Rational, toLast: number): number {
  const t = (frame * from.den) / from.num;
  // A hair over: frame starts that coincide (24 vs 48 fps) must not round down a frame.
  const f = Math.floor((t * to.num) / to.den + 1e-6);
  return Math.min(Math.max(0, f), Math.max(0, toLast));
}

/** A continuous position (frames, n.0 = start of frame n) of `from` in frames of `to`. */
export function mapPosition(pos: number, from: Rational, to: Rational): number {
  return (((pos * from.den) / from.num) * to.num) / to.den;
}

/** What the lock reads and drives on each side (the Player, or a fake in tests). */
export interface LockSide {
  readonly frame: number;
  readonly playing: boolean;
  readonly rate: number;
  readonly fps: Rational;
  readonly lastFrame: number;
  /** The element's actual rate (a live session may nudge the leader's). */
  readonly elementRate: number;
  /** A seek is still landing (the element's `seeking`). */
  readonly seeking: boolean;
  exactPosition(): number;
  seek(frame: number): void;
  play(): void;
  pause(): void;
  setRate(rate: number): void;
  setElementRate(rate: number): void;
}

export interface LockTuning {
  /** Drift (follower frames) beyond which the follower seeks instead of nudging. */
  seekAbove: number;
  /** Drift below which the follower plays at the leader's rate exactly. */
  ignoreBelow: number;
  /** Seconds over which a drift is closed by nudging. */
  closeIn: number;
  /** Largest nudge, as a fraction of the rate. */
  maxNudge: number;
}

export const LOCK_TUNING: LockTuning = { seekAbove: 8, ignoreBelow: 0.2, closeIn: 0.5, maxNudge: 0.15 };

/** How the follower's rate is set for a drift of `drift` of its frames at `fps`. */
export function lockRate(base: number, drift: number, fps: number, t: LockTuning = LOCK_TUNING): number {
  if (Math.abs(drift) < t.ignoreBelow) return base;
  const k = Math.min(t.maxNudge, Math.abs(drift) / fps / t.closeIn);
  return base * (drift > 0 ? 1 - k : 1 + k);
}

export class FrameLock {
  /** The follower's drift from where it should be, in its frames (for the indicator). */
  drift = 0;
  private lastSeek: { frame: number; at: number } = { frame: -1, at: 0 };
  /** When the follower's last seek while playing went out (null: none is landing). */
  private playSeekAt: number | null = null;
  /**
   * How long (s) such a seek took last: a seek aims that far ahead of the leader, so the
   * follower lands where the leader is by then. 1080p on a loaded machine takes ~0.5 s.
   */
  seekLead = 0.15;

  constructor(
    private readonly lead: LockSide,
    private readonly follower: LockSide,
    private readonly tuning: LockTuning = LOCK_TUNING,
  ) {}

  /** The follower's frame for the leader's `frame`. */
  map(frame: number): number {
    return mapFrame(frame, this.lead.fps, this.follower.fps, this.follower.lastFrame);
  }

  /** The leader's frame for the follower's `frame` (a comment on the right side, say). */
  mapBack(frame: number): number {
    return mapFrame(frame, this.follower.fps, this.lead.fps, this.lead.lastFrame);
  }

  /** One step of following: call every animation frame (and after each control). */
  tick(now = performance.now()): void {
    const a = this.lead;
    const b = this.follower;
    if (b.rate !== a.rate) b.setRate(a.rate);
    if (!a.playing) {
      if (b.playing) b.pause();
      const want = this.map(a.frame);
      this.drift = b.frame - want;
      if (b.frame !== want) this.seekOnce(want, now);
      return;
    }
    const target = mapPosition(a.exactPosition(), a.fps, b.fps);
    const fpsB = b.fps.num / b.fps.den;
    if (target >= b.lastFrame + 1) {
      // Past the follower's end (it is the shorter one): it waits on its last frame.
      if (b.playing) b.pause();
      if (b.frame !== b.lastFrame) this.seekOnce(b.lastFrame, now);
      this.drift = 0;
      return;
    }
    if (b.seeking) return; // a seek is landing: judge the drift once it has
    if (this.playSeekAt != null) {
      this.seekLead = Math.min(1.5, Math.max(0.05, 0.5 * this.seekLead + (0.5 * (now - this.playSeekAt)) / 1000));
      this.playSeekAt = null;
    }
    if (!b.playing) {
      this.seekOnce(Math.floor(target), now);
      b.play();
      return;
    }
    const drift = b.exactPosition() - target;
    this.drift = drift;
    if (Math.abs(drift) > this.tuning.seekAbove) {
      // Aim ahead by what the last seek took: the leader plays on meanwhile.
      this.seekOnce(Math.floor(target + fpsB * a.elementRate * this.seekLead), now);
      this.playSeekAt = now;
      return;
    }
    b.setElementRate(lockRate(a.elementRate, drift, fpsB, this.tuning));
  }

  /** Seeks, but not again to the same frame while that seek is still landing. */
  private seekOnce(frame: number, now: number): void {
    if (this.lastSeek.frame === frame && now - this.lastSeek.at < 400) return;
    this.lastSeek = { frame, at: now };
    this.follower.seek(frame);
  }
}
