// The guest routes of a review link: start a session (the server sets an HttpOnly cookie
// scoped to /api/guest), read the link's media, end the session. Nothing here reads or
// keeps the cookie; the browser sends it on the guest routes only.
import type { GuestMedia, GuestSessionRequest, MediaInfo } from '../protocol/protocol';
import { ApiError, json } from './api';

export interface GuestApi {
  startSession(req: GuestSessionRequest): Promise<GuestMedia>;
  media(): Promise<GuestMedia>;
  endSession(): Promise<void>;
}

export const guestApi: GuestApi = {
  startSession: (req) =>
    json<GuestMedia>('/api/guest/session', {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify(req),
    }),
  media: () => json<GuestMedia>('/api/guest/media'),
  endSession: async () => {
    await json<void>('/api/guest/session', { method: 'DELETE' });
  },
};

/** Why a guest could not get in, by what the server answered. */
export type GuestRefusal = 'invalid' | 'password' | 'rate_limited' | 'name' | 'network' | 'other';

export function guestRefusal(e: unknown): GuestRefusal {
  if (!(e instanceof ApiError)) return 'network';
  switch (e.status) {
    case 404:
      return 'invalid';
    case 401:
      return 'password';
    case 429:
      return 'rate_limited';
    case 400:
    case 422:
      return 'name';
    case 0:
      return 'network';
    default:
      return 'other';
  }
}

/**
 * The token of a guest landing path (`/r/<token>`), or null for any other path. A token
 * that is not one still opens the guest page, which then says the link is not valid.
 */
export function guestToken(pathname: string): string | null {
  if (!pathname.startsWith('/r/')) return null;
  const raw = pathname.slice(3).replace(/\/+$/, '');
  try {
    return decodeURIComponent(raw);
  } catch {
    return raw;
  }
}

/** The guest websocket on this page's origin. */
export function guestSocketUrl(loc: Pick<Location, 'protocol' | 'host'> = window.location): string {
  const proto = loc.protocol === 'https:' ? 'wss:' : 'ws:';
  return `${proto}//${loc.host}/api/guest/ws`;
}

/**
 * A media as a guest fetches its files. The socket describes media with the signed-in
 * users' `/files/…` addresses, which a guest cannot open (no identity there, and the
 * guest cookie is scoped to `/api/guest`); the guest routes serve the same names under
 * `/api/guest/files/…`. Addresses already there stay as they are.
 */
export function guestFiles(m: MediaInfo): MediaInfo {
  const fix = (u: string | null) => (u && u.startsWith('/files/') ? `/api/guest${u}` : u);
  const out: MediaInfo = {
    ...m,
    playback_url: fix(m.playback_url),
    thumb_url: fix(m.thumb_url),
    sheet: m.sheet ? { ...m.sheet, url: fix(m.sheet.url) ?? m.sheet.url } : null,
  };
  // Every other file a player may open: the scrub and HDR proxies, further audio tracks.
  if (m.scrub_url) out.scrub_url = fix(m.scrub_url) ?? m.scrub_url;
  if (m.hdr_url) out.hdr_url = fix(m.hdr_url) ?? m.hdr_url;
  if (m.audio_tracks) out.audio_tracks = m.audio_tracks.map((t) => ({ ...t, url: fix(t.url) }));
  return out;
}

/**
 * A comment's drawing address as a guest fetches it: the signed-in route
 * `/api/media/<media>/comments/<id>/drawing` is `/api/guest/comments/<id>/drawing` on the
 * guest routes (the link names the media). Other addresses stay as they are.
 */
export function guestDrawingUrl(url: string): string {
  const m = /^\/api\/media\/[^/]+\/comments\/(\d+)\/drawing$/.exec(url);
  return m ? `/api/guest/comments/${m[1]}/drawing` : url;
}
