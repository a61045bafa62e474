// The admin view: every unfinished upload on the server (with cancel), and one user's
// quota overrides to load, edit and save.
import { ApiError } from '../net/api';
import {
  bytesField,
  formatBytes,
  isCount,
  parseAmount,
  QUOTA_KEYS,
  type Quota,
  type QuotaApi,
  type QuotaKey,
  type QuotaOverrides,
  type UnfinishedUpload,
} from '../net/quota';

/** `3 s ago`, `5 min ago`, `2 h ago`, `4 d ago` (a time in the future reads as now). */
export function ago(iso: string, now: number): string {
  const t = Date.parse(iso);
  if (Number.isNaN(t)) return iso;
  const s = Math.max(0, Math.round((now - t) / 1000));
  if (s < 60) return `${s} s ago`;
  if (s < 3600) return `${Math.floor(s / 60)} min ago`;
  if (s < 86400) return `${Math.floor(s / 3600)} h ago`;
  return `${Math.floor(s / 86400)} d ago`;
}

/** The share written, 0..1, or null when the length was not declared. */
export function uploadFraction(u: Pick<UnfinishedUpload, 'written' | 'length'>): number | null {
  if (u.length == null) return null;
  if (u.length <= 0) return 1;
  return Math.min(1, u.written / u.length);
}

/** `512 KiB of 1 MiB (50%)`, or `512 KiB (length not declared)`. */
export function progressText(u: Pick<UnfinishedUpload, 'written' | 'length'>): string {
  const f = uploadFraction(u);
  if (f == null || u.length == null) return `${formatBytes(u.written)} (length not declared)`;
  return `${formatBytes(u.written)} of ${formatBytes(u.length)} (${Math.floor(f * 100)}%)`;
}

const message = (e: unknown) => (e as Error).message || String(e);

export class AdminUploads {
  items = $state.raw<UnfinishedUpload[]>([]);
  loaded = $state(false);
  loading = $state(false);
  error = $state<string | null>(null);
  /** What happened to the last cancel that did not simply work (e.g. it had already ended). */
  notice = $state<string | null>(null);
  /** Uploads being cancelled, and the server's answer for those that could not be. */
  cancelling = $state.raw<ReadonlySet<string>>(new Set());
  rowErrors = $state.raw<Record<string, string>>({});

  constructor(private readonly api: Pick<QuotaApi, 'listUploads' | 'cancelUpload'>) {}

  async refresh(): Promise<void> {
    this.loading = true;
    try {
      const list = await this.api.listUploads();
      this.items = [...list].sort((a, b) => a.started_at.localeCompare(b.started_at) || a.id.localeCompare(b.id));
      this.error = null;
      this.loaded = true;
      const ids = new Set(list.map((u) => u.id));
      this.rowErrors = Object.fromEntries(Object.entries(this.rowErrors).filter(([id]) => ids.has(id)));
    } catch (e) {
      this.error = message(e);
    } finally {
      this.loading = false;
    }
  }

  /**
   * Cancels one upload (after the user confirmed): its row goes once the server agrees.
   * One the server no longer has (404) goes too, with the server's word as a notice; any
   * other refusal stays on the row.
   */
  async cancel(id: string): Promise<boolean> {
    if (this.cancelling.has(id)) return false;
    const name = this.items.find((u) => u.id === id)?.filename ?? id;
    this.cancelling = new Set([...this.cancelling, id]);
    const { [id]: _, ...rest } = this.rowErrors;
    this.rowErrors = rest;
    this.notice = null;
    try {
      await this.api.cancelUpload(id);
      this.items = this.items.filter((u) => u.id !== id);
      return true;
    } catch (e) {
      if (e instanceof ApiError && e.status === 404) {
        this.items = this.items.filter((u) => u.id !== id);
        this.notice = `${name}: ${message(e)}`;
      } else {
        this.rowErrors = { ...this.rowErrors, [id]: message(e) };
      }
      return false;
    } finally {
      const next = new Set(this.cancelling);
      next.delete(id);
      this.cancelling = next;
    }
  }
}

export const QUOTA_LABELS: Record<QuotaKey, string> = {
  stored_bytes: 'Stored media',
  upload_bytes: 'Unfinished upload bytes',
  uploads: 'Unfinished uploads',
  comment_bytes_per_day: 'Comment text per day',
};

/** An override as its field shows it: empty for the default. */
export function overrideField(k: QuotaKey, v: number | null): string {
  if (v == null) return '';
  return isCount(k) ? String(v) : bytesField(v);
}

const emptyFields = (): Record<QuotaKey, string> =>
  Object.fromEntries(QUOTA_KEYS.map((k) => [k, ''])) as Record<QuotaKey, string>;

export class QuotaEditor {
  userId = $state('');
  quota = $state.raw<Quota | null>(null);
  fields = $state<Record<QuotaKey, string>>(emptyFields());
  fieldErrors = $state<Partial<Record<QuotaKey, string>>>({});
  loading = $state(false);
  saving = $state(false);
  error = $state<string | null>(null);
  saved = $state(false);

  constructor(private readonly api: Pick<QuotaApi, 'userQuota' | 'setUserQuota'>) {}

  /** Whether the fields differ from the loaded overrides. */
  get dirty(): boolean {
    const q = this.quota;
    return !!q && QUOTA_KEYS.some((k) => this.fields[k].trim() !== overrideField(k, q.overrides[k]));
  }

  private show(q: Quota): void {
    this.quota = q;
    this.fields = Object.fromEntries(QUOTA_KEYS.map((k) => [k, overrideField(k, q.overrides[k])])) as Record<QuotaKey, string>;
    this.fieldErrors = {};
  }

  /** Puts the loaded overrides back into the fields. */
  revert(): void {
    if (this.quota) this.show(this.quota);
    this.error = null;
  }

  async load(): Promise<void> {
    const id = this.userId.trim();
    if (!id) {
      this.error = 'Type a user id.';
      return;
    }
    this.loading = true;
    this.error = null;
    this.saved = false;
    try {
      this.show(await this.api.userQuota(id));
    } catch (e) {
      this.quota = null;
      this.error = message(e);
    } finally {
      this.loading = false;
    }
  }

  /** The overrides in the fields, or null (with the field errors set) when one is unreadable. */
  overrides(): QuotaOverrides | null {
    const out: Partial<QuotaOverrides> = {};
    const errors: Partial<Record<QuotaKey, string>> = {};
    for (const k of QUOTA_KEYS) {
      const r = parseAmount(this.fields[k], isCount(k) ? 'count' : 'bytes');
      if ('error' in r) errors[k] = r.error;
      else out[k] = r.value;
    }
    this.fieldErrors = errors;
    return Object.keys(errors).length ? null : (out as QuotaOverrides);
  }

  async save(): Promise<boolean> {
    const q = this.quota;
    if (!q || this.saving) return false;
    this.saved = false;
    const overrides = this.overrides();
    if (!overrides) {
      this.error = 'Some values cannot be read: fix the marked fields.';
      return false;
    }
    this.saving = true;
    this.error = null;
    try {
      this.show(await this.api.setUserQuota(q.user_id, overrides));
      this.saved = true;
      return true;
    } catch (e) {
      this.error = message(e);
      return false;
    } finally {
      this.saving = false;
    }
  }
}
