import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { Toasts } from './toasts.svelte';

describe('Toasts', () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  it('shows, folds duplicates and expires', () => {
    const t = new Toasts();
    t.show('Saved');
    t.show('Saved');
    t.error('Upload failed: disk full');
    expect(t.items.map((i) => i.kind)).toEqual(['info', 'error']);
    vi.advanceTimersByTime(4000);
    expect(t.items.map((i) => i.text)).toEqual(['Upload failed: disk full']);
    t.dismiss(t.items[0].id);
    expect(t.items).toHaveLength(0);
  });
});
