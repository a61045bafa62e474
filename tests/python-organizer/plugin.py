#!/usr/bin/env python3
"""The reference organizer plugin in Python: the same answers as organizer-sdk's
examples/reference_plugin.rs, to show (and test) that any language with gRPC can write a
Dailies plugin from organizer.proto alone.

Usage: plugin.py --stubs DIR [--listen unix:/path.sock]
  DIR holds organizer_pb2*.py from gen_stubs.py; the listen address defaults to
  $DAILIES_ORGANIZER_LISTEN, which the server sets when it starts the plugin.
"""
import argparse
import json
import os
import signal
import sys
import threading
import time
from concurrent import futures

PROTOCOL_MAJOR = 1
PROTOCOL_MINOR = 0


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--stubs", required=True)
    ap.add_argument("--listen", default=os.environ.get("DAILIES_ORGANIZER_LISTEN", ""))
    args = ap.parse_args()
    if not args.listen:
        print("no listen address: pass --listen or set DAILIES_ORGANIZER_LISTEN", file=sys.stderr)
        return 2
    sys.path.insert(0, args.stubs)
    import grpc
    import organizer_pb2 as pb
    import organizer_pb2_grpc as rpc

    class Plugin(rpc.OrganizerServicer):
        def __init__(self):
            self.inbox = None
            self.token = ""

        def _meta(self):
            return [("authorization", f"Bearer {self.token}")]

        def Handshake(self, req, ctx):
            if req.protocol_major != PROTOCOL_MAJOR:
                ctx.abort(
                    grpc.StatusCode.FAILED_PRECONDITION,
                    f"plugin reference-py speaks organizer protocol {PROTOCOL_MAJOR}.{PROTOCOL_MINOR} "
                    f"but the server speaks {req.protocol_major}.{req.protocol_minor}",
                )
            self.token = req.inbox_token
            # gRPC core names a Unix socket peer by its path; HTTP/2 servers want a host name.
            channel = grpc.insecure_channel(req.inbox_address, options=[("grpc.default_authority", "localhost")])
            self.inbox = rpc.OrganizerInboxStub(channel)
            return pb.HandshakeResponse(
                plugin_name="reference-py",
                plugin_version="0.1.0",
                protocol_major=PROTOCOL_MAJOR,
                protocol_minor=PROTOCOL_MINOR,
                capabilities=["pages", "authorize", "events", "commands"],
            )

        def UserPage(self, req, ctx):
            media = self.inbox.ListMediaByOwner(
                pb.ListMediaByOwnerRequest(owner_id=req.user.id), metadata=self._meta()
            ).items
            home = pb.Breadcrumb(label="Home", path="/")
            if req.path.rstrip("/") == "/inbox":
                return pb.UserPageResponse(
                    path="/inbox",
                    title="Inbox",
                    breadcrumbs=[home, pb.Breadcrumb(label="Inbox", path="/inbox")],
                    media_ids=[m.id for m in media],
                    actions=[
                        pb.PageAction(
                            command="echo",
                            label="Echo",
                            scope=pb.PageAction.SCOPE_PAGE,
                            args_json=json.dumps({"from": "inbox"}),
                            prompt=["text"],
                        )
                    ],
                )
            return pb.UserPageResponse(
                path="/",
                title="Home",
                breadcrumbs=[home],
                folders=[pb.Folder(id="inbox", name="Inbox", path="/inbox", item_count=len(media))],
            )

        def Authorize(self, req, ctx):
            if req.object.title.startswith("[embargo]") and not req.user.is_admin:
                return pb.AuthorizeResponse(allow=False, reason="embargoed: admins only")
            if req.object.title.startswith("[locked]") and req.action in ("rename", "delete"):
                return pb.AuthorizeResponse(allow=False, reason="locked: it cannot be renamed or deleted")
            if req.object.title.startswith("[shared]") and req.action in ("view", "comment"):
                return pb.AuthorizeResponse(allow=True)
            if req.builtin_allowed:
                return pb.AuthorizeResponse(allow=True)
            return pb.AuthorizeResponse(allow=False)

        def OnEvent(self, req, ctx):
            return pb.EventAck()

        def CustomCommand(self, req, ctx):
            args = json.loads(req.args_json) if req.args_json.strip() else None
            if req.name == "echo":
                result = args
            elif req.name == "whoami":
                result = {"id": req.user.id, "admin": req.user.is_admin}
            elif req.name == "kv_roundtrip":
                self.inbox.KvSet(
                    pb.KvSetRequest(key=args["key"], value=args["value"].encode()), metadata=self._meta()
                )
                got = self.inbox.KvGet(pb.KvGetRequest(key=args["key"]), metadata=self._meta())
                result = {"value": got.value.decode()}
            elif req.name == "message":
                r = self.inbox.SendUserMessage(
                    pb.SendUserMessageRequest(user_id=req.user.id, text=args["text"]), metadata=self._meta()
                )
                result = {"id": r.id}
            elif req.name == "sleep":
                ms = (args or {}).get("ms", 1000)
                time.sleep(ms / 1000)
                result = {"slept": ms}
            else:
                ctx.abort(grpc.StatusCode.UNIMPLEMENTED, f"no command {req.name!r}")
            return pb.CustomCommandResponse(result_json="" if result is None else json.dumps(result))

    server = grpc.server(futures.ThreadPoolExecutor(max_workers=8))
    rpc.add_OrganizerServicer_to_server(Plugin(), server)
    listen = args.listen
    path = listen[len("unix:"):] if listen.startswith("unix:") else None
    if path and os.path.exists(path):
        os.remove(path)
    target = listen if path else listen.removeprefix("http://")
    if server.add_insecure_port(target) == 0 and not path:
        print(f"cannot listen on {listen}", file=sys.stderr)
        return 1
    server.start()
    if path:
        os.chmod(path, 0o600)
    print(f"reference-py listening on {listen}", file=sys.stderr, flush=True)
    done = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: done.set())
    signal.signal(signal.SIGINT, lambda *_: done.set())
    done.wait()
    server.stop(grace=1).wait()
    return 0


if __name__ == "__main__":
    sys.exit(main())
