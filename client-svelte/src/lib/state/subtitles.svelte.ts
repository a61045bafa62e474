// A media's subtitle tracks in the player: which one is shown (the default at open, then
// the viewer's choice), the cue on screen, and the cue a new comment links to. The REST
// calls are injected, so the specs run without a server.
import type { SubtitleCue, SubtitleTrack, SubtitleTrackEdit } from '../protocol/protocol';

/** The REST calls the state needs; users and guests have different addresses. */
export interface SubtitlesApi {
  list(mediaId: string): Promise<SubtitleTrack[]>;
  upload?(mediaId: string, file: Blob, meta: UploadMeta): Promise<SubtitleTrack>;
  edit?(mediaId: string, id: number, edit: SubtitleTrackEdit): Promise<SubtitleTrack>;
  remove?(mediaId: string, id: number): Promise<void>;
}

export interface UploadMeta {
  filename: string;
  title?: string;
  language?: string;
  offset_ms?: number;
  default?: boolean;
}

/** A cue as the browser's TextTrack gives it: seconds. */
export interface CueLike {
  startTime: number;
  endTime: number;
  text: string;
}

/** The cue showing at `t` seconds (the latest started when several overlap), or null. */
export function cueAt(cues: readonly CueLike[], t: number): CueLike | null {
  let found: CueLike | null = null;
  for (const c of cues) if (c.startTime <= t && t < c.endTime && (!found || c.startTime >= found.startTime)) found = c;
  return found;
}

/** The link a comment keeps: the cue as shown (offset applied), text without markup. */
export function cueLink(trackId: number, cue: CueLike): SubtitleCue {
  const text = cue.text.replace(/<[^>]*>/g, '').trim().slice(0, 1000);
  return { track_id: trackId, start_ms: Math.max(0, Math.round(cue.startTime * 1000)), end_ms: Math.max(0, Math.round(cue.endTime * 1000)), text };
}

/** "French (fra)": the title, with the language when it adds something. */
export function trackLabel(t: SubtitleTrack): string {
  return t.language && !t.title.includes(t.language) ? `${t.title} (${t.language})` : t.title;
}

/** The address a <track> loads: changes with the offset, so a re-timed track is read again. */
export function trackSrc(t: SubtitleTrack): string {
  return `${t.vtt_url}?offset=${t.offset_ms}`;
}

export class Subtitles {
  tracks = $state<SubtitleTrack[]>([]);
  /** The track shown, or null for off. */
  active = $state<number | null>(null);
  /** The cue on screen in the active track. */
  cue = $state<SubtitleCue | null>(null);
  error = $state('');
  private chosen = false;
  private mediaId: string | null = null;

  constructor(private api: SubtitlesApi) {}

  get activeTrack(): SubtitleTrack | null {
    return this.tracks.find((t) => t.id === this.active) ?? null;
  }

  /** Loads the media's tracks; a different media starts again from its default. */
  async load(mediaId: string): Promise<void> {
    if (mediaId !== this.mediaId) {
      this.mediaId = mediaId;
      this.chosen = false;
      this.active = null;
      this.cue = null;
    }
    try {
      const list = await this.api.list(mediaId);
      if (this.mediaId === mediaId) this.setTracks(list);
    } catch (e) {
      this.error = e instanceof Error ? e.message : String(e);
    }
  }

  /** The tracks as listed: the viewer's choice stays while its track does; else the default. */
  setTracks(list: SubtitleTrack[]): void {
    this.tracks = list;
    if (this.active !== null && !list.some((t) => t.id === this.active)) {
      this.active = null;
      this.chosen = false;
    }
    if (!this.chosen) this.active = list.find((t) => t.is_default)?.id ?? null;
    if (this.active === null) this.cue = null;
  }

  /** The viewer picks a track, or off (null). */
  choose(id: number | null): void {
    this.chosen = true;
    this.active = id !== null && this.tracks.some((t) => t.id === id) ? id : null;
    this.cue = null;
  }

  /** What the active track shows now (from its TextTrack's active cues). */
  showCue(cue: CueLike | null): void {
    const id = this.active;
    this.cue = cue && id !== null ? cueLink(id, cue) : null;
  }

  async upload(file: Blob, meta: UploadMeta): Promise<boolean> {
    let added: number | null = null;
    const ok = await this.change(async (m) => {
      added = (await this.api.upload!(m, file, meta)).id;
    });
    // A new default track is shown at once, whatever was chosen before.
    if (ok && meta.default && added !== null) this.choose(added);
    return ok;
  }

  async edit(id: number, edit: SubtitleTrackEdit): Promise<boolean> {
    return this.change(async (m) => {
      await this.api.edit!(m, id, edit);
    });
  }

  async remove(id: number): Promise<boolean> {
    return this.change((m) => this.api.remove!(m, id));
  }

  /** Runs an edit, then lists again (the server decides defaults); false with `error` set. */
  private async change(f: (mediaId: string) => Promise<void>): Promise<boolean> {
    const m = this.mediaId;
    if (!m) return false;
    this.error = '';
    try {
      await f(m);
    } catch (e) {
      this.error = e instanceof Error ? e.message : String(e);
      return false;
    }
    await this.load(m);
    return true;
  }
}
