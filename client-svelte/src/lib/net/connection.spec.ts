import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { backoffDelay, Connection } from './connection.svelte';
import { socketFactory } from './fake-socket';

describe('Connection', () => {
  let now = 1_000_000;
  beforeEach(() => {
    vi.useFakeTimers();
    now = 1_000_000;
  });
  afterEach(() => vi.useRealTimers());

  function make() {
    const f = socketFactory();
    const c = new Connection({ url: 'ws://x/api/ws', createSocket: f.create, now: () => now, random: () => 0.5 });
    c.start();
    return { f, c };
  }

  it('opens on welcome and delivers typed messages', () => {
    const { f, c } = make();
    expect(c.status).toBe('connecting');
    const got: number[] = [];
    c.on('presence_delta', (m) => got.push(m.member_count));
    f.last.open();
    expect(c.status).toBe('open');
    expect(c.user?.id).toBe('alice');
    f.last.push({ type: 'presence_delta', media_id: 'm', changes: [], member_count: 3 });
    expect(got).toEqual([3]);
  });

  it('reconnects with growing backoff and says so', () => {
    const { f, c } = make();
    f.last.open();
    const lost = vi.fn();
    c.on('lost', lost);
    f.last.close(1006, 'gone');
    expect(lost).toHaveBeenCalledOnce();
    expect(c.status).toBe('reconnecting');
    expect(f.sockets).toHaveLength(1);
    vi.advanceTimersByTime(400);
    expect(f.sockets).toHaveLength(2);
    f.last.close(1006, ''); // still down
    vi.advanceTimersByTime(400);
    expect(f.sockets).toHaveLength(2);
    vi.advanceTimersByTime(500);
    expect(f.sockets).toHaveLength(3);
    const ready = vi.fn();
    c.on('ready', ready);
    f.last.open();
    expect(ready).toHaveBeenCalledWith({ reconnect: true });
    expect(c.attempts).toBe(0);
  });

  it('queues messages while offline and sends them after the rejoin', () => {
    const { f, c } = make();
    f.last.open();
    f.last.close(1006, '');
    c.sendQueued({ type: 'delete_comment', comment_id: 7 });
    expect(c.send({ type: 'list_messages' })).toBe(false);
    expect(c.queued).toBe(1);
    c.on('ready', () => c.send({ type: 'join_room', media_id: 'm', since_seq: 4 }));
    vi.advanceTimersByTime(1000);
    f.last.open();
    const types = f.last.sent.filter((m) => m.type !== 'ping').map((m) => m.type);
    expect(types).toEqual(['join_room', 'delete_comment']);
    expect(c.queued).toBe(0);
  });

  it('syncs the clock from pongs', () => {
    const { f, c } = make();
    f.last.open();
    const ping = f.last.sentOf('ping')[0];
    now += 40;
    f.last.push({ type: 'pong', client_time: ping.client_time, server_time: ping.client_time + 5000 + 20 });
    expect(c.clock.offset).toBe(5000);
    expect(c.serverNow()).toBe(now + 5000);
  });

  it('drops a link that went silent', () => {
    const { f, c } = make();
    f.last.open();
    now += 25_000;
    vi.advanceTimersByTime(6_000);
    expect(c.status).toBe('reconnecting');
  });

  it('backs off for long when the server refuses the socket by policy, and says why', () => {
    const { f, c } = make();
    f.last.open();
    const reason = 'too many open connections for this user (20)';
    // What the server does at its socket limit: one error, then close 1008.
    f.last.push({ type: 'error', code: 'forbidden', message: reason, request: null });
    f.last.close(1008, reason);
    expect([c.status, c.refusal]).toEqual(['reconnecting', reason]);
    expect(c.retryAt).toBe(now + 30_000);
    vi.advanceTimersByTime(29_000);
    expect(f.sockets).toHaveLength(1); // no tight loop
    vi.advanceTimersByTime(1_000);
    expect(f.sockets).toHaveLength(2);
    f.last.close(1008, reason); // still at the limit: the same long wait
    vi.advanceTimersByTime(10_000);
    expect(f.sockets).toHaveLength(2);
    // The user may try at once.
    c.retryNow();
    expect(f.sockets).toHaveLength(3);
    f.last.open();
    expect([c.status, c.refusal]).toEqual(['open', null]);
    // An ordinary drop afterwards is the ordinary quick reconnect.
    f.last.close(1006, '');
    vi.advanceTimersByTime(600);
    expect(f.sockets).toHaveLength(4);
  });

  it('stops for good', () => {
    const { f, c } = make();
    f.last.open();
    c.stop();
    vi.advanceTimersByTime(60_000);
    expect(f.sockets).toHaveLength(1);
    expect(c.status).toBe('closed');
  });
});

describe('backoffDelay', () => {
  it('doubles up to a ceiling', () => {
    expect(backoffDelay(0, 500, 8000, () => 1)).toBe(500);
    expect(backoffDelay(3, 500, 8000, () => 1)).toBe(4000);
    expect(backoffDelay(10, 500, 8000, () => 1)).toBe(8000);
    expect(backoffDelay(10, 500, 8000, () => 0)).toBe(4000);
  });
});
