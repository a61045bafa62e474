// Moving one file to the server: resumable with tus when the server offers it, a
// single POST otherwise. Both report progress and end with the new media id (if known).
import * as tus from 'tus-js-client';
import { ApiError, simpleUpload } from './api';

export interface TransferCallbacks {
  onProgress(sent: number, total: number): void;
  /** The link dropped and the transfer waits to retry from where it was. */
  onStalled(reason: string): void;
  onSuccess(mediaId: string | null): void;
  onError(err: ApiError): void;
}

export interface Transfer {
  abort(): void;
}

/** `versionOf`: the file becomes a new version on top of that media's stack. */
export interface TransferOptions {
  versionOf?: string;
}

export type StartTransfer = (file: File, cb: TransferCallbacks, opts?: TransferOptions) => Transfer;

/** The tus metadata of an upload (tus-js-client base64-encodes each value). */
export function tusMetadata(file: { name: string; type: string }, opts: TransferOptions = {}): Record<string, string> {
  const meta: Record<string, string> = { filename: file.name, filetype: file.type || 'application/octet-stream' };
  if (opts.versionOf) meta.version_of = opts.versionOf;
  return meta;
}

const RETRY_DELAYS = [0, 1000, 2000, 4000, 8000, 15000, 30000, 30000, 30000, 60000];

/**
 * Whether a failed tus request is worth sending again: a dropped link, a conflict or lock,
 * a server error. Not a refusal that stays true: 507 (the server's disk is full), 501 (no
 * tus: the plain upload takes over), nor 413/429 (a quota), whose message is shown instead.
 */
export function retryable(status: number): boolean {
  if (status === 501 || status === 507) return false;
  return status === 0 || status === 409 || status === 423 || status >= 500;
}

function tusError(err: Error): ApiError {
  const detailed = err as tus.DetailedError;
  const res = detailed.originalResponse;
  if (res) {
    try {
      const body = JSON.parse(res.getBody());
      return new ApiError(res.getStatus(), body.error ?? 'http', body.message ?? err.message);
    } catch {
      return new ApiError(res.getStatus(), 'http', `The server answered ${res.getStatus()}.`);
    }
  }
  return new ApiError(0, 'network', 'The network connection was lost.');
}

/** The media id, when the server names it on the last response (else the socket tells). */
function mediaIdFrom(res: tus.HttpResponse | null): string | null {
  return res?.getHeader('X-Media-Id') ?? res?.getHeader('Dailies-Media-Id') ?? null;
}

export const tusTransfer: StartTransfer = (file, cb, opts = {}) => {
  let fallback: Transfer | null = null;
  let aborted = false;
  const upload = new tus.Upload(file, {
    endpoint: '/api/tus/',
    retryDelays: RETRY_DELAYS,
    chunkSize: 16 * 1024 * 1024,
    metadata: tusMetadata(file, opts),
    removeFingerprintOnSuccess: true,
    onProgress: (sent, total) => cb.onProgress(sent, total),
    onShouldRetry: (err, attempt) => {
      const status = err.originalResponse?.getStatus() ?? 0;
      const retry = retryable(status);
      if (retry) cb.onStalled(`Connection lost — retrying (${attempt + 1})…`);
      return retry;
    },
    onSuccess: ({ lastResponse }) => cb.onSuccess(mediaIdFrom(lastResponse)),
    onError: (err) => {
      if (aborted) return;
      const e = tusError(err);
      // A server without tus: fall back to one plain request.
      if (!upload.url && [404, 405, 501].includes(e.status)) {
        fallback = simpleTransfer(file, cb, opts);
        return;
      }
      cb.onError(e);
    },
  });
  upload
    .findPreviousUploads()
    .then((previous) => {
      const same = previous.find((p) => p.size === file.size);
      if (same) upload.resumeFromPreviousUpload(same);
    })
    .catch(() => undefined)
    .finally(() => !aborted && upload.start());
  return {
    abort: () => {
      aborted = true;
      fallback?.abort();
      void upload.abort(false);
    },
  };
};

export const simpleTransfer: StartTransfer = (file, cb, opts = {}) => {
  const ctl = new AbortController();
  simpleUpload(file, (s, t) => cb.onProgress(s, t), ctl.signal, opts.versionOf).then(
    (r) => cb.onSuccess(r.id),
    (e: ApiError) => e.code !== 'aborted' && cb.onError(e),
  );
  return { abort: () => ctl.abort() };
};
