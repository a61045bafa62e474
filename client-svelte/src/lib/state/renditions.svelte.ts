// Which of a media's playback files the player shows: the playback file, a scrub proxy
// beside a long-GOP original (chosen by default: the same frames, quick to step and seek),
// or the 10-bit HDR proxy (chosen by default on an HDR display that plays it).
import type { MediaInfo } from '../protocol/protocol';

export type RenditionId = 'main' | 'scrub' | 'hdr';

export interface Rendition {
  id: RenditionId;
  url: string;
  label: string;
  title: string;
}

/** What the display and the browser can do, asked once (injected in tests). */
export interface DisplayCaps {
  /** The screen shows high dynamic range: `matchMedia('(dynamic-range: high)')`. */
  hdr: boolean;
  /** `HTMLMediaElement.canPlayType`: "" when the browser cannot play the type. */
  canPlayType(type: string): string;
}

/** VP9 profile 2, level 1, 10-bit, as the server writes the HDR proxy. */
export const HDR_TYPE = 'video/webm; codecs="vp09.02.10.10"';

export function browserCaps(): DisplayCaps {
  const hdr = typeof matchMedia === 'function' && matchMedia('(dynamic-range: high)').matches;
  const probe = typeof document === 'undefined' ? null : document.createElement('video');
  return { hdr, canPlayType: (t) => probe?.canPlayType(t) ?? '' };
}

/** The files the player may show, the default first. */
export function renditionsOf(
  m: Pick<MediaInfo, 'playback_url' | 'scrub_url' | 'hdr_url'> | null | undefined,
  caps: DisplayCaps,
): Rendition[] {
  if (!m?.playback_url) return [];
  const out: Rendition[] = [];
  if (m.hdr_url && caps.hdr && caps.canPlayType(HDR_TYPE) !== '') {
    out.push({ id: 'hdr', url: m.hdr_url, label: 'HDR', title: 'The HDR proxy: 10-bit, in the source’s own transfer' });
  }
  if (m.scrub_url) {
    out.push({
      id: 'scrub',
      url: m.scrub_url,
      label: 'Scrub proxy',
      title: 'The same frames with a keyframe every half second: quick to step and seek',
    });
  }
  const main = m.scrub_url
    ? { label: 'Original', title: 'The uploaded file as it is: its keyframes are far apart, so steps and seeks are slower' }
    : m.hdr_url
      ? { label: 'SDR', title: 'Tone mapped to SDR (BT.709)' }
      : { label: 'Playback', title: '' };
  out.push({ id: 'main', url: m.playback_url, ...main });
  return out;
}

export class Renditions {
  list = $state<Rendition[]>([]);
  /** What the reviewer chose; null: the default. */
  chosen = $state<RenditionId | null>(null);
  current: Rendition | null = $derived(this.list.find((r) => r.id === this.chosen) ?? this.list[0] ?? null);
  url: string | null = $derived(this.current?.url ?? null);
  /** A menu is worth showing. */
  choosable: boolean = $derived(this.list.length >= 2);

  constructor(private caps: DisplayCaps = browserCaps()) {}

  /**
   * The media changed. A scrub or HDR proxy made while the page is open is offered in the
   * menu; the picture being watched is not swapped under the reviewer.
   */
  setMedia(m: Pick<MediaInfo, 'playback_url' | 'scrub_url' | 'hdr_url'> | null | undefined): void {
    const next = renditionsOf(m, this.caps);
    const same =
      next.length === this.list.length && next.every((r, i) => r.id === this.list[i].id && r.url === this.list[i].url);
    if (same) return;
    const showing = this.current;
    if (this.chosen == null && showing && next.some((r) => r.id === showing.id)) this.chosen = showing.id;
    this.list = next;
  }

  choose(id: RenditionId): void {
    this.chosen = id;
  }
}
