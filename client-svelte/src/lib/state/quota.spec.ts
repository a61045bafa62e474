import { describe, expect, it, vi } from 'vitest';
import { ApiError } from '../net/api';
import type { Quota } from '../net/quota';
import { fullness, MyQuota, usageText } from './quota.svelte';

const MiB = 1024 * 1024;
const GiB = 1024 * MiB;

function quota(limits: Partial<Quota['limits']> = {}, usage: Partial<Quota['usage']> = {}): Quota {
  return {
    user_id: 'alice',
    limits: { stored_bytes: 0, upload_bytes: 0, uploads: 0, comment_bytes_per_day: 0, ...limits },
    overrides: { stored_bytes: null, upload_bytes: null, uploads: null, comment_bytes_per_day: null },
    usage: { stored_bytes: 0, upload_bytes: 0, uploads: 0, comment_bytes_today: 0, ...usage },
  };
}

describe('usage line', () => {
  it('shows stored bytes and unfinished uploads, "of" a limit only when there is one', () => {
    expect(usageText(quota({}, { stored_bytes: 123 }))).toBe('123 B stored · 0 unfinished uploads');
    expect(usageText(quota({ uploads: 20, comment_bytes_per_day: 16 * MiB }, { stored_bytes: 1.5 * GiB, uploads: 1, upload_bytes: 512 * 1024 }))).toBe(
      '1.5 GiB stored · 1 of 20 unfinished uploads (512 KiB)',
    );
    expect(usageText(quota({ stored_bytes: 10 * GiB, uploads: 1, upload_bytes: 2 * GiB }, { stored_bytes: 3 * MiB }))).toBe(
      '3 MiB of 10 GiB stored · 0 of 1 unfinished upload (0 B of 2 GiB)',
    );
  });

  it('tells how full the fullest limit is', () => {
    expect(fullness(quota({}, { stored_bytes: 5 * GiB, uploads: 9 }))).toBe(0);
    expect(fullness(quota({ uploads: 20, stored_bytes: 10 * GiB }, { uploads: 19, stored_bytes: GiB }))).toBeCloseTo(0.95);
  });
});

describe('MyQuota', () => {
  it('loads, and folds refreshes asked for meanwhile into one more', async () => {
    let calls = 0;
    const gates: (() => void)[] = [];
    const q = new MyQuota({
      myQuota: () => {
        calls++;
        return new Promise<Quota>((res) => gates.push(() => res(quota({}, { uploads: calls }))));
      },
    });
    const first = q.refresh();
    void q.refresh();
    void q.refresh();
    expect(calls).toBe(1);
    gates.shift()!();
    await vi.waitFor(() => expect(calls).toBe(2));
    gates.shift()!();
    await first;
    expect(calls).toBe(2);
    expect(q.quota?.usage.uploads).toBe(2);
    expect(q.error).toBeNull();
  });

  it('keeps the last numbers on an error, and hides itself on a server without the route', async () => {
    let answer: () => Promise<Quota> = async () => quota({}, { stored_bytes: 7 });
    const q = new MyQuota({ myQuota: () => answer() });
    await q.refresh();
    answer = async () => {
      throw new ApiError(500, 'internal', 'database is locked');
    };
    await q.refresh();
    expect(q.quota?.usage.stored_bytes).toBe(7);
    expect(q.error).toBe('database is locked');
    expect(q.unsupported).toBe(false);
    answer = async () => {
      throw new ApiError(404, 'not_found', 'no such API route');
    };
    await q.refresh();
    expect(q.unsupported).toBe(true);
  });
});
