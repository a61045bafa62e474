import { describe, expect, it } from 'vitest';
import type { CollabState } from '../protocol/protocol';
import { correction, inSync, isNewer, sessionPosition } from './collab-math';

const base: CollabState = {
  active: true,
  leader: 1,
  playing: false,
  frame: 100,
  at_server_time: 10_000,
  rate: 1,
  loop_range: null,
  version: 3,
  locked: false,
};

describe('sessionPosition', () => {
  it('holds a paused frame', () => {
    expect(sessionPosition(base, 99_999, 25, 1000)).toBe(100);
  });
  it('runs on from the anchor while playing', () => {
    const s = { ...base, playing: true };
    expect(sessionPosition(s, 12_000, 25, 1000)).toBe(150);
    expect(sessionPosition({ ...s, rate: 2 }, 11_000, 25, 1000)).toBe(150);
    expect(sessionPosition({ ...s, rate: 0.5 }, 12_000, 24000 / 1001, 1000)).toBeCloseTo(100 + 24000 / 1001, 6);
  });
  it('waits for a play scheduled ahead', () => {
    const s = { ...base, playing: true };
    expect(sessionPosition(s, 9_800, 25, 1000)).toBe(100);
  });
  it('wraps inside a loop range', () => {
    const s = { ...base, playing: true, loop_range: [100, 124] as [number, number] };
    expect(sessionPosition(s, 10_000 + 1000, 25, 1000)).toBeCloseTo(125, 6); // 25 frames: the end
    expect(sessionPosition(s, 10_000 + 1400, 25, 1000)).toBeCloseTo(110, 6); // 35 frames in
  });
  it('stops at the last frame', () => {
    expect(sessionPosition({ ...base, playing: true }, 100_000, 25, 120)).toBe(120);
  });
});

describe('correction', () => {
  it('seeks a paused player to the exact frame', () => {
    expect(correction(base, 99, 100)).toEqual({ kind: 'seek', frame: 100 });
    expect(correction(base, 100.2, 100)).toEqual({ kind: 'none' });
  });
  it('leaves tiny drift alone and nudges small drift', () => {
    const s = { ...base, playing: true };
    expect(correction(s, 100.3, 100)).toEqual({ kind: 'nudge', rate: 1 });
    const behind = correction(s, 97, 100);
    expect(behind.kind).toBe('nudge');
    expect((behind as { rate: number }).rate).toBeGreaterThan(1);
    const ahead = correction({ ...s, rate: 2 }, 103, 100);
    expect((ahead as { rate: number }).rate).toBeLessThan(2);
    expect((ahead as { rate: number }).rate).toBeGreaterThanOrEqual(2 * 0.92);
  });
  it('seeks when far off', () => {
    expect(correction({ ...base, playing: true }, 50, 100.4)).toEqual({ kind: 'seek', frame: 100 });
  });
  it('reports sync', () => {
    expect(inSync(base, 100, 100)).toBe(true);
    expect(inSync(base, 101, 100)).toBe(false);
    expect(inSync({ ...base, playing: true }, 101.5, 100)).toBe(true);
  });
  it('orders states by version', () => {
    expect(isNewer({ ...base, version: 4 }, base)).toBe(true);
    expect(isNewer(base, base)).toBe(false);
    expect(isNewer(base, null)).toBe(true);
  });
});
