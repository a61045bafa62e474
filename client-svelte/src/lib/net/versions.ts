// The version stack and playlist routes (docs/versions.md): a media's versions (read,
// reorder, split one out), every version's comments, and dailies playlists with their
// sharing.
import type {
  GuestLinkCreated,
  GuestLinkInfo,
  MediaId,
  MediaInfo,
  Playlist,
  PlaylistEdit,
  PlaylistSharing,
  PlaylistSummary,
  Sharing,
  StackVersion,
  VersionComment,
} from '../protocol/protocol';
import { json } from './api';
import type { SharingApi } from './sharing';

const mediaPath = (id: string) => `/api/media/${encodeURIComponent(id)}`;
const playlistPath = (id: string) => `/api/playlists/${encodeURIComponent(id)}`;

function send<T>(path: string, method: string, body?: unknown): Promise<T> {
  return json<T>(path, {
    method,
    headers: body === undefined ? undefined : { 'Content-Type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
}

/** What the versions menu and the "all versions" list need (a fake one in tests). */
export interface StackApi {
  stack(id: MediaId): Promise<StackVersion[]>;
  reorder(id: MediaId, order: MediaId[]): Promise<StackVersion[]>;
  split(id: MediaId): Promise<MediaInfo>;
  remove(id: MediaId): Promise<void>;
  allComments(id: MediaId): Promise<VersionComment[]>;
}

export const stackApi: StackApi = {
  stack: (id) => json<StackVersion[]>(`${mediaPath(id)}/stack`),
  reorder: (id, order) => send<StackVersion[]>(`${mediaPath(id)}/stack`, 'PUT', { order }),
  split: (id) => send<MediaInfo>(`${mediaPath(id)}/split`, 'POST'),
  remove: async (id) => {
    await send<void>(mediaPath(id), 'DELETE');
  },
  allComments: (id) => json<VersionComment[]>(`${mediaPath(id)}/stack/comments`),
};

/** The playlist routes (a fake one in tests). */
export interface PlaylistApi {
  list(): Promise<PlaylistSummary[]>;
  get(id: string): Promise<Playlist>;
  create(edit: PlaylistEdit): Promise<Playlist>;
  update(id: string, edit: PlaylistEdit): Promise<Playlist>;
  remove(id: string): Promise<void>;
  getSharing(id: string): Promise<PlaylistSharing>;
  putSharing(id: string, sharing: PlaylistSharing): Promise<PlaylistSharing>;
}

export const playlistApi: PlaylistApi = {
  list: () => json<PlaylistSummary[]>('/api/playlists'),
  get: (id) => json<Playlist>(playlistPath(id)),
  create: (edit) => send<Playlist>('/api/playlists', 'POST', edit),
  update: (id, edit) => send<Playlist>(playlistPath(id), 'PUT', edit),
  remove: async (id) => {
    await send<void>(playlistPath(id), 'DELETE');
  },
  getSharing: (id) => json<PlaylistSharing>(`${playlistPath(id)}/sharing`),
  // The names are the server's to fill: only ids and roles go out.
  putSharing: (id, s) =>
    send<PlaylistSharing>(`${playlistPath(id)}/sharing`, 'PUT', {
      link_access: s.link_access,
      users: s.users.map((u) => ({ user_id: u.user_id, role: u.role })),
    }),
};

/**
 * The share dialog's routes for a playlist: its users, link access and guest links (a
 * playlist's guest opens the items its sharing opens).
 */
export function playlistSharingApi(base: SharingApi, playlists: PlaylistApi = playlistApi): SharingApi {
  return {
    ...base,
    getSharing: (id) => playlists.getSharing(id) as Promise<Sharing>,
    putSharing: (id, s) => playlists.putSharing(id, s) as Promise<Sharing>,
    guestLinks: (id) => json<GuestLinkInfo[]>(`${playlistPath(id)}/guest-links`),
    createGuestLink: (id, link) => send<GuestLinkCreated>(`${playlistPath(id)}/guest-links`, 'POST', link),
    revokeGuestLink: async (id, linkId) => {
      await send<void>(`${playlistPath(id)}/guest-links/${linkId}`, 'DELETE');
    },
  };
}
