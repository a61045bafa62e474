// The files being uploaded, each with its own progress and state; resumable transfers
// pick up where they were after the network comes back.
import type { ApiError } from '../net/api';
import type { StartTransfer, Transfer } from '../net/transfer';

export type UploadState = 'waiting' | 'uploading' | 'stalled' | 'done' | 'failed' | 'cancelled';

export interface UploadItem {
  key: number;
  name: string;
  size: number;
  sent: number;
  state: UploadState;
  message: string;
  mediaId: string | null;
  /** Uploaded as a new version of this media (null: a media of its own). */
  versionOf: string | null;
}

const ACCEPTED = /^(video|audio|image)\//;
const ACCEPTED_EXT = /\.(mov|mp4|m4v|mkv|mxf|avi|webm|mts|m2ts|wav|mp3|aac|flac|png|jpe?g|exr|dpx|tiff?|zip)$/i;

export function isMediaFile(f: { name: string; type: string }): boolean {
  return ACCEPTED.test(f.type) || ACCEPTED_EXT.test(f.name);
}

export class Uploads {
  items = $state<UploadItem[]>([]);
  /** Transfers run this many at a time; the rest wait their turn. */
  concurrency = 3;
  private files = new Map<number, File>();
  private transfers = new Map<number, Transfer>();
  private nextKey = 1;

  active: number = $derived(this.items.filter((i) => i.state === 'uploading' || i.state === 'stalled').length);
  totalProgress: number = $derived.by(() => {
    const live = this.items.filter((i) => i.state !== 'cancelled' && i.state !== 'failed');
    const size = live.reduce((s, i) => s + i.size, 0);
    return size ? live.reduce((s, i) => s + i.sent, 0) / size : 0;
  });

  constructor(
    private readonly start: StartTransfer,
    private readonly onUploaded: (mediaId: string | null, name: string) => void = () => {},
  ) {}

  /**
   * Adds files; returns how many were skipped as not media. With `versionOf`, each becomes
   * a new version on top of that media's stack.
   */
  add(files: Iterable<File>, opts: { versionOf?: string } = {}): number {
    let skipped = 0;
    for (const f of files) {
      if (!isMediaFile(f)) {
        skipped++;
        continue;
      }
      const key = this.nextKey++;
      this.files.set(key, f);
      this.items.push({ key, name: f.name, size: f.size, sent: 0, state: 'waiting', message: '', mediaId: null, versionOf: opts.versionOf ?? null });
    }
    this.pump();
    return skipped;
  }

  private item(key: number): UploadItem | undefined {
    return this.items.find((i) => i.key === key);
  }

  private pump(): void {
    let running = this.items.filter((i) => i.state === 'uploading' || i.state === 'stalled').length;
    for (const it of this.items) {
      if (running >= this.concurrency) break;
      if (it.state !== 'waiting') continue;
      running++;
      this.run(it.key);
    }
  }

  private run(key: number): void {
    const file = this.files.get(key);
    const it = this.item(key);
    if (!file || !it) return;
    it.state = 'uploading';
    it.message = '';
    const done = () => {
      this.transfers.delete(key);
      this.pump();
    };
    this.transfers.set(
      key,
      this.start(file, {
        onProgress: (sent, total) => {
          const i = this.item(key);
          if (!i) return;
          i.sent = sent;
          i.size = total || i.size;
          if (i.state === 'stalled') {
            i.state = 'uploading';
            i.message = '';
          }
        },
        onStalled: (reason) => {
          const i = this.item(key);
          if (i && i.state === 'uploading') {
            i.state = 'stalled';
            i.message = reason;
          }
        },
        onSuccess: (mediaId) => {
          const i = this.item(key);
          if (i) {
            i.state = 'done';
            i.sent = i.size;
            i.mediaId = mediaId;
            i.message = 'Processing…';
          }
          this.files.delete(key);
          this.onUploaded(mediaId, file.name);
          done();
        },
        onError: (err: ApiError) => {
          const i = this.item(key);
          if (i) {
            i.state = 'failed';
            i.message = err.message;
          }
          done();
        },
      }, it.versionOf ? { versionOf: it.versionOf } : undefined),
    );
  }

  /** Tries a failed upload again (a resumable one continues where it stopped). */
  retry(key: number): void {
    const it = this.item(key);
    if (!it || (it.state !== 'failed' && it.state !== 'cancelled') || !this.files.has(key)) return;
    it.state = 'waiting';
    it.message = '';
    this.pump();
  }

  /** Retries everything that failed on the network (when the browser is online again). */
  retryNetworkFailures(): void {
    for (const it of this.items) if (it.state === 'failed' && /network/i.test(it.message)) this.retry(it.key);
  }

  cancel(key: number): void {
    const it = this.item(key);
    if (!it || it.state === 'done') return;
    this.transfers.get(key)?.abort();
    this.transfers.delete(key);
    it.state = 'cancelled';
    it.message = 'Cancelled';
    this.pump();
  }

  /** Forgets finished, failed and cancelled uploads. */
  clearFinished(): void {
    this.items = this.items.filter((i) => i.state === 'uploading' || i.state === 'stalled' || i.state === 'waiting');
    for (const k of [...this.files.keys()]) if (!this.item(k)) this.files.delete(k);
  }
}
