import { afterEach, describe, expect, it, vi } from 'vitest';
import { flushSync, mount, unmount } from 'svelte';
import { quotaApi, type UnfinishedUpload } from '../../net/quota';
import { AdminUploads } from '../../state/admin.svelte';
import UploadsInProgress from './UploadsInProgress.svelte';

const BOB: UnfinishedUpload = {
  id: '0f3c'.padEnd(32, '1'),
  kind: 'tus',
  owner_id: 'bob',
  filename: 'cut.mov',
  length: 1048576,
  written: 524288,
  started_at: '2026-12-02T06:00:00+00:00',
  updated_at: '2026-12-02T06:00:05+00:00',
};
const CAROL: UnfinishedUpload = { ...BOB, id: 'c'.repeat(32), kind: 'post', owner_id: 'carol', filename: 'raw.mxf', length: null, written: 2048 };

type Handler = (init: RequestInit) => Response;

/** A fetch answering by `METHOD path`; every request is remembered. */
function stubServer(routes: Record<string, Handler>) {
  const calls: string[] = [];
  vi.stubGlobal(
    'fetch',
    vi.fn(async (url: string, init: RequestInit = {}) => {
      const key = `${init.method ?? 'GET'} ${url}`;
      calls.push(key);
      const h = routes[key];
      return h ? h(init) : new Response(JSON.stringify({ error: 'not_found', message: 'no such route' }), { status: 404 });
    }),
  );
  return calls;
}
const ok = (body: unknown) => new Response(JSON.stringify(body), { status: 200, headers: { 'Content-Type': 'application/json' } });

let app: ReturnType<typeof mount> | null = null;
afterEach(() => {
  if (app) unmount(app);
  app = null;
  document.body.innerHTML = '';
  vi.unstubAllGlobals();
});

async function show(): Promise<AdminUploads> {
  const uploads = new AdminUploads(quotaApi);
  app = mount(UploadsInProgress, { target: document.body, props: { uploads } });
  await uploads.refresh();
  flushSync();
  return uploads;
}

const rows = () => [...document.querySelectorAll<HTMLElement>('[data-testid=admin-upload-row]')];
const row = (owner: string) => rows().find((r) => r.dataset.owner === owner)!;
const button = (root: ParentNode, text: RegExp) => [...root.querySelectorAll('button')].find((b) => text.test(b.textContent ?? ''))!;

describe('Uploads in progress', () => {
  it('lists every unfinished upload with its owner, file and progress', async () => {
    stubServer({ 'GET /api/admin/uploads': () => ok({ uploads: [BOB, CAROL] }) });
    await show();
    expect(rows()).toHaveLength(2);
    const bob = row('bob');
    expect(bob.textContent).toContain('cut.mov');
    expect(bob.textContent).toContain('512 KiB of 1 MiB (50%)');
    expect(bob.querySelector('[role=progressbar]')?.getAttribute('aria-valuenow')).toBe('50');
    const carol = row('carol');
    expect(carol.textContent).toContain('2 KiB (length not declared)');
    expect(carol.querySelector('[role=progressbar]')?.hasAttribute('aria-valuenow')).toBe(false);
    expect(document.querySelector('h2')?.textContent).toContain('2');
  });

  it('says when there is none, and refreshes on demand', async () => {
    let list: UnfinishedUpload[] = [];
    const calls = stubServer({ 'GET /api/admin/uploads': () => ok({ uploads: list }) });
    await show();
    expect(document.querySelector('[data-testid=admin-uploads-empty]')).not.toBeNull();
    list = [BOB];
    (document.querySelector('[data-testid=admin-uploads-refresh]') as HTMLButtonElement).click();
    await vi.waitFor(() => {
      flushSync();
      expect(rows()).toHaveLength(1);
    });
    expect(calls).toEqual(['GET /api/admin/uploads', 'GET /api/admin/uploads']);
  });

  it('cancels after a confirmation: DELETE, then the row goes', async () => {
    const calls = stubServer({
      'GET /api/admin/uploads': () => ok({ uploads: [BOB, CAROL] }),
      [`DELETE /api/admin/uploads/${BOB.id}`]: () => new Response(null, { status: 204 }),
    });
    await show();
    button(row('bob'), /Cancel…/).click();
    flushSync();
    const dialog = row('bob').querySelector('[role=alertdialog]')!;
    expect(dialog.textContent).toContain('bob');
    // "Keep" changes its mind: nothing is sent.
    button(dialog, /Keep/).click();
    flushSync();
    expect(row('bob').querySelector('[role=alertdialog]')).toBeNull();
    expect(calls.filter((c) => c.startsWith('DELETE'))).toEqual([]);

    button(row('bob'), /Cancel…/).click();
    flushSync();
    button(row('bob'), /Cancel upload/).click();
    await vi.waitFor(() => {
      flushSync();
      expect(rows().map((r) => r.dataset.owner)).toEqual(['carol']);
    });
    expect(calls).toContain(`DELETE /api/admin/uploads/${BOB.id}`);
  });

  it('shows the server’s message when the cancel is refused', async () => {
    stubServer({
      'GET /api/admin/uploads': () => ok({ uploads: [BOB] }),
      [`DELETE /api/admin/uploads/${BOB.id}`]: () =>
        new Response(JSON.stringify({ error: 'internal', message: 'could not remove the partial file' }), { status: 500 }),
    });
    await show();
    button(row('bob'), /Cancel…/).click();
    flushSync();
    button(row('bob'), /Cancel upload/).click();
    await vi.waitFor(() => {
      flushSync();
      expect(row('bob').querySelector('[role=alert]')?.textContent).toBe('could not remove the partial file');
    });
    expect(rows()).toHaveLength(1);
  });

  it('drops an upload that ended meanwhile, with the server’s word', async () => {
    stubServer({
      'GET /api/admin/uploads': () => ok({ uploads: [BOB] }),
      [`DELETE /api/admin/uploads/${BOB.id}`]: () =>
        new Response(JSON.stringify({ error: 'not_found', message: 'no such unfinished upload' }), { status: 404 }),
    });
    await show();
    button(row('bob'), /Cancel…/).click();
    flushSync();
    button(row('bob'), /Cancel upload/).click();
    await vi.waitFor(() => {
      flushSync();
      expect(document.querySelector('[data-testid=admin-uploads-notice]')?.textContent).toContain('cut.mov: no such unfinished upload');
    });
    expect(rows()).toHaveLength(0);
  });

  it('shows why the list could not be had', async () => {
    stubServer({
      'GET /api/admin/uploads': () => new Response(JSON.stringify({ error: 'forbidden', message: 'admins only' }), { status: 403 }),
    });
    await show();
    expect(document.querySelector('[data-testid=admin-uploads-error]')?.textContent).toContain('admins only');
  });
});
