// The app-wide objects, handed to components through Svelte context. The review page
// needs only the shell's part, so a guest's page (which has no library, uploads or
// notifications) can show it too.
import { getContext, setContext } from 'svelte';
import type { Connection } from './net/connection.svelte';
import type { SharingApi } from './net/sharing';
import type { GuestInfo, MediaInfo } from './protocol/protocol';
import type { Library } from './state/library.svelte';
import type { OrganizerPage } from './state/organizer.svelte';
import type { MyQuota } from './state/quota.svelte';
import type { Notifications } from './state/notifications.svelte';
import type { Router } from './state/router.svelte';
import type { Toasts } from './state/toasts.svelte';
import type { Uploads } from './state/uploads.svelte';

/** What the review page and the shell's small parts (toasts, connection badge) use. */
export interface ShellContext {
  conn: Connection;
  router: Router;
  toasts: Toasts;
  help: { open: boolean };
  /** The team review routes; null for a guest, who reaches none of them. */
  sharing: SharingApi | null;
  /** Set on a guest's page: their name and what the link lets them do. */
  guest: GuestInfo | null;
  /** The room closed on us (access removed, media deleted): the shell leaves the review. */
  leaveReview(reason: string): void;
  /** How this shell sees a media from the socket (a guest's file addresses); default as is. */
  mediaView?: (m: MediaInfo) => MediaInfo;
  /** Where this shell fetches a comment's `drawing_url` from (a guest's route); default as is. */
  drawingUrl?: (url: string) => string;
}

export interface AppContext extends ShellContext {
  library: Library;
  organizer: OrganizerPage;
  uploads: Uploads;
  /** The signed-in user's upload space (the library's usage line). */
  quota: MyQuota;
  notifications: Notifications;
  sharing: SharingApi;
}

const KEY = Symbol('dailies');
const SHELL = Symbol('dailies.shell');

export function provideApp(ctx: AppContext): void {
  setContext(KEY, ctx);
  setContext(SHELL, ctx);
}

/** For the guest's page: the shell without the library side. */
export function provideShell(ctx: ShellContext): void {
  setContext(SHELL, ctx);
}

export function useApp(): AppContext {
  return getContext<AppContext>(KEY);
}

export function useShell(): ShellContext {
  return getContext<ShellContext>(SHELL);
}
