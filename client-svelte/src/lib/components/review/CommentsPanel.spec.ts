import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { flushSync, mount, unmount } from 'svelte';
import { DrawingModel } from '../../draw/drawing.svelte';
import { Connection } from '../../net/connection.svelte';
import { socketFactory } from '../../net/fake-socket';
import { Drawings } from '../../state/drawings.svelte';
import { Player } from '../../state/player.svelte';
import { collab, comment, media, member } from '../../state/room-fixtures';
import { RESYNCED, Room } from '../../state/room.svelte';
import CommentsPanel from './CommentsPanel.svelte';

beforeAll(() => {
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

describe('CommentsPanel', () => {
  function setup() {
    const f = socketFactory();
    const conn = new Connection({ url: 'ws://x', createSocket: f.create, random: () => 0 });
    conn.start();
    f.last.open();
    const room = new Room('m1', conn, null);
    const props = { room, player: new Player(), drawing: new DrawingModel(), drawings: new Drawings(), userId: 'alice', selectedId: null, onselect: () => {}, onsent: () => {} };
    return { f, room, props };
  }

  it('offers older notes while some remain, one request at a time', () => {
    const { f, room, props } = setup();
    f.last.push({
      type: 'room_joined', media, comments: [comment(20, 1), comment(19, 2)], comments_before: 19, resync: false,
      members: [member(9, 'Me')], member_count: 1, collab, seq: 1, session_id: 9, access: 'comment',
    });
    app = mount(CommentsPanel, { target: document.body, props });
    flushSync();
    const panel = document.querySelector<HTMLElement>('[data-testid=comments-panel]')!;
    expect([panel.dataset.loaded, panel.dataset.more]).toEqual(['2', 'true']);
    expect(document.querySelector('[data-testid=open-count]')?.textContent).toBe('2+ open');
    const button = () => document.querySelector<HTMLButtonElement>('[data-testid=load-older]');
    button()!.click();
    flushSync();
    expect(button()!.disabled).toBe(true);
    expect(button()!.textContent).toBe('Loading older notes…');
    button()!.click();
    expect(f.last.sentOf('load_comments')).toEqual([{ type: 'load_comments', media_id: 'm1', before: 19 }]);
    f.last.push({ type: 'comments_page', media_id: 'm1', comments: [comment(3, 5)], before: null });
    flushSync();
    expect(panel.dataset.loaded).toBe('3');
    expect(button()).toBeNull();
    expect(document.querySelector('[data-testid=open-count]')?.textContent).toBe('3 open');
    expect(room.loadingOlder).toBe(false);
  });

  it('says briefly that the notes were reloaded after a long absence', () => {
    const { f, props } = setup();
    f.last.push({
      type: 'room_joined', media, comments: [comment(20, 1)], comments_before: null, resync: true,
      members: [member(9, 'Me')], member_count: 1, collab, seq: 50, session_id: 9, access: 'comment',
    });
    app = mount(CommentsPanel, { target: document.body, props });
    flushSync();
    expect(document.querySelector('[data-testid=room-notice]')?.textContent).toBe(RESYNCED);
  });
});
