import { describe, expect, it } from 'vitest';
import { Connection } from '../net/connection.svelte';
import { socketFactory } from '../net/fake-socket';
import type { UserMessage } from '../protocol/protocol';
import { Notifications } from './notifications.svelte';

const msg = (id: number, seen = false): UserMessage => ({
  id, kind: 'reply', media_id: 'm', comment_id: 1, text: `n${id}`, seen, created_at: '',
});

describe('Notifications', () => {
  it('lists, counts, adds and marks seen', () => {
    const f = socketFactory();
    const conn = new Connection({ url: 'ws://x', createSocket: f.create });
    const n = new Notifications(conn);
    conn.start();
    f.last.open();
    expect(f.last.sentOf('list_messages')).toHaveLength(1);
    f.last.push({ type: 'user_messages', items: [msg(2), msg(1, true)], unseen: 1 });
    expect(n.unseen).toBe(1);
    f.last.push({ type: 'user_message_added', message: msg(3) });
    f.last.push({ type: 'user_message_added', message: msg(3) });
    expect(n.items.map((i) => i.id)).toEqual([3, 2, 1]);
    expect(n.unseen).toBe(2);
    n.markSeen();
    expect(n.unseen).toBe(0);
    expect(f.last.sentOf('mark_messages_seen')[0].ids).toEqual([3, 2]);
    f.last.push({ type: 'messages_seen', ids: [3, 2], unseen: 0 });
    expect(n.items.every((i) => i.seen)).toBe(true);
  });
});
