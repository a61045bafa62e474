// A scriptable stand-in for the server's websocket, for unit tests.
import type { ClientMsg, ServerMsg } from '../protocol/protocol';
import type { SocketLike } from './connection.svelte';

export class FakeSocket implements SocketLike {
  readyState = 0;
  onopen: SocketLike['onopen'] = null;
  onmessage: SocketLike['onmessage'] = null;
  onclose: SocketLike['onclose'] = null;
  onerror: SocketLike['onerror'] = null;
  sent: ClientMsg[] = [];

  send(data: string): void {
    if (this.readyState !== 1) throw new Error('send on a closed socket');
    this.sent.push(JSON.parse(data));
  }
  close(code = 1000, reason = ''): void {
    if (this.readyState === 3) return;
    this.readyState = 3;
    this.onclose?.({ code, reason });
  }

  /** Server side: accept the connection and greet. */
  open(user = { id: 'alice', name: 'Alice', is_admin: false }): void {
    this.readyState = 1;
    this.onopen?.({});
    this.push({ type: 'welcome', protocol_version: 1, server_version: 'test', user });
  }
  push(msg: ServerMsg): void {
    this.onmessage?.({ data: JSON.stringify(msg) });
  }
  sentOf<T extends ClientMsg['type']>(type: T): Extract<ClientMsg, { type: T }>[] {
    return this.sent.filter((m) => m.type === type) as Extract<ClientMsg, { type: T }>[];
  }
}

/** Records every socket a Connection creates. */
export function socketFactory() {
  const sockets: FakeSocket[] = [];
  return {
    sockets,
    create: () => {
      const s = new FakeSocket();
      sockets.push(s);
      return s;
    },
    get last(): FakeSocket {
      return sockets[sockets.length - 1];
    },
  };
}
