import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { flushSync, mount, unmount } from 'svelte';
import VirtualListHarness from './VirtualListHarness.test.svelte';

beforeAll(() => {
  // jsdom has no layout engine: no ResizeObserver, and every box measures 0.
  globalThis.ResizeObserver ??= class {
    observe() {}
    unobserve() {}
    disconnect() {}
  } as unknown as typeof ResizeObserver;
});

let app: ReturnType<typeof mount> | null = null;
afterEach(() => {
  if (app) unmount(app);
  app = null;
  document.body.innerHTML = '';
});

describe('VirtualList', () => {
  it('renders only the rows near the viewport of a long list', () => {
    const items = Array.from({ length: 2000 }, (_, i) => ({ id: i, text: `row ${i}` }));
    app = mount(VirtualListHarness, { target: document.body, props: { items } });
    flushSync();
    const rows = document.querySelectorAll('[role=listitem]');
    expect(rows.length).toBeGreaterThan(0);
    expect(rows.length).toBeLessThan(30);
    expect(rows[0].textContent).toBe('row 0');
    // The canvas is as tall as all rows at their estimated height.
    const canvas = document.querySelector('.canvas') as HTMLElement;
    expect(canvas.style.height).toBe(`${2000 * 50}px`);
  });

  it('shows the empty state', () => {
    app = mount(VirtualListHarness, { target: document.body, props: { items: [] } });
    flushSync();
    expect(document.body.textContent).toContain('nothing here');
  });
});
