#!/usr/bin/env python3
"""The backend behind nginx in the module's tests: a small HTTP server answering fixed
`Set-Cookie` header fields (standard library only).

    python3 backend.py   # listens on a free loopback port and prints it on its first line

Routes (the body is always `ok`):

- `/set/<base64url of a JSON list of strings>`: one `Set-Cookie` field per string, in order,
  written as Latin-1 (the driver sends only what HTTP/1.1 can carry);
- `/many/<n>`: `n` fields alternating `sessionid=<i>` (declared as necessary by the test policies)
  and `unknown=<i>` (declared by none).
"""

import base64
import json
import sys
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


def set_cookies(path: str) -> list[str] | None:
    """The `Set-Cookie` values a path asks for, or `None` for an unknown path."""
    parts = path.split("?", 1)[0].strip("/").split("/")
    if len(parts) == 2 and parts[0] == "set":
        encoded = parts[1] + "=" * (-len(parts[1]) % 4)
        values = json.loads(base64.urlsafe_b64decode(encoded))
        return [str(v) for v in values]
    if len(parts) == 2 and parts[0] == "many" and parts[1].isdigit():
        count = int(parts[1])
        return [f"sessionid={i}" if i % 2 == 0 else f"unknown={i}" for i in range(count)]
    return None


class Handler(BaseHTTPRequestHandler):
    """Answers every GET with the `Set-Cookie` fields its path names."""

    def do_GET(self) -> None:  # noqa: N802 (the name http.server calls)
        values = set_cookies(self.path)
        body = b"ok" if values is not None else b"unknown path"
        self.send_response(200 if values is not None else 404)
        for value in values or []:
            self.send_header("Set-Cookie", value)
        self.send_header("Content-Type", "text/plain")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002
        """Quiet: the driver checks the answers."""


def main() -> None:
    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    print(server.server_address[1], flush=True)
    server.serve_forever()


if __name__ == "__main__":
    sys.exit(main())
