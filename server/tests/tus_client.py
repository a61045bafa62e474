"""A real tus client (tuspy) driven by server/tests/tus.rs.

create BASE FILE USER STOP_AT  -> uploads the first STOP_AT bytes, prints the upload URL
resume BASE FILE USER URL      -> resumes at the server's offset, prints {"start": offset}
"""
import json
import sys

from tusclient import client


def main() -> None:
    cmd, base, path, user, arg = sys.argv[1:6]
    c = client.TusClient(base + "/api/tus/", headers={"X-Remote-User-Id": user})
    if cmd == "create":
        u = c.uploader(path, chunk_size=64 * 1024, metadata={"filename": "resumed clip.mp4"})
        u.upload(stop_at=int(arg))
        print(u.url)
    elif cmd == "resume":
        u = c.uploader(path, url=arg, chunk_size=64 * 1024)
        start = u.offset
        u.upload()
        print(json.dumps({"start": start, "end": u.offset}))
    else:
        raise SystemExit(f"unknown command {cmd}")


if __name__ == "__main__":
    main()
