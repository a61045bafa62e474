// The review page's keyboard: which key means what, as a pure function so the whole map
// is testable (and the help overlay can stay in step with it).
import type { Tool } from '../protocol/protocol';

export type KeyCommand =
  | { kind: 'toggle' }
  | { kind: 'step'; delta: number }
  | { kind: 'first' }
  | { kind: 'last' }
  | { kind: 'loop' }
  | { kind: 'forward' }
  | { kind: 'backward' }
  | { kind: 'mark-in' }
  | { kind: 'mark-out' }
  | { kind: 'clear-marks' }
  | { kind: 'comment'; dir: 1 | -1 }
  | { kind: 'rate'; dir: 1 | -1 }
  | { kind: 'mute' }
  | { kind: 'fullscreen' }
  | { kind: 'draw' }
  | { kind: 'compose' }
  | { kind: 'escape' }
  | { kind: 'tool'; tool: Tool }
  | { kind: 'undo' }
  | { kind: 'redo' }
  | { kind: 'laser' }
  | { kind: 'free-look' }
  | { kind: 'raise-hand' };

export interface KeyLike {
  key: string;
  shiftKey: boolean;
  ctrlKey: boolean;
  metaKey: boolean;
  altKey: boolean;
}

const TOOL_KEYS: Record<string, Tool> = { p: 'pen', l: 'line', a: 'arrow', r: 'rect', e: 'ellipse', t: 'text' };

/** The command for a key press, or null when the key is not ours. */
export function keyCommand(e: KeyLike, drawMode: boolean): KeyCommand | null {
  const k = e.key;
  const lower = k.length === 1 ? k.toLowerCase() : k;
  if (e.ctrlKey || e.metaKey) {
    if (drawMode && lower === 'z') return { kind: e.shiftKey ? 'redo' : 'undo' };
    return null; // leave the browser's shortcuts alone
  }
  if (e.altKey) return null;
  // While drawing, letters pick tools (L is the line, not the shuttle).
  if (drawMode && !e.shiftKey && TOOL_KEYS[lower]) return { kind: 'tool', tool: TOOL_KEYS[lower] };
  switch (lower) {
    case ' ':
    case 'k':
      return { kind: 'toggle' };
    case 'ArrowLeft':
    case 'ArrowRight':
      return { kind: 'step', delta: (k === 'ArrowLeft' ? -1 : 1) * (e.shiftKey ? 10 : 1) };
    case 'Home':
      return { kind: 'first' };
    case 'End':
      return { kind: 'last' };
    case 'l':
      return e.shiftKey ? { kind: 'loop' } : { kind: 'forward' };
    case 'j':
      return { kind: 'backward' };
    case 'i':
      return { kind: 'mark-in' };
    case 'o':
      return { kind: 'mark-out' };
    case 'x':
      return { kind: 'clear-marks' };
    case '[':
    case ']':
      return { kind: 'comment', dir: k === ']' ? 1 : -1 };
    case '-':
    case '_':
      return { kind: 'rate', dir: -1 };
    case '+':
    case '=':
      return { kind: 'rate', dir: 1 };
    case 'm':
      return { kind: 'mute' };
    case 'f':
      return { kind: 'fullscreen' };
    case 'd':
      return { kind: 'draw' };
    case 'c':
    case 'Enter':
      return { kind: 'compose' };
    case 'Escape':
      return { kind: 'escape' };
    // Live session. V is held (its release is `isLaserKey`), the others are pressed.
    case 'v':
      return e.shiftKey ? null : { kind: 'laser' };
    case 'g':
      return { kind: 'free-look' };
    case 'h':
      return { kind: 'raise-hand' };
    default:
      return null;
  }
}

/** The laser key: held down, pointer moves over the frame are laser points. */
export function isLaserKey(e: Pick<KeyLike, 'key'>): boolean {
  return e.key === 'v' || e.key === 'V';
}

/** The next rate up or down the list from `current` (from 1× when it is not listed). */
export function nextRate(rates: number[], current: number, dir: 1 | -1): number {
  let i = rates.indexOf(current);
  if (i < 0) i = Math.max(0, rates.indexOf(1));
  return rates[Math.min(rates.length - 1, Math.max(0, i + dir))];
}

/** Keys typed into a field are text, not commands; a focused button takes Space and Enter. */
export function isTypingTarget(t: EventTarget | null, key: string): boolean {
  const el = t as HTMLElement | null;
  if (!el || !el.tagName) return false;
  if (el.isContentEditable || ['INPUT', 'TEXTAREA', 'SELECT'].includes(el.tagName)) return true;
  return el.tagName === 'BUTTON' && (key === ' ' || key === 'Enter');
}
