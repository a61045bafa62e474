import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { flushSync, mount, unmount } from 'svelte';
import { Connection } from '../../net/connection.svelte';
import { socketFactory } from '../../net/fake-socket';
import { collab, media, member } from '../../state/room-fixtures';
import { Room } from '../../state/room.svelte';
import { Session } from '../../state/session.svelte';
import SessionBar from './SessionBar.svelte';

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

describe('SessionBar', () => {
  it('lists the members shown, windowed, and counts the others with grouped thousands', () => {
    const f = socketFactory();
    const conn = new Connection({ url: 'ws://x', createSocket: f.create, random: () => 0 });
    conn.start();
    f.last.open();
    const room = new Room('m1', conn, null);
    const shown = Array.from({ length: 100 }, (_, i) => member(i + 1, `P${i + 1}`));
    f.last.push({
      type: 'room_joined', media, comments: [], comments_before: null, resync: false, members: [...shown, member(5000, 'Me')],
      member_count: 1335, collab, seq: 1, session_id: 5000, access: 'comment',
    });
    const session = new Session(room, conn);
    app = mount(SessionBar, { target: document.body, props: { room, session, oncopied: () => {} } });
    flushSync();
    const toggle = document.querySelector<HTMLButtonElement>('[data-testid=people-toggle]')!;
    expect(toggle.textContent).toBe('1,335 here');
    expect(document.querySelectorAll('.people li')).toHaveLength(8);
    toggle.click();
    flushSync();
    const names = [...document.querySelectorAll('[data-testid=people-list] [data-testid=person]')].map((n) => n.textContent);
    expect(names.length).toBeGreaterThan(0);
    expect(names.length).toBeLessThan(30); // windowed: not all 101 rows exist
    expect(names[0]).toBe('P1');
    expect(document.querySelector('[data-testid=people-others]')?.textContent).toBe('and 1,234 others');
    // A delta: one fewer shown, one more counted.
    f.last.push({ type: 'presence_delta', media_id: 'm1', changes: [{ type: 'member_left', session_id: 1 }], member_count: 1335 });
    flushSync();
    expect(document.querySelector('[data-testid=people-others]')?.textContent).toBe('and 1,235 others');
  });

  it('says nothing of others when everyone is listed', () => {
    const f = socketFactory();
    const conn = new Connection({ url: 'ws://x', createSocket: f.create, random: () => 0 });
    conn.start();
    f.last.open();
    const room = new Room('m1', conn, null);
    f.last.push({
      type: 'room_joined', media, comments: [], comments_before: null, resync: false, members: [member(1, 'Ann'), member(2, 'Me')],
      member_count: 2, collab, seq: 1, session_id: 2, access: 'comment',
    });
    app = mount(SessionBar, { target: document.body, props: { room, session: new Session(room, conn), oncopied: () => {} } });
    flushSync();
    document.querySelector<HTMLButtonElement>('[data-testid=people-toggle]')!.click();
    flushSync();
    expect([...document.querySelectorAll('[data-testid=person]')].map((n) => n.textContent)).toEqual(['Ann', 'Me']);
    expect(document.querySelector('[data-testid=people-others]')).toBeNull();
    expect(document.body.textContent).toContain('(you)');
  });
});
