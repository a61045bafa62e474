// The live review session of a room: starting, joining, leading, and following the
// shared playback state so every participant shows the same frame, or (free look) not
// following it for a while and rejoining it.
import type { CollabAction, ClientMsg, CollabState, Member } from '../protocol/protocol';
import { correction, inSync, sessionPosition } from './collab-math';
import type { Room } from './room.svelte';

/** What the follower drives (the Player, or a fake in tests). */
export interface FollowTarget {
  readonly frame: number;
  readonly rate: number;
  readonly playing: boolean;
  readonly lastFrame: number;
  readonly fpsValue: number;
  exactPosition(): number;
  seek(frame: number): void;
  play(): void;
  pause(): void;
  setRate(rate: number): void;
  setElementRate(rate: number): void;
  loop: [number, number] | null;
}

export interface SessionLink {
  send(msg: ClientMsg): boolean;
  serverNow(): number;
  readonly isOpen: boolean;
}

export type SyncState = 'off' | 'synced' | 'syncing' | 'waiting' | 'offline' | 'free';

export class Session {
  sync = $state<SyncState>('off');
  /** Frames between us and the session, for the indicator. */
  drift = $state(0);
  /** In free look: frames the player is behind the session (negative: ahead of it). */
  behind = $state(0);
  /** The follower looks around on its own; the session goes on without it. */
  private detached = $state(false);
  private leftListeners: (() => void)[] = [];
  private lastSeek = { frame: -1, at: 0 };
  /** A control we sent whose new state has not come back yet (version before it, when). */
  /**
   * Our own commands on their way: from the shared state's `version` when the first was
   * sent, `count` sent since (each bumps the version once), or one `held` back by a throttle.
   * Until their state arrives, the old one must not pull the player back.
   */
  private awaiting: { version: number; count: number; at: number; held: boolean } | null = null;
  private readonly room: Room;
  private readonly link: SessionLink;

  /** The user is in the session (or asked to be): a reconnect puts them back in. */
  private wanted = false;
  /** The last shared state seen while in the session. */
  private lastState: CollabState | null = null;
  private restoreFrame: number | null = null;

  constructor(room: Room, link: SessionLink) {
    this.room = room;
    this.link = link;
    room.whenJoined(() => {
      if (!this.wanted || this.joined || !this.room.canComment) return;
      // The room forgot the session (everyone dropped, or the server restarted): we start
      // it again and put it back on the frame it was on.
      if (!this.room.collab?.active && this.lastState) this.restoreFrame = this.lastState.frame;
      this.link.send({ type: 'session_join', media_id: this.room.mediaId });
    });
    // A viewer is out of the session (the server took them out): no rejoin after a reconnect.
    room.whenAccessChanged((access) => {
      if (access !== 'view') return;
      this.wanted = false;
      this.sync = 'off';
    });
  }


  // Plain getters over the room's state: reactive wherever they are read.
  get active(): boolean {
    return !!this.room.collab?.active;
  }
  get joined(): boolean {
    return !!this.room.me?.in_session;
  }
  get isLeader(): boolean {
    return this.room.collab?.leader != null && this.room.collab.leader === this.room.sessionId;
  }
  get leader(): Member | null {
    return this.room.members.find((m) => m.session_id === this.room.collab?.leader) ?? null;
  }
  /** Only the leader drives (the media's owner and admins may take over). */
  get locked(): boolean {
    return this.active && !!this.room.collab?.locked;
  }
  /** Not following: scrubbing, stepping and playing move this player alone, and send nothing. */
  get freeLook(): boolean {
    return this.detached && this.joined && !this.isLeader;
  }
  get participants(): Member[] {
    return this.room.members.filter((m) => m.in_session);
  }

  /** Whether this user may join (and so drive) the session: not a viewer. */
  get allowed(): boolean {
    return this.room.canComment;
  }

  start(): void {
    if (!this.allowed) return;
    this.wanted = true;
    this.link.send({ type: 'session_join', media_id: this.room.mediaId });
  }

  leave(): void {
    this.wanted = false;
    this.detached = false;
    this.link.send({ type: 'session_leave', media_id: this.room.mediaId });
    this.sync = 'off';
    for (const fn of this.leftListeners) fn();
  }

  /** Called when the user leaves the session. */
  whenLeft(fn: () => void): void {
    this.leftListeners.push(fn);
  }

  /** Stops following, locally: the session and everyone in it are not told. */
  detach(): void {
    if (this.joined && !this.isLeader) this.detached = true;
  }

  /** Follows again: the next step of following puts the player on the session's frame. */
  rejoin(): void {
    if (!this.detached) return;
    this.detached = false;
    this.lastSeek = { frame: -1, at: 0 };
    this.awaiting = null;
  }

  takeLead(): void {
    this.control({ action: 'take_lead' });
  }

  /** Sends a control. Whoever drives, leads: the server hands the lead to the sender. */
  control(action: CollabAction): void {
    this.link.send({ type: 'session_control', media_id: this.room.mediaId, control: action });
    // These do not move the playhead: following goes on while they travel.
    if (action.action === 'take_lead' || action.action === 'compare' || action.action === 'goto') return;
    const at = this.link.serverNow();
    const a = this.awaiting;
    this.awaiting = a
      ? { version: a.version, count: a.count + 1, at, held: false }
      : { version: this.room.collab?.version ?? 0, count: 1, at, held: false };
  }

  /** A control is coming but held back (a throttled step or scrub): keep the player where
   * the user put it until it is sent and its state comes back. */
  hold(): void {
    const at = this.link.serverNow();
    const a = this.awaiting;
    this.awaiting = a ? { ...a, at, held: true } : { version: this.room.collab?.version ?? 0, count: 0, at, held: true };
  }

  /**
   * One step of following: call every animation frame while in the session. The
   * leader follows too (its own commands come back as the shared state), so everyone
   * — leader included — starts a scheduled play at the same server time.
   */
  follow(p: FollowTarget, now = this.link.serverNow()): void {
    const s = this.room.collab;
    if (!s || !s.active || !this.joined) {
      this.sync = 'off';
      return;
    }
    if (!this.link.isOpen || this.room.status !== 'joined') {
      this.sync = 'offline';
      return;
    }
    if (this.restoreFrame != null) {
      const frame = this.restoreFrame;
      this.restoreFrame = null;
      // Only the one who restarted the session restores it; the others follow.
      if (this.isLeader) {
        this.control({ action: 'pause', frame });
        return;
      }
    }
    this.lastState = s;
    if (this.freeLook) {
      // Drop a catch-up nudge of the playback rate: the player plays at its own pace now.
      if (this.sync !== 'free') p.setRate(p.rate);
      this.behind = Math.round(sessionPosition(s, now, p.fpsValue, p.lastFrame)) - p.frame;
      this.sync = 'free';
      return;
    }
    // Our own command is on its way: the old state must not pull the player back.
    if (this.awaiting) {
      const a = this.awaiting;
      // Every command we sent bumps the version once: an older state is one of ours on
      // its way back (or from before them). Refused commands never come: give up after 1.5 s.
      const pending = a.held || s.version < a.version + a.count;
      if (pending && now - a.at < 1500) return;
      this.awaiting = null;
    }
    if (p.rate !== s.rate) p.setRate(s.rate);
    const sameLoop = JSON.stringify(p.loop) === JSON.stringify(s.loop_range);
    if (!sameLoop) p.loop = s.loop_range ? [...s.loop_range] : null;

    const target = sessionPosition(s, now, p.fpsValue, p.lastFrame);
    const waiting = s.playing && now < s.at_server_time;
    if (!s.playing || waiting) {
      if (p.playing) p.pause();
      if (p.frame !== Math.round(target)) this.seekOnce(p, Math.round(target), now);
      this.drift = p.frame - target;
      this.sync = waiting ? 'waiting' : p.frame === s.frame ? 'synced' : 'syncing';
      return;
    }
    if (!p.playing) {
      p.setRate(s.rate);
      this.seekOnce(p, Math.round(target), now);
      p.play();
      this.sync = 'syncing';
      return;
    }
    const local = p.exactPosition();
    this.drift = local - target;
    const c = correction(s, local, target);
    if (c.kind === 'seek') this.seekOnce(p, c.frame + 2, now); // aim ahead: the seek takes time
    else if (c.kind === 'nudge') p.setElementRate(c.rate);
    this.sync = inSync(s, local, target) ? 'synced' : 'syncing';
  }

  /** Seeks, but not again to the same frame while that seek is still landing. */
  private seekOnce(p: FollowTarget, frame: number, now: number): void {
    if (this.lastSeek.frame === frame && now - this.lastSeek.at < 500) return;
    this.lastSeek = { frame, at: now };
    p.seek(frame);
  }
}
