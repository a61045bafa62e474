#!/usr/bin/env python3
"""The disk-exhaustion attacks of issue 13.4 against a dailies-server binary; prints figures.

    sudo python3 scripts/attack-space.py --server target/release/dailies-server

Each attack starts its own server (data directory on a fresh tmpfs where the attack needs a
small disk, so it needs root for `mount`), waits until it answers /api/health, attacks it
from this process, and prints what was accepted and refused and how low the free space went.
Run it on two builds to compare them; nothing here depends on the build's new options.
"""

import argparse
import asyncio
import http.client
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time

MIB = 1 << 20


def free_bytes(path):
    st = os.statvfs(path)
    return st.f_bavail * st.f_frsize


class Server:
    def __init__(self, binary, data):
        s = socket.socket()
        s.bind(("127.0.0.1", 0))
        self.port = s.getsockname()[1]
        s.close()
        self.data = data
        self.proc = subprocess.Popen(
            [binary, "--listen", f"127.0.0.1:{self.port}", "--data-dir", data, "--admin-user", "admin",
             "--log", "warn"],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.time() + 30
        while True:
            try:
                c = http.client.HTTPConnection("127.0.0.1", self.port, timeout=2)
                c.request("GET", "/api/health")
                if c.getresponse().status == 200:
                    return
            except OSError:
                pass
            if time.time() > deadline or self.proc.poll() is not None:
                raise SystemExit("the server did not start")
            time.sleep(0.05)

    def conn(self):
        return http.client.HTTPConnection("127.0.0.1", self.port, timeout=120)

    def stop(self):
        self.proc.terminate()
        self.proc.wait(10)


def headers(user, extra=None):
    h = {"X-Remote-User-Id": user}
    h.update(extra or {})
    return h


class LowWater:
    """Polls the free space of a path in a thread and keeps the lowest value seen."""

    def __init__(self, path):
        self.path, self.low, self.stop = path, free_bytes(path), False
        self.t = threading.Thread(target=self.run, daemon=True)
        self.t.start()

    def run(self):
        while not self.stop:
            self.low = min(self.low, free_bytes(self.path))
            time.sleep(0.005)

    def done(self):
        self.stop = True
        self.t.join()
        return self.low


class Tmpfs:
    def __init__(self, mib):
        self.dir = tempfile.mkdtemp(prefix="dailies-attack-")
        subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={mib}m", "tmpfs", self.dir], check=True)

    def close(self):
        subprocess.run(["umount", "-l", self.dir])
        shutil.rmtree(self.dir, ignore_errors=True)


def tus_create(srv, user, length):
    c = srv.conn()
    c.request("POST", "/api/tus/", headers=headers(user, {"Tus-Resumable": "1.0.0", "Upload-Length": str(length)}))
    r = c.getresponse()
    r.read()
    return r.status, r.getheader("Location")


def chunked_patch(srv, user, location, total):
    c = srv.conn()
    def body():
        sent = 0
        while sent < total:
            n = min(MIB, total - sent)
            sent += n
            yield b"\x05" * n
    h = headers(user, {"Tus-Resumable": "1.0.0", "Upload-Offset": "0",
                       "Content-Type": "application/offset+octet-stream"})
    try:
        c.request("PATCH", location, body=body(), headers=h, encode_chunked=True)
        r = c.getresponse()
        r.read()
        return r.status
    except OSError as e:
        return f"connection: {e}"


def attack_tus_without_length(binary):
    """Three resumable uploads of 140 MiB on a 400 MiB disk, sent without Content-Length."""
    disk = Tmpfs(400)
    data = os.path.join(disk.dir, "data")
    srv = Server(binary, data)
    try:
        watch = LowWater(data)
        created = [tus_create(srv, "mallory", 140 * MIB) for _ in range(3)]
        patches = [chunked_patch(srv, "mallory", loc, 140 * MIB) for st, loc in created if st == 201]
        low = watch.done()
        print(f"tus without Content-Length, 3 x 140 MiB on a 400 MiB disk: creations {[s for s, _ in created]}, "
              f"PATCHes {patches}, lowest free {low / MIB:.1f} MiB")
    finally:
        srv.stop()
        disk.close()


def attack_parallel(binary):
    """Twenty uploads of 10 MiB at once with about 40 MiB above the 256 MiB reserve."""
    disk = Tmpfs(300)
    data = os.path.join(disk.dir, "data")
    srv = Server(binary, data)
    try:
        watch = LowWater(data)
        codes = [None] * 20
        def one(i):
            c = srv.conn()
            try:
                c.request("POST", "/api/upload", body=b"\x09" * (10 * MIB),
                          headers=headers(f"user{i}", {"X-File-Name": f"p{i}.mov"}))
                r = c.getresponse()
                r.read()
                codes[i] = r.status
            except OSError as e:
                codes[i] = f"connection: {e}"
        threads = [threading.Thread(target=one, args=(i,)) for i in range(20)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        low = watch.done()
        names = [str(c) for c in codes]
        summary = {c: names.count(c) for c in sorted(set(names))}
        print(f"20 parallel uploads of 10 MiB, 300 MiB disk: {summary}, lowest free {low / MIB:.1f} MiB")
    finally:
        srv.stop()
        disk.close()


def attack_many_creations(binary):
    """3,000 resumable uploads of 50 GiB each created on the machine's own disk."""
    data = tempfile.mkdtemp(prefix="dailies-attack-")
    srv = Server(binary, data)
    try:
        free = free_bytes(data)
        codes = [tus_create(srv, "mallory", 50 << 30)[0] for _ in range(3000)]
        summary = {c: codes.count(c) for c in sorted(set(codes))}
        print(f"3,000 tus creations of 50 GiB with {free / (1 << 30):.0f} GiB free: {summary}")
    finally:
        srv.stop()
        shutil.rmtree(data, ignore_errors=True)


async def flood_comments(port, media, secs):
    import websockets
    shape = {"tool": "pen", "points": [{"x": (i % 997) / 997, "y": 0.123456789} for i in range(5000)],
             "color": "#112233", "width": 0.004, "text": None}
    # One such shape and the longest text are what fits in one 256 KiB message.
    drawing = {"shapes": [shape]}
    async with websockets.connect(f"ws://127.0.0.1:{port}/api/ws", max_size=None,
                                  additional_headers={"X-Remote-User-Id": "mallory"}) as ws:
        await ws.send(json.dumps({"type": "join_room", "media_id": media, "since_seq": None}))
        accepted = refused = 0
        end = time.time() + secs
        while True:
            m = json.loads(await ws.recv())
            if m["type"] == "room_joined":
                break
        frame = 0
        while time.time() < end:
            frame += 1
            msg = {"type": "add_comment", "media_id": media, "text": "x" * 10000, "frame": 0,
                   "end_frame": None, "parent_id": None, "drawing": drawing, "client_ref": None}
            await ws.send(json.dumps(msg))
            while True:
                m = json.loads(await asyncio.wait_for(ws.recv(), 30))
                if m["type"] == "room_event":
                    accepted += 1
                    break
                if m["type"] == "error":
                    refused += 1
                    if m.get("code") == "rate_limited":
                        await asyncio.sleep(0.05)
                    break
        return accepted, refused


def attack_comments(binary):
    """One socket adding the largest comments it may for 10 seconds."""
    try:
        import websockets  # noqa: F401
    except ImportError:
        subprocess.run([sys.executable, "-m", "pip", "install", "-q", "websockets"], check=True)
    data = tempfile.mkdtemp(prefix="dailies-attack-")
    srv = Server(binary, data)
    try:
        c = srv.conn()
        c.request("POST", "/api/upload", body=b"not a video", headers=headers("mallory", {"X-File-Name": "a.mov"}))
        r = c.getresponse()
        media = json.loads(r.read())["id"]
        db = [os.path.join(data, f) for f in ("dailies.sqlite", "dailies.sqlite-wal")]
        size = lambda: sum(os.path.getsize(p) for p in db if os.path.exists(p))
        before = size()
        t0 = time.time()
        accepted, refused = asyncio.run(flood_comments(srv.port, media, 10))
        secs = time.time() - t0
        grown = size() - before
        print(f"comment flood from one socket, 10 s: {accepted} stored, {refused} refused, database grew "
              f"{grown / MIB:.1f} MiB ({grown / MIB / secs:.1f} MiB/s)")
    finally:
        srv.stop()
        shutil.rmtree(data, ignore_errors=True)


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--server", default="target/release/dailies-server")
    p.add_argument("--only", choices=["tus", "parallel", "creations", "comments"])
    a = p.parse_args()
    attacks = {"tus": attack_tus_without_length, "parallel": attack_parallel,
               "creations": attack_many_creations, "comments": attack_comments}
    for name, f in attacks.items():
        if a.only in (None, name):
            f(os.path.abspath(a.server))


if __name__ == "__main__":
    main()
