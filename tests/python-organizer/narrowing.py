#!/usr/bin/env python3
"""A narrowing organizer plugin on the Python SDK, for the authorization matrix of the
protocol 1.2 actions and the inbox writes:

- media titled "[frozen] …" may be watched and commented on as usual, but nobody but an
  admin may join its live session, change its sharing or status, make guest links, or
  edit and delete comments on it;
- the user "no-uploads" may not upload;
- commands drive every inbox call of protocol 1.2, and the events of 1.2 are written to
  the key-value store ("event/<kind>") for the test to read.

Run: PYTHONPATH=organizer-sdk/python/src python3 tests/python-organizer/narrowing.py
"""
import json

from dailies_organizer import CommandOutcome, Organizer, Status, builtin, deny, run

FROZEN = ("join_session", "share", "set_status", "create_guest_link", "edit_comment", "delete_comment")


class Narrowing(Organizer):
    name = "narrowing"
    version = "0.1.0"
    capabilities = ("authorize", "events", "commands")

    async def authorize(self, ctx, req):
        if req.action == "upload" and req.user.id == "no-uploads":
            return deny("uploads are closed for you")
        if req.action in FROZEN and req.object.title.startswith("[frozen]") and not req.user.is_admin:
            return deny(f"frozen: no {req.action.replace('_', ' ')} here")
        return builtin(req)

    async def on_event(self, ctx, event):
        kind = event.WhichOneof("kind")
        if kind in ("shares_changed", "status_changed", "guest_comment_added", "comment_added", "version_added"):
            from google.protobuf.json_format import MessageToDict

            body = MessageToDict(getattr(event, kind), preserving_proto_field_name=True)
            await ctx.inbox.kv_set_json(f"event/{kind}", body)

    async def command(self, ctx, user, name, args, path):
        a = args or {}
        ib = ctx.inbox
        from google.protobuf.json_format import MessageToDict

        def d(m):
            return MessageToDict(m, preserving_proto_field_name=True)

        if name == "add_comment":
            c = await ib.add_comment(a["media"], a["text"], a.get("frame", 0), a.get("parent", 0), a.get("as_user"))
            return d(c)
        if name == "edit_comment":
            return d(await ib.edit_comment(a["id"], a["text"], a.get("as_user")))
        if name == "delete_comment":
            await ib.delete_comment(a["id"], a.get("as_user"))
            return {"deleted": a["id"]}
        if name == "set_title":
            return d(await ib.set_media_title(a["media"], a["title"], a.get("as_user")))
        if name == "set_status":
            return d(await ib.set_review_status(a["media"], a["status"], a.get("as_user")))
        if name == "read":
            return {"sharing": d(await ib.sharing(a["media"])), "status": d(await ib.review_status(a["media"]))}
        if name == "open":
            if "path" in a:
                return {"sessions": await ib.open_page(a["user"], a["path"])}
            return {"sessions": await ib.open_media(a["user"], a["media"], a.get("frame", 0))}
        raise Status.unimplemented(f"no command {name!r}")


if __name__ == "__main__":
    run(Narrowing())
