// Presenter mode of the live session as this client sees it: the lock, a follower's
// raised hand, the leader's queue of requests for the lead, the laser pointer and the
// session's notices.
import type { ClientMsg, UserInfo } from '../protocol/protocol';
import { LaserDots, LaserSender, type LaserClock } from './laser.svelte';
import type { Room, RoomLink } from './room.svelte';

/** What the presenter state needs from the connection (a Connection, or a fake). */
export type PresenterLink = Pick<RoomLink, 'on' | 'send'>;

/** Someone in the session who asked the leader for the lead. */
export interface LeadRequest {
  session_id: number;
  user: UserInfo;
}

export const DECLINED = 'The presenter kept the lead.';
export const GRANTED = 'You are presenting now.';

export class Presenter {
  /** Our request for the lead is waiting (there is no lowering it: it ends when answered). */
  raised = $state(false);
  /** Requests waiting for our answer while we lead, oldest first. */
  requests = $state.raw<LeadRequest[]>([]);
  /** The laser toolbar button is on. */
  laserLatched = $state(false);
  /** The laser key is held down. */
  laserHeld = $state(false);
  /** Others' laser dots. */
  readonly dots: LaserDots;
  private readonly pointer: LaserSender;

  private readonly unsubs: (() => void)[] = [];

  constructor(
    private readonly room: Room,
    private readonly link: PresenterLink,
    /** Shows a brief word to the user (a toast). */
    private readonly notify: (text: string) => void,
    clock?: LaserClock,
  ) {
    this.pointer = new LaserSender(room.mediaId, (m) => this.send(m), clock);
    this.dots = new LaserDots(clock ? () => clock.now() : undefined);
    const mine = (m: { media_id: string }) => m.media_id === room.mediaId;
    const on: PresenterLink['on'] = (name, fn) => {
      const off = link.on(name, fn);
      this.unsubs.push(off);
      return off;
    };
    on('lead_requested', (m) => mine(m) && this.addRequest({ session_id: m.session_id, user: m.user }));
    on('lead_request_closed', (m) => mine(m) && this.closeRequest(m.session_id, m.granted));
    on('session_notice', (m) => mine(m) && this.notify(m.message));
    on('laser', (m) => mine(m) && m.session_id !== room.sessionId && this.dots.add(m.session_id, m.user_name, m.x, m.y));
    // The room handles the state first (it subscribed first): only then is the leader known.
    on('collab', (m) => mine(m) && this.afterCollab());
    on('error', (m) => {
      if (m.request === 'request_lead') this.raised = false;
    });
    // A new socket is a new member: the server forgot our request and the queue went on.
    room.whenJoined(() => this.reset());
  }

  dispose(): void {
    this.unsubs.forEach((u) => u());
    this.unsubs.length = 0;
    this.pointer.stop();
  }

  /** Out of the session (left, or a new socket): nothing of it stays. */
  reset(): void {
    this.raised = false;
    this.requests = [];
    this.laserLatched = false;
    this.laserHeld = false;
    this.pointer.stop();
    this.dots.clear();
  }

  /** Pointer moves over the frame are laser points (only in the session). */
  get laserOn(): boolean {
    return this.joined && (this.laserLatched || this.laserHeld);
  }

  toggleLaser(): void {
    this.laserLatched = !this.laserLatched;
    if (!this.laserOn) this.pointer.stop();
  }

  holdLaser(held: boolean): void {
    this.laserHeld = held;
    if (!this.laserOn) this.pointer.stop();
  }

  /** The pointer moved to (x, y), frame-relative. */
  point(x: number, y: number): void {
    if (this.laserOn) this.pointer.move(x, y);
  }

  get locked(): boolean {
    return !!this.room.collab?.active && !!this.room.collab.locked;
  }
  private get isLeader(): boolean {
    return this.room.collab?.leader != null && this.room.collab.leader === this.room.sessionId;
  }
  private get joined(): boolean {
    return !!this.room.me?.in_session;
  }

  /** The leader locks the session (only it drives) or opens it again. */
  setLocked(locked: boolean): void {
    if (!this.isLeader || !this.joined) return;
    this.send({ type: 'session_control', media_id: this.room.mediaId, control: { action: 'lock', locked } });
  }

  /** A follower asks the leader for the lead (once: asking again changes nothing). */
  raiseHand(): void {
    if (this.raised || this.isLeader || !this.joined) return;
    if (this.send({ type: 'request_lead', media_id: this.room.mediaId })) this.raised = true;
  }

  grant(sessionId: number): void {
    this.answer(sessionId, true);
  }

  decline(sessionId: number): void {
    this.answer(sessionId, false);
  }

  private answer(sessionId: number, grant: boolean): void {
    if (!this.isLeader || !this.requests.some((r) => r.session_id === sessionId)) return;
    this.send({ type: grant ? 'grant_lead' : 'decline_lead', media_id: this.room.mediaId, session_id: sessionId });
    // Answered: it leaves the queue now, not when the server's word comes back.
    this.requests = this.requests.filter((r) => r.session_id !== sessionId);
  }

  private addRequest(r: LeadRequest): void {
    if (r.session_id === this.room.sessionId || this.requests.some((q) => q.session_id === r.session_id)) return;
    this.requests = [...this.requests, r];
  }

  private closeRequest(sessionId: number, granted: boolean): void {
    this.requests = this.requests.filter((r) => r.session_id !== sessionId);
    if (sessionId !== this.room.sessionId || !this.raised) return;
    this.raised = false;
    this.notify(granted ? GRANTED : DECLINED);
  }

  /** Requests are for the leader: one who no longer leads (or left) drops them; the next leader hears them. */
  private afterCollab(): void {
    if (!this.isLeader || !this.joined) this.requests = [];
    if (this.isLeader || !this.room.collab?.active) this.raised = false;
  }

  private send(msg: ClientMsg): boolean {
    return this.link.send(msg);
  }
}
