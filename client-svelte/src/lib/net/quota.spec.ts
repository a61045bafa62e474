import { afterEach, describe, expect, it, vi } from 'vitest';
import { ApiError } from './api';
import { bytesField, formatBytes, formatLimit, limited, parseAmount, quotaApi, type Quota } from './quota';

const QUOTA: Quota = {
  user_id: 'alice',
  limits: { stored_bytes: 0, upload_bytes: 0, uploads: 20, comment_bytes_per_day: 16777216 },
  overrides: { stored_bytes: null, upload_bytes: null, uploads: null, comment_bytes_per_day: null },
  usage: { stored_bytes: 123, upload_bytes: 0, uploads: 0, comment_bytes_today: 42 },
};

function answer(status: number, body?: unknown): Response {
  return new Response(body === undefined ? null : JSON.stringify(body), {
    status,
    headers: body === undefined ? {} : { 'Content-Type': 'application/json' },
  });
}

/** A fetch that answers each call in turn and remembers what was asked. */
function stubFetch(...answers: Response[]) {
  const calls: { url: string; init: RequestInit }[] = [];
  vi.stubGlobal(
    'fetch',
    vi.fn(async (url: string, init: RequestInit = {}) => {
      calls.push({ url, init });
      const next = answers.shift();
      if (!next) throw new Error(`unexpected request ${url}`);
      return next;
    }),
  );
  return calls;
}

afterEach(() => vi.unstubAllGlobals());

describe('quota API', () => {
  it('reads the signed-in user’s quota, nulls and zeros as sent', async () => {
    const calls = stubFetch(answer(200, QUOTA));
    const q = await quotaApi.myQuota();
    expect(calls[0].url).toBe('/api/quota');
    expect(calls[0].init.credentials).toBe('same-origin');
    expect(q).toEqual(QUOTA);
    expect(q.overrides.uploads).toBeNull();
    expect(limited(q.limits.stored_bytes)).toBe(false);
    expect(limited(q.limits.uploads)).toBe(true);
  });

  it('reads another user’s quota by an escaped id', async () => {
    const calls = stubFetch(answer(200, { ...QUOTA, user_id: 'ann b/c' }));
    await quotaApi.userQuota('ann b/c');
    expect(calls[0].url).toBe('/api/admin/users/ann%20b%2Fc/quota');
    expect(calls[0].init.method ?? 'GET').toBe('GET');
  });

  it('puts the full set of overrides, null for the defaults', async () => {
    const saved = { ...QUOTA, overrides: { ...QUOTA.overrides, uploads: 5, stored_bytes: 0 } };
    const calls = stubFetch(answer(200, saved));
    const q = await quotaApi.setUserQuota('bob', { stored_bytes: 0, upload_bytes: null, uploads: 5, comment_bytes_per_day: null });
    expect(calls[0].url).toBe('/api/admin/users/bob/quota');
    expect(calls[0].init.method).toBe('PUT');
    expect(new Headers(calls[0].init.headers).get('Content-Type')).toBe('application/json');
    expect(JSON.parse(String(calls[0].init.body))).toEqual({ stored_bytes: 0, upload_bytes: null, uploads: 5, comment_bytes_per_day: null });
    expect(q.overrides).toEqual(saved.overrides);
  });

  it('throws the server’s error code and message', async () => {
    stubFetch(answer(400, { error: 'bad_request', message: 'uploads must not be negative' }));
    const err = await quotaApi.setUserQuota('bob', { stored_bytes: null, upload_bytes: null, uploads: -1, comment_bytes_per_day: null }).catch((e) => e);
    expect(err).toBeInstanceOf(ApiError);
    expect(err).toMatchObject({ status: 400, code: 'bad_request', message: 'uploads must not be negative' });

    stubFetch(answer(403, { error: 'forbidden', message: 'admins only' }));
    await expect(quotaApi.listUploads()).rejects.toMatchObject({ status: 403, code: 'forbidden', message: 'admins only' });
  });

  it('names the status when the error body is not JSON', async () => {
    stubFetch(new Response('<html>bad gateway</html>', { status: 502, statusText: 'Bad Gateway' }));
    await expect(quotaApi.myQuota()).rejects.toMatchObject({ status: 502, code: 'http', message: '502 Bad Gateway' });
  });

  it('lists unfinished uploads, a length that is not known included', async () => {
    const up = {
      id: '0f3c'.padEnd(32, '0'),
      kind: 'post',
      owner_id: 'bob',
      filename: 'cut.mov',
      length: null,
      written: 524288,
      started_at: '2026-12-02T06:00:00+00:00',
      updated_at: '2026-12-02T06:00:05+00:00',
    };
    const calls = stubFetch(answer(200, { uploads: [up] }));
    expect(await quotaApi.listUploads()).toEqual([up]);
    expect(calls[0].url).toBe('/api/admin/uploads');
  });

  it('cancels an upload: 204, or 404 when it is gone', async () => {
    const calls = stubFetch(answer(204), answer(404, { error: 'not_found', message: 'no such unfinished upload' }));
    await expect(quotaApi.cancelUpload('abc')).resolves.toBeUndefined();
    expect(calls[0]).toMatchObject({ url: '/api/admin/uploads/abc', init: { method: 'DELETE' } });
    await expect(quotaApi.cancelUpload('abc')).rejects.toMatchObject({ status: 404, message: 'no such unfinished upload' });
  });
});

describe('amounts', () => {
  it('formats bytes in binary units', () => {
    expect(formatBytes(0)).toBe('0 B');
    expect(formatBytes(1023)).toBe('1023 B');
    expect(formatBytes(1024)).toBe('1 KiB');
    expect(formatBytes(1536)).toBe('1.5 KiB');
    expect(formatBytes(16777216)).toBe('16 MiB');
    expect(formatBytes(2.34 * 1024 ** 3)).toBe('2.3 GiB');
    expect(formatBytes(700 * 1024 ** 3)).toBe('700 GiB');
  });

  it('shows limits, 0 as no limit', () => {
    expect(formatLimit('uploads', 0)).toBe('no limit');
    expect(formatLimit('stored_bytes', 0)).toBe('no limit');
    expect(formatLimit('uploads', 1)).toBe('1 upload');
    expect(formatLimit('uploads', 20)).toBe('20 uploads');
    expect(formatLimit('comment_bytes_per_day', 16777216)).toBe('16 MiB');
  });

  it('reads typed amounts: empty is the default, 0 no limit, units in 1024s', () => {
    expect(parseAmount('', 'bytes')).toEqual({ value: null });
    expect(parseAmount('  ', 'count')).toEqual({ value: null });
    expect(parseAmount('0', 'bytes')).toEqual({ value: 0 });
    expect(parseAmount('1000', 'bytes')).toEqual({ value: 1000 });
    expect(parseAmount('16 MiB', 'bytes')).toEqual({ value: 16777216 });
    expect(parseAmount('2g', 'bytes')).toEqual({ value: 2 * 1024 ** 3 });
    expect(parseAmount('1.5 KB', 'bytes')).toEqual({ value: 1536 });
    expect(parseAmount('20', 'count')).toEqual({ value: 20 });
    expect(parseAmount('-1', 'bytes')).toHaveProperty('error');
    expect(parseAmount('1.5', 'count')).toHaveProperty('error');
    expect(parseAmount('lots', 'bytes')).toHaveProperty('error');
  });

  it('puts amounts into fields that read back the same', () => {
    for (const n of [0, 1000, 1024, 16777216, 3 * 1024 ** 3, 1536, 1024 ** 3 + 1]) {
      expect(parseAmount(bytesField(n), 'bytes')).toEqual({ value: n });
    }
    expect(bytesField(16777216)).toBe('16 MiB');
    expect(bytesField(1536)).toBe('1536');
  });
});
