// The user's notifications: unread count, the list, and marking them seen.
import type { UserMessage } from '../protocol/protocol';
import type { SocketEvents } from '../net/events';

export interface NotificationsLink {
  on<K extends keyof SocketEvents>(name: K, fn: (e: SocketEvents[K]) => void): () => void;
  send(msg: { type: 'list_messages' } | { type: 'mark_messages_seen'; ids: number[] }): boolean;
  sendQueued(msg: { type: 'mark_messages_seen'; ids: number[] }): void;
}

export class Notifications {
  items = $state.raw<UserMessage[]>([]);
  unseen = $state(0);
  loaded = $state(false);
  private unsubs: (() => void)[] = [];

  constructor(private readonly link: NotificationsLink) {
    this.unsubs.push(
      link.on('ready', () => link.send({ type: 'list_messages' })),
      link.on('user_messages', (m) => {
        this.items = m.items;
        this.unseen = m.unseen;
        this.loaded = true;
      }),
      link.on('user_message_added', (m) => {
        if (this.items.some((i) => i.id === m.message.id)) return;
        this.items = [m.message, ...this.items];
        if (!m.message.seen) this.unseen += 1;
      }),
      link.on('messages_seen', (m) => {
        const ids = new Set(m.ids);
        this.items = this.items.map((i) => (ids.has(i.id) ? { ...i, seen: true } : i));
        this.unseen = m.unseen;
      }),
    );
  }

  dispose(): void {
    this.unsubs.forEach((u) => u());
  }

  /** Marks these (default: all unseen) as seen, optimistically. */
  markSeen(ids?: number[]): void {
    const target = ids ?? this.items.filter((i) => !i.seen).map((i) => i.id);
    if (target.length === 0) return;
    const set = new Set(target);
    const newlySeen = this.items.filter((i) => set.has(i.id) && !i.seen).length;
    this.items = this.items.map((i) => (set.has(i.id) ? { ...i, seen: true } : i));
    this.unseen = Math.max(0, this.unseen - newlySeen);
    this.link.sendQueued({ type: 'mark_messages_seen', ids: target });
  }
}
