"""The ASGI application of the load run: one route that sets three cookies (one necessary, one
statistics, one third-party marketing) and answers `ok`. With `LOAD_MIDDLEWARE=1` it is wrapped in
`cookie_charter.asgi.ConsentMiddleware` with the policy named by `LOAD_POLICY`; with
`LOAD_MIDDLEWARE=floor`, in `Floor` instead, for diagnosis (not in the table).

Run by `benches/load/run.sh`: `uvicorn app_asgi:app`.
"""

from __future__ import annotations

import os
from collections.abc import MutableMapping
from typing import Any

HEADERS = [
    (b"content-type", b"text/plain"),
    (b"set-cookie", b"sessionid=abc; Path=/; HttpOnly"),
    (b"set-cookie", b"_ga=GA1.2.3; Path=/; Max-Age=3600"),
    (b"set-cookie", b"ads=xyz; Path=/; Domain=.doubleclick.net"),
]


async def bare(scope: MutableMapping[str, Any], receive: Any, send: Any) -> None:
    if scope["type"] != "http":
        return
    await send({"type": "http.response.start", "status": 200, "headers": HEADERS})
    await send({"type": "http.response.body", "body": b"ok"})


# The header `Floor` removes: the one the load run's consent refuses.
REFUSED = b"ads=xyz; Path=/; Domain=.doubleclick.net"


class Floor:
    """The least an ASGI middleware that rewrites the response's headers does, in plain Python:
    it copies the scope with a value of its own (as the ASGI spec asks of a middleware that
    changes it) and sends the start message's headers without the refused cookie, which it
    knows in advance (no parsing, no policy). What the load run's figures are to be read
    against: no consent middleware can do less.
    """

    def __init__(self, app: Any) -> None:
        self.app = app

    async def __call__(self, scope: MutableMapping[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        scope = dict(scope)
        scope["floor"] = True

        async def filtered(message: MutableMapping[str, Any]) -> None:
            if message["type"] == "http.response.start":
                message = dict(message)
                message["headers"] = [h for h in message["headers"] if h[1] != REFUSED]
            await send(message)

        await self.app(scope, receive, filtered)


app: Any = bare
if os.environ.get("LOAD_MIDDLEWARE") == "floor":
    app = Floor(bare)
elif os.environ.get("LOAD_MIDDLEWARE") == "1":
    from cookie_charter import Policy
    from cookie_charter.asgi import ConsentMiddleware

    app = ConsentMiddleware(bare, Policy.load(os.environ["LOAD_POLICY"]))
