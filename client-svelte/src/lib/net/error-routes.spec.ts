import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { Toasts } from '../state/toasts.svelte';
import { Connection } from './connection.svelte';
import { ERROR_ROUTES, errorRoute, toastAppErrors, type ErrorRoute, type RequestType } from './error-routes';
import { socketFactory } from './fake-socket';

describe('error routes', () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  function setup() {
    const f = socketFactory();
    const conn = new Connection({ url: 'ws://x', createSocket: f.create });
    conn.start();
    f.last.open();
    const toasts = new Toasts();
    toastAppErrors(conn, toasts);
    const refuse = (request: string | null, message: string) =>
      f.last.push({ type: 'error', code: 'bad_message', message, request });
    return { f, toasts, refuse };
  }

  it('gives every request a route', () => {
    // A table missing a request type does not type-check.
    // @ts-expect-error: `ping` and the others have no route here
    const partial: Record<RequestType, ErrorRoute> = { join_room: 'room' };
    expect(Object.keys(partial)).toEqual(['join_room']);
    expect(ERROR_ROUTES.ping).toBe('app');
  });

  it('gives the review room the errors of what it sends', () => {
    const room = ['join_room', 'add_comment', 'edit_comment', 'delete_comment', 'session_join', 'session_leave', 'session_control', 'live_stroke', 'live_clear'];
    for (const request of room) expect(errorRoute({ type: 'error', code: 'forbidden', message: '', request })).toBe('room');
    expect(errorRoute({ type: 'error', code: 'forbidden', message: '', request: 'organizer_page' })).toBe('organizer');
  });

  it('toasts what no view shows: the library, messages, leaving a room, unreadable requests', () => {
    const { toasts, refuse } = setup();
    refuse('rename_media', 'a title has 1 to 200 characters');
    refuse('leave_room', 'slow down');
    refuse(null, 'unreadable message');
    refuse('from_a_newer_client', 'unknown message type');
    // The room and the organizer page show these themselves.
    refuse('live_stroke', 'join the session first');
    refuse('organizer_command', 'plugin timed out');
    expect(toasts.items.map((t) => [t.kind, t.text])).toEqual([
      ['error', 'a title has 1 to 200 characters'],
      ['error', 'slow down'],
      ['error', 'unreadable message'],
      ['error', 'unknown message type'],
    ]);
  });
});
