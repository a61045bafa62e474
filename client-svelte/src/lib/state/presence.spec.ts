import { describe, expect, it } from 'vitest';
import type { MemberChange } from '../protocol/protocol';
import { applyMemberChanges, othersLabel, peopleOf, unlistedCount } from './presence';
import { member } from './room-fixtures';

describe('presence', () => {
  const ann = member(1, 'Ann');
  const bo = member(2, 'Bo');

  it('applies joins, leaves and changes by session id', () => {
    const changes: MemberChange[] = [
      { type: 'member_joined', member: bo },
      { type: 'member_changed', member: { ...ann, in_session: true } },
      { type: 'member_left', session_id: 7 }, // never listed: nothing to remove
    ];
    const after = applyMemberChanges([ann], changes);
    expect(after).toEqual([{ ...ann, in_session: true }, bo]);
    expect(applyMemberChanges(after, [{ type: 'member_left', session_id: 1 }])).toEqual([bo]);
  });

  it('is idempotent: a join for someone listed replaces them, a delta twice is once', () => {
    const changes: MemberChange[] = [
      { type: 'member_joined', member: { ...bo, leader: true } },
      { type: 'member_joined', member: member(3, 'Cy') },
    ];
    const once = applyMemberChanges([ann, bo], changes);
    expect(applyMemberChanges(once, changes)).toEqual(once);
    expect(once.map((m) => [m.user_name, m.leader])).toEqual([['Ann', false], ['Bo', true], ['Cy', false]]);
  });

  it('keeps oneself when no longer shown: the own entry follows privately', () => {
    const me = member(9, 'Me', { in_session: true });
    const after = applyMemberChanges([ann, me], [{ type: 'member_left', session_id: 9 }, { type: 'member_left', session_id: 1 }], 9);
    expect(after).toEqual([me]);
  });

  it('counts the unlisted and says so with grouped thousands', () => {
    expect(unlistedCount(3, 6)).toBe(3);
    expect(unlistedCount(4, 3)).toBe(0); // one's own private entry on top of the shown
    expect(othersLabel(1)).toBe('and 1 other');
    expect(othersLabel(3)).toBe('and 3 others');
    expect(othersLabel(1234)).toBe('and 1,234 others');
  });

  it('lists a person with several tabs once, by the tab in the session or leading', () => {
    const tabs = [member(1, 'Ann'), member(2, 'Ann', { in_session: true }), member(3, 'Bo'), member(4, 'Bo')];
    expect(peopleOf(tabs, 4).map((m) => m.session_id)).toEqual([2, 4]);
  });
});
