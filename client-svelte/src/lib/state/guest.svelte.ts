// A guest's way in through a review link (`/r/<token>`): a display name and, when the
// link has one, its password; then the link's media until the link stops working
// (revoked, expired), which the page then says. A reload in the same tab goes straight
// back in while the guest session lasts.
import type { GuestMedia } from '../protocol/protocol';
import { ApiError } from '../net/api';
import { guestRefusal, type GuestApi } from '../net/guest';

export type GuestPhase = 'checking' | 'form' | 'entering' | 'review' | 'invalid' | 'ended';

export const GUEST_TEXT = {
  invalid: 'This review link is not valid (it may have been revoked or have expired).',
  ended: 'This review link is no longer valid.',
  needsPassword: 'This review link needs a password.',
  wrongPassword: 'Wrong password.',
  rateLimited: 'Too many attempts, try again later.',
  network: 'Could not reach the server. Check your connection and try again.',
  noName: 'Enter the name the others will see beside your notes.',
} as const;

/** The server's limit on a guest's display name. */
export const NAME_MAX = 80;

type Store = Pick<Storage, 'getItem' | 'setItem' | 'removeItem'>;

export interface GuestStores {
  /** This tab: which link the guest cookie belongs to. */
  session: Store | null;
  /** The name, remembered for the next link. */
  local: Store | null;
}

const TOKEN_KEY = 'dailies.guest.token';
const NAME_KEY = 'dailies.guest.name';

export class GuestEntry {
  phase = $state<GuestPhase>('checking');
  name = $state('');
  password = $state('');
  error = $state<string | null>(null);
  /** The server asked for a password (a 401): the field is no longer optional. */
  needsPassword = $state(false);
  /** The link's media and what the guest may do, once in. */
  entry = $state.raw<GuestMedia | null>(null);

  constructor(
    readonly token: string,
    private readonly api: GuestApi,
    private readonly stores: GuestStores = { session: null, local: null },
  ) {
    this.name = stores.local?.getItem(NAME_KEY) ?? '';
  }

  /** Resumes a session this tab opened for the same link; else asks for a name. */
  async start(): Promise<void> {
    if (!this.token) {
      this.phase = 'invalid';
      this.error = GUEST_TEXT.invalid;
      return;
    }
    if (this.stores.session?.getItem(TOKEN_KEY) === this.token) {
      try {
        this.enter(await this.api.media());
        return;
      } catch {
        this.stores.session?.removeItem(TOKEN_KEY);
      }
    }
    this.phase = 'form';
  }

  async submit(): Promise<boolean> {
    if (this.phase === 'entering') return false;
    const name = this.name.trim();
    if (!name || name.length > NAME_MAX) {
      this.error = name ? `A name of at most ${NAME_MAX} characters, please.` : GUEST_TEXT.noName;
      return false;
    }
    this.phase = 'entering';
    try {
      const got = await this.api.startSession({ token: this.token, name, password: this.password || undefined });
      this.stores.session?.setItem(TOKEN_KEY, this.token);
      this.stores.local?.setItem(NAME_KEY, name);
      this.password = '';
      this.enter(got);
      return true;
    } catch (e) {
      this.refused(e);
      return false;
    }
  }

  private enter(got: GuestMedia): void {
    this.entry = got;
    this.error = null;
    this.phase = 'review';
  }

  private refused(e: unknown): void {
    const why = guestRefusal(e);
    this.phase = why === 'invalid' ? 'invalid' : 'form';
    switch (why) {
      case 'invalid':
        this.error = GUEST_TEXT.invalid;
        break;
      case 'password':
        this.error = this.password ? GUEST_TEXT.wrongPassword : GUEST_TEXT.needsPassword;
        this.needsPassword = true;
        this.password = '';
        break;
      case 'rate_limited':
        this.error = GUEST_TEXT.rateLimited;
        break;
      case 'network':
        this.error = GUEST_TEXT.network;
        break;
      default:
        this.error = e instanceof ApiError ? e.message : String(e);
    }
  }

  /**
   * The socket dropped: is the link still good? A 401 (revoked, expired, session gone)
   * ends the review; anything else (the network) lets the socket reconnect.
   */
  async stillValid(): Promise<boolean> {
    if (this.phase !== 'review') return false;
    try {
      this.entry = await this.api.media();
      return true;
    } catch (e) {
      if (e instanceof ApiError && (e.status === 401 || e.status === 404)) {
        this.end();
        return false;
      }
      return true;
    }
  }

  /** Ends the guest session on the server (the cookie goes) and asks for a name again. */
  async leave(): Promise<void> {
    await this.api.endSession().catch(() => undefined);
    this.stores.session?.removeItem(TOKEN_KEY);
    this.entry = null;
    this.error = null;
    this.phase = 'form';
  }

  /** The link no longer opens the review (the room closed, or the server said so). */
  end(): void {
    this.phase = 'ended';
    this.entry = null;
    this.error = GUEST_TEXT.ended;
    this.stores.session?.removeItem(TOKEN_KEY);
  }
}
