#!/usr/bin/env python3
"""Checks the header lists of a Dailies nginx site, for scripts/test-deb.sh.

nginx gives a location the server block's proxy_set_header lines only when the location
has none of its own, so a site that clears the identity headers somewhere must repeat
every other header there by hand. This reads the site and fails when, in any location
that proxies to Dailies (nested and named ones included):

- a header the server block sets is missing (the websocket, the Origin check or the
  client address would break there), or has another value than at server level;
- the location takes no password (auth_basic off, auth_request off) but the identity
  headers are not cleared (set to ""), so $remote_user or an unchecked variable would
  reach the server as a user;
- the location is public but is not one of the paths meant to be (--public).

It reads the nginx syntax the sites use (blocks, quotes, comments), not every
corner of it. Prints the problems (with --verbose, every location it checked) and exits
1 when there are any.
"""

import argparse
import re
import sys

IDENTITY = ("x-remote-user-id", "x-remote-user-name", "x-remote-user-admin")
# What Dailies needs on every proxied request besides the identity.
REQUIRED = ("host", "x-forwarded-host", "x-real-ip", "x-forwarded-for", "x-forwarded-proto",
            "upgrade", "connection")


def tokens(text):
    """Words, quoted strings, and the punctuation { } ; of an nginx file."""
    pattern = re.compile(r"""\s+|\#[^\n]*|"((?:[^"\\]|\\.)*)"|'((?:[^'\\]|\\.)*)'|([{};])|([^\s{};"'#]+)""")
    pos = 0
    while pos < len(text):
        m = pattern.match(text, pos)
        if not m:
            raise ValueError(f"cannot read the site near: {text[pos:pos + 40]!r}")
        pos = m.end()
        if m.group(1) is not None or m.group(2) is not None:
            yield ("word", m.group(1) if m.group(1) is not None else m.group(2))
        elif m.group(3):
            yield (m.group(3), m.group(3))
        elif m.group(4):
            yield ("word", m.group(4))


def parse(toks, depth=0):
    """A list of (name, args, children or None)."""
    out, words = [], []
    for kind, value in toks:
        if kind == "word":
            words.append(value)
        elif kind == ";":
            out.append((words[0], words[1:], None))
            words = []
        elif kind == "{":
            out.append((words[0], words[1:], parse(toks, depth + 1)))
            words = []
        else:
            if depth == 0:
                raise ValueError("unbalanced }")
            return out
    if depth:
        raise ValueError("unbalanced {")
    return out


def directives(block, name):
    return [args for n, args, children in block if n == name and children is None]


class Scope:
    """What a location ends up with: its own directives, or its parent's."""

    def __init__(self, block, parent=None):
        own = {}
        for args in directives(block, "proxy_set_header"):
            own[args[0].lower()] = args[1] if len(args) > 1 else ""
        self.headers = own if own else (parent.headers if parent else {})
        auth = parent.auth if parent else False
        for args in directives(block, "auth_basic"):
            auth = args[0] != "off"
        for args in directives(block, "auth_request"):
            auth = args[0] != "off"
        self.auth = auth
        passes = directives(block, "proxy_pass")
        self.proxy = passes[0][0] if passes else None


def check_server(server, public, upstream):
    problems, report = [], []
    top = Scope(server)
    missing = [h for h in REQUIRED + IDENTITY if h not in top.headers]
    if missing:
        problems.append(f"server block lacks proxy_set_header {', '.join(missing)}")
    if not top.auth:
        problems.append("server block takes no password: nothing would be private")

    def walk(block, parent, where):
        for name, args, children in block:
            if name != "location" or children is None:
                continue
            loc = " ".join(args)
            scope = Scope(children, parent)
            here = f"{where} > {loc}" if where else loc
            if scope.proxy and scope.proxy.rstrip("/") == upstream:
                for h, v in top.headers.items():
                    if h in IDENTITY:
                        continue
                    if h not in scope.headers:
                        problems.append(f"location {here}: no {h} header (server block sets {v})")
                    elif scope.headers[h] != v:
                        problems.append(f"location {here}: {h} is {scope.headers[h]!r}, server block says {v!r}")
                if scope.auth:
                    for h in IDENTITY:
                        if scope.headers.get(h) != top.headers.get(h):
                            problems.append(f"location {here}: {h} differs from the server block")
                    report.append(f"signed in: {here}")
                else:
                    for h in IDENTITY:
                        if scope.headers.get(h) != "":
                            problems.append(f"location {here} takes no password but {h} is "
                                            f"{scope.headers.get(h)!r}, not cleared")
                    if where == "" and loc not in public:
                        problems.append(f"location {here} is public but not one of {public}")
                    report.append(f"public:    {here}")
            walk(children, scope, here)

    walk(server, top, "")
    return problems, report


def main():
    p = argparse.ArgumentParser()
    p.add_argument("site")
    p.add_argument("--upstream", default="http://dailies_server")
    p.add_argument("--public", action="append", default=[],
                   help="a location (as written after 'location') that may be public")
    p.add_argument("--verbose", action="store_true", help="list each location and what it is")
    a = p.parse_args()
    with open(a.site) as f:
        tree = parse(iter(list(tokens(f.read()))))
    servers = [children for name, _, children in tree if name == "server" and children]
    # The servers that proxy to Dailies; a port-80 redirect server has nothing to check.
    def proxies(block):
        return any(
            (n == "proxy_pass" and args and args[0].rstrip("/") == a.upstream) or (c and proxies(c))
            for n, args, c in block
        )
    servers = [s for s in servers if proxies(s)]
    if not servers:
        print(f"site_check: {a.site}: no server proxies to {a.upstream}")
        sys.exit(1)
    failed = False
    for server in servers:
        problems, report = check_server(server, a.public, a.upstream)
        for line in report if a.verbose else []:
            print(f"  {line}")
        for line in problems:
            print(f"site_check: {a.site}: {line}")
        failed |= bool(problems)
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
