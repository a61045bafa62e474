// Drawing shapes in frame-relative coordinates (0..1 across the picture) and the same
// limits the server enforces, so a drawing the client accepts is one the server stores.
import type { Drawing, Point, Shape, Tool } from '../protocol/protocol';

export const MAX_SHAPES = 500;
export const MAX_POINTS_PER_SHAPE = 5000;
export const MAX_SHAPE_TEXT = 500;
export const TOOLS: Tool[] = ['pen', 'line', 'arrow', 'rect', 'ellipse', 'text'];
export const PALETTE = ['#ff3b30', '#ffcc00', '#34c759', '#0a84ff', '#bf5af2', '#ffffff', '#000000'];

/** The rectangle the picture occupies inside its element (object-fit: contain). */
export interface FrameBox {
  left: number;
  top: number;
  width: number;
  height: number;
}

export function containBox(elementW: number, elementH: number, videoW: number, videoH: number): FrameBox {
  if (!(videoW > 0 && videoH > 0 && elementW > 0 && elementH > 0)) {
    return { left: 0, top: 0, width: Math.max(0, elementW), height: Math.max(0, elementH) };
  }
  // Fit the exact axis so no rounding creeps into the full-size side.
  const wide = elementW * videoH > elementH * videoW;
  const width = wide ? (elementH * videoW) / videoH : elementW;
  const height = wide ? elementH : (elementW * videoH) / videoW;
  return { left: (elementW - width) / 2, top: (elementH - height) / 2, width, height };
}

/** Element pixels → frame-relative point, clamped near the frame like the server wants. */
export function normalizePoint(px: number, py: number, box: FrameBox): Point {
  const clamp = (v: number) => Math.min(4, Math.max(-4, v));
  const x = box.width > 0 ? (px - box.left) / box.width : 0;
  const y = box.height > 0 ? (py - box.top) / box.height : 0;
  return { x: round4(clamp(x)), y: round4(clamp(y)) };
}

/** Four decimals are a tenth of a pixel on a 4K frame and keep messages small. */
function round4(v: number): number {
  return Math.round(v * 10000) / 10000;
}

export function isHexColor(c: string): boolean {
  return /^#[0-9a-fA-F]{6}$/.test(c);
}

/** The server's rule for one shape; null when valid, else the reason. */
export function validateShape(s: Shape): string | null {
  const n = s.points.length;
  const countOk =
    s.tool === 'pen' ? n >= 1 && n <= MAX_POINTS_PER_SHAPE : s.tool === 'text' ? n === 1 : n === 2;
  if (!countOk) return `a ${s.tool} shape cannot have ${n} points`;
  if (s.points.some((p) => !Number.isFinite(p.x) || !Number.isFinite(p.y) || Math.abs(p.x) > 4 || Math.abs(p.y) > 4)) {
    return 'shape points must be finite and near the frame';
  }
  if (!(Number.isFinite(s.width) && s.width > 0 && s.width <= 1)) return 'shape width must be in (0, 1]';
  if (!isHexColor(s.color)) return 'shape color must look like #rrggbb';
  if (s.tool === 'text') {
    const len = s.text ? [...s.text].length : 0;
    if (len < 1 || len > MAX_SHAPE_TEXT) return `a text shape needs 1..${MAX_SHAPE_TEXT} characters`;
  } else if (s.text != null) {
    return 'only text shapes carry text';
  }
  return null;
}

export function validateDrawing(d: Drawing): string | null {
  if (d.shapes.length > MAX_SHAPES) return `a drawing holds at most ${MAX_SHAPES} shapes`;
  for (const s of d.shapes) {
    const err = validateShape(s);
    if (err) return err;
  }
  return null;
}

/** Drops points closer than `minDist` to the previous one, keeping the last point. */
export function simplifyPath(points: Point[], minDist: number): Point[] {
  if (points.length <= 2) return points;
  const out = [points[0]];
  for (let i = 1; i < points.length - 1; i++) {
    const p = points[i];
    const q = out[out.length - 1];
    if (Math.hypot(p.x - q.x, p.y - q.y) >= minDist) out.push(p);
  }
  out.push(points[points.length - 1]);
  return out;
}

/** SVG path data of a shape in a `w`×`h` box (viewBox units). */
export function shapePath(s: Shape, w: number, h: number): string {
  const P = s.points.map((p) => ({ x: p.x * w, y: p.y * h }));
  const f = (v: number) => v.toFixed(1);
  switch (s.tool) {
    case 'pen':
      if (P.length === 1) return `M${f(P[0].x)} ${f(P[0].y)}h0.01`;
      return P.map((p, i) => `${i ? 'L' : 'M'}${f(p.x)} ${f(p.y)}`).join('');
    case 'line':
      return `M${f(P[0].x)} ${f(P[0].y)}L${f(P[1].x)} ${f(P[1].y)}`;
    case 'arrow': {
      const [a, b] = P;
      const ang = Math.atan2(b.y - a.y, b.x - a.x);
      const len = Math.hypot(b.x - a.x, b.y - a.y);
      const head = Math.min(len * 0.4, Math.max(10, s.width * h * 4));
      const l = { x: b.x - head * Math.cos(ang - 0.45), y: b.y - head * Math.sin(ang - 0.45) };
      const r = { x: b.x - head * Math.cos(ang + 0.45), y: b.y - head * Math.sin(ang + 0.45) };
      return `M${f(a.x)} ${f(a.y)}L${f(b.x)} ${f(b.y)}M${f(l.x)} ${f(l.y)}L${f(b.x)} ${f(b.y)}L${f(r.x)} ${f(r.y)}`;
    }
    case 'rect': {
      const [a, b] = P;
      return `M${f(a.x)} ${f(a.y)}H${f(b.x)}V${f(b.y)}H${f(a.x)}Z`;
    }
    case 'ellipse': {
      const [a, b] = P;
      const cx = (a.x + b.x) / 2;
      const cy = (a.y + b.y) / 2;
      const rx = Math.abs(b.x - a.x) / 2;
      const ry = Math.abs(b.y - a.y) / 2;
      return `M${f(cx - rx)} ${f(cy)}A${f(rx)} ${f(ry)} 0 1 0 ${f(cx + rx)} ${f(cy)}A${f(rx)} ${f(ry)} 0 1 0 ${f(cx - rx)} ${f(cy)}Z`;
    }
    case 'text':
      return '';
  }
}
