import { describe, expect, it } from 'vitest';
import { ApiError } from '../net/api';
import type { SharingApi } from '../net/sharing';
import type { GuestLinkInfo, NewGuestLink, Sharing } from '../protocol/protocol';
import { expiryFromLocal, linkPermissions, shareCandidates, ShareDialogState } from './share.svelte';

const link = (id: number, over: Partial<GuestLinkInfo> = {}): GuestLinkInfo => ({
  id, label: null, created_at: '2026-12-02T09:00:00Z', created_by: 'alice', expires_at: null, expired: false,
  last_used_at: null, uses: 0, has_password: false, can_comment: true, can_download: false, ...over,
});

/** A server holding one media's sharing and links. */
function fakeServer(initial: Sharing = { link_access: 'off', users: [{ user_id: 'bob', user_name: 'Bob', role: 'viewer' }] }) {
  let sharing = initial;
  let links = [link(1, { label: 'Client' })];
  const made: NewGuestLink[] = [];
  let refuseRevoke: ApiError | null = null;
  const api: SharingApi = {
    getSharing: async () => sharing,
    putSharing: async (_id, s) => {
      // The server names the users itself.
      sharing = { link_access: s.link_access, users: s.users.map((u) => ({ user_id: u.user_id, role: u.role, user_name: u.user_id.toUpperCase() })) };
      return sharing;
    },
    knownUsers: async () => [
      { id: 'alice', name: 'Alice' },
      { id: 'bob', name: 'Bob' },
      { id: 'carol', name: 'Carol' },
      { id: 'dave', name: 'Dave' },
    ],
    guestLinks: async () => links,
    createGuestLink: async (_id, l) => {
      made.push(l);
      const info = link(7, { label: l.label ?? null, has_password: !!l.password, can_comment: l.can_comment, can_download: l.can_download });
      links = [info, ...links];
      return { id: 7, token: 'secret', url: '/r/secret', link: info };
    },
    revokeGuestLink: async (_id, linkId) => {
      if (refuseRevoke) throw refuseRevoke;
      links = links.filter((l) => l.id !== linkId);
    },
    getStatus: async () => ({ status: 'needs_review', history: [] }),
    putStatus: async (_id, status) => ({ status, history: [] }),
    sharedWithMe: async () => [],
  };
  return { api, made, get sharing() { return sharing; }, refuseRevokeWith: (e: ApiError | null) => (refuseRevoke = e) };
}

const NOW = Date.parse('2026-12-02T10:00:00Z');

async function open(server = fakeServer()) {
  const s = new ShareDialogState({ id: 'm1', owner_id: 'alice' }, server.api, () => NOW);
  await s.load();
  return s;
}

describe('share dialog: people and link access', () => {
  it('loads who it is shared with and offers the others, never the owner', async () => {
    const s = await open();
    expect(s.loaded).toBe(true);
    expect(s.users.map((u) => [u.user_id, u.role])).toEqual([['bob', 'viewer']]);
    expect(s.candidates.map((u) => u.id)).toEqual(['carol', 'dave']);
    s.query = 'car';
    expect(s.candidates.map((u) => u.id)).toEqual(['carol']);
    expect(s.dirty).toBe(false);
  });

  it('adds, changes and removes people, and saves only ids and roles', async () => {
    const server = fakeServer();
    const s = await open(server);
    s.addUser({ id: 'carol', name: 'Carol' });
    s.addUser({ id: 'alice', name: 'Alice' }); // the owner: ignored
    s.addUser({ id: 'carol', name: 'Carol' }); // twice: ignored
    s.setRole('bob', 'commenter');
    s.setLinkAccess('view');
    expect(s.users.map((u) => [u.user_id, u.role])).toEqual([['bob', 'commenter'], ['carol', 'commenter']]);
    expect(s.dirty).toBe(true);
    expect(await s.save()).toBe(true);
    expect(server.sharing).toEqual({
      link_access: 'view',
      users: [{ user_id: 'bob', role: 'commenter', user_name: 'BOB' }, { user_id: 'carol', role: 'commenter', user_name: 'CAROL' }],
    });
    expect([s.dirty, s.saved]).toEqual([false, true]);
    s.removeUser('carol');
    expect([s.dirty, s.saved]).toEqual([true, false]);
  });

  it('keeps the draft and says why when the save is refused', async () => {
    const server = fakeServer();
    server.api.putSharing = async () => {
      throw new ApiError(400, 'bad_request', 'the owner cannot be listed');
    };
    const s = await open(server);
    s.setLinkAccess('comment');
    expect(await s.save()).toBe(false);
    expect(s.error).toBe('the owner cannot be listed');
    expect([s.linkAccess, s.dirty]).toEqual(['comment', true]);
  });

  it('picks people by name or id, sorted, at most a handful', () => {
    const known = Array.from({ length: 20 }, (_, i) => ({ id: `u${String(i).padStart(2, '0')}`, name: `User ${String(20 - i).padStart(2, '0')}` }));
    const got = shareCandidates([...known, { id: 'guest:3', name: 'A guest' }], 'u00', [{ user_id: 'u01', role: 'viewer' }], '');
    expect(got).toHaveLength(8);
    expect(got[0].name).toBe('User 01');
    expect(got.some((u) => u.id === 'u00' || u.id === 'u01' || u.id.startsWith('guest:'))).toBe(false);
    expect(shareCandidates(known, 'x', [], 'U07').map((u) => u.id)).toEqual(['u07']);
  });
});

describe('share dialog: guest links', () => {
  it('makes a link with a password and an expiry, shows its address once', async () => {
    const server = fakeServer();
    const s = await open(server);
    s.form.label = ' Client cut ';
    s.form.password = 'hunter2';
    s.form.expires = '2026-12-09T18:30';
    s.form.can_download = true;
    expect(await s.createLink()).toBe(true);
    expect(server.made).toEqual([
      { label: 'Client cut', password: 'hunter2', expires_at: new Date('2026-12-09T18:30').toISOString(), can_comment: true, can_download: true },
    ]);
    expect(s.createdUrl('https://dailies.example')).toBe('https://dailies.example/r/secret');
    expect(s.links.map((l) => l.id)).toEqual([7, 1]);
    // The form is empty again: the password does not linger.
    expect(s.form).toEqual({ label: '', password: '', expires: '', can_comment: true, can_download: false });
  });

  it('sends nothing optional that was left empty, and refuses a past expiry', async () => {
    const server = fakeServer();
    const s = await open(server);
    s.form.expires = '2020-01-01T00:00';
    expect(await s.createLink()).toBe(false);
    expect(s.linkError).toBe('The expiry must be in the future.');
    s.form.expires = '';
    s.form.can_comment = false;
    await s.createLink();
    expect(server.made).toEqual([{ can_comment: false, can_download: false }]);
  });

  it('revokes a link; one gone already leaves the list too', async () => {
    const server = fakeServer();
    const s = await open(server);
    await s.createLink();
    expect(await s.revoke(7)).toBe(true);
    expect(s.links.map((l) => l.id)).toEqual([1]);
    expect(s.created).toBeNull();
    server.refuseRevokeWith(new ApiError(404, 'not_found', 'no such guest link'));
    expect(await s.revoke(1)).toBe(false);
    expect(s.links).toEqual([]);
    expect(s.linkError).toBe('no such guest link');
  });

  it('describes links in words', () => {
    expect(linkPermissions(link(1))).toBe('can comment · no password');
    expect(linkPermissions(link(1, { can_comment: false, can_download: true, has_password: true }))).toBe('view only · can download · password');
    expect(expiryFromLocal('', NOW)).toEqual({ value: undefined });
    expect(expiryFromLocal('soon', NOW)).toEqual({ error: 'Not a date and time.' });
  });
});
