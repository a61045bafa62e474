// How a frame is shown to people: source timecode (the clip's own start timecode, e.g.
// 01:00:00:00), zero-based timecode, frame number (from a chosen first frame such as
// 1001) or seconds. Frames stay the stored truth; this is display only.
import type { Rational, TimeDisplay } from '../protocol/protocol';
import { countsDropFrame, frameToTimecode, timecodeToFrame } from './timecode';

/** The wire's type: the account keeps the choice (`/api/me/preferences`). */
export type { TimeDisplay };

export const TIME_DISPLAYS: { id: TimeDisplay; label: string }[] = [
  { id: 'source', label: 'Source timecode' },
  { id: 'zero', label: 'Timecode from 00:00:00:00' },
  { id: 'frames', label: 'Frame number' },
  { id: 'seconds', label: 'Seconds' },
];

export interface ClipClock {
  fps: Rational;
  /** The media's `start_timecode`, if its source states one. */
  startTimecode: string | null;
  /** The number the source gives its first frame (an image sequence's 1001), else 0. */
  startFrame: number;
}

/** The timecode label count of frame 0: 0 without a start timecode. */
export function startOffset(clock: ClipClock): number {
  if (!clock.startTimecode) return 0;
  return timecodeToFrame(clock.startTimecode, clock.fps, dropOf(clock)) ?? 0;
}

/** Drop-frame where the rate drops, unless the source's timecode says non-drop. */
export function dropOf(clock: ClipClock): boolean {
  return countsDropFrame(clock.fps, clock.startTimecode);
}

/** `frame` as `mode` shows it; `firstFrame` overrides the first frame's number. */
export function formatFrame(frame: number, clock: ClipClock, mode: TimeDisplay, firstFrame: number | null = null): string {
  switch (mode) {
    case 'source':
      return frameToTimecode(startOffset(clock) + frame, clock.fps, dropOf(clock));
    case 'zero':
      return frameToTimecode(frame, clock.fps, dropOf(clock));
    case 'frames':
      return String(frame + (firstFrame ?? clock.startFrame));
    case 'seconds':
      return `${((frame * clock.fps.den) / clock.fps.num).toFixed(3)}s`;
  }
}

/** Reads what a person typed in the current mode back into a frame (null: unreadable). */
export function parseFrame(text: string, clock: ClipClock, mode: TimeDisplay, firstFrame: number | null = null): number | null {
  const t = text.trim();
  if (mode === 'seconds' || /^\d+(\.\d+)?s$/.test(t)) {
    const s = Number(t.replace(/s$/, ''));
    return Number.isFinite(s) ? Math.floor((s * clock.fps.num) / clock.fps.den + 1e-6) : null;
  }
  if (/^\d+$/.test(t)) {
    // A bare number is a frame as shown.
    return Number(t) - (mode === 'frames' ? (firstFrame ?? clock.startFrame) : clock.startFrame);
  }
  const f = timecodeToFrame(t, clock.fps, dropOf(clock));
  if (f == null) return null;
  return mode === 'source' ? f - startOffset(clock) : f;
}

export function isTimeDisplay(v: unknown): v is TimeDisplay {
  return TIME_DISPLAYS.some((d) => d.id === v);
}
