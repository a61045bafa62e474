import { describe, expect, it } from 'vitest';
import { ApiError } from '../net/api';
import type { GuestApi } from '../net/guest';
import type { GuestMedia, MediaInfo } from '../protocol/protocol';
import { GUEST_TEXT, GuestEntry } from './guest.svelte';

class MemStore {
  m = new Map<string, string>();
  getItem(k: string) { return this.m.get(k) ?? null; }
  setItem(k: string, v: string) { this.m.set(k, v); }
  removeItem(k: string) { this.m.delete(k); }
}

const granted: GuestMedia = {
  media: { id: 'm1', title: 'Cut 3' } as MediaInfo,
  guest: { name: 'Carla', label: 'Client', can_comment: true, can_download: false, download_url: null },
};

/** A link `tok` with password `pw` (or none); `state` says whether it still works. */
function fakeLink(password: string | null = null) {
  const link = { valid: true, sessions: 0, failures: 0 };
  const api: GuestApi = {
    startSession: async (req) => {
      if (!link.valid || req.token !== 'tok') throw new ApiError(404, 'not_found', 'no such review link');
      if (link.failures >= 3) throw new ApiError(429, 'rate_limited', 'slow down');
      if (password && req.password !== password) {
        link.failures++;
        throw new ApiError(401, 'unauthorized', req.password ? 'wrong password' : 'this link needs a password');
      }
      link.sessions++;
      return { ...granted, guest: { ...granted.guest, name: req.name } };
    },
    media: async () => {
      if (!link.valid || link.sessions === 0) throw new ApiError(401, 'unauthorized', 'this review link is no longer valid');
      return granted;
    },
    endSession: async () => {
      link.sessions = 0;
    },
  };
  return { api, link };
}

function entry(token: string, api: GuestApi, stores = { session: new MemStore(), local: new MemStore() }) {
  return { e: new GuestEntry(token, api, stores), stores };
}

describe('GuestEntry', () => {
  it('asks a name, enters, and remembers the name', async () => {
    const { api } = fakeLink();
    const { e, stores } = entry('tok', api);
    await e.start();
    expect(e.phase).toBe('form');
    expect(await e.submit()).toBe(false);
    expect(e.error).toBe(GUEST_TEXT.noName);
    e.name = '  Carla ';
    expect(await e.submit()).toBe(true);
    expect(e.phase).toBe('review');
    expect(e.entry?.guest.name).toBe('Carla');
    expect(stores.local.getItem('dailies.guest.name')).toBe('Carla');
    // The next visit knows the name.
    expect(new GuestEntry('other', api, stores).name).toBe('Carla');
  });

  it('says a link is not valid', async () => {
    const { api } = fakeLink();
    const { e } = entry('nope', api);
    await e.start();
    e.name = 'Carla';
    await e.submit();
    expect([e.phase, e.error]).toEqual(['invalid', GUEST_TEXT.invalid]);
    const empty = entry('', api).e;
    await empty.start();
    expect(empty.phase).toBe('invalid');
  });

  it('asks for the password, then says it is wrong, then that there were too many tries', async () => {
    const { api } = fakeLink('pw');
    const { e } = entry('tok', api);
    await e.start();
    e.name = 'Carla';
    await e.submit();
    expect([e.phase, e.error, e.needsPassword]).toEqual(['form', GUEST_TEXT.needsPassword, true]);
    e.password = 'guess';
    await e.submit();
    expect(e.error).toBe(GUEST_TEXT.wrongPassword);
    expect(e.password).toBe('');
    e.password = 'guess';
    await e.submit();
    e.password = 'pw';
    await e.submit();
    expect([e.phase, e.error]).toEqual(['form', GUEST_TEXT.rateLimited]);
  });

  it('goes back in after a reload in the same tab, for the same link only', async () => {
    const { api } = fakeLink();
    const first = entry('tok', api);
    await first.e.start();
    first.e.name = 'Carla';
    await first.e.submit();
    const again = new GuestEntry('tok', api, first.stores);
    await again.start();
    expect(again.phase).toBe('review');
    const other = new GuestEntry('tok2', api, first.stores);
    await other.start();
    expect(other.phase).toBe('form');
  });

  it('ends when the server no longer knows the link; a network drop does not', async () => {
    const { api, link } = fakeLink();
    const { e, stores } = entry('tok', api);
    await e.start();
    e.name = 'Carla';
    await e.submit();
    const media = api.media;
    api.media = async () => {
      throw new TypeError('Failed to fetch');
    };
    expect(await e.stillValid()).toBe(true);
    expect(e.phase).toBe('review');
    api.media = media;
    link.valid = false;
    expect(await e.stillValid()).toBe(false);
    expect([e.phase, e.error]).toEqual(['ended', GUEST_TEXT.ended]);
    expect(stores.session.getItem('dailies.guest.token')).toBeNull();
  });

  it('leaves: the session ends and the name is asked again', async () => {
    const { api, link } = fakeLink();
    const { e } = entry('tok', api);
    await e.start();
    e.name = 'Carla';
    await e.submit();
    await e.leave();
    expect([e.phase, link.sessions, e.entry]).toEqual(['form', 0, null]);
  });
});
