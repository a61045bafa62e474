// SMPTE timecode and frame <-> time conversions for rational frame rates.
// Frames are the truth everywhere; seconds exist only at the <video> boundary.
import type { Rational } from '../protocol/protocol';

export const DEFAULT_FPS: Rational = { num: 25, den: 1 };

/** Timecode counts at the nominal integer rate (30 for 29.97), halves rounding up. */
export function nominalRate(fps: Rational): number {
  return Math.max(1, Math.floor((2 * fps.num + fps.den) / (2 * fps.den)));
}

function gcd(a: number, b: number): number {
  while (b) [a, b] = [b, a % b];
  return a;
}

/** Drop-frame applies to exactly 29.97 and 59.94 (30000/1001, 60000/1001, in any form). */
export function isDropFrame(fps: Rational): boolean {
  const g = gcd(fps.num, fps.den) || 1;
  const num = fps.num / g;
  return fps.den / g === 1001 && (num === 30000 || num === 60000);
}

function pad(n: number, w = 2): string {
  return String(n).padStart(w, '0');
}

/**
 * Whether a media's timecode counts drop-frame: at 29.97 and 59.94 unless the source's own
 * start timecode says non-drop by writing `:` before its frames (`01:00:00:00`). A source
 * that states none counts as its rate does.
 */
export function countsDropFrame(fps: Rational, stated: string | null | undefined): boolean {
  if (!isDropFrame(fps)) return false;
  const s = stated?.trim();
  if (!s) return true;
  const sep = s.replace(/\d+$/, '').slice(-1);
  return sep !== ':';
}

/**
 * `HH:MM:SS:FF`, or `HH:MM:SS;FF` for drop-frame rates; `dropFrame` false counts a 29.97 or
 * 59.94 media non-drop (its source timecode is NDF).
 */
export function frameToTimecode(frame: number, fps: Rational, dropFrame = true): string {
  const sign = frame < 0 ? '-' : '';
  let f = Math.abs(Math.trunc(frame));
  const base = nominalRate(fps);
  let sep = ':';
  if (dropFrame && isDropFrame(fps)) {
    sep = ';';
    // Two frame numbers (four at 60) are skipped each minute except every tenth.
    const drop = Math.round(base / 15);
    const perMinute = base * 60 - drop;
    const perTenMinutes = perMinute * 10 + drop;
    const tens = Math.floor(f / perTenMinutes);
    const rem = f % perTenMinutes;
    f += drop * 9 * tens + (rem > drop ? drop * Math.floor((rem - drop) / perMinute) : 0);
  }
  const ff = f % base;
  const totalSeconds = Math.floor(f / base);
  const ss = totalSeconds % 60;
  const mm = Math.floor(totalSeconds / 60) % 60;
  const hh = Math.floor(totalSeconds / 3600);
  return `${sign}${pad(hh)}:${pad(mm)}:${pad(ss)}${sep}${pad(ff)}`;
}

/**
 * Reads `HH:MM:SS:FF` (either separator), `MM:SS:FF`, or a bare frame number.
 * Returns null when the text is not a timecode at this rate.
 */
export function timecodeToFrame(text: string, fps: Rational, dropFrame = true): number | null {
  const t = text.trim();
  if (/^\d+$/.test(t)) return Number(t);
  const parts = t.split(/[:;.]/);
  if (parts.length < 2 || parts.length > 4 || parts.some((p) => !/^\d+$/.test(p))) return null;
  const nums = parts.map(Number);
  while (nums.length < 4) nums.unshift(0);
  const [hh, mm, ss, ff] = nums;
  const base = nominalRate(fps);
  if (mm > 59 || ss > 59 || ff >= base) return null;
  const totalMinutes = hh * 60 + mm;
  let frame = (totalMinutes * 60 + ss) * base + ff;
  if (dropFrame && isDropFrame(fps)) {
    const drop = Math.round(base / 15);
    if (ss === 0 && ff < drop && mm % 10 !== 0) return null; // a skipped label
    frame -= drop * (totalMinutes - Math.floor(totalMinutes / 10));
  }
  return frame;
}

/** Seconds of the start of `frame`. */
export function frameStart(frame: number, fps: Rational): number {
  return (frame * fps.den) / fps.num;
}

/**
 * The time to seek to for `frame`: its middle, never its edge, so rounding in the
 * decoder cannot land on the neighbour.
 */
export function seekTime(frame: number, fps: Rational): number {
  return ((frame + 0.5) * fps.den) / fps.num;
}

/**
 * The frame a `requestVideoFrameCallback` mediaTime presents. mediaTime is the frame's
 * presentation time, which float rounding may put a hair before or after the exact
 * value: a half-frame epsilon (rounding) absorbs that.
 */
export function mediaTimeToFrame(mediaTime: number, fps: Rational): number {
  return Math.max(0, Math.round((mediaTime * fps.num) / fps.den));
}

/** The frame shown at a `currentTime` (which we keep mid-frame), floor with a small epsilon. */
export function currentTimeToFrame(time: number, fps: Rational): number {
  return Math.max(0, Math.floor((time * fps.num) / fps.den + 1e-6));
}

/** Frames in `seconds` of media (rounded down), at least one. */
export function framesIn(seconds: number, fps: Rational): number {
  return Math.max(1, Math.floor((seconds * fps.num) / fps.den + 1e-6));
}

export function fpsLabel(fps: Rational): string {
  const v = fps.num / fps.den;
  return Number.isInteger(v) ? String(v) : v.toFixed(3).replace(/0+$/, '');
}

/** `m:ss` for durations in the library. */
export function formatDuration(seconds: number | null | undefined): string {
  if (seconds == null || !Number.isFinite(seconds)) return '';
  const s = Math.round(seconds);
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const sec = s % 60;
  return h > 0 ? `${h}:${pad(m)}:${pad(sec)}` : `${m}:${pad(sec)}`;
}
