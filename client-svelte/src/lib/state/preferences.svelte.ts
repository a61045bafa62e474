// The viewer's display choice (how positions are shown, and the first frame's number in
// frame-number display). Signed-in users keep it with their account (`/api/me/preferences`),
// so every browser they use shows the same; this browser's copy (local storage) is what a
// page shows before the account answers, and all a guest has.
import type { Preferences, PreferencesUpdate } from '../protocol/protocol';
import { isTimeDisplay, type TimeDisplay } from '../time/display';

export interface PreferencesApi {
  get(): Promise<Preferences>;
  put(change: PreferencesUpdate): Promise<Preferences>;
}

const DISPLAY_KEY = 'dailies.timeDisplay';
const FIRST_FRAME_KEY = 'dailies.firstFrame';

export class TimePrefs {
  display = $state<TimeDisplay>(readDisplay());
  /** The number the first frame is shown as in frame-number display (null: the source's). */
  firstFrame = $state<number | null>(readFirstFrame());
  /** Why the last change could not be kept with the account (it still applies here). */
  error = $state<string | null>(null);

  private api: PreferencesApi | null = null;
  /** Bumped by every change, so an answer that a newer change overtook is not applied. */
  private changes = 0;

  /** Signed in: reads the account's choice, which wins over this browser's. */
  async attach(api: PreferencesApi): Promise<void> {
    this.api = api;
    const before = this.changes;
    try {
      const p = await api.get();
      if (this.changes === before) this.apply(p.time_display, p.first_frame);
    } catch {
      /* the server is older or unreachable: this browser's choice stands */
    }
  }

  /** The viewer chose: shown at once, kept here and with the account. */
  set(mode: TimeDisplay, firstFrame: number | null = this.firstFrame): Promise<void> {
    this.changes += 1;
    const n = this.changes;
    this.apply(mode, firstFrame);
    if (!this.api) return Promise.resolve();
    return this.api.put({ time_display: this.display, first_frame: this.firstFrame }).then(
      () => {
        if (n === this.changes) this.error = null;
      },
      (e: Error) => {
        if (n === this.changes) this.error = `Your display choice applies to this browser only: ${e.message}`;
      },
    );
  }

  private apply(mode: TimeDisplay, firstFrame: number | null): void {
    this.display = isTimeDisplay(mode) ? mode : 'source';
    this.firstFrame = firstFrame != null && Number.isFinite(firstFrame) ? Math.trunc(firstFrame) : null;
    try {
      globalThis.localStorage?.setItem(DISPLAY_KEY, this.display);
      if (this.firstFrame == null) globalThis.localStorage?.removeItem(FIRST_FRAME_KEY);
      else globalThis.localStorage?.setItem(FIRST_FRAME_KEY, String(this.firstFrame));
    } catch {
      /* private mode: the choice lasts this page */
    }
  }
}

function readDisplay(): TimeDisplay {
  try {
    const v = globalThis.localStorage?.getItem(DISPLAY_KEY);
    return isTimeDisplay(v) ? v : 'source';
  } catch {
    return 'source';
  }
}

function readFirstFrame(): number | null {
  try {
    const v = globalThis.localStorage?.getItem(FIRST_FRAME_KEY);
    return v != null && Number.isFinite(Number(v)) ? Number(v) : null;
  } catch {
    return null;
  }
}

/** The page's one copy: every player reads it. */
export const timePrefs = new TimePrefs();
