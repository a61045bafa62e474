// Hash routes: `#/` is the library, `#/media/{id}` a review (`?session=1` joins the live
// session, `&frame=N` opens at a frame, `&comment=ID` at a comment). With an organizer
// plugin, `#/?path=/f/3` is one of its pages (no `path`: the top page). `#/admin` is the
// admins' page (unfinished uploads, user quotas); `#/settings` the notification settings.
// `#/media/{id}?compare={other}` compares the media with another (docs/versions.md);
// `&playlist={id}&item=N` (with `session=1`) starts a live session over a playlist on its
// item N. `#/playlists` lists the dailies playlists, `#/playlists/{id}` is one of them (`?edit=1`: its builder open).
export type Route =
  | { name: 'library'; path?: string }
  | { name: 'admin' }
  | { name: 'settings' }
  | { name: 'playlists' }
  | { name: 'playlist'; id: string; edit: boolean }
  | {
      name: 'media';
      id: string;
      session: boolean;
      frame: number | null;
      comment: number | null;
      compare: string | null;
      playlist: string | null;
      item: number | null;
    };

export function parseHash(hash: string): Route {
  const h = hash.replace(/^#/, '');
  const [path, query = ''] = h.split('?');
  const parts = path.split('/').filter(Boolean);
  if (parts[0] === 'admin') return { name: 'admin' };
  if (parts[0] === 'settings') return { name: 'settings' };
  if (parts[0] === 'playlists') {
    if (!parts[1]) return { name: 'playlists' };
    return { name: 'playlist', id: decodeURIComponent(parts[1]), edit: new URLSearchParams(query).get('edit') === '1' };
  }
  if (parts[0] === 'media' && parts[1]) {
    const q = new URLSearchParams(query);
    const num = (k: string) => {
      const v = q.get(k);
      return v != null && /^\d+$/.test(v) ? Number(v) : null;
    };
    return {
      name: 'media',
      id: decodeURIComponent(parts[1]),
      session: q.get('session') === '1',
      frame: num('frame'),
      comment: num('comment'),
      compare: q.get('compare') || null,
      playlist: q.get('playlist') || null,
      item: num('item'),
    };
  }
  const orgPath = new URLSearchParams(query).get('path');
  return orgPath && orgPath !== '/' ? { name: 'library', path: orgPath } : { name: 'library' };
}

/** The library at an organizer page (`/` or empty: the top). */
export function libraryHref(path = '/'): string {
  return !path || path === '/' ? '#/' : `#/?path=${encodeURIComponent(path)}`;
}

export const adminHref = '#/admin';

export const settingsHref = '#/settings';

export const playlistsHref = '#/playlists';

export function playlistHref(id: string): string {
  return `#/playlists/${encodeURIComponent(id)}`;
}

export interface MediaHrefOptions {
  session?: boolean;
  frame?: number;
  comment?: number;
  compare?: string;
  playlist?: string;
  item?: number;
}

export function mediaHref(id: string, opts: MediaHrefOptions = {}): string {
  const q = new URLSearchParams();
  if (opts.session) q.set('session', '1');
  if (opts.frame != null) q.set('frame', String(opts.frame));
  if (opts.comment != null) q.set('comment', String(opts.comment));
  if (opts.compare) q.set('compare', opts.compare);
  if (opts.playlist) q.set('playlist', opts.playlist);
  if (opts.item != null) q.set('item', String(opts.item));
  const qs = q.toString();
  return `#/media/${encodeURIComponent(id)}${qs ? `?${qs}` : ''}`;
}

export class Router {
  route = $state<Route>({ name: 'library' });

  constructor(private readonly win: Window = window) {
    this.route = parseHash(win.location.hash);
    win.addEventListener('hashchange', () => (this.route = parseHash(win.location.hash)));
  }

  go(href: string): void {
    this.win.location.hash = href.replace(/^#/, '');
  }

  /** Changes the URL without a navigation (e.g. adding `?session=1`). */
  replace(href: string): void {
    this.win.history.replaceState(null, '', href);
    this.route = parseHash(this.win.location.hash);
  }
}
