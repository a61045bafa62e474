import { describe, expect, it } from 'vitest';
import { isLaserKey, isTypingTarget, keyCommand, nextRate } from './keymap';

const key = (k: string, mods: Partial<{ shiftKey: boolean; ctrlKey: boolean; metaKey: boolean; altKey: boolean }> = {}) => ({
  key: k,
  shiftKey: false,
  ctrlKey: false,
  metaKey: false,
  altKey: false,
  ...mods,
});

describe('keyCommand', () => {
  it('maps the transport keys', () => {
    expect(keyCommand(key(' '), false)).toEqual({ kind: 'toggle' });
    expect(keyCommand(key('k'), false)).toEqual({ kind: 'toggle' });
    expect(keyCommand(key('ArrowRight'), false)).toEqual({ kind: 'step', delta: 1 });
    expect(keyCommand(key('ArrowLeft', { shiftKey: true }), false)).toEqual({ kind: 'step', delta: -10 });
    expect(keyCommand(key('Home'), false)).toEqual({ kind: 'first' });
    expect(keyCommand(key('End'), false)).toEqual({ kind: 'last' });
    expect(keyCommand(key('l'), false)).toEqual({ kind: 'forward' });
    expect(keyCommand(key('j'), false)).toEqual({ kind: 'backward' });
    expect(keyCommand(key('L', { shiftKey: true }), false)).toEqual({ kind: 'loop' });
    expect(keyCommand(key(']'), false)).toEqual({ kind: 'comment', dir: 1 });
    expect(keyCommand(key('-'), false)).toEqual({ kind: 'rate', dir: -1 });
    expect(keyCommand(key('='), false)).toEqual({ kind: 'rate', dir: 1 });
  });

  it('turns letters into tools while drawing', () => {
    expect(keyCommand(key('l'), true)).toEqual({ kind: 'tool', tool: 'line' });
    expect(keyCommand(key('a'), true)).toEqual({ kind: 'tool', tool: 'arrow' });
    expect(keyCommand(key('d'), true)).toEqual({ kind: 'draw' });
    expect(keyCommand(key('z', { ctrlKey: true }), true)).toEqual({ kind: 'undo' });
    expect(keyCommand(key('Z', { metaKey: true, shiftKey: true }), true)).toEqual({ kind: 'redo' });
  });

  it('maps the live session keys, in draw mode too (no tool takes them)', () => {
    for (const drawing of [false, true]) {
      expect(keyCommand(key('v'), drawing)).toEqual({ kind: 'laser' });
      expect(keyCommand(key('g'), drawing)).toEqual({ kind: 'free-look' });
      expect(keyCommand(key('H', { shiftKey: true }), drawing)).toEqual({ kind: 'raise-hand' });
    }
    expect(isLaserKey(key('V', { shiftKey: true }))).toBe(true);
    expect(isLaserKey(key('l'))).toBe(false);
  });

  it('leaves the browser its own shortcuts', () => {
    expect(keyCommand(key('z', { ctrlKey: true }), false)).toBeNull();
    expect(keyCommand(key('r', { ctrlKey: true }), false)).toBeNull();
    expect(keyCommand(key('f', { altKey: true }), false)).toBeNull();
    expect(keyCommand(key('q'), false)).toBeNull();
  });
});

describe('nextRate', () => {
  const rates = [0.25, 0.5, 1, 1.5, 2];
  it('steps through the list and stops at the ends', () => {
    expect(nextRate(rates, 1, 1)).toBe(1.5);
    expect(nextRate(rates, 2, 1)).toBe(2);
    expect(nextRate(rates, 0.25, -1)).toBe(0.25);
    expect(nextRate(rates, 1.23, -1)).toBe(0.5);
  });
});

describe('isTypingTarget', () => {
  it('knows fields and buttons', () => {
    expect(isTypingTarget(document.createElement('textarea'), 'k')).toBe(true);
    expect(isTypingTarget(document.createElement('button'), ' ')).toBe(true);
    expect(isTypingTarget(document.createElement('button'), 'k')).toBe(false);
    expect(isTypingTarget(document.createElement('div'), ' ')).toBe(false);
    expect(isTypingTarget(null, ' ')).toBe(false);
  });
});
