import { describe, expect, it } from 'vitest';
import type { Shape } from '../protocol/protocol';
import { DrawingModel } from './drawing.svelte';
import { containBox, normalizePoint, shapePath, simplifyPath, validateDrawing, validateShape } from './shapes';

const arrow: Shape = { tool: 'arrow', points: [{ x: 0.1, y: 0.1 }, { x: 0.5, y: 0.5 }], color: '#ff0000', width: 0.01, text: null };

describe('DrawingModel', () => {
  it('draws each tool with the right number of points', () => {
    const m = new DrawingModel();
    for (const tool of ['line', 'arrow', 'rect', 'ellipse'] as const) {
      m.tool = tool;
      m.begin({ x: 0.1, y: 0.2 });
      m.extend({ x: 0.3, y: 0.3 });
      m.extend({ x: 0.6, y: 0.7 });
      const s = m.end();
      expect(s?.tool).toBe(tool);
      expect(s?.points).toEqual([{ x: 0.1, y: 0.2 }, { x: 0.6, y: 0.7 }]);
    }
    m.tool = 'pen';
    m.begin({ x: 0, y: 0 });
    for (let i = 1; i <= 10; i++) m.extend({ x: i / 10, y: i / 10 });
    expect(m.end()?.points.length).toBe(11);
    expect(m.addText({ x: 0.5, y: 0.5 }, '  focus here ')?.text).toBe('focus here');
    expect(m.shapes.map((s) => s.tool)).toEqual(['line', 'arrow', 'rect', 'ellipse', 'pen', 'text']);
    expect(validateDrawing(m.toDrawing()!)).toBeNull();
  });

  it('drops a click that made no shape', () => {
    const m = new DrawingModel();
    m.tool = 'rect';
    m.begin({ x: 0.5, y: 0.5 });
    expect(m.end()).toBeNull();
    expect(m.addText({ x: 0, y: 0 }, '   ')).toBeNull();
    expect(m.toDrawing()).toBeNull();
  });

  it('undoes and redoes, clear included', () => {
    const m = new DrawingModel();
    m.tool = 'line';
    for (const x of [0.2, 0.4]) {
      m.begin({ x: 0, y: 0 });
      m.extend({ x, y: x });
      m.end();
    }
    m.clear();
    expect(m.shapes).toHaveLength(0);
    m.undo();
    expect(m.shapes).toHaveLength(2);
    m.undo();
    expect(m.shapes).toHaveLength(1);
    m.redo();
    expect(m.shapes).toHaveLength(2);
    m.begin({ x: 0, y: 0 });
    m.extend({ x: 0.9, y: 0.9 });
    m.end();
    expect(m.canRedo).toBe(false);
    m.reset();
    expect(m.canUndo).toBe(false);
  });

  it('stops at the server limits', () => {
    const m = new DrawingModel();
    m.tool = 'pen';
    m.begin({ x: 0, y: 0 });
    for (let i = 0; i < 6000; i++) m.extend({ x: (i % 100) / 100, y: Math.floor(i / 100) / 100 });
    expect(m.draft!.points.length).toBe(5000);
    m.cancel();
    m.tool = 'line';
    for (let i = 0; i < 505; i++) {
      m.begin({ x: 0, y: 0 });
      m.extend({ x: 0.5, y: 0.5 });
      m.end();
    }
    expect(m.shapes).toHaveLength(500);
    expect(m.begin({ x: 0, y: 0 })).toBe(false);
  });
});

describe('normalizing pointer positions', () => {
  it('maps element pixels into the letterboxed picture', () => {
    // A 16:9 video in a square element: bars above and below.
    const box = containBox(1000, 1000, 1920, 1080);
    expect(box).toEqual({ left: 0, top: 218.75, width: 1000, height: 562.5 });
    expect(normalizePoint(0, 218.75, box)).toEqual({ x: 0, y: 0 });
    expect(normalizePoint(1000, 781.25, box)).toEqual({ x: 1, y: 1 });
    expect(normalizePoint(500, 500, box)).toEqual({ x: 0.5, y: 0.5 });
    // Far outside is clamped to what the server accepts.
    expect(normalizePoint(99999, -99999, box)).toEqual({ x: 4, y: -4 });
  });
  it('is independent of the player size', () => {
    const small = containBox(320, 180, 1920, 1080);
    const big = containBox(2560, 1440, 1920, 1080);
    expect(normalizePoint(80, 45, small)).toEqual(normalizePoint(640, 360, big));
  });
});

describe('validation matches the server', () => {
  it('accepts a good shape', () => {
    expect(validateShape(arrow)).toBeNull();
  });
  it.each([
    ['width 0', { ...arrow, width: 0 }],
    ['width over 1', { ...arrow, width: 1.5 }],
    ['bad colour', { ...arrow, color: 'red' }],
    ['short colour', { ...arrow, color: '#fff' }],
    ['three points on an arrow', { ...arrow, points: [...arrow.points, { x: 0, y: 0 }] }],
    ['text on an arrow', { ...arrow, text: 'x' }],
    ['empty text', { ...arrow, tool: 'text', points: [{ x: 0, y: 0 }], text: '' }],
    ['long text', { ...arrow, tool: 'text', points: [{ x: 0, y: 0 }], text: 'x'.repeat(501) }],
    ['NaN point', { ...arrow, points: [{ x: NaN, y: 0 }, { x: 0, y: 0 }] }],
    ['far point', { ...arrow, points: [{ x: 5, y: 0 }, { x: 0, y: 0 }] }],
    ['empty pen', { ...arrow, tool: 'pen', points: [] }],
    ['huge pen', { ...arrow, tool: 'pen', points: Array.from({ length: 5001 }, () => ({ x: 0, y: 0 })) }],
  ] as [string, Shape][])('rejects %s', (_, s) => {
    expect(validateShape(s)).not.toBeNull();
  });
  it('limits shapes per drawing', () => {
    expect(validateDrawing({ shapes: Array(500).fill(arrow) })).toBeNull();
    expect(validateDrawing({ shapes: Array(501).fill(arrow) })).not.toBeNull();
  });
});

describe('rendering helpers', () => {
  it('simplifies pen paths but keeps the ends', () => {
    const pts = Array.from({ length: 100 }, (_, i) => ({ x: i / 10000, y: 0 }));
    const out = simplifyPath(pts, 0.001);
    expect(out[0]).toEqual(pts[0]);
    expect(out[out.length - 1]).toEqual(pts[99]);
    expect(out.length).toBeLessThan(15);
  });
  it('builds SVG paths in box units', () => {
    expect(shapePath({ ...arrow, tool: 'line' }, 100, 50)).toBe('M10.0 5.0L50.0 25.0');
    expect(shapePath({ ...arrow, tool: 'rect' }, 100, 100)).toBe('M10.0 10.0H50.0V50.0H10.0Z');
    expect(shapePath(arrow, 100, 100)).toMatch(/^M10.0 10.0L50.0 50.0M/);
  });
});
