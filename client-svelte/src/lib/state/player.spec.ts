import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { Player, type VideoLike } from './player.svelte';

class FakeVideo implements VideoLike {
  currentTime = 0;
  paused = true;
  playbackRate = 1;
  volume = 1;
  muted = false;
  listeners = new Map<string, Set<() => void>>();
  frameCb: ((now: number, meta: { mediaTime: number }) => void) | null = null;
  play() {
    this.paused = false;
    this.emit('play');
    return Promise.resolve();
  }
  pause() {
    this.paused = true;
    this.emit('pause');
  }
  addEventListener(t: string, fn: () => void) {
    if (!this.listeners.has(t)) this.listeners.set(t, new Set());
    this.listeners.get(t)!.add(fn);
  }
  removeEventListener(t: string, fn: () => void) {
    this.listeners.get(t)?.delete(fn);
  }
  emit(t: string) {
    this.listeners.get(t)?.forEach((f) => f());
  }
  requestVideoFrameCallback(cb: (now: number, meta: { mediaTime: number }) => void) {
    this.frameCb = cb;
    return 1;
  }
  /** The decoder shows the frame starting at `t`. */
  present(t: number) {
    const cb = this.frameCb;
    this.frameCb = null;
    cb?.(0, { mediaTime: t });
  }
}

describe('Player', () => {
  let v: FakeVideo;
  let p: Player;
  beforeEach(() => {
    vi.useFakeTimers();
    v = new FakeVideo();
    p = new Player();
    p.configure({ num: 25, den: 1 }, 100, 4);
    p.attach(v);
  });
  afterEach(() => vi.useRealTimers());

  it('numbers frames from an image sequence\'s first frame, and from 0 otherwise', () => {
    expect(p.frameNumber(0)).toBe(0);
    p.configure({ num: 25, den: 1 }, 100, 4, 1001);
    p.seek(10);
    expect(p.frame).toBe(10);
    expect(p.frameNumber(p.frame)).toBe(1011);
    expect(p.frameNumber(p.lastFrame)).toBe(1100);
    p.configure({ num: 25, den: 1 }, 100, 4, undefined);
    expect(p.frameNumber(5)).toBe(5);
  });

  it('seeks to the middle of frames', () => {
    p.seek(10);
    expect(v.currentTime).toBeCloseTo(0.42, 9);
    expect(p.frame).toBe(10);
    p.seek(1000);
    expect(p.frame).toBe(99);
    p.seek(-5);
    expect(p.frame).toBe(0);
  });

  it('steps by one and by ten, pausing', () => {
    p.seek(50);
    p.play();
    p.step(1);
    expect(v.paused).toBe(true);
    expect(p.frame).toBe(51);
    p.step(-10);
    expect(p.frame).toBe(41);
  });

  it('shows the frame the decoder presented, ignoring stale frames during a seek', () => {
    p.seek(30);
    v.present(0.4); // frame 10, from before the seek
    expect(p.frame).toBe(30);
    v.present(1.2); // frame 30
    expect(p.frame).toBe(30);
    v.present(1.24);
    expect(p.frame).toBe(31);
  });

  it('loops the marked range while playing', () => {
    p.setIn(10);
    p.setOut(20);
    expect(p.toggleLoop()).toEqual([10, 20]);
    p.seek(19);
    v.present(19 / 25);
    p.play();
    v.present(21 / 25);
    expect(p.frame).toBe(10);
    expect(v.currentTime).toBeCloseTo(10.5 / 25, 9);
  });

  it('shuttles forward faster on each L and backward with J', () => {
    p.shuttleForward();
    p.shuttleForward();
    expect(v.playbackRate).toBe(2);
    p.seek(50);
    p.shuttleBackward();
    expect(v.paused).toBe(true);
    vi.advanceTimersByTime(400);
    expect(p.frame).toBeLessThan(50);
    p.pause();
    expect(p.shuttle).toBe(0);
  });

  it('keeps marks ordered and clamps volume', () => {
    p.setIn(30);
    p.setOut(20);
    expect(p.markIn).toBeNull();
    expect(p.range).toBeNull();
    p.setVolume(3);
    expect(v.volume).toBe(1);
  });

  it('derives the frame count from the duration when none is given', () => {
    const q = new Player();
    q.configure({ num: 30000, den: 1001 }, null, 10);
    expect(q.frameCount).toBe(300);
  });
});
