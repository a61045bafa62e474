// How a participant of a live session turns the shared `collab` state into where its own
// player should be, and how hard to correct when it is not there.
import type { CollabState } from '../protocol/protocol';

/**
 * The frame (fractional while playing) the session is at on the server clock `serverNow`.
 * A scheduled play whose start lies ahead holds its frame until then.
 */
export function sessionPosition(s: CollabState, serverNow: number, fps: number, lastFrame: number): number {
  if (!s.playing) return s.frame;
  const elapsed = Math.max(0, serverNow - s.at_server_time) / 1000;
  let pos = s.frame + elapsed * fps * s.rate;
  if (s.loop_range) {
    const [a, b] = s.loop_range;
    const span = b - a + 1;
    if (span > 0 && pos > b + 1) pos = a + ((((pos - a) % span) + span) % span);
  }
  return Math.min(Math.max(0, pos), Math.max(0, lastFrame));
}

export type Correction =
  | { kind: 'none' }
  | { kind: 'seek'; frame: number }
  | { kind: 'nudge'; rate: number };

export interface FollowTuning {
  /** Drift in frames beyond which a playing follower seeks instead of nudging. */
  seekAbove: number;
  /** Drift in frames below which nothing is done. */
  ignoreBelow: number;
  /** Largest playback-rate change used to catch up, as a fraction. */
  maxNudge: number;
}

export const DEFAULT_TUNING: FollowTuning = { seekAbove: 6, ignoreBelow: 0.75, maxNudge: 0.08 };

/**
 * What to do about `local` (the frame the player shows, fractional while playing) given
 * the session's `target`. Paused players must land on the exact frame; playing ones
 * are nudged by rate for small drift so nobody sees a jump.
 */
export function correction(
  s: CollabState,
  local: number,
  target: number,
  tuning: FollowTuning = DEFAULT_TUNING,
): Correction {
  if (!s.playing) {
    return Math.round(local) === s.frame ? { kind: 'none' } : { kind: 'seek', frame: s.frame };
  }
  const drift = local - target;
  const abs = Math.abs(drift);
  if (abs > tuning.seekAbove) return { kind: 'seek', frame: Math.round(target) };
  if (abs < tuning.ignoreBelow) return { kind: 'nudge', rate: s.rate };
  // Close the gap over roughly a second, never faster than maxNudge allows.
  const k = Math.min(tuning.maxNudge, abs / 30);
  return { kind: 'nudge', rate: s.rate * (drift > 0 ? 1 - k : 1 + k) };
}

/** Drift in frames that counts as "in sync" for the indicator. */
export function inSync(s: CollabState, local: number, target: number): boolean {
  return s.playing ? Math.abs(local - target) <= 2 : Math.round(local) === s.frame;
}

/** Newer states win; equal versions are duplicates. */
export function isNewer(next: CollabState, current: CollabState | null): boolean {
  return !current || next.version > current.version;
}
