// The websocket to the server: one per tab. Reconnects with backoff (a long one when the
// server refuses the socket by policy, whose reason it keeps to show), keeps the clock in
// sync, queues messages sent while offline and delivers server messages through one typed
// event map.
import type { ClientMsg, ServerMsg, UserInfo } from '../protocol/protocol';
import { ClockSync, monotonicNow } from './clock';
import { Emitter, type SocketEvents } from './events';

export type ConnectionStatus = 'connecting' | 'open' | 'reconnecting' | 'closed';

/** The part of WebSocket we use, so tests can hand in a fake. */
export interface SocketLike {
  readyState: number;
  onopen: ((ev: unknown) => void) | null;
  onmessage: ((ev: { data: unknown }) => void) | null;
  onclose: ((ev: { code: number; reason: string }) => void) | null;
  onerror: ((ev: unknown) => void) | null;
  send(data: string): void;
  close(code?: number, reason?: string): void;
}

export interface ConnectionOptions {
  url: string;
  createSocket?: (url: string) => SocketLike;
  now?: () => number;
  /** Backoff: first delay and ceiling, ms. */
  minDelay?: number;
  maxDelay?: number;
  random?: () => number;
  /** Ping period once the clock is settled, ms. */
  pingInterval?: number;
  /** No message for this long (with pings outstanding) means the link is dead, ms. */
  deadAfter?: number;
  /** Messages kept while offline; the oldest are dropped past this. */
  maxQueue?: number;
  /** The wait after the server refused the socket by policy (say, too many open), ms. */
  refusedDelay?: number;
}

const OPEN = 1;
/** WebSocket close code 1008: the server refused us by policy (socket limit, revoked link). */
export const POLICY_CLOSE = 1008;

export function backoffDelay(attempt: number, min: number, max: number, random: () => number): number {
  const base = Math.min(max, min * 2 ** Math.max(0, attempt));
  // Full jitter on the upper half keeps a crowd of clients from reconnecting in step.
  return Math.round(base / 2 + (random() * base) / 2);
}

export class Connection {
  status = $state<ConnectionStatus>('connecting');
  user = $state<UserInfo | null>(null);
  serverVersion = $state('');
  /** Messages waiting for the link to come back. */
  queued = $state(0);
  /** When the next reconnect attempt happens (client ms), for the indicator. */
  retryAt = $state<number | null>(null);
  attempts = $state(0);
  /** Why the server refused the last socket (close 1008), until a socket is accepted. */
  refusal = $state<string | null>(null);

  readonly clock = new ClockSync();
  private readonly events = new Emitter<SocketEvents>();
  private socket: SocketLike | null = null;
  private queue: ClientMsg[] = [];
  private everReady = false;
  private stopped = false;
  private retryTimer: ReturnType<typeof setTimeout> | null = null;
  private pingTimer: ReturnType<typeof setInterval> | null = null;
  private lastHeard = 0;
  private readonly opts: Required<ConnectionOptions>;

  constructor(options: ConnectionOptions) {
    this.opts = {
      createSocket: (url) => new WebSocket(url) as unknown as SocketLike,
      now: monotonicNow,
      minDelay: 500,
      maxDelay: 15_000,
      random: Math.random,
      pingInterval: 5_000,
      deadAfter: 20_000,
      maxQueue: 500,
      refusedDelay: 30_000,
      ...options,
    };
  }

  on<K extends keyof SocketEvents>(name: K, fn: (e: SocketEvents[K]) => void): () => void {
    return this.events.on(name, fn);
  }

  /** The server's clock now, ms since the epoch. */
  serverNow(): number {
    return this.opts.now() + this.clock.offset;
  }

  get isOpen(): boolean {
    return this.status === 'open';
  }

  start(): void {
    this.stopped = false;
    this.connect();
  }

  stop(): void {
    this.stopped = true;
    this.clearTimers();
    this.socket?.close(1000, 'bye');
    this.socket = null;
    this.status = 'closed';
  }

  /** Sends now, or drops the message when offline. For things stale after a reconnect. */
  send(msg: ClientMsg): boolean {
    if (this.status !== 'open' || !this.socket || this.socket.readyState !== OPEN) return false;
    this.socket.send(JSON.stringify(msg));
    return true;
  }

  /** Sends now, or keeps the message and sends it after the next reconnect. */
  sendQueued(msg: ClientMsg): void {
    if (this.send(msg)) return;
    this.queue.push(msg);
    if (this.queue.length > this.opts.maxQueue) this.queue.shift();
    this.queued = this.queue.length;
  }

  /** Closes the current socket as if the network dropped (tests, "reconnect now"). */
  dropLink(): void {
    this.socket?.close(4000, 'dropped by client');
  }

  /** Skips the backoff wait and reconnects now. */
  retryNow(): void {
    if (this.status !== 'reconnecting') return;
    if (this.retryTimer) clearTimeout(this.retryTimer);
    this.retryTimer = null;
    this.connect();
  }

  private connect(): void {
    if (this.stopped) return;
    this.retryAt = null;
    this.status = this.everReady ? 'reconnecting' : 'connecting';
    let sock: SocketLike;
    try {
      sock = this.opts.createSocket(this.opts.url);
    } catch {
      this.scheduleReconnect();
      return;
    }
    this.socket = sock;
    sock.onmessage = (ev) => {
      if (this.socket !== sock) return;
      this.lastHeard = this.opts.now();
      if (typeof ev.data === 'string') this.receive(ev.data);
    };
    sock.onclose = (ev) => {
      if (this.socket !== sock) return;
      this.socket = null;
      this.clearTimers();
      this.events.emit('lost', { code: ev.code, reason: ev.reason });
      // Refused (e.g. too many open connections): trying again at once would be refused
      // again, and a tab in a tight loop is one more socket against the limit.
      if (ev.code === POLICY_CLOSE) {
        this.refusal = ev.reason || 'The server refused the connection.';
        this.scheduleReconnect(this.opts.refusedDelay);
      } else this.scheduleReconnect();
    };
    sock.onerror = () => {
      /* onclose follows */
    };
    sock.onopen = () => {
      this.lastHeard = this.opts.now();
    };
  }

  private scheduleReconnect(fixed?: number): void {
    if (this.stopped) return;
    this.status = 'reconnecting';
    const delay = fixed ?? backoffDelay(this.attempts, this.opts.minDelay, this.opts.maxDelay, this.opts.random);
    this.attempts += 1;
    this.retryAt = this.opts.now() + delay;
    this.retryTimer = setTimeout(() => {
      this.retryTimer = null;
      this.connect();
    }, delay);
  }

  private receive(text: string): void {
    let msg: ServerMsg;
    try {
      msg = JSON.parse(text) as ServerMsg;
    } catch {
      return;
    }
    if (msg.type === 'pong') {
      this.clock.add(msg.client_time, msg.server_time, this.opts.now());
    }
    if (msg.type === 'welcome') {
      this.onWelcome(msg);
      return;
    }
    this.events.emit(msg.type, msg as never);
  }

  private onWelcome(msg: Extract<ServerMsg, { type: 'welcome' }>): void {
    const reconnect = this.everReady;
    this.everReady = true;
    this.user = msg.user;
    this.serverVersion = msg.server_version;
    this.status = 'open';
    this.attempts = 0;
    this.refusal = null;
    this.clock.reset();
    this.startPings();
    this.events.emit('welcome', msg);
    // Rooms rejoin first, so queued comments land in rooms the server knows we are in.
    this.events.emit('ready', { reconnect });
    const pending = this.queue;
    this.queue = [];
    this.queued = 0;
    for (const m of pending) this.sendQueued(m);
  }

  private ping(): void {
    this.send({ type: 'ping', client_time: this.opts.now() });
  }

  private startPings(): void {
    // A quick burst settles the clock offset; then a slow beat keeps it fresh and
    // notices a dead link that never closed.
    let burst = 5;
    this.ping();
    const tick = () => {
      if (this.opts.now() - this.lastHeard > this.opts.deadAfter) {
        this.dropLink();
        return;
      }
      this.ping();
    };
    const fast = setInterval(() => {
      tick();
      if (--burst <= 0) {
        clearInterval(fast);
        if (this.pingTimer === fast) this.pingTimer = setInterval(tick, this.opts.pingInterval);
      }
    }, 250);
    this.pingTimer = fast;
  }

  private clearTimers(): void {
    if (this.pingTimer) clearInterval(this.pingTimer);
    this.pingTimer = null;
    if (this.retryTimer) clearTimeout(this.retryTimer);
    this.retryTimer = null;
  }
}

/** The websocket URL on this page's origin. */
export function defaultSocketUrl(loc: Location = window.location): string {
  const proto = loc.protocol === 'https:' ? 'wss:' : 'ws:';
  return `${proto}//${loc.host}/api/ws`;
}
