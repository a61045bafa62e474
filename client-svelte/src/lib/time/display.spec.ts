import { describe, expect, it } from 'vitest';
import { formatFrame, parseFrame, type ClipClock } from './display';

const at25: ClipClock = { fps: { num: 25, den: 1 }, startTimecode: '01:00:00:00', startFrame: 0 };
const df: ClipClock = { fps: { num: 30000, den: 1001 }, startTimecode: '00:59:59;28', startFrame: 0 };

describe('time display', () => {
  it('shows the fifth frame of a 01:00:00:00 clip as 01:00:00:04 in source timecode', () => {
    expect(formatFrame(4, at25, 'source')).toBe('01:00:00:04');
    expect(formatFrame(4, at25, 'zero')).toBe('00:00:00:04');
    expect(formatFrame(4, at25, 'frames')).toBe('4');
    expect(formatFrame(4, at25, 'frames', 1001)).toBe('1005');
    expect(formatFrame(25, at25, 'seconds')).toBe('1.000s');
  });

  it('counts drop-frame source timecode across the hour', () => {
    expect(formatFrame(2, df, 'source')).toBe('01:00:00;00');
    expect(parseFrame('01:00:00;00', df, 'source')).toBe(2);
  });

  it('counts a 29.97 source whose timecode is non-drop as non-drop', () => {
    const ndf: ClipClock = { fps: { num: 30000, den: 1001 }, startTimecode: '01:00:00:00', startFrame: 0 };
    expect(formatFrame(0, ndf, 'source')).toBe('01:00:00:00');
    expect(formatFrame(1800, ndf, 'source')).toBe('01:01:00:00');
    expect(formatFrame(1800, { ...df, startTimecode: '01:00:00;00' }, 'source')).toBe('01:01:00;02');
    expect(formatFrame(1800, ndf, 'zero')).toBe('00:01:00:00');
    expect(parseFrame('01:01:00:00', ndf, 'source')).toBe(1800);
    // without a stated timecode the rate decides
    expect(formatFrame(1800, { ...ndf, startTimecode: null }, 'source')).toBe('00:01:00;02');
  });

  it('reads typed positions back in each mode', () => {
    expect(parseFrame('01:00:01:00', at25, 'source')).toBe(25);
    expect(parseFrame('00:00:01:00', at25, 'zero')).toBe(25);
    expect(parseFrame('1030', at25, 'frames', 1001)).toBe(29);
    expect(parseFrame('2s', at25, 'seconds')).toBe(50);
    expect(parseFrame('nonsense', at25, 'source')).toBeNull();
  });
});
