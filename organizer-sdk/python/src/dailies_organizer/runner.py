"""Serving an `Organizer` over gRPC with asyncio: the handshake (version check, the inbox
connection and its token, anew on every reconnect of the server), argument decoding,
errors as status codes, and a clean stop on SIGTERM."""
import asyncio
import json
import logging
import os
import signal
import sys
from typing import Any, List, Optional

import grpc

from ._pb import organizer_pb2 as pb
from ._pb import organizer_pb2_grpc as rpc
from .inbox import Inbox
from .page import CommandOutcome, Page, builtin
from .status import Status

PROTOCOL_MAJOR = 1
PROTOCOL_MINOR = 2
LISTEN_ENV = "DAILIES_ORGANIZER_LISTEN"
CAPABILITIES = ("pages", "authorize", "events", "commands")

log = logging.getLogger("dailies_organizer")


class Context:
    """What a plugin knows of the server it serves; handed to every method."""

    def __init__(self):
        self._inbox: Optional[Inbox] = None
        self.server_version: Optional[str] = None

    @property
    def inbox(self) -> Inbox:
        """The server's inbox, once the server has completed the handshake."""
        if self._inbox is None:
            raise Status.unavailable("no server has completed the handshake yet")
        return self._inbox


class Organizer:
    """A plugin. Override what you need; the defaults keep the server's built-in behaviour."""

    #: Short and stable: it names the plugin in logs and scopes its key-value store.
    name = "unnamed"
    version = "0.0.0"
    #: The calls the server should make.
    capabilities = CAPABILITIES
    #: Leave it: overriding it is only useful to test a server's version check.
    protocol = (PROTOCOL_MAJOR, PROTOCOL_MINOR)

    async def connected(self, ctx: Context) -> None:
        """After each successful handshake (the server may reconnect), inbox ready."""

    async def user_page(self, ctx: Context, user: pb.User, path: str):
        """What `user` sees at `path`: a `Page` (or a pb.UserPageResponse)."""
        return Page(path)

    async def authorize(self, ctx: Context, req: pb.AuthorizeRequest) -> pb.AuthorizeResponse:
        """May `req.user` do `req.action` on `req.object`? Default: the built-in rule."""
        return builtin(req)

    async def on_event(self, ctx: Context, event: pb.Event) -> None:
        """Something happened: `event.WhichOneof("kind")` names what."""

    async def command(self, ctx: Context, user: pb.User, name: str, args: Any, path: str):
        """A custom command from the web client: answer a `CommandOutcome` (or a JSON value)."""
        raise Status.unimplemented(f"unknown command {name!r}")


async def _answer(context, coro):
    """Runs a plugin method; its `Status` becomes the call's status."""
    try:
        return await coro
    except Status as s:
        await context.abort(s.code, s.message)
    except Exception as e:  # a bug in the plugin: say so, keep serving
        log.exception("plugin method failed")
        await context.abort(grpc.StatusCode.INTERNAL, f"plugin error: {e}")


class _Service(rpc.OrganizerServicer):
    def __init__(self, org: Organizer):
        self.org = org
        self.ctx = Context()
        self._tasks = set()

    async def Handshake(self, req, context):
        major, minor = self.org.protocol
        if req.protocol_major != major:
            await context.abort(
                grpc.StatusCode.FAILED_PRECONDITION,
                f"plugin {self.org.name} {self.org.version} speaks organizer protocol {major}.{minor} "
                f"but the server (dailies {req.server_version}) speaks {req.protocol_major}.{req.protocol_minor}: "
                f"use a plugin built for protocol {req.protocol_major}.x",
            )
        old, self.ctx._inbox = self.ctx._inbox, Inbox(req.inbox_address, req.inbox_token)
        self.ctx.server_version = req.server_version
        if old is not None:
            await old.close()
        log.info("handshake with the dailies server %s done", req.server_version)

        async def hook():
            # After answering: the server accepts no inbox calls before the handshake ends.
            await asyncio.sleep(0)
            try:
                await self.org.connected(self.ctx)
            except Exception:
                log.exception("connected hook failed")

        t = asyncio.get_running_loop().create_task(hook())
        self._tasks.add(t)
        t.add_done_callback(self._tasks.discard)
        return pb.HandshakeResponse(plugin_name=self.org.name, plugin_version=self.org.version,
                                    protocol_major=major, protocol_minor=minor,
                                    capabilities=list(self.org.capabilities))

    async def UserPage(self, req, context):
        page = await _answer(context, self.org.user_page(self.ctx, req.user, req.path))
        return page.pb if isinstance(page, Page) else page

    async def Authorize(self, req, context):
        return await _answer(context, self.org.authorize(self.ctx, req))

    async def AuthorizeBatch(self, req, context):
        async def all_of():
            return [await self.org.authorize(self.ctx, r) for r in req.requests]

        return pb.AuthorizeBatchResponse(responses=await _answer(context, all_of()))

    async def OnEvent(self, req, context):
        if req.WhichOneof("kind") is not None:
            await _answer(context, self.org.on_event(self.ctx, req))
        return pb.EventAck()

    async def CustomCommand(self, req, context):
        try:
            args = json.loads(req.args_json) if req.args_json.strip() else None
        except ValueError as e:
            await context.abort(grpc.StatusCode.INVALID_ARGUMENT, f"arguments are not valid JSON: {e}")
        out = await _answer(context, self.org.command(self.ctx, req.user, req.name, args, req.path))
        if not isinstance(out, CommandOutcome):
            out = CommandOutcome(out)
        return pb.CustomCommandResponse(
            result_json="" if out.result is None else json.dumps(out.result, separators=(",", ":")),
            refresh=out.refresh)


def listen_address(argv: Optional[List[str]] = None) -> str:
    """`--listen ADDR` on the command line, else $DAILIES_ORGANIZER_LISTEN."""
    argv = sys.argv[1:] if argv is None else argv
    for i, a in enumerate(argv):
        if a == "--listen":
            if i + 1 >= len(argv):
                raise SystemExit("--listen needs an address")
            return argv[i + 1]
        if a.startswith("--listen="):
            return a.split("=", 1)[1]
    v = os.environ.get(LISTEN_ENV, "").strip()
    if not v:
        raise SystemExit(f"no listen address: pass --listen unix:/path.sock or set {LISTEN_ENV}")
    return v


async def serve(org: Organizer, address: str, stop: Optional[asyncio.Event] = None) -> None:
    """Serves `org` on `address` ("unix:/path.sock" or "http://127.0.0.1:port") until
    `stop` is set, or SIGTERM / Ctrl-C when none is given."""
    server = grpc.aio.server()
    service = _Service(org)
    rpc.add_OrganizerServicer_to_server(service, server)
    path = address[len("unix:"):] if address.startswith("unix:") else None
    if path and os.path.exists(path):
        os.remove(path)
    target = address if path else address.removeprefix("http://")
    try:
        bound = server.add_insecure_port(target)
    except RuntimeError as e:
        raise SystemExit(f"cannot listen on {address}: {e}") from None
    if bound == 0:
        raise SystemExit(f"cannot listen on {address}")
    await server.start()
    if path:
        os.chmod(path, 0o600)
    log.info("organizer plugin %s listening on %s", org.name, address)
    if stop is None:
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(sig, stop.set)
    await stop.wait()
    await server.stop(grace=1)
    if service.ctx._inbox is not None:
        await service.ctx._inbox.close()
    if path and os.path.exists(path):
        os.remove(path)


def run(org: Organizer) -> None:
    """Serves `org` where `listen_address` says, until SIGTERM or Ctrl-C."""
    logging.basicConfig(level=os.environ.get("DAILIES_ORGANIZER_LOG", "INFO").upper(), stream=sys.stderr,
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    asyncio.run(serve(org, listen_address()))
