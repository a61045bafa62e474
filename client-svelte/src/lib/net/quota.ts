// Upload space accounting: a user's limits and usage, the admin's per-user overrides, and
// the unfinished uploads on the server. Numbers are bytes (or counts); a limit of 0 means
// "no limit", an override of null "the server's default".
import { json } from './api';

export const QUOTA_KEYS = ['stored_bytes', 'upload_bytes', 'uploads', 'comment_bytes_per_day'] as const;
export type QuotaKey = (typeof QUOTA_KEYS)[number];

/** The effective limits (0: none). */
export type QuotaLimits = Record<QuotaKey, number>;
/** The admin's values for one user (null: the server's default). */
export type QuotaOverrides = Record<QuotaKey, number | null>;

export interface QuotaUsage {
  stored_bytes: number;
  upload_bytes: number;
  uploads: number;
  comment_bytes_today: number;
}

export interface Quota {
  user_id: string;
  limits: QuotaLimits;
  overrides: QuotaOverrides;
  usage: QuotaUsage;
}

export interface UnfinishedUpload {
  /** 32 hex digits. */
  id: string;
  kind: 'tus' | 'post';
  owner_id: string;
  filename: string;
  /** Null for a body sent without a declared length. */
  length: number | null;
  written: number;
  started_at: string;
  updated_at: string;
}

/** What the admin view and the usage line need from the server (a fake one in tests). */
export interface QuotaApi {
  myQuota(): Promise<Quota>;
  userQuota(userId: string): Promise<Quota>;
  setUserQuota(userId: string, overrides: QuotaOverrides): Promise<Quota>;
  listUploads(): Promise<UnfinishedUpload[]>;
  cancelUpload(id: string): Promise<void>;
}

const userPath = (userId: string) => `/api/admin/users/${encodeURIComponent(userId)}/quota`;

export const quotaApi: QuotaApi = {
  myQuota: () => json<Quota>('/api/quota'),
  userQuota: (userId) => json<Quota>(userPath(userId)),
  setUserQuota: (userId, overrides) =>
    json<Quota>(userPath(userId), {
      method: 'PUT',
      headers: { 'Content-Type': 'application/json' },
      // The full set, every key present: a missing one would mean "default" anyway.
      body: JSON.stringify(Object.fromEntries(QUOTA_KEYS.map((k) => [k, overrides[k] ?? null]))),
    }),
  listUploads: async () => (await json<{ uploads: UnfinishedUpload[] }>('/api/admin/uploads')).uploads,
  cancelUpload: async (id) => {
    await json<void>(`/api/admin/uploads/${encodeURIComponent(id)}`, { method: 'DELETE' });
  },
};

/** Whether a limit limits anything (0 is "no limit"). */
export const limited = (limit: number): boolean => limit > 0;

const UNITS = ['B', 'KiB', 'MiB', 'GiB', 'TiB', 'PiB'] as const;

/** Bytes in binary units: `512 B`, `1.5 KiB`, `16 MiB`, `2.3 GiB`. */
export function formatBytes(n: number): string {
  if (!Number.isFinite(n) || n < 1024) return `${Math.max(0, Math.round(n || 0))} B`;
  let u = 0;
  let v = n;
  while (v >= 1024 && u < UNITS.length - 1) {
    v /= 1024;
    u++;
  }
  const digits = v < 10 ? 1 : 0;
  return `${Number(v.toFixed(digits))} ${UNITS[u]}`;
}

/** An amount in a field that reads back to exactly the same number (`16 MiB`, `1000`). */
export function bytesField(n: number): string {
  for (let u = UNITS.length - 1; u > 0; u--) {
    const size = 1024 ** u;
    if (n >= size && n % size === 0) return `${n / size} ${UNITS[u]}`;
  }
  return String(n);
}

const UNIT_RE = /^(\d+(?:\.\d+)?)\s*([kmgtp]?)(?:i?b)?$/i;

/**
 * Reads an amount typed by an admin: an empty field is null (the default), `0` no limit.
 * Bytes take a unit in powers of 1024 (`500 MiB`, `2G`, `1.5 GiB`); counts are whole numbers.
 */
export function parseAmount(text: string, kind: 'bytes' | 'count'): { value: number | null } | { error: string } {
  const t = text.trim();
  if (!t) return { value: null };
  if (kind === 'count') {
    if (!/^\d+$/.test(t)) return { error: 'a whole number (0: no limit)' };
    return { value: Number(t) };
  }
  const m = UNIT_RE.exec(t);
  if (!m) return { error: 'a size such as 500 MiB or 2 GiB (0: no limit)' };
  const scale = 1024 ** ' kmgtp'.indexOf((m[2] || ' ').toLowerCase());
  const value = Math.round(Number(m[1]) * scale);
  if (!Number.isSafeInteger(value)) return { error: 'too large' };
  return { value };
}

/** Which keys are counts; the rest are bytes. */
export const isCount = (k: QuotaKey): boolean => k === 'uploads';

/** A limit as shown beside its field or after "of". */
export function formatLimit(k: QuotaKey, limit: number): string {
  if (!limited(limit)) return 'no limit';
  return isCount(k) ? `${limit} upload${limit === 1 ? '' : 's'}` : formatBytes(limit);
}
