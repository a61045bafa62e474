import { afterEach, describe, expect, it, vi } from 'vitest';
import { Connection } from '../net/connection.svelte';
import { socketFactory } from '../net/fake-socket';
import type { MediaInfo, OrganizerAction, ServerMsg } from '../protocol/protocol';
import { OrganizerPage, normalizePath } from './organizer.svelte';

type View = Extract<ServerMsg, { type: 'organizer_page_view' }>;

const media = (id: string): MediaInfo => ({ id, title: id, created_at: '2026-01-01', status: 'ready' }) as MediaInfo;
const act = (command: string, scope: OrganizerAction['scope'], prompt: string[] = [], args: Record<string, unknown> = {}): OrganizerAction => ({
  command,
  label: command,
  scope,
  args,
  prompt,
});

function view(path: string, over: Partial<View> = {}): View {
  return {
    type: 'organizer_page_view',
    path,
    title: path === '/' ? 'My media' : 'Shots',
    breadcrumbs: [{ label: 'My media', path: '/' }, ...(path === '/' ? [] : [{ label: 'Shots', path }])],
    folders: path === '/' ? [{ id: '1', name: 'Shots', path: '/f/1', item_count: 0 }] : [],
    media: [media('m1')],
    actions: [
      act('create_folder', 'page', ['name'], { owner: 'alice', parent: null }),
      act('rename_folder', 'folder', ['name'], { owner: 'alice' }),
      act('move_media', 'media', ['folder'], { owner: 'alice' }),
    ],
    plugin: 'basic_folders',
    ...over,
  };
}

function setup() {
  const f = socketFactory();
  const conn = new Connection({ url: 'ws://x', createSocket: f.create });
  const org = new OrganizerPage(conn, { reloadDelay: 10 });
  conn.start();
  f.last.open();
  return { f, org };
}

const flush = () => new Promise((r) => setTimeout(r, 0));

afterEach(() => vi.useRealTimers());

describe('OrganizerPage', () => {
  it('loads the top page when connected and knows whether a plugin runs', () => {
    const { f, org } = setup();
    expect(f.last.sentOf('organizer_page')).toEqual([{ type: 'organizer_page', path: '/' }]);
    expect(org.loading).toBe(true);
    f.last.push({ ...view('/'), plugin: null, folders: [], actions: [] });
    expect(org.active).toBe(false);
    expect(org.loading).toBe(false);
    f.last.push(view('/'));
    expect(org.active).toBe(true);
    expect(org.view?.folders.map((x) => x.name)).toEqual(['Shots']);
    expect(org.pageActions.map((a) => a.command)).toEqual(['create_folder']);
    expect(org.moveAction?.command).toBe('move_media');
  });

  it('opens pages, keeps breadcrumbs, and shows only the latest answer', () => {
    const { f, org } = setup();
    f.last.push(view('/'));
    org.open('/f/1');
    org.open('/f/1'); // already asked for
    org.open('');
    expect(f.last.sentOf('organizer_page').map((m) => m.path)).toEqual(['/', '/f/1', '/']);
    f.last.push(view('/f/1')); // stale: an answer to a later request is still coming
    expect(org.view?.path).toBe('/');
    f.last.push(view('/'));
    expect(org.path).toBe('/');
    org.open('/f/1');
    f.last.push(view('/f/1'));
    expect(org.view?.title).toBe('Shots');
    expect(org.view?.breadcrumbs.map((c) => c.path)).toEqual(['/', '/f/1']);
    expect(normalizePath('')).toBe('/');
  });

  it('takes the canonical path of the answer', () => {
    const { f, org } = setup();
    f.last.push(view('/'));
    org.open('/f/99'); // a folder deleted elsewhere: the plugin shows the top
    f.last.push(view('/'));
    expect(org.path).toBe('/');
  });

  it('asks for prompts, sends args with the target, and reloads on refresh', async () => {
    const { f, org } = setup();
    f.last.push(view('/'));
    const create = org.run(org.pageActions[0]);
    await flush();
    expect(org.prompt?.names).toEqual(['name']);
    org.answer({ name: 'Day 1' });
    await flush();
    const [sent] = f.last.sentOf('organizer_command');
    expect(sent).toMatchObject({ name: 'create_folder', args: { owner: 'alice', parent: null, name: 'Day 1' }, path: '/' });
    expect(org.busy).toBe(1);
    f.last.push({ type: 'organizer_command_result', name: 'create_folder', client_ref: sent.client_ref, result: { id: '2' }, refresh: true });
    await expect(create).resolves.toEqual({ id: '2' });
    expect(org.busy).toBe(0);
    expect(f.last.sentOf('organizer_page')).toHaveLength(2);

    // A folder action gets the folder's id and suggests its current name.
    const rename = org.run(org.folderActions[0], { folder: '1' });
    await flush();
    expect(org.prompt?.initial).toEqual({ name: 'Shots' });
    org.answer({ name: 'Plates' });
    await flush();
    expect(f.last.sentOf('organizer_command')[1].args).toEqual({ owner: 'alice', folder: '1', name: 'Plates' });
    f.last.push({ type: 'organizer_command_result', name: 'rename_folder', client_ref: f.last.sentOf('organizer_command')[1].client_ref, result: null, refresh: false });
    await rename;

    // Cancelling a prompt sends nothing.
    const cancelled = org.run(org.pageActions[0]);
    await flush();
    org.answer(null);
    await expect(cancelled).resolves.toBeNull();
    expect(f.last.sentOf('organizer_command')).toHaveLength(2);
  });

  it('moves media into a folder with the move action, no prompt asked', async () => {
    const { f, org } = setup();
    f.last.push(view('/'));
    const moved = org.moveMedia('m1', '1');
    await flush();
    expect(org.prompt).toBeNull();
    const [sent] = f.last.sentOf('organizer_command');
    expect(sent).toMatchObject({ name: 'move_media', args: { owner: 'alice', media: 'm1', folder: '1' } });
    f.last.push({ type: 'organizer_command_result', name: 'move_media', client_ref: sent.client_ref, result: { moved: 1 }, refresh: true });
    await expect(moved).resolves.toEqual({ moved: 1 });
  });

  it('reloads the page when the server pushes organizer_refresh or new media arrives', () => {
    vi.useFakeTimers();
    const { f, org } = setup();
    f.last.push(view('/'));
    org.open('/f/1');
    f.last.push(view('/f/1'));
    f.last.push({ type: 'organizer_refresh' });
    expect(f.last.sentOf('organizer_page').at(-1)?.path).toBe('/f/1');
    expect(f.last.sentOf('organizer_page')).toHaveLength(3);
    f.last.push(view('/f/1'));
    f.last.push({ type: 'media_updated', media: media('m1') }); // on the page already
    f.last.push({ type: 'media_updated', media: media('new') });
    f.last.push({ type: 'media_updated', media: media('new2') });
    vi.advanceTimersByTime(20);
    expect(f.last.sentOf('organizer_page')).toHaveLength(4);
  });

  it('shows errors of pages and commands', async () => {
    const { f, org } = setup();
    f.last.push(view('/'));
    const failing = org.run(org.pageActions[0], {}, { name: ' ' });
    const ref = f.last.sentOf('organizer_command')[0].client_ref ?? undefined;
    f.last.push({ type: 'error', code: 'bad_message', message: 'a folder name has 1 to 120 characters', request: 'organizer_command', client_ref: ref });
    await expect(failing).rejects.toThrow('a folder name has 1 to 120 characters');
    expect(org.error).toBe('a folder name has 1 to 120 characters');
    expect(org.busy).toBe(0);
    org.dismissError();
    org.open('/f/1');
    f.last.push({ type: 'error', code: 'internal', message: 'plugin timed out', request: 'organizer_page' });
    expect(org.error).toBe('plugin timed out');
    expect(org.loading).toBe(false);
    // Errors of other requests are not ours.
    f.last.push({ type: 'error', code: 'not_found', message: 'no such media', request: 'rename_media' });
    expect(org.error).toBe('plugin timed out');
  });

  it('fails commands in flight when the connection drops', async () => {
    const { f, org } = setup();
    f.last.push(view('/'));
    const p = org.moveMedia('m1', '1');
    f.last.close(4000, 'gone');
    await expect(p).rejects.toThrow(/connection dropped/);
  });
});
