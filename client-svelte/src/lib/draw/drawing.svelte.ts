// The drawing being made over a frame: tool settings, the shapes so far, the shape under
// the pointer, and undo/redo. Coordinates are frame-relative (see shapes.ts).
import type { Drawing, Point, Shape, Tool } from '../protocol/protocol';
import { MAX_POINTS_PER_SHAPE, MAX_SHAPES, simplifyPath, validateDrawing, validateShape } from './shapes';

export class DrawingModel {
  tool = $state<Tool>('arrow');
  color = $state('#ff3b30');
  /** Stroke width relative to the frame height. */
  width = $state(0.006);
  /** Immutable: every change assigns a new array, so history can share them. */
  shapes = $state.raw<Shape[]>([]);
  /** The shape under the pointer, not yet committed (a new object on every move). */
  draft = $state.raw<Shape | null>(null);
  private undone: Shape[][] = [];
  private history: Shape[][] = [];
  /** Bumped on every change of `shapes`, so views can react cheaply. */
  revision = $state(0);

  get isEmpty(): boolean {
    return this.shapes.length === 0;
  }
  get canUndo(): boolean {
    return this.history.length > 0;
  }
  get canRedo(): boolean {
    return this.undone.length > 0;
  }

  /** Starts a shape at `p`; returns false when the drawing is full. */
  begin(p: Point): boolean {
    if (this.shapes.length >= MAX_SHAPES) return false;
    const points = this.tool === 'pen' || this.tool === 'text' ? [p] : [p, p];
    this.draft = { tool: this.tool, points, color: this.color, width: this.width, text: null };
    return true;
  }

  /** Moves the pointer while drawing. */
  extend(p: Point): void {
    const d = this.draft;
    if (!d) return;
    if (d.tool === 'pen') {
      if (d.points.length >= MAX_POINTS_PER_SHAPE) return;
      d.points.push(p); // the array is private to the draft: no copy per move
      this.draft = { ...d };
    } else if (d.tool !== 'text') {
      this.draft = { ...d, points: [d.points[0], p] };
    }
  }

  /** Ends the current shape; degenerate ones (a click with a line tool) are dropped. */
  end(): Shape | null {
    const d = this.draft;
    this.draft = null;
    if (!d) return null;
    const shape: Shape = { ...d, points: [...d.points] };
    if (shape.tool === 'pen') shape.points = simplifyPath(shape.points, 0.0015);
    if (shape.tool !== 'pen' && shape.tool !== 'text') {
      const [a, b] = shape.points;
      if (Math.hypot(a.x - b.x, a.y - b.y) < 0.004) return null;
    }
    if (shape.tool === 'text') return null; // text is committed through addText
    return this.push(shape);
  }

  /** Places a text label with its top-left corner at `p`. */
  addText(p: Point, text: string): Shape | null {
    const t = text.trim();
    if (!t) return null;
    return this.push({ tool: 'text', points: [p], color: this.color, width: this.width, text: t.slice(0, 500) });
  }

  cancel(): void {
    this.draft = null;
  }

  private push(shape: Shape): Shape | null {
    if (validateShape(shape) !== null || this.shapes.length >= MAX_SHAPES) return null;
    this.record();
    this.shapes = [...this.shapes, shape];
    this.revision++;
    return shape;
  }

  private record(): void {
    this.history.push(this.shapes);
    if (this.history.length > 200) this.history.shift();
    this.undone = [];
  }

  undo(): void {
    const prev = this.history.pop();
    if (!prev) return;
    this.undone.push(this.shapes);
    this.shapes = prev;
    this.revision++;
  }

  redo(): void {
    const next = this.undone.pop();
    if (!next) return;
    this.history.push(this.shapes);
    this.shapes = next;
    this.revision++;
  }

  clear(): void {
    if (this.shapes.length === 0) return;
    this.record();
    this.shapes = [];
    this.revision++;
  }

  /** Starts over (after the comment was sent), forgetting history. */
  reset(): void {
    this.shapes = [];
    this.draft = null;
    this.history = [];
    this.undone = [];
    this.revision++;
  }

  /** Loads a drawing to edit (e.g. when editing a comment). */
  load(d: Drawing | null): void {
    this.reset();
    if (d) this.shapes = structuredClone(d.shapes);
  }

  /** The drawing to send, or null when empty or invalid. */
  toDrawing(): Drawing | null {
    if (this.shapes.length === 0) return null;
    const d: Drawing = { shapes: this.shapes };
    return validateDrawing(d) === null ? d : null;
  }
}
