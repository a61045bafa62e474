import { describe, expect, it } from 'vitest';
import { sourceBadges } from './source';

describe('sourceBadges', () => {
  it('says nothing of an ordinary source', () => {
    expect(sourceBadges({})).toEqual([]);
  });

  it('names an HDR source with its transfer, primaries and Dolby Vision profile', () => {
    const [b] = sourceBadges({ hdr: { transfer: 'hlg', primaries: 'bt2020', dolby_vision_profile: null } });
    expect(b.text).toBe('HDR source · HLG · BT.2020');
    expect(b.title).toContain('tone mapped');
    const [dv] = sourceBadges({ hdr: { transfer: 'pq', primaries: null, dolby_vision_profile: 8 } });
    expect(dv.text).toBe('HDR source · PQ · Dolby Vision 8');
  });

  it('tells an interlaced source and its field order', () => {
    const [b] = sourceBadges({ field_order: 'bff' });
    expect(b.text).toBe('Interlaced source');
    expect(b.title).toContain('bottom field first');
  });

  it('tells an image sequence, its numbers and its gaps', () => {
    const seq = { first: 1001, last: 1100, frames: 96, missing: [[1050, 1052], [1080, 1080]] as [number, number][], format: 'exr', fps_from: 'default' };
    const [b, gaps] = sourceBadges({ sequence: seq });
    expect(b.text).toBe('Image sequence · EXR · 1001–1100');
    expect(b.title).toContain('server’s default');
    expect(gaps.text).toBe('4 missing frames: 1050–1052, 1080');
    expect(sourceBadges({ sequence: { ...seq, missing: [] } })).toHaveLength(1);
  });
});
