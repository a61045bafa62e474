// The share dialog of one media: who it is shared with (users picked from those the
// server knows, each a viewer or a commenter), what everyone signed in gets from the
// link, and the guest links (make one, show its address once, revoke).
import type { GuestLinkCreated, GuestLinkInfo, KnownUser, LinkAccess, NewGuestLink, ShareEntry, ShareRole, Sharing } from '../protocol/protocol';
import { ApiError } from '../net/api';
import type { SharingApi } from '../net/sharing';

export const LINK_ACCESS_LABEL: Record<LinkAccess, string> = {
  off: 'Only the people added',
  view: 'Anyone signed in with the link can view',
  comment: 'Anyone signed in with the link can comment',
};

export const ROLE_LABEL: Record<ShareRole, string> = { viewer: 'Can view', commenter: 'Can comment' };

/** How many matching users the picker offers at once. */
export const CANDIDATES = 8;

/** An `<input type="datetime-local">` value (local time) as RFC 3339; empty is "never". */
export function expiryFromLocal(local: string, now: number): { value: string | undefined } | { error: string } {
  const t = local.trim();
  if (!t) return { value: undefined };
  const ms = new Date(t).getTime();
  if (Number.isNaN(ms)) return { error: 'Not a date and time.' };
  if (ms <= now) return { error: 'The expiry must be in the future.' };
  return { value: new Date(ms).toISOString() };
}

/** What a guest of the link may do, in words. */
export function linkPermissions(l: Pick<GuestLinkInfo, 'can_comment' | 'can_download' | 'has_password'>): string {
  const parts = [l.can_comment ? 'can comment' : 'view only'];
  if (l.can_download) parts.push('can download');
  parts.push(l.has_password ? 'password' : 'no password');
  return parts.join(' · ');
}

/** The users the picker offers: matching the search, not the owner, not already in. */
export function shareCandidates(known: readonly KnownUser[], ownerId: string, shared: readonly ShareEntry[], query: string): KnownUser[] {
  const q = query.trim().toLowerCase();
  const taken = new Set(shared.map((u) => u.user_id));
  return known
    .filter((u) => u.id !== ownerId && !taken.has(u.id) && !u.id.startsWith('guest:'))
    .filter((u) => !q || u.name.toLowerCase().includes(q) || u.id.toLowerCase().includes(q))
    .sort((a, b) => a.name.localeCompare(b.name))
    .slice(0, CANDIDATES);
}

const sameSharing = (a: Sharing, b: Sharing) =>
  a.link_access === b.link_access &&
  a.users.length === b.users.length &&
  a.users.every((u, i) => u.user_id === b.users[i].user_id && u.role === b.users[i].role);

const message = (e: unknown) => (e as Error).message || String(e);

export interface NewLinkForm {
  label: string;
  password: string;
  /** `datetime-local` value; empty: never expires. */
  expires: string;
  can_comment: boolean;
  can_download: boolean;
}

const emptyForm = (): NewLinkForm => ({ label: '', password: '', expires: '', can_comment: true, can_download: false });

export class ShareDialogState {
  loaded = $state(false);
  error = $state<string | null>(null);
  known = $state.raw<KnownUser[]>([]);
  query = $state('');
  linkAccess = $state<LinkAccess>('off');
  users = $state.raw<ShareEntry[]>([]);
  saving = $state(false);
  /** Set after a save went through, until the next change. */
  saved = $state(false);
  private stored = $state.raw<Sharing>({ link_access: 'off', users: [] });

  links = $state.raw<GuestLinkInfo[]>([]);
  form = $state<NewLinkForm>(emptyForm());
  creating = $state(false);
  linkError = $state<string | null>(null);
  /** The link just made: its address is shown this once. */
  created = $state.raw<GuestLinkCreated | null>(null);
  revoking = $state.raw<ReadonlySet<number>>(new Set());

  readonly candidates: KnownUser[] = $derived.by(() => shareCandidates(this.known, this.media.owner_id, this.users, this.query));
  readonly dirty: boolean = $derived(!sameSharing(this.draft(), this.stored));

  constructor(
    private readonly media: { id: string; owner_id: string },
    private readonly api: SharingApi,
    private readonly now: () => number = Date.now,
  ) {}

  private draft(): Sharing {
    return { link_access: this.linkAccess, users: this.users };
  }

  async load(): Promise<void> {
    try {
      const [sharing, known, links] = await Promise.all([
        this.api.getSharing(this.media.id),
        // A picker without names still shows who is shared: the list is a convenience.
        this.api.knownUsers().catch(() => [] as KnownUser[]),
        this.api.guestLinks(this.media.id),
      ]);
      this.known = known;
      this.takeSharing(sharing);
      this.links = links;
      this.error = null;
      this.loaded = true;
    } catch (e) {
      this.error = message(e);
    }
  }

  private takeSharing(s: Sharing): void {
    const names = new Map(this.known.map((u) => [u.id, u.name]));
    const users = s.users.map((u) => ({ ...u, user_name: u.user_name ?? names.get(u.user_id) ?? u.user_id }));
    this.stored = { link_access: s.link_access, users };
    this.linkAccess = s.link_access;
    this.users = users;
  }

  nameOf(userId: string): string {
    return this.users.find((u) => u.user_id === userId)?.user_name ?? this.known.find((u) => u.id === userId)?.name ?? userId;
  }

  addUser(u: KnownUser, role: ShareRole = 'commenter'): void {
    if (u.id === this.media.owner_id || this.users.some((x) => x.user_id === u.id)) return;
    this.users = [...this.users, { user_id: u.id, user_name: u.name, role }];
    this.query = '';
    this.saved = false;
  }

  setRole(userId: string, role: ShareRole): void {
    this.users = this.users.map((u) => (u.user_id === userId ? { ...u, role } : u));
    this.saved = false;
  }

  removeUser(userId: string): void {
    this.users = this.users.filter((u) => u.user_id !== userId);
    this.saved = false;
  }

  setLinkAccess(a: LinkAccess): void {
    this.linkAccess = a;
    this.saved = false;
  }

  async save(): Promise<boolean> {
    if (this.saving) return false;
    this.saving = true;
    try {
      this.takeSharing(await this.api.putSharing(this.media.id, this.draft()));
      this.error = null;
      this.saved = true;
      return true;
    } catch (e) {
      this.error = message(e);
      return false;
    } finally {
      this.saving = false;
    }
  }

  /** Makes a guest link from the form; its address stays in `created` to be copied. */
  async createLink(): Promise<boolean> {
    if (this.creating) return false;
    const f = this.form;
    const expiry = expiryFromLocal(f.expires, this.now());
    if ('error' in expiry) {
      this.linkError = expiry.error;
      return false;
    }
    const req: NewGuestLink = { can_comment: f.can_comment, can_download: f.can_download };
    if (f.label.trim()) req.label = f.label.trim();
    if (f.password) req.password = f.password;
    if (expiry.value) req.expires_at = expiry.value;
    this.creating = true;
    try {
      const made = await this.api.createGuestLink(this.media.id, req);
      this.created = made;
      this.links = [made.link, ...this.links.filter((l) => l.id !== made.link.id)];
      this.form = emptyForm();
      this.linkError = null;
      return true;
    } catch (e) {
      this.linkError = message(e);
      return false;
    } finally {
      this.creating = false;
    }
  }

  /** The created link's address, absolute on this page's origin. */
  createdUrl(origin: string): string | null {
    return this.created ? `${origin}${this.created.url}` : null;
  }

  private dropLink(linkId: number): void {
    this.links = this.links.filter((l) => l.id !== linkId);
    if (this.created?.id === linkId) this.created = null;
  }

  async revoke(linkId: number): Promise<boolean> {
    if (this.revoking.has(linkId)) return false;
    this.revoking = new Set([...this.revoking, linkId]);
    try {
      await this.api.revokeGuestLink(this.media.id, linkId);
      this.dropLink(linkId);
      this.linkError = null;
      return true;
    } catch (e) {
      // Gone already (revoked elsewhere): the row goes all the same.
      if (e instanceof ApiError && e.status === 404) this.dropLink(linkId);
      this.linkError = message(e);
      return false;
    } finally {
      const next = new Set(this.revoking);
      next.delete(linkId);
      this.revoking = next;
    }
  }
}
