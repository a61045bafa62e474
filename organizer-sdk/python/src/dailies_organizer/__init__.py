"""dailies_organizer: write Dailies organizer plugins in Python (asyncio).

    from dailies_organizer import Organizer, Page, run

    class Flat(Organizer):
        name = "flat"

        async def user_page(self, ctx, user, path):
            page = Page("/", "Everything")
            page.media_ids = [m.id for m in await ctx.inbox.media_by_owner(user.id)]
            return page

    run(Flat())

See docs/plugin-guide.md in the Dailies repository. MIT licensed.
"""
from ._pb import organizer_pb2 as pb
from .inbox import Inbox
from .page import CommandOutcome, Page, Scope, allow, builtin, deny
from .runner import (CAPABILITIES, LISTEN_ENV, PROTOCOL_MAJOR, PROTOCOL_MINOR, Context, Organizer,
                     listen_address, run, serve)
from .status import Status

__version__ = "0.2.0"
__all__ = [
    "pb", "Inbox", "CommandOutcome", "Page", "Scope", "allow", "builtin", "deny", "CAPABILITIES",
    "LISTEN_ENV", "PROTOCOL_MAJOR", "PROTOCOL_MINOR", "Context", "Organizer", "listen_address", "run",
    "serve", "Status",
]
