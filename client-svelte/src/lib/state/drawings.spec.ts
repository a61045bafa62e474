import { afterEach, describe, expect, it, vi } from 'vitest';
import { guestDrawingUrl } from '../net/guest';
import type { Drawing } from '../protocol/protocol';
import { Drawings, drawingKey } from './drawings.svelte';
import { comment } from './room-fixtures';

const arrow: Drawing = { shapes: [{ tool: 'arrow', points: [{ x: 0.1, y: 0.1 }, { x: 0.5, y: 0.5 }], color: '#ff0000', width: 0.01, text: null }] };
const URL7 = '/api/media/m1/comments/7/drawing';

afterEach(() => vi.unstubAllGlobals());

describe('Drawings', () => {
  it('fetches a drawing by reference once, and caches it by comment and edit', async () => {
    const fetch = vi.fn(async (_url: string) => arrow);
    const d = new Drawings(fetch);
    const c = comment(7, 10, { drawing_url: URL7 });
    expect([d.has(c), d.stateOf(c), d.of(c)]).toEqual([true, 'none', null]);
    d.need(c);
    d.need(c); // on its way: not twice
    expect(d.stateOf(c)).toBe('loading');
    await vi.waitFor(() => expect(d.stateOf(c)).toBe('ready'));
    expect(d.of(c)).toEqual(arrow);
    d.need(c);
    expect(fetch.mock.calls.map(([u]) => u)).toEqual([URL7]);
    // Edited: a new drawing, fetched again; the old version goes.
    const edited = { ...c, edited_at: '2026-12-02T10:00:00Z' };
    expect(d.of(edited)).toBeNull();
    await d.load(edited);
    expect(fetch).toHaveBeenCalledTimes(2);
    expect(drawingKey(edited)).toBe('7@2026-12-02T10:00:00Z');
  });

  it('leaves inline drawings and comments without one alone', async () => {
    const fetch = vi.fn(async () => arrow);
    const d = new Drawings(fetch);
    const inline = comment(1, 1, { drawing: arrow });
    d.need(inline);
    d.need(comment(2, 1));
    expect(d.of(inline)).toBe(arrow);
    expect(d.stateOf(comment(2, 1))).toBe('none');
    expect(d.has(comment(2, 1))).toBe(false);
    expect(fetch).not.toHaveBeenCalled();
  });

  it('says a failed fetch failed, and tries again the next time it is needed', async () => {
    let fail = true;
    const fetch = vi.fn(async () => {
      if (fail) throw new Error('502');
      return arrow;
    });
    const d = new Drawings(fetch);
    const c = comment(7, 10, { drawing_url: URL7 });
    expect(await d.load(c)).toBeNull();
    expect(d.stateOf(c)).toBe('failed');
    fail = false;
    d.need(c);
    await vi.waitFor(() => expect(d.of(c)).toEqual(arrow));
    expect(fetch).toHaveBeenCalledTimes(2);
  });

  it('fetches same-origin JSON by default, from the guest route for a guest', async () => {
    const fetch = vi.fn(async () => new Response(JSON.stringify(arrow), { status: 200, headers: { 'Content-Type': 'application/json' } }));
    vi.stubGlobal('fetch', fetch);
    const d = new Drawings(undefined, guestDrawingUrl);
    expect(await d.load(comment(7, 1, { drawing_url: URL7 }))).toEqual(arrow);
    expect(fetch).toHaveBeenCalledWith('/api/guest/comments/7/drawing', expect.objectContaining({ credentials: 'same-origin' }));
  });

  it('maps only the signed-in drawing route for guests', () => {
    expect(guestDrawingUrl('/api/media/AbC_12/comments/42/drawing')).toBe('/api/guest/comments/42/drawing');
    expect(guestDrawingUrl('/api/guest/comments/42/drawing')).toBe('/api/guest/comments/42/drawing');
    expect(guestDrawingUrl('/api/media/x/comments/abc/drawing')).toBe('/api/media/x/comments/abc/drawing');
  });
});
