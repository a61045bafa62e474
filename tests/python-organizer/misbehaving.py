#!/usr/bin/env python3
"""A Python plugin that goes wrong on purpose, chosen by MISBEHAVE:

  crash    shakes hands, then the process dies in the first call it gets
  hang     shakes hands, then never answers a call
  garbage  shakes hands, then answers every call with bytes that are no protobuf message

The server must go on serving with its built-in rules (tests in organizer.rs).
"""
import asyncio
import os

import grpc

from dailies_organizer import Organizer, pb, listen_address
from dailies_organizer._pb import organizer_pb2_grpc as rpc
from dailies_organizer.runner import _Service

MODE = os.environ.get("MISBEHAVE", "crash")


class Plugin(Organizer):
    name = f"misbehaving-{MODE}"

    async def user_page(self, ctx, user, path):
        await self.misbehave()

    async def authorize(self, ctx, req):
        await self.misbehave()

    async def misbehave(self):
        if MODE == "crash":
            os._exit(3)
        await asyncio.sleep(3600)


def garbage(_request, _context):
    return b"\xff\xfe not a protobuf message \x00\x01"


async def main():
    server = grpc.aio.server()
    service = _Service(Plugin())
    if MODE == "garbage":
        # The handshake is real; every other call answers bytes no decoder accepts.
        handlers = {"Handshake": grpc.unary_unary_rpc_method_handler(
            service.Handshake, request_deserializer=pb.HandshakeRequest.FromString,
            response_serializer=pb.HandshakeResponse.SerializeToString)}
        for m in ("UserPage", "Authorize", "AuthorizeBatch", "OnEvent", "CustomCommand"):
            async def answer(request, context):
                return garbage(request, context)
            handlers[m] = grpc.unary_unary_rpc_method_handler(
                answer, request_deserializer=lambda b: b, response_serializer=lambda b: b)
        server.add_generic_rpc_handlers(
            (grpc.method_handlers_generic_handler("dailies.organizer.v1.Organizer", handlers),))
    else:
        rpc.add_OrganizerServicer_to_server(service, server)
    address = listen_address()
    path = address[len("unix:"):]
    if os.path.exists(path):
        os.remove(path)
    try:
        server.add_insecure_port(address)
    except RuntimeError as e:
        raise SystemExit(f"cannot listen on {address}: {e}") from None
    await server.start()
    await server.wait_for_termination()


if __name__ == "__main__":
    asyncio.run(main())
