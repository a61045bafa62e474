// What a media object says about its source that a reviewer should know while judging the
// picture: an HDR original shown tone mapped, an interlaced one shown deinterlaced.
import type { MediaInfo } from '../protocol/protocol';

const PRIMARIES: Record<string, string> = { bt2020: 'BT.2020', bt709: 'BT.709', smpte432: 'Display P3' };

/** One short badge text per fact, with a longer explanation for its tooltip. */
export function sourceBadges(m: Pick<MediaInfo, 'hdr' | 'field_order'>): { text: string; title: string }[] {
  const out: { text: string; title: string }[] = [];
  if (m.hdr) {
    const parts = ['HDR source', m.hdr.transfer.toUpperCase()];
    if (m.hdr.primaries) parts.push(PRIMARIES[m.hdr.primaries] ?? m.hdr.primaries);
    if (m.hdr.dolby_vision_profile != null) parts.push(`Dolby Vision ${m.hdr.dolby_vision_profile}`);
    out.push({
      text: parts.join(' · '),
      title: 'The original is HDR; this review copy is tone mapped to SDR (BT.709).',
    });
  }
  if (m.field_order === 'tff' || m.field_order === 'bff') {
    const first = m.field_order === 'tff' ? 'top' : 'bottom';
    out.push({
      text: 'Interlaced source',
      title: `The original is interlaced (${first} field first); this review copy is deinterlaced at the same frame rate.`,
    });
  }
  return out;
}
