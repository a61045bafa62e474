import { describe, expect, it } from 'vitest';
import { mediaHref, parseHash } from './router.svelte';

describe('routes', () => {
  it('parses the library and media links', () => {
    expect(parseHash('')).toEqual({ name: 'library' });
    expect(parseHash('#/')).toEqual({ name: 'library' });
    expect(parseHash('#/media/abc?session=1&frame=12')).toEqual({ name: 'media', id: 'abc', session: true, frame: 12, comment: null });
    expect(parseHash('#/media/abc?comment=x')).toMatchObject({ comment: null, session: false });
  });
  it('round-trips links', () => {
    expect(parseHash(mediaHref('a b', { session: true, comment: 4 }))).toEqual({ name: 'media', id: 'a b', session: true, frame: null, comment: 4 });
  });
});
