// The signed-in user's upload space: what the library's usage line shows. Refreshed when
// the library opens and whenever an upload starts or ends.
import { ApiError } from '../net/api';
import { formatBytes, limited, type Quota, type QuotaApi } from '../net/quota';

/** The usage line: `1.2 GiB of 10 GiB stored · 2 of 20 unfinished uploads`. */
export function usageText(q: Quota): string {
  const stored = `${formatBytes(q.usage.stored_bytes)}${limited(q.limits.stored_bytes) ? ` of ${formatBytes(q.limits.stored_bytes)}` : ''} stored`;
  const n = q.usage.uploads;
  const uploads = limited(q.limits.uploads)
    ? `${n} of ${q.limits.uploads} unfinished upload${q.limits.uploads === 1 ? '' : 's'}`
    : `${n} unfinished upload${n === 1 ? '' : 's'}`;
  const bytes = limited(q.limits.upload_bytes)
    ? ` (${formatBytes(q.usage.upload_bytes)} of ${formatBytes(q.limits.upload_bytes)})`
    : n > 0
      ? ` (${formatBytes(q.usage.upload_bytes)})`
      : '';
  return `${stored} · ${uploads}${bytes}`;
}

/** The highest share of a limit in use (0 when nothing is limited), for a warning tint. */
export function fullness(q: Quota): number {
  const share = (used: number, limit: number) => (limited(limit) ? used / limit : 0);
  return Math.max(
    share(q.usage.stored_bytes, q.limits.stored_bytes),
    share(q.usage.upload_bytes, q.limits.upload_bytes),
    share(q.usage.uploads, q.limits.uploads),
  );
}

export class MyQuota {
  quota = $state.raw<Quota | null>(null);
  error = $state<string | null>(null);
  /** The server has no quota route (an older one): the line stays hidden. */
  unsupported = $state(false);
  private running: Promise<void> | null = null;
  private again = false;

  constructor(private readonly api: Pick<QuotaApi, 'myQuota'>) {}

  /** Asks the server again; calls while one is in flight coalesce into one more. */
  refresh(): Promise<void> {
    if (this.running) {
      this.again = true;
      return this.running;
    }
    this.running = (async () => {
      do {
        this.again = false;
        try {
          this.quota = await this.api.myQuota();
          this.error = null;
        } catch (e) {
          if (e instanceof ApiError && (e.status === 404 || e.status === 405)) this.unsupported = true;
          else this.error = (e as Error).message;
        }
      } while (this.again && !this.unsupported);
      this.running = null;
    })();
    return this.running;
  }
}
