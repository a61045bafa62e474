// The one typed event map of the websocket: every server message by its `type`, plus
// the connection's own lifecycle events.
import type { ServerMsg } from '../protocol/protocol';

export type ServerMsgOf<T extends ServerMsg['type']> = Extract<ServerMsg, { type: T }>;

export type SocketEvents = { [T in ServerMsg['type']]: ServerMsgOf<T> } & {
  /** The server greeted us (after every (re)connect): rejoin rooms here. */
  ready: { reconnect: boolean };
  /** The socket closed; a reconnect is scheduled. */
  lost: { code: number; reason: string };
};

export type SocketEventName = keyof SocketEvents;
export type Handler<K extends SocketEventName> = (event: SocketEvents[K]) => void;

/** A tiny typed emitter. */
export class Emitter<E extends object> {
  private handlers = new Map<keyof E, Set<(e: never) => void>>();

  on<K extends keyof E>(name: K, fn: (e: E[K]) => void): () => void {
    let set = this.handlers.get(name);
    if (!set) this.handlers.set(name, (set = new Set()));
    set.add(fn as (e: never) => void);
    return () => set.delete(fn as (e: never) => void);
  }

  emit<K extends keyof E>(name: K, event: E[K]): void {
    const set = this.handlers.get(name);
    if (!set) return;
    for (const fn of [...set]) {
      try {
        (fn as (e: E[K]) => void)(event);
      } catch (err) {
        console.error(`handler of ${String(name)} failed`, err);
      }
    }
  }
}
