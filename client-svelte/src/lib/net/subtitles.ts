// The subtitle routes: users manage a media's tracks under /api/media, guests only list
// and read them under /api/guest/media.
import type { SubtitleTrack, SubtitleTrackEdit } from '../protocol/protocol';
import type { SubtitlesApi, UploadMeta } from '../state/subtitles.svelte';
import { asError } from './api';

async function json<T>(res: Response): Promise<T> {
  if (!res.ok) throw await asError(res);
  return (await res.json()) as T;
}

function base(guest: boolean, mediaId: string): string {
  return `/api${guest ? '/guest' : ''}/media/${encodeURIComponent(mediaId)}/subtitles`;
}

export function subtitlesApi(guest: boolean): SubtitlesApi {
  const list = async (m: string) => json<SubtitleTrack[]>(await fetch(base(guest, m), { credentials: 'same-origin' }));
  if (guest) return { list };
  return {
    list,
    async upload(m: string, file: Blob, meta: UploadMeta) {
      const q = new URLSearchParams({ filename: meta.filename });
      if (meta.title) q.set('title', meta.title);
      if (meta.language) q.set('language', meta.language);
      if (meta.offset_ms) q.set('offset_ms', String(Math.round(meta.offset_ms)));
      if (meta.default) q.set('default', '1');
      return json<SubtitleTrack>(await fetch(`${base(false, m)}?${q}`, { method: 'POST', body: file, credentials: 'same-origin' }));
    },
    async edit(m: string, id: number, edit: SubtitleTrackEdit) {
      const res = await fetch(`${base(false, m)}/${id}`, {
        method: 'PATCH',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(edit),
        credentials: 'same-origin',
      });
      return json<SubtitleTrack>(res);
    },
    async remove(m: string, id: number) {
      const res = await fetch(`${base(false, m)}/${id}`, { method: 'DELETE', credentials: 'same-origin' });
      if (!res.ok) throw await asError(res);
    },
  };
}
