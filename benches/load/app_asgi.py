"""The ASGI application of the load run: one route that sets three cookies (one necessary, one
statistics, one third-party marketing) and answers `ok`. With `LOAD_MIDDLEWARE=1` it is wrapped in
`cookie_charter.asgi.ConsentMiddleware` with the policy named by `LOAD_POLICY`.

Run by `benches/load/run.sh`: `uvicorn app_asgi:app`.
"""

from __future__ import annotations

import os
from typing import Any

HEADERS = [
    (b"content-type", b"text/plain"),
    (b"set-cookie", b"sessionid=abc; Path=/; HttpOnly"),
    (b"set-cookie", b"_ga=GA1.2.3; Path=/; Max-Age=3600"),
    (b"set-cookie", b"ads=xyz; Path=/; Domain=.doubleclick.net"),
]


async def bare(scope: dict[str, Any], receive: Any, send: Any) -> None:
    if scope["type"] != "http":
        return
    await send({"type": "http.response.start", "status": 200, "headers": HEADERS})
    await send({"type": "http.response.body", "body": b"ok"})


app: Any = bare
if os.environ.get("LOAD_MIDDLEWARE") == "1":
    from cookie_charter import Policy
    from cookie_charter.asgi import ConsentMiddleware

    app = ConsentMiddleware(bare, Policy.load(os.environ["LOAD_POLICY"]))
