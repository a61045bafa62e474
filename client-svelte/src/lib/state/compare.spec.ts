import { afterEach, describe, expect, it, vi } from 'vitest';
import type { CollabAction, CompareView } from '../protocol/protocol';
import { CompareState, ECHO_GRACE_MS, newView, sameView, SEND_THROTTLE_MS } from './compare.svelte';

function link() {
  const l = {
    following: false,
    shared: undefined as CompareView | null | undefined,
    sent: [] as CollabAction[],
    control(a: CollabAction) {
      l.sent.push(a);
    },
  };
  return l;
}

afterEach(() => vi.useRealTimers());

describe('CompareState', () => {
  it('opens from the link, changes mode, wipe, opacity and sound alone out of a session', () => {
    const l = link();
    const c = new CompareState(l, 'v1');
    expect(c.view).toEqual(newView('v1'));
    c.setMode('wipe');
    c.setWipe(1.7);
    c.setOpacity(-1);
    c.setAudio('other');
    expect(c.view).toMatchObject({ other: 'v1', mode: 'wipe', wipe: 1, opacity: 0, audio: 'other' });
    expect(l.sent).toEqual([]);
    c.close();
    expect(c.view).toBeNull();
  });

  it('in a session: sends each change, throttles a dragged wipe, and always sends the last', () => {
    vi.useFakeTimers();
    let now = 0;
    const l = link();
    l.following = true;
    const c = new CompareState(l, null, () => now);
    c.open('v2', 'wipe');
    expect(l.sent).toEqual([{ action: 'compare', view: newView('v2', 'wipe') }]);
    now = 10;
    c.setWipe(0.3, true);
    now = 20;
    c.setWipe(0.35, true);
    expect(l.sent).toHaveLength(1);
    now = 20 + SEND_THROTTLE_MS;
    vi.advanceTimersByTime(SEND_THROTTLE_MS);
    expect(l.sent).toHaveLength(2);
    expect(l.sent[1]).toMatchObject({ view: { wipe: 0.35 } });
    c.close();
    expect(l.sent.at(-1)).toEqual({ action: 'compare', view: null });
    c.dispose();
  });

  it("shows the leader's view, but not the echo of an older one right after a change here", () => {
    let now = 0;
    const l = link();
    const c = new CompareState(l, null, () => now);
    l.following = true;
    l.shared = { ...newView('v3'), mode: 'overlay', opacity: 0.8 };
    c.sync();
    expect(c.view).toEqual(l.shared);
    now = 1000;
    c.setMode('wipe');
    now = 1000 + ECHO_GRACE_MS / 2;
    c.sync();
    expect(c.view?.mode).toBe('wipe');
    now = 1000 + ECHO_GRACE_MS * 2;
    l.shared = null;
    c.sync();
    expect(c.view).toBeNull();
  });

  it('joining a session with a view of its own shows it to everyone', () => {
    const l = link();
    const c = new CompareState(l, 'v1');
    c.sync();
    expect(l.sent).toEqual([]);
    l.following = true;
    l.shared = null;
    c.sync();
    expect(l.sent).toEqual([{ action: 'compare', view: newView('v1') }]);
    expect(sameView(c.view, newView('v1'))).toBe(true);
  });
});
