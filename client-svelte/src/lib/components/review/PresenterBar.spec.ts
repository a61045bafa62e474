import { afterEach, describe, expect, it } from 'vitest';
import { flushSync, mount, unmount } from 'svelte';
import { Connection } from '../../net/connection.svelte';
import { socketFactory } from '../../net/fake-socket';
import type { CollabState } from '../../protocol/protocol';
import { Presenter } from '../../state/presenter.svelte';
import { collab, media, member } from '../../state/room-fixtures';
import { Room } from '../../state/room.svelte';
import { Session } from '../../state/session.svelte';
import PresenterBar from './PresenterBar.svelte';
import SessionBar from './SessionBar.svelte';

let apps: ReturnType<typeof mount>[] = [];
afterEach(() => {
  apps.forEach((a) => unmount(a));
  apps = [];
  document.body.innerHTML = '';
});

/** The bars of session `me` in a live session Ann (1) leads with Ben (2). */
function setup(me: number, state: Partial<CollabState> = {}) {
  const f = socketFactory();
  const conn = new Connection({ url: 'ws://x', createSocket: f.create, random: () => 0 });
  conn.start();
  f.last.open();
  const room = new Room('m1', conn, null);
  f.last.push({
    type: 'room_joined', media, comments: [], comments_before: null, resync: false,
    members: [member(1, 'Ann', { in_session: true, leader: true }), member(2, 'Ben', { in_session: true })],
    member_count: 2, collab: { ...collab, active: true, leader: 1, ...state }, seq: 1, session_id: me, access: 'comment',
  });
  const session = new Session(room, conn);
  const presenter = new Presenter(room, conn, () => {});
  const cleared: boolean[] = [];
  apps.push(mount(SessionBar, { target: document.body, props: { room, session, oncopied: () => {} } }));
  apps.push(mount(PresenterBar, { target: document.body, props: { session, presenter, canTakeOver: false, onclearink: (all: boolean) => cleared.push(all) } }));
  flushSync();
  const q = (id: string) => document.querySelector<HTMLElement>(`[data-testid=${id}]`);
  return { f, q, cleared };
}

describe('PresenterBar', () => {
  it('gives the leader the lock, Clear all, and the raised hands to answer', () => {
    const { f, q, cleared } = setup(1, { locked: true });
    expect(q('session-role')?.textContent).toBe('Presenter: you · locked');
    expect(q('session-lock')?.getAttribute('aria-pressed')).toBe('true');
    expect(q('raise-hand')).toBeNull();
    f.last.push({ type: 'lead_requested', media_id: 'm1', session_id: 2, user: { id: 'ben', name: 'Ben', is_admin: false } });
    flushSync();
    expect(q('lead-request')?.textContent).toContain('Ben raised a hand');
    q('lead-grant')!.click();
    flushSync();
    expect(f.last.sentOf('grant_lead')).toEqual([{ type: 'grant_lead', media_id: 'm1', session_id: 2 }]);
    expect(q('lead-request')).toBeNull();
    q('clear-all-ink')!.click();
    q('clear-my-ink')!.click();
    expect(cleared).toEqual([true, false]);
  });

  it('shows a follower the presenter and the lock, a hand to raise, and free look', () => {
    const { f, q } = setup(2, { locked: true, frame: 30 });
    expect(q('session-role')?.textContent).toBe('Presenter: Ann · locked');
    expect(document.body.textContent).not.toContain('Take control');
    expect(q('clear-all-ink')).toBeNull();
    q('raise-hand')!.click();
    flushSync();
    expect(f.last.sentOf('request_lead')).toHaveLength(1);
    expect([q('raise-hand')?.textContent, (q('raise-hand') as HTMLButtonElement).disabled]).toEqual(['Hand raised…', true]);
    q('free-look-start')!.click();
    flushSync();
    expect(q('free-look')?.textContent).toContain('Free look');
    q('rejoin')!.click();
    flushSync();
    expect(q('free-look')).toBeNull();
  });
});
