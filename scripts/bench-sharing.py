#!/usr/bin/env python3
"""Cost of the sharing rules on listings and files (issue 14, docs/benchmarks.md).

    python3 scripts/bench-sharing.py --server BASE_BIN --server NEW_BIN [--rounds 3]

For each round, and in each round for each server in the order given (so base and new
alternate), this makes a fresh data directory, starts the server once so that it migrates
its database, stops it, fills the database with Python's sqlite3 (users alice, bob and
carol; 1,000 media of alice; when the table `media_shares` exists, 500 of them shared with
bob as viewer and one other with link access 'comment'), writes a 1 MiB original.mp4 for a
few media, starts the server again and measures, over one keep-alive HTTP/1.1 connection,
sequential requests after a warm-up:

    list-own     GET /api/media as alice (1,000 items)                  base and new
    list-shared  GET /api/media?shared=1 as bob (500 items)             new only
    file-owner   GET /files/<id>/original.mp4, Range 0-65535, as alice  base and new
    file-shared  the same file as bob, through his share               new only
    file-link    another file as carol, through link access 'comment'  new only

Every answer's status (200, 206), item count or body length is checked: a broken setup
stops the run instead of giving pretty numbers. Identity comes from X-Remote-User-Id (the
server is not in demo mode).
"""

import argparse
import http.client
import json
import os
import shutil
import signal
import socket
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time

MEDIA = 1000
SHARED = 500  # every other media, from the newest
FILES = 6  # media with a 1 MiB original.mp4
RANGE = (0, 65535)


def media_id(i):
    return f"bench{i:04d}"


# Media 0 (newest): shared with bob, the file the owner and bob read.
# Media 1: not shared, link access 'comment' on new, the file carol reads.
OWNER_FILE = media_id(0)
SHARED_FILE = media_id(0)
LINK_FILE = media_id(1)


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server:
    def __init__(self, binary, data_dir):
        self.binary = binary
        self.data_dir = data_dir
        self.proc = None
        self.port = None
        self.log = None

    def start(self):
        self.port = free_port()
        # An empty config file, so that nothing on the machine (/etc/dailies) counts.
        config = os.path.join(self.data_dir, "bench.toml")
        open(config, "w").close()
        env = {k: v for k, v in os.environ.items() if not k.startswith("DAILIES_")}
        env["DAILIES_LOG"] = "warn"
        self.log = open(os.path.join(self.data_dir, "server.log"), "ab")
        self.proc = subprocess.Popen(
            [self.binary, "--config", config, "--listen", f"127.0.0.1:{self.port}",
             "--data-dir", self.data_dir],
            stdin=subprocess.DEVNULL, stdout=self.log, stderr=self.log, env=env)
        deadline = time.monotonic() + 60
        while True:
            if self.proc.poll() is not None:
                raise SystemExit(f"{self.binary} exited with {self.proc.returncode} before "
                                 f"answering /api/health; see {self.data_dir}/server.log")
            try:
                c = http.client.HTTPConnection("127.0.0.1", self.port, timeout=2)
                c.request("GET", "/api/health")
                r = c.getresponse()
                body = r.read()
                c.close()
                if r.status == 200 and json.loads(body).get("status") == "ok":
                    return
            except (OSError, http.client.HTTPException, ValueError):
                pass
            if time.monotonic() > deadline:
                raise SystemExit(f"{self.binary}: no /api/health answer within 60 s")
            time.sleep(0.05)  # polling interval, not synchronisation

    def stop(self):
        if self.proc is None:
            return
        self.proc.send_signal(signal.SIGTERM)
        try:
            self.proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
            raise SystemExit(f"{self.binary} did not stop within 30 s of SIGTERM")
        self.proc = None
        self.log.close()


def tables(db):
    return {r[0] for r in db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}


def fill(data_dir):
    """Fills the migrated database; answers whether this server has sharing."""
    path = os.path.join(data_dir, "dailies.sqlite")
    if not os.path.exists(path):
        raise SystemExit(f"no database at {path} after the first start")
    db = sqlite3.connect(path)
    has_sharing = "media_shares" in tables(db)
    cols = {r[1] for r in db.execute("PRAGMA table_info(media)")}
    for need in ("source",):
        if need not in cols:
            raise SystemExit(f"media has no column {need}: not a server this script knows")
    with db:
        db.executemany(
            "INSERT INTO users (id, name, is_admin, created_at, last_seen) VALUES (?, ?, 0, ?, ?)",
            [(u, u.capitalize(), "2026-12-01 09:00:00", "2026-12-01 09:00:00")
             for u in ("alice", "bob", "carol")])
        rows = []
        for i in range(MEDIA):
            # Media 0 is the newest, as the listings order by created_at descending.
            t = time.strftime("%Y-%m-%d %H:%M:%S", time.gmtime(1796119200 - 60 * i))
            rows.append((media_id(i), "alice", f"Shot {i:04d} v{1 + i % 7}", f"shot_{i:04d}.mov",
                         "ready", 1 << 20, t, t, "upload", "video", 10.0 + i % 50, 24, 1,
                         240 + 24 * (i % 50), 1920, 1080, "h264", "aac", "proxy.mp4", "thumb.webp"))
        # Only columns both versions have: the NOT NULL ones without defaults, and the
        # probe results a listing shows, so the answer looks like a real library's.
        db.executemany(
            "INSERT INTO media (id, owner_id, title, orig_filename, status, file_size, created_at,"
            " updated_at, source, kind, duration, fps_num, fps_den, frame_count, width, height,"
            " video_codec, audio_codec, playback_file, thumb_file)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", rows)
        if has_sharing:
            db.executemany(
                "INSERT INTO media_shares (media_id, user_id, role, created_at)"
                " VALUES (?, 'bob', 'viewer', '2026-12-01 09:00:00')",
                [(media_id(i),) for i in range(0, MEDIA, MEDIA // SHARED)][:SHARED])
            db.execute("UPDATE media SET link_access = 'comment' WHERE id = ?", (LINK_FILE,))
    n_shared = db.execute("SELECT count(*) FROM media_shares").fetchone()[0] if has_sharing else 0
    n_link = (db.execute("SELECT count(*) FROM media WHERE link_access != 'off'").fetchone()[0]
              if has_sharing else 0)
    db.close()
    if has_sharing and (n_shared != SHARED or n_link != 1):
        raise SystemExit(f"setup: {n_shared} shares and {n_link} linked media")
    block = os.urandom(1 << 20)
    for i in range(FILES):
        d = os.path.join(data_dir, "media", media_id(i))
        os.makedirs(d, exist_ok=True)
        with open(os.path.join(d, "original.mp4"), "wb") as f:
            f.write(block)
    return has_sharing


class Client:
    def __init__(self, port):
        self.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)

    def get(self, path, user, headers=None):
        h = {"X-Remote-User-Id": user}
        h.update(headers or {})
        self.conn.request("GET", path, headers=h)
        r = self.conn.getresponse()
        body = r.read()
        if r.getheader("Connection", "").lower() == "close" or r.will_close:
            raise SystemExit(f"GET {path}: the server closed the keep-alive connection")
        return r, body

    def close(self):
        self.conn.close()


def check_list(expect):
    def check(r, body, path):
        if r.status != 200:
            raise SystemExit(f"GET {path}: {r.status} {body[:200]!r}")
        items = json.loads(body)
        if len(items) != expect:
            raise SystemExit(f"GET {path}: {len(items)} items, expected {expect}")
    return check


def check_range(r, body, path):
    if r.status != 206:
        raise SystemExit(f"GET {path} (Range): {r.status} {body[:200]!r}")
    want = RANGE[1] - RANGE[0] + 1
    if len(body) != want or r.getheader("Content-Range") != f"bytes {RANGE[0]}-{RANGE[1]}/{1 << 20}":
        raise SystemExit(f"GET {path} (Range): {len(body)} bytes, Content-Range "
                         f"{r.getheader('Content-Range')!r}")


def measure(client, path, user, check, n, warmup, headers=None):
    for _ in range(warmup):
        r, body = client.get(path, user, headers)
        check(r, body, path)
    times = []
    start = time.perf_counter()
    for _ in range(n):
        t0 = time.perf_counter()
        r, body = client.get(path, user, headers)
        t1 = time.perf_counter()
        check(r, body, path)
        times.append((t1 - t0) * 1000)
    elapsed = time.perf_counter() - start
    return times, n / elapsed, len(body)


def pct(values, p):
    s = sorted(values)
    k = (len(s) - 1) * p / 100
    lo, hi = int(k), min(int(k) + 1, len(s) - 1)
    return s[lo] + (s[hi] - s[lo]) * (k - lo)


MEASURES = [
    # name, path, user, check, sharing only, is a listing
    ("list-own", "/api/media", "alice", check_list(MEDIA), False, True),
    ("list-shared", "/api/media?shared=1", "bob", check_list(SHARED), True, True),
    ("file-owner", f"/files/{OWNER_FILE}/original.mp4", "alice", check_range, False, False),
    ("file-shared", f"/files/{SHARED_FILE}/original.mp4", "bob", check_range, True, False),
    ("file-link", f"/files/{LINK_FILE}/original.mp4", "carol", check_range, True, False),
]


def run_one(binary, args, workdir):
    data_dir = tempfile.mkdtemp(prefix="bench-sharing-", dir=workdir)
    server = Server(binary, data_dir)
    try:
        server.start()
        server.stop()
        has_sharing = fill(data_dir)
        server.start()
        out = {}
        client = Client(server.port)
        try:
            # Without a share or link, carol must not see alice's media nor read her files.
            r, body = client.get(f"/files/{OWNER_FILE}/original.mp4", "carol",
                                 {"Range": "bytes=0-65535"})
            if r.status != 404:
                raise SystemExit(f"carol read alice's unshared file: {r.status}")
            if has_sharing:
                r, body = client.get("/api/media?shared=1", "carol")
                if r.status != 200 or json.loads(body) != []:
                    raise SystemExit(f"carol's shared listing is not empty: {r.status}")
            for name, path, user, check, sharing_only, listing in MEASURES:
                if sharing_only and not has_sharing:
                    continue
                headers = None if listing else {"Range": f"bytes={RANGE[0]}-{RANGE[1]}"}
                n = args.list_n if listing else args.file_n
                warm = args.list_warmup if listing else args.file_warmup
                out[name] = measure(client, path, user, check, n, warm, headers)
        finally:
            client.close()
            server.stop()
        return has_sharing, out
    finally:
        server.stop()
        if args.keep:
            print(f"  kept {data_dir}", file=sys.stderr)
        else:
            shutil.rmtree(data_dir, ignore_errors=True)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--server", action="append", required=True, metavar="BIN",
                    help="a dailies-server binary (repeat: they alternate within each round)")
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--list-n", type=int, default=300, help="listing requests measured per round")
    ap.add_argument("--list-warmup", type=int, default=30)
    ap.add_argument("--file-n", type=int, default=3000, help="Range requests measured per round")
    ap.add_argument("--file-warmup", type=int, default=300)
    ap.add_argument("--work-dir", default=None, help="where the data directories go [default: $TMPDIR]")
    ap.add_argument("--keep", action="store_true", help="keep the data directories")
    args = ap.parse_args()
    binaries = [os.path.abspath(b) for b in args.server]
    for b in binaries:
        if not os.access(b, os.X_OK):
            raise SystemExit(f"not an executable: {b}")
    # A binary under <worktree>/target/… is named after its worktree, else by its place.
    labels = []
    for i, b in enumerate(binaries):
        parts = b.split(os.sep)
        name = parts[parts.index("target") - 1] if "target" in parts[1:] else f"#{i + 1}"
        labels.append(name if name not in labels else f"{name}#{i + 1}")

    # results[server index][measure] = [(times, req/s, answer bytes) per round]
    results = [{} for _ in binaries]
    print(f"load average at start: {os.getloadavg()[0]:.2f}", file=sys.stderr)
    for rnd in range(1, args.rounds + 1):
        for i, b in enumerate(binaries):
            load = os.getloadavg()[0]
            has_sharing, out = run_one(b, args, args.work_dir)
            for name, v in out.items():
                results[i].setdefault(name, []).append(v)
            short = ", ".join(f"{k} {pct(t, 50):.3f}" for k, (t, _, _) in out.items())
            print(f"round {rnd} {labels[i]} ({'sharing' if has_sharing else 'no sharing'}, "
                  f"load {load:.2f}): p50 ms {short}", file=sys.stderr)

    print()
    print("servers:")
    for label, b in zip(labels, binaries):
        print(f"  {label} {b}")
    print()
    print("| measure | server | round | n | p50 ms | p99 ms | req/s | answer bytes |")
    print("|---|---|---|---|---|---|---|---|")
    for name, *_ in MEASURES:
        for i in range(len(binaries)):
            for rnd, (times, rps, size) in enumerate(results[i].get(name, []), 1):
                print(f"| {name} | {labels[i]} | {rnd} | {len(times)} | {pct(times, 50):.3f} | "
                      f"{pct(times, 99):.3f} | {rps:.0f} | {size} |")
    print()
    print("all rounds together:")
    print()
    print("| measure | server | n | p50 ms | p99 ms | req/s (median of rounds) | p50 of each round |")
    print("|---|---|---|---|---|---|---|")
    for name, *_ in MEASURES:
        for i in range(len(binaries)):
            rounds = results[i].get(name)
            if not rounds:
                continue
            times = [t for ts, _, _ in rounds for t in ts]
            rps = statistics.median(r for _, r, _ in rounds)
            p50s = ", ".join(f"{pct(ts, 50):.3f}" for ts, _, _ in rounds)
            print(f"| {name} | {labels[i]} | {len(times)} | {pct(times, 50):.3f} | "
                  f"{pct(times, 99):.3f} | {rps:.0f} | {p50s} |")

if __name__ == "__main__":
    main()
