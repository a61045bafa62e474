// The organizer page shown in the library: what a plugin (folders, breadcrumbs, actions)
// makes of the user's media. Without a plugin the server answers `plugin: null` and the
// library stays the flat list it always was (`active` is false).
import type { ClientMsg, OrganizerAction, OrganizerFolder } from '../protocol/protocol';
import type { ServerMsgOf, SocketEvents } from '../net/events';

export type OrganizerView = Omit<ServerMsgOf<'organizer_page_view'>, 'type'>;

export interface OrganizerLink {
  on<K extends keyof SocketEvents>(name: K, fn: (e: SocketEvents[K]) => void): () => void;
  send(msg: ClientMsg): boolean;
}

/** What an action acts on: a folder or a media item (page actions: nothing). */
export interface ActionTarget {
  folder?: string;
  media?: string;
}

/** An open question to the user: one text per `names` entry, for `action`. */
export interface PromptRequest {
  action: OrganizerAction;
  names: string[];
  /** Suggested values (e.g. a folder's current name when renaming it). */
  initial: Record<string, string>;
}

interface PendingCommand {
  ref: string;
  name: string;
  resolve: (result: unknown) => void;
  reject: (err: Error) => void;
}

/** `""` and `"/"` are the top page. */
export function normalizePath(path: string | null | undefined): string {
  const p = (path ?? '').trim();
  return p === '' ? '/' : p;
}

/** A media action that takes a folder from the user: what a drop onto a folder runs. */
export function isMoveAction(a: OrganizerAction): boolean {
  return a.scope === 'media' && a.prompt.includes('folder');
}

/** An error a command failed with, as the server said it. */
export class OrganizerError extends Error {}

export class OrganizerPage {
  /** The page last received (null until the first answer). */
  view = $state.raw<OrganizerView | null>(null);
  /** The page asked for (canonical once its answer arrived). */
  path = $state('/');
  loading = $state(false);
  error = $state<string | null>(null);
  /** Commands waiting for their answer. */
  busy = $state(0);
  prompt = $state.raw<PromptRequest | null>(null);

  /** A plugin shapes the library. */
  active: boolean = $derived(this.view?.plugin != null);
  pageActions: OrganizerAction[] = $derived(this.actionsOf('page'));
  folderActions: OrganizerAction[] = $derived(this.actionsOf('folder'));
  mediaActions: OrganizerAction[] = $derived(this.actionsOf('media'));
  moveAction: OrganizerAction | undefined = $derived(this.mediaActions.find(isMoveAction));

  private pendingPages = 0;
  private commands: PendingCommand[] = [];
  private nextRef = 1;
  private answerPrompt: ((values: Record<string, string> | null) => void) | null = null;
  private reloadTimer: ReturnType<typeof setTimeout> | null = null;
  private unsubs: (() => void)[] = [];

  constructor(
    private readonly link: OrganizerLink,
    private readonly opts: { reloadDelay?: number } = {},
  ) {
    this.unsubs.push(
      link.on('ready', () => {
        this.pendingPages = 0;
        this.load(this.path);
      }),
      // Answers to what was in flight will not come: say so rather than wait forever.
      link.on('lost', () => {
        this.pendingPages = 0;
        for (const c of this.commands.splice(0)) c.reject(new OrganizerError('The connection dropped; try again.'));
        this.busy = 0;
      }),
      link.on('organizer_page_view', (m) => {
        this.pendingPages = Math.max(0, this.pendingPages - 1);
        // Only the answer to the latest request counts (earlier ones are stale).
        if (this.pendingPages > 0) return;
        const { type: _type, ...view } = m;
        this.view = view;
        this.path = normalizePath(view.path);
        this.loading = false;
        this.error = null;
      }),
      link.on('organizer_command_result', (m) => {
        const i = this.commands.findIndex((c) => c.ref === m.client_ref);
        const cmd = i >= 0 ? this.commands.splice(i, 1)[0] : undefined;
        this.busy = this.commands.length;
        if (m.refresh) this.reload();
        cmd?.resolve(m.result);
      }),
      link.on('organizer_refresh', () => this.reload()),
      link.on('error', (m) => {
        if (m.request === 'organizer_page') {
          this.pendingPages = Math.max(0, this.pendingPages - 1);
          if (this.pendingPages === 0) this.loading = false;
          this.error = m.message;
        } else if (m.request === 'organizer_command') {
          // The error names the command by its client_ref (answers may come out of order).
          const i = this.commands.findIndex((c) => c.ref === m.client_ref);
          const cmd = i >= 0 ? this.commands.splice(i, 1)[0] : undefined;
          this.busy = this.commands.length;
          this.error = m.message;
          cmd?.reject(new OrganizerError(m.message));
        }
      }),
      // A new upload or a deleted item changes what the page holds.
      link.on('media_updated', (m) => {
        if (this.active && !this.view?.media.some((x) => x.id === m.media.id)) this.scheduleReload();
      }),
      link.on('media_removed', (m) => {
        if (this.active && this.view?.media.some((x) => x.id === m.media_id)) this.scheduleReload();
      }),
    );
  }

  dispose(): void {
    this.unsubs.forEach((u) => u());
    if (this.reloadTimer) clearTimeout(this.reloadTimer);
    this.answer(null);
  }

  private actionsOf(scope: OrganizerAction['scope']): OrganizerAction[] {
    return this.view?.actions.filter((a) => a.scope === scope) ?? [];
  }

  /** Asks the server for a page (always, even the one shown). */
  load(path: string): void {
    this.path = normalizePath(path);
    // Offline: the next `ready` asks for this.path.
    if (!this.link.send({ type: 'organizer_page', path: this.path })) return;
    this.loading = true;
    this.pendingPages++;
  }

  /** Shows a page unless it is the one shown or asked for already. */
  open(path: string): void {
    const p = normalizePath(path);
    if (p === this.path && (this.view || this.loading)) return;
    this.load(p);
  }

  reload(): void {
    if (this.reloadTimer) clearTimeout(this.reloadTimer);
    this.reloadTimer = null;
    this.load(this.path);
  }

  private scheduleReload(): void {
    if (this.reloadTimer) clearTimeout(this.reloadTimer);
    this.reloadTimer = setTimeout(() => this.reload(), this.opts.reloadDelay ?? 300);
  }

  /** Sends a command; resolves with its result, rejects with the server's message. */
  command(name: string, args: Record<string, unknown>): Promise<unknown> {
    const ref = `org-${this.nextRef++}`;
    return new Promise((resolve, reject) => {
      if (!this.link.send({ type: 'organizer_command', name, args, path: this.path, client_ref: ref })) {
        this.error = 'Offline: the command was not sent.';
        reject(new OrganizerError(this.error));
        return;
      }
      this.commands.push({ ref, name, resolve, reject });
      this.busy = this.commands.length;
    });
  }

  /**
   * Runs an action: its preset args, the target's id (`folder` or `media`), and one text
   * per prompt name, from `values` or else asked (null: the user cancelled, nothing sent).
   */
  async run(action: OrganizerAction, target: ActionTarget = {}, values: Record<string, string> = {}): Promise<unknown> {
    const args: Record<string, unknown> = { ...action.args };
    if (action.scope === 'folder' && target.folder != null) args.folder = target.folder;
    if (action.scope === 'media' && target.media != null) args.media = target.media;
    const missing = action.prompt.filter((n) => !(n in values));
    if (missing.length) {
      const initial: Record<string, string> = {};
      if (action.scope === 'folder' && missing.includes('name')) {
        const f = this.folder(target.folder);
        if (f) initial.name = f.name;
      }
      const answered = await this.ask({ action, names: missing, initial });
      if (!answered) return null;
      values = { ...values, ...answered };
    }
    for (const n of action.prompt) args[n] = values[n];
    return this.command(action.command, args);
  }

  /** Moves a media item into a folder with the plugin's move action. */
  moveMedia(media: string, folder: string): Promise<unknown> {
    const a = this.moveAction;
    if (!a) return Promise.reject(new OrganizerError('this organizer cannot move media into folders'));
    return this.run(a, { media }, { folder });
  }

  folder(id: string | undefined): OrganizerFolder | undefined {
    return id == null ? undefined : this.view?.folders.find((f) => f.id === id);
  }

  /** Opens the question; the dialog calls `answer`. An earlier open question is cancelled. */
  ask(req: PromptRequest): Promise<Record<string, string> | null> {
    this.answer(null);
    return new Promise((resolve) => {
      this.prompt = req;
      this.answerPrompt = resolve;
    });
  }

  answer(values: Record<string, string> | null): void {
    const done = this.answerPrompt;
    this.answerPrompt = null;
    this.prompt = null;
    done?.(values);
  }

  dismissError(): void {
    this.error = null;
  }
}
