// The user's notification settings: where mail goes, and per event kind whether it comes
// at once, in an hourly or daily digest, or never (`/api/notify/settings`).
import type { NotifySettings, NotifySettingsUpdate } from '../protocol/protocol';
import { json } from './api';

export interface NotifyApi {
  get(): Promise<NotifySettings>;
  put(update: NotifySettingsUpdate): Promise<NotifySettings>;
}

export const notifyApi: NotifyApi = {
  get: () => json<NotifySettings>('/api/notify/settings'),
  put: (update) =>
    json<NotifySettings>('/api/notify/settings', {
      method: 'PUT',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify(update),
    }),
};
