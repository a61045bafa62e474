#!/usr/bin/env python3
"""A guest's websocket through nginx, for scripts/test-deb.sh (standard library only).

Connects to /api/guest/ws with the guest's cookie (and whatever --header adds, such as
forged identity headers), and checks what docs/sharing.md promises a guest: the server
says it is `guest:<n>`, it joins the link's media room, it comments when the link allows
it, another media's room is `not_found`, and `list_media` lists the link's media only.
With --revoke-url it then has the owner revoke the link over HTTPS and expects the open
socket to be told (`room_closed`, or an `error` forbidden) and closed. Prints one JSON line; exits 1 on a mismatch.
"""

import argparse
import base64
import json
import os
import ssl
import sys
import time
import urllib.error
import urllib.request

# The same small client as the users' checks, imported without leaving a __pycache__
# in the source tree.
sys.dont_write_bytecode = True
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from ws_check import Ws  # noqa: E402


def revoke(url, auth, origin):
    """DELETE the guest link as its owner (basic auth), like the Share dialog does."""
    ctx = ssl.create_default_context()
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE  # the test site's snakeoil certificate
    req = urllib.request.Request(url, method="DELETE")
    req.add_header("Authorization", "Basic " + base64.b64encode(auth.encode()).decode())
    req.add_header("Origin", origin)
    try:
        with urllib.request.urlopen(req, context=ctx, timeout=10) as r:
            return r.status
    except urllib.error.HTTPError as e:
        return e.code


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, required=True)
    p.add_argument("--cookie", required=True,
                   help="the dailies_guest cookie's value; write --cookie=VALUE, as it may start with -")
    p.add_argument("--header", action="append", default=[], help="extra request header")
    p.add_argument("--media", required=True, help="the link's media")
    p.add_argument("--other-media", help="a media the link does not open")
    p.add_argument("--add-comment", help="comment text; the link must allow comments")
    p.add_argument("--expect-refused-comment", action="store_true",
                   help="the link is view-only: add_comment must be refused")
    p.add_argument("--revoke-url", help="then DELETE this guest link as --revoke-auth")
    p.add_argument("--revoke-auth", help="name:password of the media's owner")
    p.add_argument("--timeout", type=float, default=20)
    a = p.parse_args()
    deadline = time.time() + a.timeout
    origin = f"https://{a.host}:{a.port}"
    headers = a.header + [f"Cookie: dailies_guest={a.cookie}", f"Origin: {origin}"]
    ws = Ws(a.host, a.port, "/api/guest/ws", None, None, headers, a.timeout)
    result = {"status": ws.status}
    problems = []

    def fail(what):
        problems.append(what)
        result["problems"] = problems
        print(json.dumps(result))
        sys.exit(1)

    if ws.status != 101 or not ws.accept_ok:
        fail("no websocket upgrade")
    welcome = ws.wait_for(lambda m: m.get("type") == "welcome", deadline)
    me = welcome["user"]["id"]
    result["user"] = me
    if not me.startswith("guest:") or welcome["user"].get("is_admin"):
        fail(f"the server says the guest is {welcome['user']}")

    def ask(msg, answers):
        ws.send(msg)
        return ws.wait_for(lambda m: m.get("type") in answers + ("error",), deadline)

    joined = ask({"type": "join_room", "media_id": a.media, "since_seq": None}, ("room_joined",))
    if joined["type"] != "room_joined":
        fail(f"join_room of the link's media: {joined}")
    result["access"] = joined.get("access")

    if a.add_comment:
        ws.send({"type": "add_comment", "media_id": a.media, "text": a.add_comment, "frame": 5,
                 "end_frame": None, "parent_id": None, "drawing": None, "client_ref": "guest-test"})
        added = ws.wait_for(
            lambda m: m.get("type") == "error"
            or (m.get("type") == "room_event" and m["event"].get("kind") == "comment_added"),
            deadline,
        )
        if added["type"] == "error":
            fail(f"add_comment: {added}")
        comment = added["event"]["comment"]
        result["comment_user"] = comment["user_id"]
        if comment["user_id"] != me or comment.get("guest") is not True:
            fail(f"the comment is not the guest's: {comment}")
    if a.expect_refused_comment:
        ws.send({"type": "add_comment", "media_id": a.media, "text": "not allowed", "frame": 5,
                 "end_frame": None, "parent_id": None, "drawing": None, "client_ref": "guest-refused"})
        answer = ws.wait_for(
            lambda m: m.get("type") == "error"
            or (m.get("type") == "room_event" and m["event"].get("kind") == "comment_added"),
            deadline,
        )
        if answer["type"] != "error":
            fail(f"a view-only guest could comment: {answer}")

    if a.other_media:
        other = ask({"type": "join_room", "media_id": a.other_media, "since_seq": None}, ("room_joined",))
        result["other_media"] = other.get("code") or other["type"]
        if other["type"] != "error" or other.get("code") != "not_found":
            fail(f"join_room of another media: {other}")

    listed = ask({"type": "list_media"}, ("media_list",))
    if listed["type"] != "media_list":
        fail(f"list_media: {listed}")
    ids = [m["id"] for m in listed["items"]]
    result["listed"] = ids
    if ids != [a.media]:
        fail(f"list_media lists {ids}, not just the link's media")

    if a.revoke_url:
        code = revoke(a.revoke_url, a.revoke_auth, origin)
        result["revoke"] = code
        if code != 204:
            fail(f"revoking the link answered {code}")
        # docs/sharing.md promises `room_closed`; the server also says it with an `error`
        # (forbidden) before closing. Either tells the page why; the close is the point.
        try:
            told = ws.wait_for(
                lambda m: m.get("type") == "room_closed"
                or (m.get("type") == "error" and m.get("code") == "forbidden"),
                deadline,
            )
            result["told"] = f"{told['type']}: {told.get('reason') or told.get('message')}"
        except EOFError as e:
            fail(f"closed without a word: {e}")
        # Then the server closes the socket (a read that times out fails the check).
        try:
            while time.time() < deadline:
                ws.recv()
            fail("the socket stayed open after the revocation")
        except EOFError as e:
            result["closed"] = str(e)
    print(json.dumps(result))


if __name__ == "__main__":
    try:
        main()
    except (OSError, EOFError, TimeoutError, ValueError, KeyError) as e:
        print(json.dumps({"exception": f"{type(e).__name__}: {e}"}))
        sys.exit(1)
