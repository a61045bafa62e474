// The REST side of the server: media list, rename, delete and the simple upload.
import type { MediaInfo, Preferences, PreferencesUpdate } from '../protocol/protocol';

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

/** The server's `{error, message}` body of a failed response, as an ApiError. */
export async function asError(res: Response): Promise<ApiError> {
  try {
    const body = await res.json();
    return new ApiError(res.status, body.error ?? 'http', body.message ?? res.statusText);
  } catch {
    return new ApiError(res.status, 'http', `${res.status} ${res.statusText}`);
  }
}

/** A same-origin request whose answer is JSON (nothing for 204); a failure throws ApiError. */
export async function json<T>(path: string, init?: RequestInit): Promise<T> {
  const res = await fetch(path, { credentials: 'same-origin', ...init });
  if (!res.ok) throw await asError(res);
  return res.status === 204 ? (undefined as T) : ((await res.json()) as T);
}

export const api = {
  listMedia: () => json<MediaInfo[]>('/api/media'),
  getMedia: (id: string) => json<MediaInfo>(`/api/media/${encodeURIComponent(id)}`),
  renameMedia: (id: string, title: string) =>
    json<MediaInfo | undefined>(`/api/media/${encodeURIComponent(id)}`, {
      method: 'PATCH',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ title }),
    }),
  deleteMedia: async (id: string) => {
    const res = await fetch(`/api/media/${encodeURIComponent(id)}`, { method: 'DELETE', credentials: 'same-origin' });
    if (!res.ok) throw await asError(res);
  },
};

/** The plain upload's address: `?version_of=` puts the file on top of that media's stack. */
export function uploadUrl(versionOf?: string): string {
  return versionOf ? `/api/upload?version_of=${encodeURIComponent(versionOf)}` : '/api/upload';
}

/** Uploads in one request with progress; the fallback when tus is not available. */
export function simpleUpload(
  file: File,
  onProgress: (sent: number, total: number) => void,
  signal?: AbortSignal,
  versionOf?: string,
): Promise<{ id: string }> {
  return new Promise((resolve, reject) => {
    const xhr = new XMLHttpRequest();
    xhr.open('POST', uploadUrl(versionOf));
    xhr.setRequestHeader('X-File-Name', encodeURIComponent(file.name));
    xhr.setRequestHeader('Content-Type', file.type || 'application/octet-stream');
    xhr.upload.onprogress = (e) => onProgress(e.loaded, e.lengthComputable ? e.total : file.size);
    xhr.onload = () => {
      let body: { id?: string; error?: string; message?: string } = {};
      try {
        body = JSON.parse(xhr.responseText);
      } catch {
        /* not JSON */
      }
      if (xhr.status >= 200 && xhr.status < 300 && body.id) resolve({ id: body.id });
      else reject(new ApiError(xhr.status, body.error ?? 'http', body.message ?? `upload failed (${xhr.status})`));
    };
    xhr.onerror = () => reject(new ApiError(0, 'network', 'The network connection was lost.'));
    xhr.onabort = () => reject(new ApiError(0, 'aborted', 'Cancelled.'));
    signal?.addEventListener('abort', () => xhr.abort());
    xhr.send(file);
  });
}

/** The caller's display choices, kept with their account. */
export const preferencesApi = {
  get: () => json<Preferences>('/api/me/preferences'),
  put: (change: PreferencesUpdate) =>
    json<Preferences>('/api/me/preferences', { method: 'PUT', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(change) }),
};
