import { describe, expect, it } from 'vitest';
import { ApiError } from '../net/api';
import type { Quota, QuotaOverrides, UnfinishedUpload } from '../net/quota';
import { AdminUploads, ago, overrideField, progressText, QuotaEditor, uploadFraction } from './admin.svelte';

const upload = (over: Partial<UnfinishedUpload> = {}): UnfinishedUpload => ({
  id: 'a'.repeat(32),
  kind: 'tus',
  owner_id: 'bob',
  filename: 'cut.mov',
  length: 1048576,
  written: 524288,
  started_at: '2026-12-02T06:00:00+00:00',
  updated_at: '2026-12-02T06:00:05+00:00',
  ...over,
});

describe('formatting', () => {
  it('tells how long ago', () => {
    const now = Date.parse('2026-12-02T06:10:00Z');
    expect(ago('2026-12-02T06:09:57+00:00', now)).toBe('3 s ago');
    expect(ago('2026-12-02T06:00:05+00:00', now)).toBe('9 min ago');
    expect(ago('2026-12-02T03:10:00+00:00', now)).toBe('3 h ago');
    expect(ago('2026-11-29T06:10:00+00:00', now)).toBe('3 d ago');
    expect(ago('2026-12-02T06:10:30+00:00', now)).toBe('0 s ago');
    expect(ago('not a time', now)).toBe('not a time');
  });

  it('shows how much was written, of a length or without one', () => {
    expect(uploadFraction(upload())).toBe(0.5);
    expect(progressText(upload())).toBe('512 KiB of 1 MiB (50%)');
    expect(uploadFraction(upload({ length: null }))).toBeNull();
    expect(progressText(upload({ length: null, written: 3 * 1024 * 1024 }))).toBe('3 MiB (length not declared)');
    expect(uploadFraction(upload({ length: 0, written: 0 }))).toBe(1);
    expect(uploadFraction(upload({ length: 10, written: 20 }))).toBe(1);
  });
});

function fakeUploads(list: UnfinishedUpload[]) {
  const cancelled: string[] = [];
  let refuse: ApiError | null = null;
  const api = {
    listUploads: async () => list.filter((u) => !cancelled.includes(u.id)),
    cancelUpload: async (id: string) => {
      if (refuse) throw refuse;
      cancelled.push(id);
    },
  };
  return { api, cancelled, refuseWith: (e: ApiError | null) => (refuse = e) };
}

describe('AdminUploads', () => {
  const b = upload({ id: 'b'.repeat(32), owner_id: 'carol', filename: 'b.mov', started_at: '2026-12-02T05:00:00+00:00' });
  const a = upload();

  it('lists the uploads, oldest first', async () => {
    const f = fakeUploads([a, b]);
    const s = new AdminUploads(f.api);
    expect(s.loaded).toBe(false);
    await s.refresh();
    expect(s.loaded).toBe(true);
    expect(s.items.map((u) => u.filename)).toEqual(['b.mov', 'cut.mov']);
  });

  it('shows why the list could not be had', async () => {
    const s = new AdminUploads({
      listUploads: async () => {
        throw new ApiError(403, 'forbidden', 'admins only');
      },
      cancelUpload: async () => undefined,
    });
    await s.refresh();
    expect(s.error).toBe('admins only');
    expect(s.loading).toBe(false);
  });

  it('cancels: the row goes once the server agrees', async () => {
    const f = fakeUploads([a, b]);
    const s = new AdminUploads(f.api);
    await s.refresh();
    const done = s.cancel(a.id);
    expect(s.cancelling.has(a.id)).toBe(true);
    expect(await done).toBe(true);
    expect(f.cancelled).toEqual([a.id]);
    expect(s.items.map((u) => u.id)).toEqual([b.id]);
    expect(s.cancelling.size).toBe(0);
  });

  it('keeps the row with the server’s message when a cancel is refused', async () => {
    const f = fakeUploads([a]);
    const s = new AdminUploads(f.api);
    await s.refresh();
    f.refuseWith(new ApiError(500, 'internal', 'could not remove the partial file'));
    expect(await s.cancel(a.id)).toBe(false);
    expect(s.items).toHaveLength(1);
    expect(s.rowErrors[a.id]).toBe('could not remove the partial file');
    f.refuseWith(null);
    expect(await s.cancel(a.id)).toBe(true);
    expect(s.rowErrors).toEqual({});
  });

  it('drops a row the server no longer has, saying so', async () => {
    const f = fakeUploads([a]);
    const s = new AdminUploads(f.api);
    await s.refresh();
    f.refuseWith(new ApiError(404, 'not_found', 'no such unfinished upload'));
    expect(await s.cancel(a.id)).toBe(false);
    expect(s.items).toHaveLength(0);
    expect(s.notice).toBe('cut.mov: no such unfinished upload');
  });
});

const QUOTA: Quota = {
  user_id: 'bob',
  limits: { stored_bytes: 0, upload_bytes: 0, uploads: 20, comment_bytes_per_day: 16777216 },
  overrides: { stored_bytes: null, upload_bytes: null, uploads: null, comment_bytes_per_day: null },
  usage: { stored_bytes: 123, upload_bytes: 0, uploads: 0, comment_bytes_today: 42 },
};

function fakeQuotaApi() {
  const puts: { id: string; overrides: QuotaOverrides }[] = [];
  let refuse: ApiError | null = null;
  const api = {
    userQuota: async (id: string) => {
      if (id === 'nobody') throw new ApiError(404, 'not_found', 'no such user');
      return { ...QUOTA, user_id: id };
    },
    setUserQuota: async (id: string, overrides: QuotaOverrides) => {
      if (refuse) throw refuse;
      puts.push({ id, overrides });
      // The server's effective limits: an override wins, null is the default.
      const limits = { ...QUOTA.limits };
      for (const [k, v] of Object.entries(overrides)) if (v != null) limits[k as keyof typeof limits] = v;
      return { ...QUOTA, user_id: id, overrides, limits };
    },
  };
  return { api, puts, refuseWith: (e: ApiError | null) => (refuse = e) };
}

describe('QuotaEditor', () => {
  it('loads a user: empty fields for the defaults', async () => {
    const f = fakeQuotaApi();
    const e = new QuotaEditor(f.api);
    e.userId = ' bob ';
    await e.load();
    expect(e.quota?.user_id).toBe('bob');
    expect(e.fields).toEqual({ stored_bytes: '', upload_bytes: '', uploads: '', comment_bytes_per_day: '' });
    expect(e.dirty).toBe(false);
  });

  it('asks for a user id, and shows an unknown one’s error', async () => {
    const e = new QuotaEditor(fakeQuotaApi().api);
    await e.load();
    expect(e.error).toBe('Type a user id.');
    e.userId = 'nobody';
    await e.load();
    expect(e.error).toBe('no such user');
    expect(e.quota).toBeNull();
  });

  it('saves the full set: empty is null, 0 no limit, sizes with units', async () => {
    const f = fakeQuotaApi();
    const e = new QuotaEditor(f.api);
    e.userId = 'bob';
    await e.load();
    e.fields.stored_bytes = '10 GiB';
    e.fields.uploads = '0';
    expect(e.dirty).toBe(true);
    expect(await e.save()).toBe(true);
    expect(f.puts).toEqual([{ id: 'bob', overrides: { stored_bytes: 10 * 1024 ** 3, upload_bytes: null, uploads: 0, comment_bytes_per_day: null } }]);
    expect(e.quota?.limits.stored_bytes).toBe(10 * 1024 ** 3);
    expect(e.fields.stored_bytes).toBe('10 GiB');
    expect(e.saved).toBe(true);
    expect(e.dirty).toBe(false);
  });

  it('marks fields it cannot read and sends nothing', async () => {
    const f = fakeQuotaApi();
    const e = new QuotaEditor(f.api);
    e.userId = 'bob';
    await e.load();
    e.fields.uploads = 'many';
    e.fields.stored_bytes = '-5';
    expect(await e.save()).toBe(false);
    expect(f.puts).toEqual([]);
    expect(Object.keys(e.fieldErrors).sort()).toEqual(['stored_bytes', 'uploads']);
    e.revert();
    expect(e.fields.uploads).toBe('');
    expect(e.fieldErrors).toEqual({});
  });

  it('shows the server’s refusal and keeps the typed values', async () => {
    const f = fakeQuotaApi();
    const e = new QuotaEditor(f.api);
    e.userId = 'bob';
    await e.load();
    e.fields.uploads = '5';
    f.refuseWith(new ApiError(400, 'bad_request', 'unknown key "uploadz"'));
    expect(await e.save()).toBe(false);
    expect(e.error).toBe('unknown key "uploadz"');
    expect(e.fields.uploads).toBe('5');
    expect(e.saving).toBe(false);
  });

  it('shows overrides so they read back the same', () => {
    expect(overrideField('uploads', null)).toBe('');
    expect(overrideField('uploads', 1024)).toBe('1024');
    expect(overrideField('stored_bytes', 0)).toBe('0');
    expect(overrideField('comment_bytes_per_day', 16777216)).toBe('16 MiB');
  });
});
