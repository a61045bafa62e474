#!/usr/bin/env python3
"""A stand-in for oauth2-proxy's nginx endpoints, for scripts/test-deb.sh.

`/oauth2/auth` answers 202 with the X-Auth-Request-* headers when the request carries
the cookie `_oauth2_proxy=<name>`, else 401 — the contract nginx's auth_request relies
on. `/oauth2/start` answers a redirect to a pretend identity provider.
"""

import argparse
import http.server
import re


class Handler(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        if self.path.startswith("/oauth2/auth"):
            m = re.search(r"(?:^|;\s*)_oauth2_proxy=([a-z]+)", self.headers.get("Cookie", ""))
            if m:
                self.send_response(202)
                self.send_header("X-Auth-Request-Email", f"{m.group(1)}@example.com")
                self.send_header("X-Auth-Request-Preferred-Username", m.group(1))
            else:
                self.send_response(401)
        elif self.path.startswith("/oauth2/start"):
            self.send_response(302)
            self.send_header("Location", "https://sso.example.com/authorize")
        else:
            self.send_response(404)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, *args):
        pass


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--port", type=int, required=True)
    a = p.parse_args()
    http.server.HTTPServer(("127.0.0.1", a.port), Handler).serve_forever()


if __name__ == "__main__":
    main()
