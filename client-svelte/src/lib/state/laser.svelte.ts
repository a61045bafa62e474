// The laser pointer of a live session: our points go out at most ~30 a second (the latest
// wins, and the last one always goes), others' show as named dots that fade out.
import type { ClientMsg } from '../protocol/protocol';

/** Between two of our points on the wire, ms: the server forwards no more than this either. */
export const LASER_INTERVAL_MS = 34;
/** A dot stays fully lit this long after its last point, ms… */
export const LASER_HOLD_MS = 400;
/** …and is gone this long after it. */
export const LASER_FADE_MS = 1000;

export interface LaserClock {
  now(): number;
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

const realClock: LaserClock = {
  now: () => performance.now(),
  setTimeout: (fn, ms) => setTimeout(fn, ms),
  clearTimeout: (h) => clearTimeout(h as ReturnType<typeof setTimeout>),
};

/** Sends our pointer's moves as `laser` points, throttled; a burst ends on its latest point. */
export class LaserSender {
  private lastSent = -Infinity;
  private pending: { x: number; y: number } | null = null;
  private timer: unknown = null;

  constructor(
    private readonly mediaId: string,
    private readonly send: (msg: ClientMsg) => boolean,
    private readonly clock: LaserClock = realClock,
  ) {}

  /** The pointer is at (x, y), frame-relative. */
  move(x: number, y: number): void {
    if (!Number.isFinite(x) || !Number.isFinite(y)) return;
    // Far outside the frame the server refuses the point: keep it at the edge of its range.
    const p = { x: clamp(x), y: clamp(y) };
    const wait = this.lastSent + LASER_INTERVAL_MS - this.clock.now();
    if (wait <= 0 && this.timer == null) return this.flush(p);
    this.pending = p;
    this.timer ??= this.clock.setTimeout(() => {
      this.timer = null;
      const q = this.pending;
      this.pending = null;
      if (q) this.flush(q);
    }, Math.max(0, wait));
  }

  /** Laser off: a point still waiting is dropped. */
  stop(): void {
    if (this.timer != null) this.clock.clearTimeout(this.timer);
    this.timer = null;
    this.pending = null;
  }

  private flush(p: { x: number; y: number }): void {
    this.lastSent = this.clock.now();
    this.send({ type: 'laser', media_id: this.mediaId, x: p.x, y: p.y });
  }
}

function clamp(v: number): number {
  return Math.min(4, Math.max(-4, v));
}

export interface LaserDot {
  session_id: number;
  name: string;
  x: number;
  y: number;
  /** 1 while lit, down to 0 as it fades. */
  opacity: number;
}

/** Others' laser dots, each where its last point was, fading after it. */
export class LaserDots {
  private points = $state.raw<Map<number, { name: string; x: number; y: number; at: number }>>(new Map());
  /** The time the dots are shown at; the view advances it every animation frame. */
  now = $state(0);

  constructor(private readonly clock: () => number = () => performance.now()) {}

  add(sessionId: number, name: string, x: number, y: number): void {
    const next = new Map(this.points);
    const at = this.clock();
    next.set(sessionId, { name, x, y, at });
    this.points = next;
    this.now = at;
  }

  /** Someone left: their dot goes at once. */
  remove(sessionId: number): void {
    if (!this.points.has(sessionId)) return;
    const next = new Map(this.points);
    next.delete(sessionId);
    this.points = next;
  }

  clear(): void {
    if (this.points.size) this.points = new Map();
  }

  /** Moves the clock on and drops dots that have faded out; false when none are left. */
  tick(now = this.clock()): boolean {
    this.now = now;
    const gone = [...this.points].filter(([, p]) => now - p.at >= LASER_FADE_MS);
    if (gone.length) {
      const next = new Map(this.points);
      for (const [sid] of gone) next.delete(sid);
      this.points = next;
    }
    return this.points.size > 0;
  }

  get dots(): LaserDot[] {
    const out: LaserDot[] = [];
    for (const [session_id, p] of this.points) {
      const opacity = fade(this.now - p.at);
      if (opacity > 0) out.push({ session_id, name: p.name, x: p.x, y: p.y, opacity });
    }
    return out;
  }
}

/** How lit a dot is `age` ms after its last point. */
export function fade(age: number): number {
  if (age <= LASER_HOLD_MS) return 1;
  if (age >= LASER_FADE_MS) return 0;
  return 1 - (age - LASER_HOLD_MS) / (LASER_FADE_MS - LASER_HOLD_MS);
}
