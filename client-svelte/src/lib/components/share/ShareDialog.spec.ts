import { afterEach, describe, expect, it, vi } from 'vitest';
import { flushSync, mount, tick, unmount } from 'svelte';
import type { SharingApi } from '../../net/sharing';
import type { GuestLinkInfo, MediaInfo, Sharing } from '../../protocol/protocol';
import ShareDialog from './ShareDialog.svelte';

const media = { id: 'm1', title: 'Cut 3', owner_id: 'alice' } as MediaInfo;
const info = (id: number, over: Partial<GuestLinkInfo> = {}): GuestLinkInfo => ({
  id, label: 'Client', created_at: new Date().toISOString(), created_by: 'alice', expires_at: null, expired: false,
  last_used_at: null, uses: 2, has_password: true, can_comment: true, can_download: false, ...over,
});

function fakeApi() {
  let sharing: Sharing = { link_access: 'comment', users: [] };
  const api: SharingApi = {
    getSharing: vi.fn(async () => sharing),
    putSharing: vi.fn(async (_id: string, s: Sharing) => (sharing = { ...s, users: s.users.map((u) => ({ ...u, user_name: u.user_id === 'bob' ? 'Bob' : u.user_id })) })),
    knownUsers: vi.fn(async () => [{ id: 'alice', name: 'Alice' }, { id: 'bob', name: 'Bob' }]),
    guestLinks: vi.fn(async () => [info(1)]),
    createGuestLink: vi.fn(async () => ({ id: 2, token: 'tok', url: '/r/tok', link: info(2, { label: null, has_password: false }) })),
    revokeGuestLink: vi.fn(async () => undefined),
    getStatus: vi.fn(),
    putStatus: vi.fn(),
    sharedWithMe: vi.fn(),
  };
  return api;
}

let app: ReturnType<typeof mount> | null = null;
afterEach(() => {
  if (app) unmount(app);
  app = null;
  document.body.innerHTML = '';
});

const $ = <T extends Element = HTMLElement>(sel: string) => document.querySelector<T>(sel)!;
const button = (text: RegExp) => [...document.querySelectorAll('button')].find((b) => text.test(b.textContent ?? ''))!;

async function settle() {
  for (let i = 0; i < 5; i++) {
    await tick();
    await Promise.resolve();
  }
  flushSync();
}

async function open(api = fakeApi(), onclose = vi.fn()) {
  app = mount(ShareDialog, { target: document.body, props: { media, api, onclose } });
  await settle();
  return { api, onclose };
}

describe('ShareDialog', () => {
  it('adds a person picked from the known users (never the owner) and saves', async () => {
    const { api } = await open();
    const search = $<HTMLInputElement>('[data-testid=share-user-search]');
    search.value = 'o';
    search.dispatchEvent(new Event('input', { bubbles: true }));
    flushSync();
    const offered = [...document.querySelectorAll<HTMLElement>('[data-testid=share-candidate]')].map((b) => b.dataset.userId);
    expect(offered).toEqual(['bob']);
    $('[data-testid=share-candidate]').click();
    flushSync();
    expect($('[data-testid=share-user]').dataset.userId).toBe('bob');
    const access = $<HTMLSelectElement>('[data-testid=share-link-access]');
    access.value = 'off';
    access.dispatchEvent(new Event('change', { bubbles: true }));
    flushSync();
    $<HTMLButtonElement>('[data-testid=share-save]').click();
    await settle();
    expect(api.putSharing).toHaveBeenCalledWith('m1', { link_access: 'off', users: [{ user_id: 'bob', user_name: 'Bob', role: 'commenter' }] });
    expect($('[data-testid=share-saved]').textContent).toBe('Saved');
  });

  it('lists guest links, makes one whose address shows once, and revokes', async () => {
    const { api } = await open();
    const row = $('[data-testid=guest-link]');
    expect(row.textContent).toMatch(/Client/);
    expect(row.textContent).toMatch(/can comment · password/);
    expect(row.textContent).toMatch(/never expires/);
    expect(row.textContent).toMatch(/2 uses/);
    $<HTMLButtonElement>('[data-testid=guest-create]').click();
    await settle();
    expect(api.createGuestLink).toHaveBeenCalledWith('m1', { can_comment: true, can_download: false });
    expect($<HTMLInputElement>('[data-testid=guest-url]').value).toBe(`${location.origin}/r/tok`);
    const made = document.querySelector<HTMLElement>('[data-testid=guest-link][data-link-id="2"]')!;
    made.querySelector<HTMLButtonElement>('[data-testid=guest-revoke]')!.click();
    flushSync();
    made.querySelector<HTMLButtonElement>('[data-testid=guest-revoke-confirm]')!.click();
    await settle();
    expect(api.revokeGuestLink).toHaveBeenCalledWith('m1', 2);
    expect(document.querySelector('[data-testid=guest-link][data-link-id="2"]')).toBeNull();
    expect(document.querySelector('[data-testid=guest-url]')).toBeNull();
  });

  it('closes on Escape without letting the key reach the page', async () => {
    const { onclose } = await open();
    const page = vi.fn();
    window.addEventListener('keydown', page);
    $('[data-testid=share-dialog]').dispatchEvent(new KeyboardEvent('keydown', { key: 'Escape', bubbles: true }));
    window.removeEventListener('keydown', page);
    expect(onclose).toHaveBeenCalled();
    expect(page).not.toHaveBeenCalled();
    expect(button(/^Save$/).disabled).toBe(true);
  });
});
