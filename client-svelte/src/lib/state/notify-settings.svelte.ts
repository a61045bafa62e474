// The notification settings page: the server's settings, the edits not yet saved, and
// what saving sends (only what changed).
import type { MailMode, NotifySettings, NotifySettingsUpdate } from '../protocol/protocol';
import type { NotifyApi } from '../net/notify';

export const MODES: { mode: MailMode; label: string }[] = [
  { mode: 'now', label: 'At once' },
  { mode: 'hourly', label: 'Hourly digest' },
  { mode: 'daily', label: 'Daily digest' },
  { mode: 'never', label: 'Never' },
];

/** The update that turns `saved` into the edited values. */
export function changes(saved: NotifySettings, email: string, modes: Record<string, MailMode>): NotifySettingsUpdate {
  const update: NotifySettingsUpdate = { prefs: [] };
  if (!saved.email_from_proxy && email.trim() !== (saved.email ?? '')) update.email = email.trim();
  for (const p of saved.prefs) {
    const m = modes[p.kind];
    if (m && m !== p.mode) update.prefs.push({ kind: p.kind, mode: m });
  }
  return update;
}

export class NotifySettingsState {
  saved = $state.raw<NotifySettings | null>(null);
  email = $state('');
  modes = $state<Record<string, MailMode>>({});
  error = $state<string | null>(null);
  busy = $state(false);
  /** Set after a save went through, cleared by the next edit. */
  done = $state(false);

  constructor(private readonly api: NotifyApi) {}

  private take(s: NotifySettings): void {
    this.saved = s;
    this.email = s.email ?? '';
    this.modes = Object.fromEntries(s.prefs.map((p) => [p.kind, p.mode]));
  }

  get dirty(): boolean {
    if (!this.saved) return false;
    const u = changes(this.saved, this.email, this.modes);
    return u.email !== undefined || u.prefs.length > 0;
  }

  async load(): Promise<void> {
    this.busy = true;
    try {
      this.take(await this.api.get());
      this.error = null;
    } catch (e) {
      this.error = (e as Error).message;
    } finally {
      this.busy = false;
    }
  }

  setMode(kind: string, mode: MailMode): void {
    this.modes = { ...this.modes, [kind]: mode };
    this.done = false;
  }

  setEmail(email: string): void {
    this.email = email;
    this.done = false;
  }

  async save(): Promise<void> {
    if (!this.saved || !this.dirty) return;
    this.busy = true;
    try {
      this.take(await this.api.put(changes(this.saved, this.email, this.modes)));
      this.error = null;
      this.done = true;
    } catch (e) {
      this.error = (e as Error).message;
    } finally {
      this.busy = false;
    }
  }
}
