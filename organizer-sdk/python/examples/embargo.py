#!/usr/bin/env python3
"""embargo: the plugin of docs/plugin-guide.md, in under 60 lines. Each user's page lists
their media with an "Embargo" action; embargoed media ("[embargo] …") is for admins only.
Its Rust twin is organizer-sdk/examples/embargo.rs."""
import logging

from dailies_organizer import CommandOutcome, Organizer, Page, Scope, Status, builtin, deny, run

MARK = "[embargo] "


class Embargo(Organizer):
    name = "embargo"

    async def user_page(self, ctx, user, path):
        page = Page("/", "My media")
        page.media_ids = [m.id for m in await ctx.inbox.media_by_owner(user.id)]
        page.action(Scope.MEDIA, "embargo", "Embargo")
        return page

    async def authorize(self, ctx, req):
        if req.object.kind == "media" and req.object.title.startswith(MARK) and not req.user.is_admin:
            return deny("under embargo: admins only")
        return builtin(req)

    async def on_event(self, ctx, event):
        if event.WhichOneof("kind") == "status_changed":
            logging.info("review status of %s changed", event.status_changed.media_id)

    async def command(self, ctx, user, name, args, path):
        media = (args or {}).get("media")
        if not isinstance(media, str):
            raise Status.invalid_argument("which media?")
        if name != "embargo":
            raise Status.unimplemented(f"no command {name}")
        found = await ctx.inbox.media([media])
        if not found:
            raise Status.not_found("no such media")
        # As the user: renaming needs their own right to rename it.
        title = MARK + found[0].title.removeprefix(MARK)
        m = await ctx.inbox.set_media_title(media, title, as_user=user.id)
        return CommandOutcome.refreshed({"title": m.title})


if __name__ == "__main__":
    run(Embargo())
