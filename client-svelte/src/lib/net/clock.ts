// Estimates the offset between this browser's clock and the server's from ping/pong
// round trips, trusting the samples with the lowest round-trip time.
export interface ClockSample {
  offset: number; // server − client, ms
  rtt: number;
}

export class ClockSync {
  private samples: ClockSample[] = [];
  constructor(private readonly keep = 12) {}

  /** Records a pong: `sent` and `received` are client times, `server` the server's. */
  add(sent: number, server: number, received: number): void {
    const rtt = received - sent;
    if (!(rtt >= 0) || !Number.isFinite(server)) return;
    this.samples.push({ offset: server - (sent + received) / 2, rtt });
    if (this.samples.length > this.keep) this.samples.shift();
  }

  get count(): number {
    return this.samples.length;
  }

  /** The median offset of the best third of samples by RTT (at least one). */
  get offset(): number {
    if (this.samples.length === 0) return 0;
    const best = [...this.samples].sort((a, b) => a.rtt - b.rtt);
    const n = Math.max(1, Math.ceil(best.length / 3));
    const offsets = best.slice(0, n).map((s) => s.offset).sort((a, b) => a - b);
    return offsets[Math.floor((offsets.length - 1) / 2)];
  }

  get rtt(): number {
    return this.samples.length ? Math.min(...this.samples.map((s) => s.rtt)) : 0;
  }

  reset(): void {
    this.samples = [];
  }
}

/** A monotonic millisecond clock on the epoch scale (immune to wall-clock jumps). */
export function monotonicNow(): number {
  return performance.timeOrigin + performance.now();
}
