import { describe, expect, it } from 'vitest';
import { ApiError } from '../net/api';
import type { TransferCallbacks } from '../net/transfer';
import { isMediaFile, Uploads } from './uploads.svelte';

function fakeTransfers() {
  const runs: { file: File; cb: TransferCallbacks; aborted: boolean }[] = [];
  const start = (file: File, cb: TransferCallbacks) => {
    const run = { file, cb, aborted: false };
    runs.push(run);
    return { abort: () => (run.aborted = true) };
  };
  return { runs, start };
}

const file = (name: string, size = 100, type = 'video/mp4') => new File([new Uint8Array(size)], name, { type });

describe('Uploads', () => {
  it('runs a few at a time, each with its own progress', () => {
    const t = fakeTransfers();
    const done: (string | null)[] = [];
    const u = new Uploads(t.start, (id) => done.push(id));
    u.concurrency = 2;
    u.add([file('a.mp4'), file('b.mov'), file('c.mp4')]);
    expect(t.runs.map((r) => r.file.name)).toEqual(['a.mp4', 'b.mov']);
    t.runs[0].cb.onProgress(50, 100);
    expect(u.items[0].sent).toBe(50);
    expect(u.totalProgress).toBeCloseTo(50 / 300);
    t.runs[0].cb.onSuccess('m1');
    expect(u.items[0].state).toBe('done');
    expect(done).toEqual(['m1']);
    expect(t.runs.map((r) => r.file.name)).toEqual(['a.mp4', 'b.mov', 'c.mp4']);
  });

  it('shows a stalled transfer and its recovery', () => {
    const t = fakeTransfers();
    const u = new Uploads(t.start);
    u.add([file('a.mp4')]);
    t.runs[0].cb.onStalled('Connection lost — retrying (1)…');
    expect(u.items[0].state).toBe('stalled');
    t.runs[0].cb.onProgress(60, 100);
    expect(u.items[0].state).toBe('uploading');
  });

  it('shows why an upload failed and retries it', () => {
    const t = fakeTransfers();
    const u = new Uploads(t.start);
    u.add([file('a.mp4')]);
    t.runs[0].cb.onError(new ApiError(413, 'payload_too_large', 'The file is larger than 1 GiB.'));
    expect(u.items[0]).toMatchObject({ state: 'failed', message: 'The file is larger than 1 GiB.' });
    u.retry(u.items[0].key);
    expect(t.runs).toHaveLength(2);
    expect(u.items[0].state).toBe('uploading');
  });

  it('cancels and skips what is not media', () => {
    const t = fakeTransfers();
    const u = new Uploads(t.start);
    expect(u.add([file('notes.txt', 10, 'text/plain'), file('a.mxf', 10, '')])).toBe(1);
    u.cancel(u.items[0].key);
    expect(t.runs[0].aborted).toBe(true);
    expect(u.items[0].state).toBe('cancelled');
    u.clearFinished();
    expect(u.items).toHaveLength(0);
    expect(isMediaFile({ name: 'A001.MOV', type: '' })).toBe(true);
    expect(isMediaFile({ name: 'shot_010.zip', type: 'application/zip' })).toBe(true);
    expect(isMediaFile({ name: 'notes.txt', type: 'text/plain' })).toBe(false);
  });
});
