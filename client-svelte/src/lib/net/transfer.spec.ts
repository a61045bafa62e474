import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { ApiError } from './api';
import { retryable, simpleTransfer, tusTransfer, type Transfer, type TransferCallbacks } from './transfer';

interface Scripted {
  status: number;
  body?: unknown;
  headers?: Record<string, string>;
}

/** An XMLHttpRequest that answers from a script, one answer per request, in order. */
class FakeXHR {
  static script: Scripted[] = [];
  static sent: { method: string; url: string }[] = [];
  method = '';
  url = '';
  status = 0;
  responseText = '';
  private headers: Record<string, string> = {};
  upload: { onprogress: ((e: ProgressEvent) => void) | null } = { onprogress: null };
  onload: (() => void) | null = null;
  onerror: ((e: unknown) => void) | null = null;
  onabort: (() => void) | null = null;
  open(method: string, url: string) {
    this.method = method;
    this.url = url;
  }
  setRequestHeader() {}
  getResponseHeader(name: string) {
    return this.headers[name.toLowerCase()] ?? null;
  }
  abort() {}
  send() {
    FakeXHR.sent.push({ method: this.method, url: this.url });
    const next = FakeXHR.script.shift();
    queueMicrotask(() => {
      if (!next) return this.onerror?.(new Error("no answer scripted"));
      this.status = next.status;
      this.responseText = next.body === undefined ? '' : JSON.stringify(next.body);
      this.headers = Object.fromEntries(Object.entries(next.headers ?? {}).map(([k, v]) => [k.toLowerCase(), v]));
      this.onload?.();
    });
  }
}

function callbacks() {
  const seen = { errors: [] as ApiError[], stalled: [] as string[], done: [] as (string | null)[] };
  const cb: TransferCallbacks = {
    onProgress: () => undefined,
    onStalled: (r) => seen.stalled.push(r),
    onSuccess: (id) => seen.done.push(id),
    onError: (e) => seen.errors.push(e),
  };
  return { cb, seen };
}

// Transfers still running when a test ends are stopped, so none answers into the next.
const running: Transfer[] = [];
const start = (how: typeof tusTransfer, cb: TransferCallbacks) => running.push(how(file(), cb));

const file = () => new File([new Uint8Array(1000)], 'cut.mov', { type: 'video/quicktime' });

beforeEach(() => {
  FakeXHR.script = [];
  FakeXHR.sent = [];
  localStorage.clear();
  vi.stubGlobal('XMLHttpRequest', FakeXHR);
});
afterEach(() => {
  running.splice(0).forEach((t) => t.abort());
  vi.unstubAllGlobals();
});

describe('retries', () => {
  it('retries a dropped link or a server error, not a refusal that stays true', () => {
    for (const s of [0, 409, 423, 500, 502, 503]) expect(retryable(s), String(s)).toBe(true);
    for (const s of [400, 403, 404, 413, 429, 501, 507]) expect(retryable(s), String(s)).toBe(false);
  });
});

describe('refused uploads show the server’s message', () => {
  it('tus: too many unfinished uploads (429 at creation)', async () => {
    const message = 'your unfinished uploads would exceed your limit of 20 uploads';
    FakeXHR.script = [{ status: 429, body: { error: 'quota_exceeded', message } }];
    const { cb, seen } = callbacks();
    start(tusTransfer, cb);
    await vi.waitFor(() => expect(seen.errors).toHaveLength(1));
    expect(seen.errors[0]).toMatchObject({ status: 429, code: 'quota_exceeded', message });
    expect(seen.stalled).toEqual([]);
    expect(FakeXHR.sent).toEqual([{ method: 'POST', url: '/api/tus/' }]);
  });

  it('tus: the server’s disk is full (507) is not retried', async () => {
    FakeXHR.script = [{ status: 507, body: { error: 'insufficient_storage', message: 'the server is out of disk space' } }];
    const { cb, seen } = callbacks();
    start(tusTransfer, cb);
    await vi.waitFor(() => expect(seen.errors).toHaveLength(1));
    expect(seen.errors[0]).toMatchObject({ status: 507, code: 'insufficient_storage', message: 'the server is out of disk space' });
    expect(seen.stalled).toEqual([]);
    expect(FakeXHR.sent).toHaveLength(1);
  });

  it('tus: a stored-bytes limit met while sending (413 on PATCH)', async () => {
    const message = 'this upload would exceed your limit of 1 GiB of stored media';
    FakeXHR.script = [
      { status: 201, headers: { Location: '/api/tus/0f3c0000000000000000000000000000' } },
      { status: 413, body: { error: 'quota_exceeded', message } },
    ];
    const { cb, seen } = callbacks();
    start(tusTransfer, cb);
    await vi.waitFor(() => expect(seen.errors).toHaveLength(1));
    expect(seen.errors[0]).toMatchObject({ status: 413, code: 'quota_exceeded', message });
    expect(FakeXHR.sent.map((r) => r.method)).toEqual(['POST', 'PATCH']);
  });

  it('a plain POST upload refused for a quota', async () => {
    const message = 'your unfinished uploads would exceed your limit of 20 uploads';
    FakeXHR.script = [{ status: 429, body: { error: 'quota_exceeded', message } }];
    const { cb, seen } = callbacks();
    start(simpleTransfer, cb);
    await vi.waitFor(() => expect(seen.errors).toHaveLength(1));
    expect(seen.errors[0]).toMatchObject({ status: 429, code: 'quota_exceeded', message });
    expect(FakeXHR.sent).toEqual([{ method: 'POST', url: '/api/upload' }]);
  });
});
