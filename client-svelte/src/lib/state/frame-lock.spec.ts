import { describe, expect, it } from 'vitest';
import type { Rational } from '../protocol/protocol';
import { FrameLock, lockRate, mapFrame, mapPosition, type LockSide } from './frame-lock';

const r = (num: number, den = 1): Rational => ({ num, den });

/** A player on a clock of its own: `advance` plays it on. */
function side(fps: Rational, frames: number) {
  const s = {
    fps,
    lastFrame: frames - 1,
    frame: 0,
    pos: 0,
    playing: false,
    rate: 1,
    elementRate: 1,
    seeking: false,
    seeks: [] as number[],
    exactPosition: () => s.pos,
    seek(f: number) {
      s.frame = Math.min(Math.max(0, f), s.lastFrame);
      s.pos = s.frame;
      s.seeks.push(s.frame);
    },
    play() {
      s.playing = true;
    },
    pause() {
      s.playing = false;
    },
    setRate(x: number) {
      s.rate = x;
      s.elementRate = x;
    },
    setElementRate(x: number) {
      s.elementRate = x;
    },
    advance(seconds: number) {
      if (!s.playing) return;
      s.pos += seconds * (fps.num / fps.den) * s.elementRate;
      if (s.pos >= s.lastFrame + 1) {
        s.pos = s.lastFrame;
        s.playing = false;
      }
      s.frame = Math.floor(s.pos);
    },
  };
  return s satisfies LockSide;
}

describe('mapFrame', () => {
  it('maps by time through each rational rate, clamped to the other length', () => {
    expect(mapFrame(40, r(25), r(25), 99)).toBe(40);
    expect(mapFrame(40, r(25), r(50), 999)).toBe(80);
    expect(mapFrame(81, r(50), r(25), 999)).toBe(40);
    // 23.976 against 24: the same frame until the drift adds up to one
    expect(mapFrame(500, r(24000, 1001), r(24), 9999)).toBe(500);
    expect(mapFrame(1000, r(24000, 1001), r(24), 9999)).toBe(1001);
    // 29.97 against 25
    expect(mapFrame(300, r(30000, 1001), r(25), 9999)).toBe(250);
    // past the other's end: its last frame
    expect(mapFrame(200, r(25), r(25), 99)).toBe(99);
    expect(mapFrame(-3, r(25), r(25), 99)).toBe(0);
  });
  it('maps continuous positions', () => {
    expect(mapPosition(12.5, r(25), r(50))).toBeCloseTo(25);
  });
});

describe('lockRate', () => {
  it('plays at the base rate when close, slower when ahead, faster when behind, within bounds', () => {
    expect(lockRate(1, 0.1, 25)).toBe(1);
    expect(lockRate(1, 1, 25)).toBeLessThan(1);
    expect(lockRate(1, -1, 25)).toBeGreaterThan(1);
    expect(lockRate(2, -50, 25)).toBeCloseTo(2 * 1.15);
  });
});

describe('FrameLock', () => {
  it('steps and seeks the follower onto the same moment, paused', () => {
    const a = side(r(25), 100);
    const b = side(r(50), 200);
    const lock = new FrameLock(a, b);
    a.seek(10);
    lock.tick(0);
    expect(b.frame).toBe(20);
    a.seek(11);
    lock.tick(10);
    expect(b.frame).toBe(22);
    expect(lock.mapBack(22)).toBe(11);
  });

  it('plays both, follows the rate, and keeps the drift within a frame', () => {
    const a = side(r(25), 250);
    const b = side(r(24000, 1001), 240);
    const lock = new FrameLock(a, b);
    a.setRate(2);
    a.play();
    let worst = 0;
    for (let t = 0; t < 400; t++) {
      lock.tick(t * 16);
      a.advance(0.016);
      b.advance(0.016);
      if (t > 30 && b.playing) worst = Math.max(worst, Math.abs(b.pos - mapPosition(a.pos, a.fps, b.fps)));
    }
    expect(b.rate).toBe(2);
    expect(worst).toBeLessThan(1);
  });

  it('holds the shorter follower on its last frame, and starts it again when the leader loops back', () => {
    const a = side(r(25), 100);
    const b = side(r(25), 50);
    const lock = new FrameLock(a, b);
    a.seek(60);
    a.play();
    lock.tick(0);
    expect(b.playing).toBe(false);
    expect(b.frame).toBe(49);
    a.seek(5);
    lock.tick(1000);
    expect(b.playing).toBe(true);
    expect(b.frame).toBe(5);
  });

  it('seeks a follower that fell far behind instead of nudging it', () => {
    const a = side(r(25), 250);
    const b = side(r(25), 250);
    const lock = new FrameLock(a, b);
    a.play();
    lock.tick(0);
    a.pos = 100;
    lock.tick(16);
    expect(b.seeks.at(-1)).toBeGreaterThanOrEqual(100);
  });

  it('waits for a seek to land before judging the drift, and aims further ahead after a slow one', () => {
    const a = side(r(25), 2500);
    const b = side(r(25), 2500);
    const lock = new FrameLock(a, b);
    a.play();
    lock.tick(0);
    a.pos = 500;
    lock.tick(100);
    const first = b.seeks.length;
    b.seeking = true;
    a.pos = 520;
    lock.tick(500);
    expect(b.seeks.length).toBe(first);
    b.seeking = false;
    a.pos = b.pos;
    lock.tick(900);
    expect(lock.seekLead).toBeGreaterThan(0.3);
    a.pos = 900;
    lock.tick(1000);
    expect(b.seeks.at(-1)).toBeGreaterThan(900 + 25 * 0.3);
  });

  it('pauses the follower with the leader', () => {
    const a = side(r(25), 100);
    const b = side(r(25), 100);
    const lock = new FrameLock(a, b);
    a.play();
    lock.tick(0);
    expect(b.playing).toBe(true);
    a.pause();
    a.seek(33);
    lock.tick(500);
    expect(b.playing).toBe(false);
    expect(b.frame).toBe(33);
  });
});
