import { describe, expect, it } from 'vitest';
import type { NotifySettings, NotifySettingsUpdate } from '../protocol/protocol';
import { changes, NotifySettingsState } from './notify-settings.svelte';

function settings(over: Partial<NotifySettings> = {}): NotifySettings {
  return {
    email: 'ann@example.com',
    email_from_proxy: false,
    mail_enabled: true,
    prefs: [
      { kind: 'reply', mode: 'now', label: 'Replies to you' },
      { kind: 'comment_added', mode: 'hourly', label: 'Comments on your media' },
    ],
    ...over,
  };
}

describe('notification settings', () => {
  it('sends only what changed', () => {
    const s = settings();
    expect(changes(s, 'ann@example.com', { reply: 'now', comment_added: 'hourly' })).toEqual({ prefs: [] });
    expect(changes(s, ' bob@example.com ', { reply: 'never', comment_added: 'hourly' })).toEqual({
      email: 'bob@example.com',
      prefs: [{ kind: 'reply', mode: 'never' }],
    });
    expect(changes(s, '', {})).toEqual({ email: '', prefs: [] });
  });

  it('never sends an address that comes from the sign-in', () => {
    expect(changes(settings({ email_from_proxy: true }), 'other@example.com', {})).toEqual({ prefs: [] });
  });

  it('loads, edits and saves through the api', async () => {
    const sent: NotifySettingsUpdate[] = [];
    let current = settings();
    const st = new NotifySettingsState({
      get: async () => current,
      put: async (u) => {
        sent.push(u);
        current = { ...current, prefs: current.prefs.map((p) => ({ ...p, mode: u.prefs.find((q) => q.kind === p.kind)?.mode ?? p.mode })) };
        return current;
      },
    });
    await st.load();
    expect(st.email).toBe('ann@example.com');
    expect(st.dirty).toBe(false);
    st.setMode('comment_added', 'daily');
    expect(st.dirty).toBe(true);
    await st.save();
    expect(sent).toEqual([{ prefs: [{ kind: 'comment_added', mode: 'daily' }] }]);
    expect(st.modes.comment_added).toBe('daily');
    expect(st.done).toBe(true);
    expect(st.dirty).toBe(false);
  });

  it('shows the server refusing an address', async () => {
    const st = new NotifySettingsState({
      get: async () => settings(),
      put: async () => {
        throw new Error('"x" is not an e-mail address');
      },
    });
    await st.load();
    st.setEmail('x');
    await st.save();
    expect(st.error).toContain('not an e-mail address');
    expect(st.email).toBe('x');
  });
});
