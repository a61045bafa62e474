import { describe, expect, it } from 'vitest';
import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import {
  currentTimeToFrame,
  formatDuration,
  frameToTimecode,
  isDropFrame,
  mediaTimeToFrame,
  seekTime,
  timecodeToFrame,
} from './timecode';

const ntsc = { num: 30000, den: 1001 };
const ntsc60 = { num: 60000, den: 1001 };
const pal = { num: 25, den: 1 };
const film = { num: 24000, den: 1001 };

describe('frameToTimecode', () => {
  it('counts non-drop rates plainly', () => {
    expect(frameToTimecode(0, pal)).toBe('00:00:00:00');
    expect(frameToTimecode(24, pal)).toBe('00:00:00:24');
    expect(frameToTimecode(25, pal)).toBe('00:00:01:00');
    expect(frameToTimecode(25 * 3600 + 1, pal)).toBe('01:00:00:01');
    expect(frameToTimecode(24, film)).toBe('00:00:01:00');
    expect(isDropFrame(film)).toBe(false);
  });

  it('skips two labels a minute at 29.97 except every tenth minute', () => {
    expect(frameToTimecode(1799, ntsc)).toBe('00:00:59;29');
    expect(frameToTimecode(1800, ntsc)).toBe('00:01:00;02');
    expect(frameToTimecode(17981, ntsc)).toBe('00:09:59;29');
    expect(frameToTimecode(17982, ntsc)).toBe('00:10:00;00');
    expect(frameToTimecode(107892, ntsc)).toBe('01:00:00;00');
  });

  it('skips four labels a minute at 59.94', () => {
    expect(frameToTimecode(3599, ntsc60)).toBe('00:00:59;59');
    expect(frameToTimecode(3600, ntsc60)).toBe('00:01:00;04');
    expect(frameToTimecode(35964, ntsc60)).toBe('00:10:00;00');
  });
});

describe('timecodeToFrame', () => {
  it('inverts frameToTimecode', () => {
    for (const fps of [pal, ntsc, ntsc60, film]) {
      for (const f of [0, 1, 29, 1799, 1800, 1801, 17982, 123456]) {
        expect(timecodeToFrame(frameToTimecode(f, fps), fps)).toBe(f);
      }
    }
  });
  it('rejects labels that do not exist', () => {
    expect(timecodeToFrame('00:01:00;00', ntsc)).toBeNull();
    expect(timecodeToFrame('00:00:00:25', pal)).toBeNull();
    expect(timecodeToFrame('nonsense', pal)).toBeNull();
  });
  it('accepts a bare frame number', () => {
    expect(timecodeToFrame('42', pal)).toBe(42);
  });
});

describe('frame <-> time', () => {
  it('seeks to the middle of a frame and maps it back', () => {
    for (const fps of [pal, ntsc, film, ntsc60]) {
      for (const f of [0, 1, 2, 99, 1000, 86399]) {
        expect(currentTimeToFrame(seekTime(f, fps), fps)).toBe(f);
        const start = (f * fps.den) / fps.num;
        expect(mediaTimeToFrame(start, fps)).toBe(f);
        expect(mediaTimeToFrame(start - 1e-7, fps)).toBe(f);
        expect(mediaTimeToFrame(start + 1e-7, fps)).toBe(f);
      }
    }
  });
  it('formats durations', () => {
    expect(formatDuration(4)).toBe('0:04');
    expect(formatDuration(3725)).toBe('1:02:05');
    expect(formatDuration(null)).toBe('');
  });
});

// Vectors shared with the Rust implementation (protocol/tests/timecode_vectors.json).
// vitest runs from client-svelte/.
const vectorsPath = resolve(process.cwd(), '../protocol/tests/timecode_vectors.json');
type Vector = { fps: [number, number]; frame: number; timecode: string };
const vectors: Vector[] = existsSync(vectorsPath) ? JSON.parse(readFileSync(vectorsPath, 'utf8')) : [];

describe.skipIf(vectors.length === 0)('shared timecode vectors', () => {
  it.each(vectors.map((v) => [v.fps.join('/'), v.frame, v.timecode] as const))(
    '%s frame %i is %s',
    (fps, frame, timecode) => {
      const [num, den] = fps.split('/').map(Number);
      expect(frameToTimecode(frame, { num, den })).toBe(timecode);
      expect(timecodeToFrame(timecode, { num, den })).toBe(frame);
    },
  );
});
