import { beforeEach, describe, expect, it } from 'vitest';
import type { AudioTrack } from '../protocol/protocol';
import { AudioTracks, MAX_DRIFT, trackLabel, type AudioLike } from './audio-tracks.svelte';
import { Player, type VideoLike } from './player.svelte';

class FakeMedia implements AudioLike {
  currentTime = 0;
  paused = true;
  playbackRate = 1;
  volume = 1;
  muted = false;
  src = '';
  plays = 0;
  listeners = new Map<string, Set<() => void>>();
  play() {
    this.plays++;
    this.paused = false;
    this.emit('play');
    return Promise.resolve();
  }
  pause() {
    if (this.paused) return;
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
  listenerCount() {
    return [...this.listeners.values()].reduce((n, s) => n + s.size, 0);
  }
}

/** What a video element is to the player, plus the events the switcher follows. */
class FakeVideo extends FakeMedia implements VideoLike {
  seekTo(t: number) {
    this.currentTime = t;
    this.emit('seeking');
    this.emit('seeked');
  }
  setRate(r: number) {
    this.playbackRate = r;
    this.emit('ratechange');
  }
  /** Time passes while playing; the audio element's clock moves by its own amount. */
  advance(videoSecs: number, audio: FakeMedia, audioSecs = videoSecs) {
    this.currentTime += videoSecs;
    if (!audio.paused) audio.currentTime += audioSecs;
    this.emit('timeupdate');
  }
}

const TRACKS: AudioTrack[] = [
  { index: 1, title: null, language: 'eng', channels: 6, url: null },
  { index: 2, title: 'Commentary', language: null, channels: 2, url: '/files/m/audio-2.m4a' },
  { index: 3, title: null, language: 'fra', channels: 6, url: '/files/m/audio-3.m4a' },
];

describe('AudioTracks', () => {
  let video: FakeVideo;
  let audio: FakeMedia;
  let player: Player;
  let tracks: AudioTracks;
  beforeEach(() => {
    video = new FakeVideo();
    audio = new FakeMedia();
    player = new Player();
    player.configure({ num: 25, den: 1 }, 250, 10);
    player.attach(video);
    tracks = new AudioTracks(player);
    tracks.setTracks(TRACKS);
    tracks.attach(video, audio);
  });

  it('offers a choice only with two tracks or more', () => {
    expect(tracks.choosable).toBe(true);
    const one = new AudioTracks(player);
    one.setTracks(undefined);
    expect(one.choosable).toBe(false);
  });

  it('plays another track beside the muted video, from where the video is', () => {
    video.seekTo(4);
    player.play();
    tracks.choose(2);
    expect(tracks.current).toBe(2);
    expect(video.muted).toBe(true);
    expect(audio.src).toBe('/files/m/audio-2.m4a');
    expect(audio.currentTime).toBe(4);
    expect(audio.paused).toBe(false);
  });

  it('follows pause, play, seeks and rate', () => {
    tracks.choose(2);
    expect(audio.paused).toBe(true);
    player.play();
    expect(audio.paused).toBe(false);
    player.pause(); // lands on the frame shown: a seek, which the element announces
    video.emit('seeking');
    expect(audio.paused).toBe(true);
    expect(audio.currentTime).toBeCloseTo(video.currentTime, 9);
    player.seek(100);
    video.emit('seeked');
    expect(audio.currentTime).toBeCloseTo(video.currentTime, 9);
    expect(audio.currentTime).toBeCloseTo(4.02, 9);
    player.setRate(2);
    video.emit('ratechange');
    expect(audio.playbackRate).toBe(2);
    // The session follower nudges the element's rate.
    video.setRate(1.02);
    expect(audio.playbackRate).toBe(1.02);
  });

  it('pauses while the video waits for data and resumes with it', () => {
    tracks.choose(2);
    player.play();
    video.emit('waiting');
    expect(audio.paused).toBe(true);
    video.currentTime = 1.5;
    video.emit('playing');
    expect(audio.paused).toBe(false);
    expect(audio.currentTime).toBe(1.5);
  });

  it(`re-syncs only a drift over ${MAX_DRIFT * 1000} ms`, () => {
    tracks.choose(2);
    player.play();
    video.advance(0.25, audio, 0.3); // 50 ms ahead: left alone
    expect(audio.currentTime).toBeCloseTo(0.3, 9);
    video.advance(0.25, audio, 0.29); // 90 ms ahead: put back
    expect(audio.currentTime).toBeCloseTo(0.5, 9);
    video.advance(0.25, audio, 0.15); // 100 ms behind: put back
    expect(audio.currentTime).toBeCloseTo(0.75, 9);
  });

  it('goes back to the video sound with track 1, keeping the mute the user chose', () => {
    tracks.choose(2);
    player.play();
    tracks.choose(1);
    expect(audio.paused).toBe(true);
    expect(video.muted).toBe(false);
    player.setMuted(true);
    tracks.choose(3);
    expect(audio.src).toBe('/files/m/audio-3.m4a');
    tracks.choose(1);
    expect(video.muted).toBe(true); // still muted by the user
  });

  it('keeps the video silent while another track plays, whatever the mute button does', () => {
    tracks.choose(2);
    player.setMuted(true);
    player.setMuted(false);
    expect(video.muted).toBe(true);
    tracks.applySound(0.4, false);
    expect([audio.volume, audio.muted]).toEqual([0.4, false]);
    tracks.applySound(0.4, true);
    expect(audio.muted).toBe(true);
  });

  it('does not follow the video while track 1 plays, nor after detaching', () => {
    player.play();
    video.seekTo(3);
    video.advance(1, audio);
    expect(audio.plays).toBe(0);
    tracks.choose(2);
    tracks.detach();
    expect(video.listenerCount()).toBeGreaterThan(0); // the player's own
    const before = audio.plays;
    player.pause();
    player.play();
    expect(audio.plays).toBe(before);
  });

  it('falls back to track 1 when the chosen track disappears, and ignores unknown ones', () => {
    tracks.choose(3);
    tracks.setTracks(TRACKS.slice(0, 2));
    expect(tracks.current).toBe(1);
    expect(video.muted).toBe(false);
    tracks.choose(9);
    expect(tracks.current).toBe(1);
  });

  it('labels tracks by number, name, language and source channels', () => {
    expect(TRACKS.map(trackLabel)).toEqual(['Track 1: (eng), 5.1', 'Track 2: Commentary', 'Track 3: (fra), 5.1']);
    expect(trackLabel({ index: 4, title: null, language: null, channels: 1, url: 'x' })).toBe('Track 4, mono');
    expect(trackLabel({ index: 5, title: 'Stems', language: null, channels: 4, url: 'x' })).toBe('Track 5: Stems, 4 ch');
  });
});
