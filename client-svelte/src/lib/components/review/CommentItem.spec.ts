import { afterEach, describe, expect, it, vi } from 'vitest';
import { flushSync, mount, unmount } from 'svelte';
import type { Comment } from '../../protocol/protocol';
import CommentItem from './CommentItem.svelte';

const note = (extra: Partial<Comment> = {}): Comment => ({
  id: 5, media_id: 'm1', parent_id: null, user_id: 'guest:3', user_name: 'Carla', text: 'The horizon tilts', frame: 40,
  end_frame: null, drawing: null, created_at: new Date().toISOString(), edited_at: null, deleted: false, guest: true,
  resolved_by: null, resolved_by_name: null, resolved_at: null, ...extra,
});

let app: ReturnType<typeof mount> | null = null;
afterEach(() => {
  if (app) unmount(app);
  app = null;
  document.body.innerHTML = '';
});

function show(props: Partial<Parameters<typeof CommentItem>[1]> & { comment: Comment }) {
  const calls = { resolve: vi.fn(), select: vi.fn() };
  app = mount(CommentItem, {
    target: document.body,
    props: { fps: { num: 25, den: 1 }, mine: false, selected: false, onselect: calls.select, onedit: vi.fn(), ondelete: vi.fn(), onresolve: calls.resolve, ...props },
  });
  flushSync();
  const el = document.querySelector<HTMLElement>('[data-testid=comment]')!;
  const box = el.querySelector<HTMLInputElement>('[data-testid=resolve-toggle]');
  return { el, box, calls };
}

describe('CommentItem', () => {
  it('marks a guest, and resolves a note with its checkbox', () => {
    const { el, box, calls } = show({ comment: note(), onreply: vi.fn() });
    expect(el.dataset.guest).toBe('true');
    expect(el.querySelector('[data-testid=guest-mark]')?.textContent).toBe('guest');
    expect(box?.checked).toBe(false);
    box!.click();
    expect(calls.resolve).toHaveBeenCalledWith(expect.objectContaining({ id: 5 }), true);
  });

  it('shows a resolved note struck through, and who resolved it', () => {
    const { el, box } = show({ comment: note({ resolved_by: 'alice', resolved_by_name: 'Alice', resolved_at: new Date().toISOString() }), resolved: true });
    expect(el.classList.contains('resolved')).toBe(true);
    expect(el.dataset.resolved).toBe('true');
    expect(box?.checked).toBe(true);
    expect(el.querySelector('[data-testid=resolved-by]')?.textContent).toMatch(/Resolved by Alice · just now/);
  });

  it('gives a viewer no actions and a checkbox to read only', () => {
    const { el, box } = show({ comment: note(), canComment: false, mine: true, onreply: vi.fn() });
    expect(box?.disabled).toBe(true);
    expect([...el.querySelectorAll('button')].map((b) => b.textContent)).not.toContain('Reply');
    expect([...el.querySelectorAll('button')].map((b) => b.textContent)).not.toContain('Edit');
  });

  it('has no checkbox on a reply', () => {
    const { box } = show({ comment: note({ parent_id: 1 }), isReply: true, onresolve: undefined });
    expect(box).toBeNull();
  });

  it('links its still for download, for viewers too', () => {
    const url = '/api/media/m1/comments/5/still.png';
    const { el } = show({ comment: note(), canComment: false, stillUrl: url });
    const a = el.querySelector<HTMLAnchorElement>('[data-testid=comment-still]');
    expect(a?.getAttribute('href')).toBe(url);
    expect(a?.hasAttribute('download')).toBe(true);
    expect([...el.querySelectorAll('button')].map((b) => b.textContent)).not.toContain('Edit');
  });
});
