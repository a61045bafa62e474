// What a media object says about its source that a reviewer should know while judging the
// picture: an HDR original shown tone mapped, an interlaced one shown deinterlaced.
import type { MediaInfo } from '../protocol/protocol';

const PRIMARIES: Record<string, string> = { bt2020: 'BT.2020', bt709: 'BT.709', smpte432: 'Display P3' };

/** One short badge text per fact, with a longer explanation for its tooltip. */
export function sourceBadges(m: Pick<MediaInfo, 'hdr' | 'field_order' | 'sequence'>): { text: string; title: string }[] {
  const out: { text: string; title: string }[] = [];
  const seq = m.sequence;
  if (seq) {
    out.push({
      text: `Image sequence · ${seq.format.toUpperCase()} · ${seq.first}–${seq.last}`,
      title: `Made from ${seq.frames} numbered ${seq.format.toUpperCase()} frames; frame numbers follow their file names. ${
        seq.fps_from === 'header' ? 'The frame rate is the one the frames carry.' : 'The frames carry no frame rate: the server’s default is used.'
      }`,
    });
    if (seq.missing.length > 0) {
      const count = seq.missing.reduce((n, [a, b]) => n + b - a + 1, 0);
      const runs = seq.missing.slice(0, 6).map(([a, b]) => (a === b ? `${a}` : `${a}–${b}`));
      if (seq.missing.length > 6) runs.push('…');
      out.push({
        text: `${count} missing frame${count === 1 ? '' : 's'}: ${runs.join(', ')}`,
        title: 'These frame numbers had no file; each shows the frame before it.',
      });
    }
  }
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
