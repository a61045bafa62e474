#!/usr/bin/env python3
"""Generates the Python gRPC stubs of protocol/proto/organizer.proto into OUT_DIR.

Usage: gen_stubs.py OUT_DIR  (needs grpcio-tools: python3 -m pip install grpcio grpcio-tools)
"""
import pathlib
import sys

from grpc_tools import protoc  # fails loudly when grpcio-tools is missing: that is wanted

PROTO_DIR = pathlib.Path(__file__).resolve().parents[2] / "protocol" / "proto"


def main() -> int:
    if len(sys.argv) != 2:
        print(__doc__, file=sys.stderr)
        return 2
    out = pathlib.Path(sys.argv[1])
    out.mkdir(parents=True, exist_ok=True)
    include = pathlib.Path(protoc.__file__).parent / "_proto"
    rc = protoc.main([
        "grpc_tools.protoc",
        f"-I{PROTO_DIR}",
        f"-I{include}",
        f"--python_out={out}",
        f"--grpc_python_out={out}",
        str(PROTO_DIR / "organizer.proto"),
    ])
    if rc != 0:
        print(f"protoc failed with {rc}", file=sys.stderr)
    return rc


if __name__ == "__main__":
    sys.exit(main())
