// Switching among a media's audio tracks: track 1 is the video's own sound; any other is
// its own file in an <audio> element, played in time with the muted video.
import type { AudioTrack } from '../protocol/protocol';

/** The part of a media element the switcher follows (the video) or drives (the audio). */
export interface MediaLike {
  currentTime: number;
  readonly paused: boolean;
  playbackRate: number;
  addEventListener(type: string, fn: () => void): void;
  removeEventListener(type: string, fn: () => void): void;
}

export interface AudioLike extends MediaLike {
  src: string;
  volume: number;
  muted: boolean;
  play(): Promise<void>;
  pause(): void;
}

/** What the switcher needs of the player: a way to silence the video's own sound. */
export interface SoundLink {
  setAudioElsewhere(on: boolean): void;
}

/**
 * Seconds the audio may run ahead of or behind the picture before it is put back: lip sync
 * is noticed from about 45 ms early or 125 ms late (ITU-R BT.1359), and each correction is
 * a small skip in the sound, so it is not done for less.
 */
export const MAX_DRIFT = 0.08;

const LAYOUTS: Record<number, string> = { 1: 'mono', 2: '', 6: '5.1', 8: '7.1' };

/** "Track 2: Commentary (eng), 5.1": the source's channels, though every track plays as stereo. */
export function trackLabel(t: AudioTrack): string {
  const name = [t.title, t.language && `(${t.language})`].filter(Boolean).join(' ');
  const layout = t.channels == null ? '' : (LAYOUTS[t.channels] ?? `${t.channels} ch`);
  return `Track ${t.index}${name ? `: ${name}` : ''}${layout ? `, ${layout}` : ''}`;
}

export class AudioTracks {
  tracks = $state<AudioTrack[]>([]);
  /** The index of the track being heard. */
  current = $state(1);
  /** A menu is worth showing. */
  choosable: boolean = $derived(this.tracks.length >= 2);

  private video: MediaLike | null = null;
  private audio: AudioLike | null = null;
  private loadedUrl: string | null = null;
  private volume = 1;
  private muted = false;
  private detachFns: (() => void)[] = [];

  constructor(private sound: SoundLink) {}

  /** The media's tracks (none, or two and more); a track that is gone falls back to track 1. */
  setTracks(list: AudioTrack[] | undefined | null): void {
    this.tracks = list ?? [];
    if (this.current !== 1 && !this.tracks.some((t) => t.index === this.current && t.url)) this.choose(1);
  }

  attach(video: MediaLike, audio: AudioLike): () => void {
    this.detach();
    this.video = video;
    this.audio = audio;
    audio.volume = this.volume;
    audio.muted = this.muted;
    const on = (type: string, fn: () => void) => {
      video.addEventListener(type, fn);
      this.detachFns.push(() => video.removeEventListener(type, fn));
    };
    on('play', () => this.follow());
    on('playing', () => this.follow());
    on('pause', () => this.follow());
    on('waiting', () => this.active && audio.pause());
    on('seeking', () => this.align());
    on('seeked', () => this.align());
    on('ratechange', () => this.active && (audio.playbackRate = video.playbackRate));
    on('timeupdate', () => this.checkDrift());
    if (this.active) this.listen(this.current);
    return () => this.detach();
  }

  detach(): void {
    this.detachFns.forEach((f) => f());
    this.detachFns = [];
    this.audio?.pause();
    this.video = null;
    this.audio = null;
    this.loadedUrl = null;
  }

  /** Hears track `index`: 1 is the video's own sound; another plays its file beside the video. */
  choose(index: number): void {
    const track = this.tracks.find((t) => t.index === index);
    if (index === 1 || !track?.url) {
      this.current = 1;
      this.audio?.pause();
      this.sound.setAudioElsewhere(false);
      return;
    }
    this.current = index;
    this.listen(index);
  }

  /** The player's volume and mute, applied to the extra track's element too. */
  applySound(volume: number, muted: boolean): void {
    this.volume = volume;
    this.muted = muted;
    if (this.audio) {
      this.audio.volume = volume;
      this.audio.muted = muted;
    }
  }

  private get active(): boolean {
    return this.current !== 1 && this.audio != null && this.video != null;
  }

  private listen(index: number): void {
    const url = this.tracks.find((t) => t.index === index)?.url;
    const { audio } = this;
    if (!audio || !url) return;
    this.sound.setAudioElsewhere(true);
    if (this.loadedUrl !== url) {
      audio.pause();
      audio.src = url;
      this.loadedUrl = url;
    }
    this.follow();
  }

  /** Plays or pauses the audio as the video does, from the video's position and at its rate. */
  private follow(): void {
    const { audio, video } = this;
    if (!this.active || !audio || !video) return;
    audio.playbackRate = video.playbackRate;
    this.align();
    if (video.paused) audio.pause();
    else if (audio.paused) audio.play().catch(() => undefined);
  }

  private align(): void {
    if (this.active && this.audio && this.video) this.audio.currentTime = this.video.currentTime;
  }

  private checkDrift(): void {
    const { audio, video } = this;
    if (!this.active || !audio || !video || video.paused) return;
    if (Math.abs(audio.currentTime - video.currentTime) > MAX_DRIFT) audio.currentTime = video.currentTime;
  }
}
