// Which part of the client shows a server `error`, by the request it answers. The table
// is keyed by every client message type, so a new message without a route fails the check.
import type { ClientMsg } from '../protocol/protocol';
import type { ServerMsgOf, SocketEvents } from './events';

/** The open review room (its error line), the organizer page, or the app (a toast). */
export type ErrorRoute = 'room' | 'organizer' | 'app';

export type RequestType = ClientMsg['type'];
export type ServerError = ServerMsgOf<'error'>;

export const ERROR_ROUTES: Record<RequestType, ErrorRoute> = {
  ping: 'app',
  list_media: 'app',
  rename_media: 'app',
  delete_media: 'app',
  join_room: 'room',
  // Sent as the room closes: nothing of the room is left on screen to show it.
  leave_room: 'app',
  // The panel's "Load older notes" and the catch-up: the room retries them itself.
  load_comments: 'room',
  room_events_ack: 'room',
  add_comment: 'room',
  edit_comment: 'room',
  delete_comment: 'room',
  resolve_comment: 'room',
  session_join: 'room',
  session_leave: 'room',
  session_control: 'room',
  live_stroke: 'room',
  live_clear: 'room',
  request_lead: 'room',
  grant_lead: 'room',
  decline_lead: 'room',
  laser: 'room',
  list_messages: 'app',
  mark_messages_seen: 'app',
  organizer_page: 'organizer',
  organizer_command: 'organizer',
};

export function isRequestType(request: string | null): request is RequestType {
  return request != null && Object.hasOwn(ERROR_ROUTES, request);
}

/** Where an error goes; one without a readable (or known) request is the app's. */
export function errorRoute(m: ServerError): ErrorRoute {
  return isRequestType(m.request) ? ERROR_ROUTES[m.request] : 'app';
}

/** What the app-wide error toasts need from the connection. */
export interface ErrorLink {
  on(name: 'error', fn: (e: SocketEvents['error']) => void): () => void;
}

/** Shows the app's errors as toasts; the room and the organizer page show their own. */
export function toastAppErrors(link: ErrorLink, toasts: { error(text: string): void }): () => void {
  return link.on('error', (m) => {
    if (errorRoute(m) === 'app') toasts.error(m.message);
  });
}
