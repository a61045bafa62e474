// The display choice: shown at once, kept in this browser and with the account, the
// account's choice winning at sign-in unless the viewer changed it meanwhile.
import { beforeEach, describe, expect, it, vi } from 'vitest';
import type { Preferences } from '../protocol/protocol';
import { Player } from './player.svelte';
import { TimePrefs, type PreferencesApi } from './preferences.svelte';

function deferred<T>() {
  let resolve!: (v: T) => void;
  const promise = new Promise<T>((r) => (resolve = r));
  return { promise, resolve };
}

describe('the time display choice', () => {
  beforeEach(() => globalThis.localStorage?.clear());

  it("takes the account's choice at sign-in and writes each change back", async () => {
    const prefs = new TimePrefs();
    const api: PreferencesApi = {
      get: vi.fn().mockResolvedValue({ time_display: 'frames', first_frame: 1001 } satisfies Preferences),
      put: vi.fn().mockImplementation(async (c) => c),
    };
    await prefs.attach(api);
    const player = new Player(prefs);
    player.fps = { num: 24, den: 1 };
    expect([player.display, player.firstFrame, player.label(0)]).toEqual(['frames', 1001, '1001']);
    player.setDisplay('seconds');
    expect(player.display).toBe('seconds');
    expect(api.put).toHaveBeenLastCalledWith({ time_display: 'seconds', first_frame: 1001 });
    player.setDisplay('frames', null);
    expect(api.put).toHaveBeenLastCalledWith({ time_display: 'frames', first_frame: null });
    expect(player.label(24)).toBe('24');
  });

  it('keeps a change made while the account was still answering', async () => {
    const prefs = new TimePrefs();
    const answer = deferred<Preferences>();
    const api: PreferencesApi = { get: () => answer.promise, put: vi.fn().mockImplementation(async (c) => c) };
    const attached = prefs.attach(api);
    await prefs.set('zero');
    answer.resolve({ time_display: 'frames', first_frame: 1001 });
    await attached;
    expect(prefs.display).toBe('zero');
  });

  it('says when the account could not keep it, and still shows it', async () => {
    const prefs = new TimePrefs();
    await prefs.attach({ get: vi.fn().mockRejectedValue(new Error('offline')), put: vi.fn().mockRejectedValue(new Error('503 Service Unavailable')) });
    expect(prefs.display).toBe('source');
    await prefs.set('seconds');
    expect(prefs.display).toBe('seconds');
    expect(prefs.error).toMatch(/this browser only: 503/);
    // a guest has no account: the choice stays in this browser
    const guest = new TimePrefs();
    await guest.set('frames', 1001);
    expect([guest.display, guest.firstFrame, guest.error]).toEqual(['frames', 1001, null]);
  });
});
