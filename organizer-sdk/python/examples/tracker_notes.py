#!/usr/bin/env python3
"""tracker_notes: imports notes from a production tracker's CSV export as comments.

A CSV export (ShotGrid, ftrack, a spreadsheet…) with a header row and the columns

    shot,frame,author,note

becomes comments on the media whose title (or id) is `shot`, at `frame` (a frame number,
or timecode HH:MM:SS:FF at the media's rate when the server knows it), written as `author`
when the server knows such a user (and they may comment there), else under the plugin's
own name with "author: " in front. Comments show in open rooms at once, marked as written
through the plugin. Importing the same export twice adds nothing twice: imported rows are
remembered in the plugin's key-value store.

Every user's page gets a page action "Import tracker notes…" (the client prompts for the
CSV text); scripts send the command `import_notes` with {"csv": "...", "media": id?}
(`media`: where rows without a shot go). The answer lists what was imported and, per line,
why a row was skipped: nothing is lost silently.

Run by the server: dailies-server --organizer-cmd "python3 tracker_notes.py"
"""
import csv
import hashlib
import io
import re

from dailies_organizer import CommandOutcome, Organizer, Page, Scope, Status, run

MAX_ROWS = 5000
MAX_NOTE = 4000
TIMECODE = re.compile(r"^(\d{1,2}):(\d{2}):(\d{2})[:;](\d{2})$")


def frame_of(text, media):
    text = (text or "").strip()
    if not text:
        return 0
    if text.isdigit():
        return int(text)
    m = TIMECODE.match(text)
    if m and media.duration > 0 and media.frame_count > 0:
        fps = round(media.frame_count / media.duration)
        h, mi, s, f = (int(x) for x in m.groups())
        return ((h * 60 + mi) * 60 + s) * fps + f
    raise ValueError(f"frame {text!r} is neither a frame number nor a timecode the media can place")


class TrackerNotes(Organizer):
    name = "tracker_notes"
    version = "0.1.0"
    capabilities = ("pages", "commands")

    async def user_page(self, ctx, user, path):
        page = Page("/", "My media").crumb("My media", "/")
        page.media_ids = [m.id for m in await ctx.inbox.media_by_owner(user.id)]
        page.action(Scope.PAGE, "import_notes", "Import tracker notes…", {}, ["csv"])
        page.action(Scope.MEDIA, "import_notes", "Import tracker notes here…", {}, ["csv"])
        return page

    async def command(self, ctx, user, name, args, path):
        if name != "import_notes":
            raise Status.unimplemented(f"tracker_notes has no command {name!r}")
        args = args if isinstance(args, dict) else {}
        text = args.get("csv")
        if not isinstance(text, str) or not text.strip():
            raise Status.invalid_argument('argument "csv" (the export, with a header row) is missing')
        rows = list(csv.DictReader(io.StringIO(text.lstrip("\ufeff"))))
        if len(rows) > MAX_ROWS:
            raise Status.invalid_argument(f"at most {MAX_ROWS} rows at once")
        missing = {"note"} - {(h or "").strip().lower() for h in (rows[0].keys() if rows else [])}
        if not rows or missing:
            raise Status.invalid_argument("the header row needs at least the column note (and shot, frame, author)")
        default = args.get("media") if isinstance(args.get("media"), str) else None
        mine = await ctx.inbox.media_by_owner(user.id)
        by_title = {}
        for m in mine:
            by_title.setdefault(m.title.strip().lower(), m)
        known = {u.id for u in await ctx.inbox.users_by_id(
            {(r.get("author") or "").strip() for r in rows if (r.get("author") or "").strip()})}
        imported, skipped, again = [], [], 0
        for line, raw in enumerate(rows, start=2):
            row = {(k or "").strip().lower(): (v or "").strip() for k, v in raw.items() if k is not None}
            note, shot, author = row.get("note", ""), row.get("shot", ""), row.get("author", "")
            try:
                if not note:
                    raise ValueError("the note is empty")
                if len(note) > MAX_NOTE:
                    raise ValueError(f"the note is over {MAX_NOTE} characters")
                media = by_title.get(shot.lower()) or next((m for m in mine if m.id == shot), None)
                if media is None and not shot and default:
                    found = await ctx.inbox.media([default])
                    media = found[0] if found else None
                if media is None:
                    raise ValueError(f"no media of yours is titled or named {shot!r}")
                frame = frame_of(row.get("frame"), media)
                key = "imported/" + media.id + "/" + hashlib.sha256(
                    f"{frame}\0{author}\0{note}".encode()).hexdigest()[:32]
                if await ctx.inbox.kv_get(key) is not None:
                    again += 1
                    continue
                as_user = author if author in known else None
                body = note if as_user or not author else f"{author}: {note}"
                try:
                    c = await ctx.inbox.add_comment(media.id, body, frame, as_user=as_user)
                except Status:
                    if as_user is None:
                        raise
                    # The author may not comment there: the plugin writes it, naming them.
                    c = await ctx.inbox.add_comment(media.id, f"{author}: {note}", frame)
                await ctx.inbox.kv_set(key, str(c.id).encode())
                imported.append({"line": line, "comment_id": c.id, "media_id": media.id, "frame": frame,
                                 "as": c.user_id})
            except ValueError as e:
                skipped.append({"line": line, "why": str(e)})
            except Status as e:
                skipped.append({"line": line, "why": e.message})
        return CommandOutcome.value({"imported": imported, "skipped": skipped, "already_imported": again})


if __name__ == "__main__":
    run(TrackerNotes())
