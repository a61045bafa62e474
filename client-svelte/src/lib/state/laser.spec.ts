import { describe, expect, it } from 'vitest';
import type { ClientMsg } from '../protocol/protocol';
import { fade, LASER_FADE_MS, LASER_HOLD_MS, LASER_INTERVAL_MS, LaserDots, LaserSender, type LaserClock } from './laser.svelte';

/** A clock the test moves by hand, with its own timers. */
class ManualClock implements LaserClock {
  t = 1000;
  private timers: { at: number; fn: () => void; id: number }[] = [];
  private ids = 0;
  now() {
    return this.t;
  }
  setTimeout(fn: () => void, ms: number) {
    const id = ++this.ids;
    this.timers.push({ at: this.t + ms, fn, id });
    return id;
  }
  clearTimeout(h: unknown) {
    this.timers = this.timers.filter((x) => x.id !== h);
  }
  advance(ms: number) {
    const end = this.t + ms;
    for (;;) {
      const next = this.timers.filter((x) => x.at <= end).sort((a, b) => a.at - b.at)[0];
      if (!next) break;
      this.t = next.at;
      this.timers = this.timers.filter((x) => x !== next);
      next.fn();
    }
    this.t = end;
  }
}

function sender() {
  const clock = new ManualClock();
  const sent: { x: number; y: number }[] = [];
  const s = new LaserSender('m1', (m: ClientMsg) => (m.type === 'laser' && sent.push({ x: m.x, y: m.y }), true), clock);
  return { clock, sent, s };
}

describe('LaserSender', () => {
  it('sends the first point at once, then the latest once per interval', () => {
    const { clock, sent, s } = sender();
    s.move(0.1, 0.1);
    expect(sent).toEqual([{ x: 0.1, y: 0.1 }]);
    s.move(0.2, 0.2);
    s.move(0.3, 0.3);
    expect(sent).toHaveLength(1);
    clock.advance(LASER_INTERVAL_MS);
    expect(sent).toEqual([{ x: 0.1, y: 0.1 }, { x: 0.3, y: 0.3 }]);
    // A point after a pause goes at once again.
    clock.advance(500);
    s.move(0.4, 0.4);
    expect(sent).toHaveLength(3);
  });

  it('never goes above ~30 points a second however fast the pointer moves', () => {
    const { clock, sent, s } = sender();
    for (let i = 0; i < 1000; i++) {
      s.move(i / 1000, 0);
      clock.advance(2);
    }
    clock.advance(LASER_INTERVAL_MS);
    expect(sent.length).toBeLessThanOrEqual(Math.ceil(2000 / LASER_INTERVAL_MS) + 1);
    expect(sent.length).toBeGreaterThan(50);
    expect(sent.at(-1)).toEqual({ x: 0.999, y: 0 });
  });

  it('keeps points in the range the server takes, and drops one waiting on stop', () => {
    const { clock, sent, s } = sender();
    s.move(9, -9);
    s.move(Number.NaN, 0);
    s.move(0.5, 0.5);
    s.stop();
    clock.advance(1000);
    expect(sent).toEqual([{ x: 4, y: -4 }]);
  });
});

describe('LaserDots', () => {
  it('fades each dot from its last point, and forgets it once faded', () => {
    let t = 0;
    const dots = new LaserDots(() => t);
    dots.add(1, 'Ann', 0.1, 0.2);
    dots.add(2, 'Ben', 0.3, 0.4);
    t = LASER_HOLD_MS;
    expect(dots.tick()).toBe(true);
    expect(dots.dots.map((d) => d.opacity)).toEqual([1, 1]);
    dots.add(2, 'Ben', 0.5, 0.5);
    t = LASER_FADE_MS;
    expect(dots.tick()).toBe(true);
    expect(dots.dots.map((d) => [d.name, d.x])).toEqual([['Ben', 0.5]]);
    dots.remove(2);
    expect(dots.tick()).toBe(false);
  });

  it('is gone within a second of the last point', () => {
    expect(fade(0)).toBe(1);
    expect(fade(LASER_HOLD_MS + (LASER_FADE_MS - LASER_HOLD_MS) / 2)).toBeCloseTo(0.5);
    expect(fade(LASER_FADE_MS)).toBe(0);
    expect(LASER_FADE_MS).toBeLessThanOrEqual(1000);
  });
});
