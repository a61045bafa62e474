import { describe, expect, it } from 'vitest';
import { adminHref, libraryHref, mediaHref, parseHash, playlistHref, playlistsHref, settingsHref } from './router.svelte';

describe('routes', () => {
  it('parses the library and media links', () => {
    expect(parseHash('')).toEqual({ name: 'library' });
    expect(parseHash('#/')).toEqual({ name: 'library' });
    expect(parseHash('#/media/abc?session=1&frame=12')).toEqual({ name: 'media', id: 'abc', session: true, frame: 12, comment: null, compare: null, playlist: null, item: null });
    expect(parseHash('#/media/abc?comment=x')).toMatchObject({ comment: null, session: false });
  });
  it('parses the notification settings page', () => {
    expect(parseHash(settingsHref)).toEqual({ name: 'settings' });
  });

  it('parses the admin page', () => {
    expect(parseHash(adminHref)).toEqual({ name: 'admin' });
    expect(parseHash('#/admin/uploads')).toEqual({ name: 'admin' });
  });
  it('round-trips links', () => {
    expect(parseHash(mediaHref('a b', { session: true, comment: 4 }))).toEqual({ name: 'media', id: 'a b', session: true, frame: null, comment: 4, compare: null, playlist: null, item: null });
  });
  it('parses compare views and playlist sessions', () => {
    expect(parseHash(mediaHref('v2', { compare: 'v1' }))).toMatchObject({ name: 'media', id: 'v2', compare: 'v1', session: false });
    expect(parseHash(mediaHref('m', { session: true, playlist: 'p 1', item: 2 }))).toMatchObject({ session: true, playlist: 'p 1', item: 2 });
    expect(parseHash(playlistsHref)).toEqual({ name: 'playlists' });
    expect(parseHash(playlistHref('p/1'))).toEqual({ name: 'playlist', id: 'p/1', edit: false });
    expect(parseHash(`${playlistHref('p')}?edit=1`)).toEqual({ name: 'playlist', id: 'p', edit: true });
  });
  it('keeps an organizer page in the library route', () => {
    expect(parseHash('#/?path=/f/3')).toEqual({ name: 'library', path: '/f/3' });
    expect(parseHash('#/?path=%2F')).toEqual({ name: 'library' });
    expect(parseHash(libraryHref('/users/ann b/f/2'))).toEqual({ name: 'library', path: '/users/ann b/f/2' });
    expect(libraryHref('/')).toBe('#/');
  });
});
