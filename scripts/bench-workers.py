#!/usr/bin/env python3
"""Transcode workers: wall time for a batch of HEVC clips processed by one worker against two.

    eval "$(scripts/services.sh up)"
    python3 scripts/bench-workers.py [--server target/release/dailies-server] [--clips 20] [--workers 1,2]

A node with transcode_workers = 0 takes the uploads (on PostgreSQL and the object store of
scripts/services.sh, a fresh database and bucket prefix per run); then N `dailies-server worker`
processes start, one job each at a time, and the clock runs from their start until every
clip is ready. Prints one line per N and the machine's core count.
"""
import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
import urllib.request


def free_port():
    import socket

    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def request(url, data=None, headers=None, method=None):
    req = urllib.request.Request(url, data=data, headers=headers or {}, method=method)
    req.add_header("X-Remote-User-Id", "bench")
    with urllib.request.urlopen(req, timeout=120) as r:
        return json.loads(r.read() or b"null")


def wait_health(base, proc, deadline_s=60):
    deadline = time.monotonic() + deadline_s
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            sys.exit(f"the node exited with {proc.returncode}")
        try:
            request(base + "/api/health")
            return
        except OSError:
            time.sleep(0.05)
    sys.exit("the node did not come up")


def make_clip(path, secs):
    subprocess.run(
        ["ffmpeg", "-v", "error", "-y", "-f", "lavfi", "-i", "testsrc2=size=1920x1080:rate=25",
         "-t", str(secs), "-c:v", "libx265", "-preset", "ultrafast", "-pix_fmt", "yuv420p",
         "-x265-params", "log-level=error", "-tag:v", "hvc1", path],
        check=True,
    )


def run(args, workers, clip, n_round):
    pg, s3 = os.environ["DAILIES_DATABASE_URL"], os.environ["DAILIES_STORAGE_URL"]
    db = f"bench_workers_{os.getpid()}_{n_round}"
    subprocess.run(["psql", pg, "-qc", f"CREATE DATABASE {db}"], check=True)
    db_url = pg.rsplit("/", 1)[0] + "/" + db
    bucket, query = s3.split("?", 1)
    store_url = f"{bucket}/bench-workers-{os.getpid()}-{n_round}?{query}"
    data = tempfile.mkdtemp(prefix="dailies-bench-workers-")
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    common = ["--data-dir", data, "--database-url", db_url, "--storage-url", store_url, "--log", "warn"]
    env = {k: v for k, v in os.environ.items() if k not in ("DAILIES_DATABASE_URL", "DAILIES_STORAGE_URL")}
    node = subprocess.Popen([args.server, *common, "--listen", f"127.0.0.1:{port}", "--transcode-workers", "0",
                             "--node-name", "bench-node"], env=env, stderr=subprocess.DEVNULL)
    procs = [node]
    try:
        wait_health(base, node)
        body = open(clip, "rb").read()
        ids = []
        for i in range(args.clips):
            v = request(base + "/api/upload", data=body, headers={"X-File-Name": f"clip-{i:02}.mov"}, method="POST")
            ids.append(v["id"])
        began = time.monotonic()
        for w in range(workers):
            procs.append(subprocess.Popen([args.server, *common, "--node-name", f"bench-worker-{w}",
                                           "--transcode-workers", "1", "worker"], env=env,
                                          stderr=subprocess.DEVNULL))
        pending = set(ids)
        while pending:
            for m in request(base + "/api/media"):
                if m["id"] in pending and m["status"] in ("ready", "failed"):
                    if m["status"] == "failed":
                        sys.exit(f"{m['id']} failed: {m.get('error')}")
                    pending.discard(m["id"])
            time.sleep(0.2)
        wall = time.monotonic() - began
    finally:
        for p in reversed(procs):
            p.terminate()
        for p in procs:
            try:
                p.wait(timeout=30)
            except subprocess.TimeoutExpired:
                p.kill()
    return wall


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--server", default="target/release/dailies-server")
    ap.add_argument("--clips", type=int, default=20)
    ap.add_argument("--secs", type=int, default=4, help="length of each 1080p HEVC clip")
    ap.add_argument("--workers", default="1,2")
    args = ap.parse_args()
    for key in ("DAILIES_DATABASE_URL", "DAILIES_STORAGE_URL"):
        if key not in os.environ:
            sys.exit(f'{key} is not set: eval "$(scripts/services.sh up)" first')
    clip = os.path.join(tempfile.mkdtemp(prefix="dailies-bench-clip-"), "clip.mov")
    make_clip(clip, args.secs)
    print(f"workers: {args.clips} clips of {args.secs} s 1080p HEVC (proxy each), {os.cpu_count()} cores, "
          f"load average {os.getloadavg()[0]:.1f}")
    for i, n in enumerate(int(x) for x in args.workers.split(",")):
        wall = run(args, n, clip, i)
        print(f"workers: {n} worker(s), one job each: {wall:.1f} s wall, {wall / args.clips:.2f} s a clip "
              f"(load average {os.getloadavg()[0]:.1f})", flush=True)


if __name__ == "__main__":
    main()
