import { describe, expect, it } from 'vitest';
import type { SubtitleTrack } from '../protocol/protocol';
import { cueAt, cueLink, Subtitles, trackLabel, trackSrc, type SubtitlesApi } from './subtitles.svelte';

function track(id: number, extra: Partial<SubtitleTrack> = {}): SubtitleTrack {
  return {
    id,
    media_id: 'm1',
    title: `Track ${id}`,
    language: null,
    offset_ms: 0,
    is_default: false,
    source: 'upload',
    vtt_url: `/api/media/m1/subtitles/${id}/vtt`,
    created_at: '2026-12-03T00:00:00Z',
    ...extra,
  };
}

/** A server that keeps its list and answers edits as the real one does. */
function fakeApi(initial: SubtitleTrack[]): SubtitlesApi & { list_calls: number; tracks: SubtitleTrack[] } {
  const api = {
    tracks: initial,
    list_calls: 0,
    async list() {
      api.list_calls++;
      return api.tracks.map((t) => ({ ...t }));
    },
    async upload(_m: string, _f: Blob, meta: { filename: string; default?: boolean }) {
      if (meta.filename.endsWith('.bin')) throw new Error('this is not a subtitle file');
      const t = track(api.tracks.length + 10, { title: meta.filename, is_default: !!meta.default });
      if (meta.default) api.tracks = api.tracks.map((x) => ({ ...x, is_default: false }));
      api.tracks = [...api.tracks, t];
      return t;
    },
    async edit(_m: string, id: number, e: { offset_ms?: number; default?: boolean }) {
      api.tracks = api.tracks.map((t) => ({
        ...t,
        offset_ms: t.id === id && e.offset_ms !== undefined ? e.offset_ms : t.offset_ms,
        is_default: e.default ? t.id === id : t.is_default,
      }));
      return api.tracks.find((t) => t.id === id)!;
    },
    async remove(_m: string, id: number) {
      api.tracks = api.tracks.filter((t) => t.id !== id);
    },
  };
  return api;
}

describe('subtitles', () => {
  it('opens with the default track and keeps the viewer’s choice', async () => {
    const api = fakeApi([track(1), track(2, { is_default: true })]);
    const s = new Subtitles(api);
    await s.load('m1');
    expect(s.active).toBe(2);
    s.choose(null);
    await s.load('m1');
    expect(s.active).toBeNull();
    s.choose(1);
    expect(s.activeTrack?.title).toBe('Track 1');
  });

  it('falls back to the default when the chosen track is deleted', async () => {
    const api = fakeApi([track(1), track(2, { is_default: true })]);
    const s = new Subtitles(api);
    await s.load('m1');
    s.choose(1);
    expect(await s.remove(1)).toBe(true);
    expect(s.active).toBe(2);
  });

  it('lists again after an edit and reports refusals', async () => {
    const api = fakeApi([track(1)]);
    const s = new Subtitles(api);
    await s.load('m1');
    const before = api.list_calls;
    expect(await s.edit(1, { offset_ms: 2000 })).toBe(true);
    expect(api.list_calls).toBe(before + 1);
    expect(s.tracks[0].offset_ms).toBe(2000);
    expect(await s.upload(new Blob(['x']), { filename: 'x.bin' })).toBe(false);
    expect(s.error).toContain('not a subtitle file');
    expect(await s.upload(new Blob(['x']), { filename: 'b.srt', default: true })).toBe(true);
    expect(s.activeTrack?.title).toBe('b.srt');
  });

  it('follows the cue on screen for the composer', async () => {
    const s = new Subtitles(fakeApi([track(4, { is_default: true })]));
    await s.load('m1');
    s.showCue({ startTime: 1, endTime: 2, text: '<i>Hello</i> there' });
    expect(s.cue).toEqual({ track_id: 4, start_ms: 1000, end_ms: 2000, text: 'Hello there' });
    s.choose(null);
    expect(s.cue).toBeNull();
  });

  it('finds the cue at a time and names tracks', () => {
    const cues = [
      { startTime: 1, endTime: 3, text: 'a' },
      { startTime: 2, endTime: 4, text: 'b' },
    ];
    expect(cueAt(cues, 0.5)).toBeNull();
    expect(cueAt(cues, 1.5)?.text).toBe('a');
    expect(cueAt(cues, 2.5)?.text).toBe('b');
    expect(cueAt(cues, 4)).toBeNull();
    expect(cueLink(1, { startTime: 0.0004, endTime: 1.2345, text: 'x' })).toEqual({ track_id: 1, start_ms: 0, end_ms: 1235, text: 'x' });
    expect(trackLabel(track(1, { title: 'French', language: 'fra' }))).toBe('French (fra)');
    expect(trackSrc(track(3, { offset_ms: -500 }))).toBe('/api/media/m1/subtitles/3/vtt?offset=-500');
  });
});
