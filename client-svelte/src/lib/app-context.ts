// The app-wide objects, handed to components through Svelte context.
import { getContext, setContext } from 'svelte';
import type { Connection } from './net/connection.svelte';
import type { Library } from './state/library.svelte';
import type { OrganizerPage } from './state/organizer.svelte';
import type { MyQuota } from './state/quota.svelte';
import type { Notifications } from './state/notifications.svelte';
import type { Router } from './state/router.svelte';
import type { Toasts } from './state/toasts.svelte';
import type { Uploads } from './state/uploads.svelte';

export interface AppContext {
  conn: Connection;
  library: Library;
  organizer: OrganizerPage;
  uploads: Uploads;
  /** The signed-in user's upload space (the library's usage line). */
  quota: MyQuota;
  notifications: Notifications;
  router: Router;
  toasts: Toasts;
  help: { open: boolean };
}

const KEY = Symbol('dailies');

export function provideApp(ctx: AppContext): void {
  setContext(KEY, ctx);
}

export function useApp(): AppContext {
  return getContext<AppContext>(KEY);
}
