// Frame-accurate playback over a <video>: the frame on screen comes from
// requestVideoFrameCallback, seeks land mid-frame, and stepping, J/K/L shuttle,
// loops and in/out marks are all in frames.
import type { Rational } from '../protocol/protocol';
import { currentTimeToFrame, DEFAULT_FPS, mediaTimeToFrame, seekTime } from '../time/timecode';
import { formatFrame, parseFrame, type TimeDisplay } from '../time/display';
import { timePrefs, type TimePrefs } from './preferences.svelte';

/** The part of HTMLVideoElement the player drives (a fake in tests). */
export interface VideoLike {
  currentTime: number;
  readonly paused: boolean;
  readonly seeking?: boolean;
  playbackRate: number;
  volume: number;
  muted: boolean;
  play(): Promise<void>;
  pause(): void;
  addEventListener(type: string, fn: () => void): void;
  removeEventListener(type: string, fn: () => void): void;
  requestVideoFrameCallback?(cb: (now: number, meta: { mediaTime: number }) => void): number;
  cancelVideoFrameCallback?(handle: number): void;
}

export const SHUTTLE_SPEEDS = [1, 2, 4, 8];
export const RATES = [0.25, 0.5, 1, 1.5, 2];

export class Player {
  /** `prefs`: where the display choice lives (the page's one copy unless a test gives its own). */
  constructor(private readonly prefs: TimePrefs = timePrefs) {}

  fps = $state<Rational>(DEFAULT_FPS);
  frameCount = $state(1);
  /** The number frame 0 is shown as: an image sequence's first frame (1001), else 0. */
  startFrame = $state(0);
  /** The source's own start timecode (media `start_timecode`), if any. */
  startTimecode = $state<string | null>(null);
  /** How positions are shown: the viewer's choice (kept with their account). */
  get display(): TimeDisplay {
    return this.prefs.display;
  }
  /** The number the first frame is shown as in frame-number display (null: the source's). */
  get firstFrame(): number | null {
    return this.prefs.firstFrame;
  }
  /** Why the display choice could not be kept with the account (it applies here anyway). */
  get displayError(): string | null {
    return this.prefs.error;
  }
  /** The frame on screen (or being sought to). */
  frame = $state(0);
  /** The frame the element last presented (not the one being sought to). */
  shown = $state(0);
  playing = $state(false);
  /** Chosen playback rate (the session may nudge the element's rate around it). */
  rate = $state(1);
  /** Negative while shuttling backwards with J. */
  shuttle = $state(0);
  volume = $state(readNumber('dailies.volume', 1));
  muted = $state(false);
  loop = $state<[number, number] | null>(null);
  markIn = $state<number | null>(null);
  markOut = $state<number | null>(null);
  buffering = $state(false);
  /** The browser refused to play with sound before any click here: playing muted. */
  autoplayMuted = $state(false);

  lastFrame: number = $derived(Math.max(0, this.frameCount - 1));
  fpsValue: number = $derived(this.fps.num / this.fps.den);

  private video: VideoLike | null = null;
  private vfcHandle = 0;
  private reverseTimer: ReturnType<typeof setInterval> | null = null;
  private seekTarget: number | null = null;
  private detachFns: (() => void)[] = [];
  /** Another element plays the chosen audio track: the video stays muted whatever `muted` says. */
  private audioElsewhere = false;

  configure(
    fps: Rational | null,
    frameCount: number | null,
    duration: number | null,
    startFrame?: number | null,
    startTimecode?: string | null,
  ): void {
    if (fps && fps.num > 0 && fps.den > 0) this.fps = fps;
    this.startTimecode = startTimecode ?? null;
    this.startFrame = startFrame != null && Number.isFinite(startFrame) ? startFrame : 0;
    const n = frameCount ?? (duration ? Math.round((duration * this.fps.num) / this.fps.den) : null);
    if (n && n > 0) this.frameCount = n;
  }

  /** Frame `f` as the chosen display shows it (source timecode by default). */
  label(f: number, mode: TimeDisplay = this.display): string {
    return formatFrame(f, this.clock(), mode, this.firstFrame);
  }

  /** What a person typed, in the chosen display, as a frame (null: unreadable). */
  parseLabel(text: string): number | null {
    return parseFrame(text, this.clock(), this.display, this.firstFrame);
  }

  setDisplay(mode: TimeDisplay, firstFrame: number | null = this.firstFrame): void {
    void this.prefs.set(mode, firstFrame);
  }

  private clock() {
    return { fps: this.fps, startTimecode: this.startTimecode, startFrame: this.startFrame };
  }

  /** How frame `f` of the timeline is numbered for people: from `startFrame`. */
  frameNumber(f: number): number {
    return f + this.startFrame;
  }

  attach(video: VideoLike): () => void {
    this.detach();
    this.video = video;
    video.playbackRate = this.rate;
    video.volume = this.volume;
    video.muted = this.muted || this.audioElsewhere;
    const on = (type: string, fn: () => void) => {
      video.addEventListener(type, fn);
      this.detachFns.push(() => video.removeEventListener(type, fn));
    };
    on('play', () => (this.playing = true));
    on('pause', () => {
      this.playing = false;
      this.syncFromTime();
    });
    on('seeked', () => {
      if (this.seekTarget != null && currentTimeToFrame(video.currentTime, this.fps) === this.seekTarget) this.seekTarget = null;
      if (!video.requestVideoFrameCallback) this.syncFromTime();
    });
    on('waiting', () => (this.buffering = true));
    on('playing', () => (this.buffering = false));
    on('canplay', () => (this.buffering = false));
    on('ended', () => {
      this.playing = false;
      this.frame = this.lastFrame;
    });
    on('timeupdate', () => {
      if (!video.requestVideoFrameCallback && !video.paused) this.syncFromTime();
    });
    this.watchFrames();
    return () => this.detach();
  }

  detach(): void {
    this.stopReverse();
    if (this.video?.cancelVideoFrameCallback && this.vfcHandle) this.video.cancelVideoFrameCallback(this.vfcHandle);
    this.detachFns.forEach((f) => f());
    this.detachFns = [];
    this.video = null;
  }

  get element(): VideoLike | null {
    return this.video;
  }

  /** A seek of the element is still landing. */
  get seeking(): boolean {
    return !!this.video?.seeking;
  }

  /** The element's playback rate (a live session or a compare lock may nudge it). */
  get elementRate(): number {
    return this.video?.playbackRate ?? this.rate;
  }

  private watchFrames(): void {
    const v = this.video;
    if (!v?.requestVideoFrameCallback) return;
    const tick = (_now: number, meta: { mediaTime: number }) => {
      if (this.video !== v) return;
      this.onPresented(mediaTimeToFrame(meta.mediaTime, this.fps));
      this.vfcHandle = v.requestVideoFrameCallback!(tick);
    };
    this.vfcHandle = v.requestVideoFrameCallback(tick);
  }

  /** A frame reached the screen. */
  onPresented(frame: number): void {
    this.shown = Math.min(frame, this.lastFrame);
    // While a seek is on its way, frames of the old position must not flicker back.
    if (this.seekTarget != null && this.video && !this.video.paused) this.seekTarget = null;
    if (this.seekTarget != null && frame !== this.seekTarget) return;
    this.seekTarget = null;
    this.frame = Math.min(frame, this.lastFrame);
    this.enforceLoop();
  }

  private syncFromTime(): void {
    if (!this.video) return;
    this.shown = Math.min(currentTimeToFrame(this.video.currentTime, this.fps), this.lastFrame);
    if (this.seekTarget != null) return;
    this.frame = this.shown;
    this.enforceLoop();
  }

  private enforceLoop(): void {
    if (!this.loop || !this.video || this.video.paused || this.shuttle < 0) return;
    const [a, b] = this.loop;
    if (this.frame > b || this.frame < a) this.seek(a);
  }

  /**
   * The continuous position in frames (n.0 is the start of frame n), from the element's
   * clock: what the session's position is compared with while playing.
   */
  exactPosition(): number {
    if (!this.video) return this.frame;
    return (this.video.currentTime * this.fps.num) / this.fps.den;
  }

  clamp(frame: number): number {
    return Math.min(Math.max(0, Math.round(frame)), this.lastFrame);
  }

  seek(frame: number): void {
    const f = this.clamp(frame);
    this.frame = f;
    if (!this.video) return;
    this.seekTarget = f;
    this.video.currentTime = seekTime(f, this.fps);
  }

  /** Steps `delta` frames, pausing first: stepping is for looking, not playing. */
  step(delta: number): void {
    this.pause();
    this.seek(this.frame + delta);
  }

  play(): void {
    this.stopReverse();
    this.shuttle = 0;
    if (!this.video) return;
    if (this.frame >= this.lastFrame && !this.loop) this.seek(0);
    this.video.playbackRate = this.rate;
    const v = this.video;
    v.play().catch((err: unknown) => {
      // A follower in a live session plays without having clicked: browsers only allow
      // that muted. Play muted and let the UI offer to unmute.
      if ((err as { name?: string })?.name === 'NotAllowedError' && !v.muted) {
        this.setMuted(true);
        this.autoplayMuted = true;
        v.play().catch(() => (this.playing = false));
      } else this.playing = false;
    });
  }

  pause(): void {
    this.stopReverse();
    this.shuttle = 0;
    if (!this.video) return;
    if (!this.video.paused) {
      this.video.pause();
      // Land exactly on the frame being shown.
      this.seek(this.frame);
    }
    this.playing = false;
  }

  toggle(): void {
    if (this.playing || this.shuttle !== 0) this.pause();
    else this.play();
  }

  setRate(rate: number): void {
    this.rate = rate;
    if (this.video && this.shuttle === 0) this.video.playbackRate = rate;
  }

  /** For the session follower: the element's rate, without changing the chosen rate. */
  setElementRate(rate: number): void {
    if (this.video && Math.abs(this.video.playbackRate - rate) > 1e-3) this.video.playbackRate = rate;
  }

  /** L: forward, faster with each press. */
  shuttleForward(): void {
    const i = this.shuttle > 0 ? SHUTTLE_SPEEDS.indexOf(this.shuttle) : -1;
    const next = SHUTTLE_SPEEDS[Math.min(i + 1, SHUTTLE_SPEEDS.length - 1)];
    this.stopReverse();
    this.shuttle = next;
    if (!this.video) return;
    this.video.playbackRate = next;
    if (this.video.paused) this.video.play().catch(() => undefined);
  }

  /** J: backward, faster with each press (stepped seeks: browsers cannot play in reverse). */
  shuttleBackward(): void {
    const i = this.shuttle < 0 ? SHUTTLE_SPEEDS.indexOf(-this.shuttle) : -1;
    const speed = SHUTTLE_SPEEDS[Math.min(i + 1, SHUTTLE_SPEEDS.length - 1)];
    if (this.video && !this.video.paused) this.video.pause();
    this.shuttle = -speed;
    this.playing = true;
    if (this.reverseTimer) return;
    let last = performance.now();
    this.reverseTimer = setInterval(() => {
      const now = performance.now();
      const frames = ((now - last) / 1000) * this.fpsValue * -this.shuttle;
      if (frames < 1) return;
      last = now;
      const next = this.frame - Math.floor(frames);
      if (next <= 0) {
        this.seek(0);
        this.pause();
      } else this.seek(next);
    }, 40);
  }

  private stopReverse(): void {
    if (this.reverseTimer) clearInterval(this.reverseTimer);
    this.reverseTimer = null;
  }

  setVolume(v: number): void {
    this.volume = Math.min(1, Math.max(0, v));
    writeNumber('dailies.volume', this.volume);
    if (this.video) this.video.volume = this.volume;
    if (this.volume > 0 && this.muted) this.setMuted(false);
  }

  setMuted(m: boolean): void {
    this.muted = m;
    if (!m) this.autoplayMuted = false;
    if (this.video) this.video.muted = m || this.audioElsewhere;
  }

  /** For the audio track switcher: silences the video's own sound while another track plays. */
  setAudioElsewhere(on: boolean): void {
    this.audioElsewhere = on;
    if (this.video) this.video.muted = this.muted || on;
  }

  setIn(frame = this.frame): void {
    this.markIn = frame;
    if (this.markOut != null && this.markOut < frame) this.markOut = null;
  }

  setOut(frame = this.frame): void {
    this.markOut = frame;
    if (this.markIn != null && this.markIn > frame) this.markIn = null;
  }

  clearMarks(): void {
    this.markIn = null;
    this.markOut = null;
  }

  /** The marked range, if both ends are set. */
  get range(): [number, number] | null {
    return this.markIn != null && this.markOut != null ? [this.markIn, this.markOut] : null;
  }

  /** Loops the marked range, or stops looping. */
  toggleLoop(): [number, number] | null {
    this.loop = this.loop ? null : (this.range ?? [0, this.lastFrame]);
    return this.loop;
  }
}

/** Preferences that outlive the page (volume); absent storage is fine. */
function readNumber(key: string, fallback: number): number {
  try {
    const v = Number(globalThis.localStorage?.getItem(key));
    return globalThis.localStorage?.getItem(key) != null && Number.isFinite(v) ? v : fallback;
  } catch {
    return fallback;
  }
}

function writeNumber(key: string, value: number): void {
  try {
    globalThis.localStorage?.setItem(key, String(value));
  } catch {
    /* private mode: keep it for this page only */
  }
}
