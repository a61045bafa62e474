#!/usr/bin/env python3
"""Regenerates the committed gRPC stubs of protocol/proto/organizer.proto (needs
grpcio-tools), or with --check tells whether the committed ones still match the proto.

    python3 organizer-sdk/python/gen_stubs.py           # after changing the proto
    python3 organizer-sdk/python/gen_stubs.py --check   # the drift test (CI runs it)

The check compares descriptors, not text, so another grpcio-tools version does not count
as drift; a field, message or call added to the proto without regenerating does.
"""
import pathlib
import re
import subprocess
import sys
import tempfile

HERE = pathlib.Path(__file__).resolve().parent
PROTO_DIR = HERE.parents[1] / "protocol" / "proto"
OUT = HERE / "src" / "dailies_organizer" / "_pb"


def compile_into(out: pathlib.Path) -> None:
    from grpc_tools import protoc

    include = pathlib.Path(protoc.__file__).parent / "_proto"
    rc = protoc.main([
        "grpc_tools.protoc", f"-I{PROTO_DIR}", f"-I{include}",
        f"--python_out={out}", f"--grpc_python_out={out}", str(PROTO_DIR / "organizer.proto"),
    ])
    if rc != 0:
        raise SystemExit(f"protoc failed with {rc}")
    grpc_file = out / "organizer_pb2_grpc.py"
    # Inside the package the stubs import each other relatively.
    text = re.sub(r"^import organizer_pb2 as", "from . import organizer_pb2 as", grpc_file.read_text(), flags=re.M)
    grpc_file.write_text(text)


def fresh_descriptor() -> bytes:
    from grpc_tools import protoc

    with tempfile.TemporaryDirectory() as d:
        out = pathlib.Path(d) / "set.pb"
        rc = protoc.main(["grpc_tools.protoc", f"-I{PROTO_DIR}", f"--descriptor_set_out={out}",
                          str(PROTO_DIR / "organizer.proto")])
        if rc != 0:
            raise SystemExit(f"protoc failed with {rc}")
        from google.protobuf import descriptor_pb2

        fds = descriptor_pb2.FileDescriptorSet.FromString(out.read_bytes())
        return without_json_names(fds.file[0])


def without_json_names(fd):
    """The generated module leaves out the default JSON names protoc adds to a set."""

    def strip(msg):
        for f in msg.field:
            f.ClearField("json_name")
        for n in msg.nested_type:
            strip(n)

    for m in fd.message_type:
        strip(m)
    return fd


def check() -> int:
    sys.path.insert(0, str(HERE / "src"))
    from google.protobuf import descriptor_pb2

    from dailies_organizer._pb import organizer_pb2, organizer_pb2_grpc

    committed = without_json_names(
        descriptor_pb2.FileDescriptorProto.FromString(organizer_pb2.DESCRIPTOR.serialized_pb))
    fresh = fresh_descriptor()
    if committed != fresh:
        print("organizer-sdk/python stubs are stale: run python3 organizer-sdk/python/gen_stubs.py",
              file=sys.stderr)
        return 1
    for svc in fresh.service:
        stub = getattr(organizer_pb2_grpc, f"{svc.name}Stub", None)
        servicer = getattr(organizer_pb2_grpc, f"{svc.name}Servicer", None)
        for m in svc.method:
            if stub is None or servicer is None or not hasattr(servicer, m.name):
                print(f"organizer_pb2_grpc lacks {svc.name}.{m.name}: regenerate", file=sys.stderr)
                return 1
    print(f"stubs match the proto ({sum(len(s.method) for s in fresh.service)} calls, "
          f"{len(fresh.message_type)} messages)")
    return 0


def main() -> int:
    if sys.argv[1:] == ["--check"]:
        return check()
    if sys.argv[1:]:
        print(__doc__, file=sys.stderr)
        return 2
    OUT.mkdir(parents=True, exist_ok=True)
    compile_into(OUT)
    (OUT / "__init__.py").write_text('"""Generated from protocol/proto/organizer.proto by gen_stubs.py."""\n')
    return check()


if __name__ == "__main__":
    sys.exit(main())
