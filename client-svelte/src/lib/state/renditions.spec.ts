import { describe, expect, it } from 'vitest';
import { HDR_TYPE, Renditions, renditionsOf, type DisplayCaps } from './renditions.svelte';

const sdrScreen: DisplayCaps = { hdr: false, canPlayType: () => 'probably' };
const hdrScreen: DisplayCaps = { hdr: true, canPlayType: (t) => (t === HDR_TYPE ? 'probably' : '') };
const hdrNoVp9: DisplayCaps = { hdr: true, canPlayType: () => '' };

const original = { playback_url: '/files/m/original.mp4' };
const withScrub = { ...original, scrub_url: '/files/m/scrub.mp4' };
const hdr = { playback_url: '/files/m/proxy.mp4', hdr_url: '/files/m/hdr.webm' };

describe('renditions', () => {
  it('plays the scrub proxy by default and offers the original', () => {
    const list = renditionsOf(withScrub, sdrScreen);
    expect(list.map((r) => [r.id, r.label])).toEqual([
      ['scrub', 'Scrub proxy'],
      ['main', 'Original'],
    ]);
    expect(renditionsOf(original, sdrScreen).map((r) => r.id)).toEqual(['main']);
    expect(renditionsOf({ playback_url: undefined } as never, sdrScreen)).toEqual([]);
  });

  it('chooses the HDR proxy only on an HDR display that plays VP9 profile 2', () => {
    expect(renditionsOf(hdr, hdrScreen).map((r) => [r.id, r.label])).toEqual([
      ['hdr', 'HDR'],
      ['main', 'SDR'],
    ]);
    expect(renditionsOf(hdr, sdrScreen).map((r) => r.id)).toEqual(['main']);
    expect(renditionsOf(hdr, hdrNoVp9).map((r) => r.id)).toEqual(['main']);
  });

  it('follows the reviewer’s choice and does not swap the picture when a proxy arrives', () => {
    const r = new Renditions(sdrScreen);
    r.setMedia(original);
    expect([r.url, r.choosable]).toEqual(['/files/m/original.mp4', false]);
    // The scrub proxy is made while the original plays: offered, not switched to.
    r.setMedia(withScrub);
    expect([r.url, r.choosable]).toEqual(['/files/m/original.mp4', true]);
    r.choose('scrub');
    expect(r.url).toBe('/files/m/scrub.mp4');

    // Opened once the scrub proxy exists: it is the default.
    const fresh = new Renditions(sdrScreen);
    fresh.setMedia(withScrub);
    expect(fresh.url).toBe('/files/m/scrub.mp4');
    fresh.choose('main');
    expect(fresh.current?.label).toBe('Original');
    // The same media again (an unrelated update) keeps the choice.
    fresh.setMedia({ ...withScrub });
    expect(fresh.url).toBe('/files/m/original.mp4');
  });
});
