import { afterEach, describe, expect, it, vi } from 'vitest';
import { flushSync, mount, tick, unmount } from 'svelte';
import type { MediaInfo, ReviewStatus, StatusView } from '../../protocol/protocol';
import { StatusTrail } from '../../state/review-status.svelte';
import StatusPicker from './StatusPicker.svelte';

function trail() {
  let view: StatusView = { status: 'needs_review', history: [] };
  const api = {
    getStatus: vi.fn(async () => view),
    putStatus: vi.fn(async (_id: string, status: ReviewStatus) => {
      view = { status, history: [{ status, user_id: 'bob', user_name: 'Bob', at: new Date().toISOString() }, ...view.history] };
      return view;
    }),
  };
  const room = { mediaId: 'm1', media: { id: 'm1', review_status: 'needs_review' } as MediaInfo, whenEvent: () => undefined };
  return { t: new StatusTrail(room, api), api };
}

let app: ReturnType<typeof mount> | null = null;
afterEach(() => {
  if (app) unmount(app);
  app = null;
  document.body.innerHTML = '';
});

async function settle() {
  for (let i = 0; i < 4; i++) await tick();
  flushSync();
}
const $ = (sel: string) => document.querySelector<HTMLElement>(sel);

describe('StatusPicker', () => {
  it('sets a status from the menu and shows who set it', async () => {
    const { t, api } = trail();
    app = mount(StatusPicker, { target: document.body, props: { trail: t, canSet: true } });
    flushSync();
    expect($('[data-testid=status-picker]')?.dataset.status).toBe('needs_review');
    $('[data-testid=status-picker]')!.click();
    await settle();
    expect(api.getStatus).toHaveBeenCalledOnce();
    $('[data-testid=status-option][data-status=approved]')!.click();
    await settle();
    expect(api.putStatus).toHaveBeenCalledWith('m1', 'approved');
    expect($('[data-testid=status-menu]')).toBeNull();
    expect($('[data-testid=status-picker]')?.dataset.status).toBe('approved');
    $('[data-testid=status-picker]')!.click();
    await settle();
    expect($('[data-testid=status-history]')?.textContent).toMatch(/Approved\s+by Bob/);
  });

  it('gives viewers the history only, and closes on Escape', async () => {
    const { t } = trail();
    app = mount(StatusPicker, { target: document.body, props: { trail: t, canSet: false } });
    flushSync();
    expect($('[data-testid=status-picker]')).toBeNull();
    $('[data-testid=status-readonly]')!.click();
    await settle();
    expect($('[data-testid=status-option]')).toBeNull();
    expect($('[data-testid=status-menu]')?.textContent).toMatch(/No change yet/);
    window.dispatchEvent(new KeyboardEvent('keydown', { key: 'Escape' }));
    flushSync();
    expect($('[data-testid=status-menu]')).toBeNull();
  });
});
