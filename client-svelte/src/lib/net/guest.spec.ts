import { afterEach, describe, expect, it, vi } from 'vitest';
import type { MediaInfo } from '../protocol/protocol';
import { ApiError } from './api';
import { guestApi, guestFiles, guestRefusal, guestSocketUrl, guestToken } from './guest';

afterEach(() => vi.unstubAllGlobals());

describe('guest routes', () => {
  it('finds the token in the landing path only', () => {
    expect(guestToken('/r/AbC-_09')).toBe('AbC-_09');
    expect(guestToken('/r/AbC/')).toBe('AbC');
    expect(guestToken('/r/')).toBe('');
    expect(guestToken('/')).toBeNull();
    expect(guestToken('/media/r/x')).toBeNull();
  });

  it('names why a guest was refused', () => {
    expect(guestRefusal(new ApiError(404, 'not_found', ''))).toBe('invalid');
    expect(guestRefusal(new ApiError(401, 'unauthorized', ''))).toBe('password');
    expect(guestRefusal(new ApiError(429, 'rate_limited', ''))).toBe('rate_limited');
    expect(guestRefusal(new ApiError(400, 'bad_request', 'name too long'))).toBe('name');
    expect(guestRefusal(new TypeError('Failed to fetch'))).toBe('network');
    expect(guestRefusal(new ApiError(500, 'internal', ''))).toBe('other');
  });

  it('opens a session same-origin with the name and the password', async () => {
    const calls: [string, RequestInit][] = [];
    vi.stubGlobal('fetch', vi.fn(async (url: string, init: RequestInit) => (calls.push([url, init]), new Response('{}', { status: 200 }))));
    await guestApi.startSession({ token: 'tok', name: 'Carla', password: 'pw' });
    expect(calls[0][0]).toBe('/api/guest/session');
    expect(calls[0][1]).toMatchObject({ method: 'POST', credentials: 'same-origin' });
    expect(JSON.parse(String(calls[0][1].body))).toEqual({ token: 'tok', name: 'Carla', password: 'pw' });
  });

  it('uses the guest socket and the guest file addresses', () => {
    expect(guestSocketUrl({ protocol: 'https:', host: 'd.example' })).toBe('wss://d.example/api/guest/ws');
    const m = {
      id: 'm1',
      playback_url: '/files/m1/proxy.mp4',
      thumb_url: '/api/guest/files/m1/thumb.jpg',
      sheet: { url: '/files/m1/sheet.webp', columns: 1, rows: 1, tile_width: 1, tile_height: 1, times: [] },
    } as unknown as MediaInfo;
    const g = guestFiles(m);
    expect([g.playback_url, g.thumb_url, g.sheet?.url]).toEqual(['/api/guest/files/m1/proxy.mp4', '/api/guest/files/m1/thumb.jpg', '/api/guest/files/m1/sheet.webp']);
    expect(guestFiles({ ...m, playback_url: null, sheet: null }).playback_url).toBeNull();
    const more = guestFiles({
      ...m,
      scrub_url: '/files/m1/scrub.mp4',
      hdr_url: '/files/m1/hdr.webm',
      audio_tracks: [
        { index: 1, title: null, language: null, channels: 6, url: null },
        { index: 2, title: 'Commentary', language: null, channels: 2, url: '/files/m1/audio-2.m4a' },
      ],
    });
    expect([more.scrub_url, more.hdr_url, more.audio_tracks?.[1].url]).toEqual([
      '/api/guest/files/m1/scrub.mp4',
      '/api/guest/files/m1/hdr.webm',
      '/api/guest/files/m1/audio-2.m4a',
    ]);
    expect(more.audio_tracks?.[0].url).toBeNull();
  });
});
