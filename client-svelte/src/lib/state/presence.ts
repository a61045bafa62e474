// Who is in a room, kept from `room_joined` and the `presence_delta`s after it. Large rooms
// list only some members by name and count the rest; pure, so the rules are tested.
import type { Member, MemberChange } from '../protocol/protocol';

/**
 * The shown members after one delta's changes, in order. Upserts by session id (a join for
 * someone listed replaces them), so a change applied twice changes nothing more. Oneself
 * (`self`) stays: a large room that stops showing us says so to everyone, then tells us
 * our own entry alone, and in between we would not know we are in the session.
 */
export function applyMemberChanges(members: readonly Member[], changes: readonly MemberChange[], self: number | null = null): Member[] {
  const byId = new Map(members.map((m) => [m.session_id, m]));
  for (const c of changes) {
    if (c.type === 'member_left') {
      if (c.session_id !== self) byId.delete(c.session_id);
    } else byId.set(c.member.session_id, c.member);
  }
  return [...byId.values()];
}

/** Present but not listed by name (connections, as the server counts them). */
export function unlistedCount(listed: number, memberCount: number): number {
  return Math.max(0, memberCount - listed);
}

/** "and 1,234 others": thousands grouped the same way whatever the browser's language. */
export function othersLabel(n: number): string {
  return n === 1 ? 'and 1 other' : `and ${n.toLocaleString('en-US')} others`;
}

/** One entry per person (several tabs are one person): the one in the session or leading wins. */
export function peopleOf(members: readonly Member[], leader: number | null): Member[] {
  const seen = new Map<string, Member>();
  for (const m of members) {
    const prev = seen.get(m.user_id);
    if (!prev || (m.in_session && !prev.in_session) || m.session_id === leader) seen.set(m.user_id, m);
  }
  return [...seen.values()];
}
