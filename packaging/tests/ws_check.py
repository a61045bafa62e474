#!/usr/bin/env python3
"""A minimal websocket client (standard library only) for scripts/test-deb.sh.

Connects to /api/ws through nginx (with basic authentication, or whatever --header
brings, e.g. a session cookie), checks the 101 upgrade
and who the server says we are, and optionally joins a media room to add a comment or
to find one. Prints one JSON line with what it saw; exits 1 on any mismatch.
"""

import argparse
import base64
import hashlib
import json
import os
import socket
import ssl
import struct
import sys
import time

GUID = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"


class Ws:
    def __init__(self, host, port, path, user, password, extra_headers, timeout):
        raw = socket.create_connection((host, port), timeout=timeout)
        ctx = ssl.create_default_context()
        ctx.check_hostname = False
        ctx.verify_mode = ssl.CERT_NONE  # the test site uses the snakeoil certificate
        ctx.set_alpn_protocols(["http/1.1"])
        self.sock = ctx.wrap_socket(raw, server_hostname=host)
        self.buf = b""
        key = base64.b64encode(os.urandom(16)).decode()
        lines = [
            f"GET {path} HTTP/1.1",
            f"Host: {host}:{port}",
            "Upgrade: websocket",
            "Connection: Upgrade",
            f"Sec-WebSocket-Key: {key}",
            "Sec-WebSocket-Version: 13",
        ] + extra_headers
        if user is not None:
            auth = base64.b64encode(f"{user}:{password}".encode()).decode()
            lines.append(f"Authorization: Basic {auth}")
        self.sock.sendall(("\r\n".join(lines) + "\r\n\r\n").encode())
        head = self._read_until(b"\r\n\r\n").decode("latin-1")
        self.status = int(head.split(" ", 2)[1])
        headers = {}
        for line in head.split("\r\n")[1:]:
            if ":" in line:
                k, v = line.split(":", 1)
                headers[k.strip().lower()] = v.strip()
        expected = base64.b64encode(hashlib.sha1((key + GUID).encode()).digest()).decode()
        self.accept_ok = headers.get("sec-websocket-accept") == expected

    def _read_until(self, marker):
        while marker not in self.buf:
            chunk = self.sock.recv(65536)
            if not chunk:
                raise EOFError("connection closed")
            self.buf += chunk
        head, self.buf = self.buf.split(marker, 1)
        return head

    def _read_exact(self, n):
        while len(self.buf) < n:
            chunk = self.sock.recv(65536)
            if not chunk:
                raise EOFError("connection closed")
            self.buf += chunk
        out, self.buf = self.buf[:n], self.buf[n:]
        return out

    def _send_frame(self, opcode, payload):
        mask = os.urandom(4)
        n = len(payload)
        if n < 126:
            head = struct.pack("!BB", 0x80 | opcode, 0x80 | n)
        elif n < 65536:
            head = struct.pack("!BBH", 0x80 | opcode, 0x80 | 126, n)
        else:
            head = struct.pack("!BBQ", 0x80 | opcode, 0x80 | 127, n)
        masked = bytes(b ^ mask[i % 4] for i, b in enumerate(payload))
        self.sock.sendall(head + mask + masked)

    def send(self, msg):
        self._send_frame(0x1, json.dumps(msg).encode())

    def recv(self):
        """The next JSON text message; answers pings, skips other control frames."""
        message = b""
        while True:
            b0, b1 = self._read_exact(2)
            opcode, n = b0 & 0x0F, b1 & 0x7F
            if n == 126:
                (n,) = struct.unpack("!H", self._read_exact(2))
            elif n == 127:
                (n,) = struct.unpack("!Q", self._read_exact(8))
            payload = self._read_exact(n)
            if opcode == 0x9:
                self._send_frame(0xA, payload)
            elif opcode == 0x8:
                raise EOFError(f"closed by server: {payload[:2].hex()} {payload[2:]!r}")
            elif opcode in (0x1, 0x0):
                message += payload
                if b0 & 0x80:
                    return json.loads(message)

    def wait_for(self, pred, deadline):
        while time.time() < deadline:
            m = self.recv()
            if pred(m):
                return m
        raise TimeoutError("no matching message")


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, required=True)
    p.add_argument("--user", help="name:password for basic authentication")
    p.add_argument("--header", action="append", default=[], help="extra request header")
    p.add_argument("--origin", help="Origin header [default: this server's, as a browser sends]")
    p.add_argument("--expect-status", type=int, default=101, help="handshake status [101]")
    p.add_argument("--expect-user", required=True)
    p.add_argument("--media")
    p.add_argument("--add-comment")
    p.add_argument("--expect-comment")
    p.add_argument("--timeout", type=float, default=20)
    a = p.parse_args()
    user, password = a.user.split(":", 1) if a.user else (None, None)
    deadline = time.time() + a.timeout
    result = {}
    origin = a.origin or f"https://{a.host}:{a.port}"
    ws = Ws(a.host, a.port, "/api/ws", user, password, a.header + [f"Origin: {origin}"], a.timeout)
    result["status"] = ws.status
    result["accept_ok"] = ws.accept_ok
    if a.expect_status != 101:
        print(json.dumps(result))
        sys.exit(0 if ws.status == a.expect_status else 1)
    ok = ws.status == 101 and ws.accept_ok
    if ok:
        welcome = ws.wait_for(lambda m: m.get("type") == "welcome", deadline)
        result["user"] = welcome["user"]["id"]
        ok = result["user"] == a.expect_user
    if ok and a.media:
        ws.send({"type": "join_room", "media_id": a.media, "since_seq": None})
        joined = ws.wait_for(lambda m: m.get("type") in ("room_joined", "error"), deadline)
        if joined["type"] == "error":
            result["error"] = joined
            ok = False
        else:
            texts = [c["text"] for c in joined.get("comments") or []]
            result["comments"] = texts
            if a.expect_comment is not None:
                ok = a.expect_comment in texts
    if ok and a.media and a.add_comment:
        ws.send({"type": "add_comment", "media_id": a.media, "text": a.add_comment, "frame": 3,
                 "end_frame": None, "parent_id": None, "drawing": None, "client_ref": "deb-test"})
        added = ws.wait_for(
            lambda m: m.get("type") == "error"
            or (m.get("type") == "room_event" and m["event"].get("kind") == "comment_added"),
            deadline,
        )
        if added["type"] == "error":
            result["error"] = added
            ok = False
        else:
            result["comment_id"] = added["event"]["comment"]["id"]
            result["comment_user"] = added["event"]["comment"]["user_id"]
            ok = result["comment_user"] == a.expect_user
    print(json.dumps(result))
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    try:
        main()
    except (OSError, EOFError, TimeoutError, ValueError, KeyError) as e:
        print(json.dumps({"exception": f"{type(e).__name__}: {e}"}))
        sys.exit(1)
