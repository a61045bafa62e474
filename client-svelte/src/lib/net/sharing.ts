// The team review routes (docs/sharing.md): a media's sharing and guest links (manage),
// the users the server knows, the review status and its history, what others shared.
import type {
  GuestLinkCreated,
  GuestLinkInfo,
  KnownUser,
  MediaInfo,
  NewGuestLink,
  ReviewStatus,
  Sharing,
  StatusView,
} from '../protocol/protocol';
import { json } from './api';

/** What the share dialog, the status picker and the library need (a fake one in tests). */
export interface SharingApi {
  getSharing(mediaId: string): Promise<Sharing>;
  putSharing(mediaId: string, sharing: Sharing): Promise<Sharing>;
  knownUsers(): Promise<KnownUser[]>;
  guestLinks(mediaId: string): Promise<GuestLinkInfo[]>;
  createGuestLink(mediaId: string, link: NewGuestLink): Promise<GuestLinkCreated>;
  revokeGuestLink(mediaId: string, linkId: number): Promise<void>;
  getStatus(mediaId: string): Promise<StatusView>;
  putStatus(mediaId: string, status: ReviewStatus): Promise<StatusView>;
  sharedWithMe(): Promise<MediaInfo[]>;
}

const mediaPath = (id: string) => `/api/media/${encodeURIComponent(id)}`;

function put<T>(path: string, body: unknown, method = 'PUT'): Promise<T> {
  return json<T>(path, { method, headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(body) });
}

export const sharingApi: SharingApi = {
  getSharing: (id) => json<Sharing>(`${mediaPath(id)}/sharing`),
  // The names are the server's to fill: only ids and roles go out.
  putSharing: (id, s) =>
    put<Sharing>(`${mediaPath(id)}/sharing`, {
      link_access: s.link_access,
      users: s.users.map((u) => ({ user_id: u.user_id, role: u.role })),
    }),
  knownUsers: () => json<KnownUser[]>('/api/users'),
  guestLinks: (id) => json<GuestLinkInfo[]>(`${mediaPath(id)}/guest-links`),
  createGuestLink: (id, link) => put<GuestLinkCreated>(`${mediaPath(id)}/guest-links`, link, 'POST'),
  revokeGuestLink: async (id, linkId) => {
    await json<void>(`${mediaPath(id)}/guest-links/${linkId}`, { method: 'DELETE' });
  },
  getStatus: (id) => json<StatusView>(`${mediaPath(id)}/status`),
  putStatus: (id, status) => put<StatusView>(`${mediaPath(id)}/status`, { status }),
  sharedWithMe: () => json<MediaInfo[]>('/api/media?shared=1'),
};
