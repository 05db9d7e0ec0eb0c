"""What the ASGI middleware costs per request, without a server: the application of the load run
(`app_asgi.py`: three `Set-Cookie` headers) called with a scope, `receive` and `send` as a server
would, bare, with `ConsentMiddleware` and with `Floor` (the least a middleware that rewrites
headers does, in plain Python), rounds in turn; median of 15 rounds, quartiles beside.

    bindings/python/.venv/bin/python benches/load/inprocess_asgi.py

Steadier than the load run on a shared machine, but without what a server does around each
request: read it as the middleware's own cost, not as a share of a real server's.

`--count APP REQUESTS` runs one of them (`bare`, `middleware` or `floor`) REQUESTS times,
untimed, for an instruction counter, whose figures do not move with the machine's load:

    valgrind --tool=callgrind --callgrind-out-file=/dev/null \
        bindings/python/.venv/bin/python benches/load/inprocess_asgi.py --count middleware 12000

(the instructions per request: the difference between two such runs of 2,000 and 12,000
requests, divided by 10,000).
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import time
from pathlib import Path
from typing import Any

from app_asgi import Floor, bare  # the load run's application, beside this file
from cookie_charter import Policy
from cookie_charter.asgi import ConsentMiddleware

ROOT = Path(__file__).resolve().parents[2]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.partition("\n")[0])
    parser.add_argument("--count", nargs=2, metavar=("APP", "REQUESTS"))
    count = parser.parse_args().count
    policy = Policy.load(str(ROOT / "tests" / "hostile" / "policy.toml"))
    wrapped = ConsentMiddleware(bare, policy)
    now = int(time.time())
    cookie = f"consent=v=1&rev=1&at={now - 60}&statistics=1&marketing=0; _ga=GA1.2.3".encode()
    request_headers = [(b"host", b"127.0.0.1:8000"), (b"cookie", cookie)]
    sent: list[Any] = []

    async def receive() -> dict[str, Any]:
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message: Any) -> None:
        sent.append(message)

    def scope() -> dict[str, Any]:
        return {
            "type": "http",
            "asgi": {"version": "3.0"},
            "http_version": "1.1",
            "method": "GET",
            "scheme": "http",
            "path": "/",
            "raw_path": b"/",
            "query_string": b"",
            "root_path": "",
            "headers": request_headers,
            "client": ("127.0.0.1", 50000),
            "server": ("127.0.0.1", 8000),
            "state": {},
        }

    async def run(app: Any, n: int) -> None:
        for _ in range(n):
            await app(scope(), receive, send)
            sent.clear()

    apps = {"bare": bare, "middleware": wrapped, "floor": Floor(bare)}

    async def measure() -> None:
        await wrapped(scope(), receive, send)
        kept = [value for name, value in sent[0]["headers"] if name == b"set-cookie"]
        if len(kept) != 2:
            raise SystemExit(f"the middleware did not run: {kept}")
        sent.clear()
        await run(wrapped, 10)
        n = 20000
        times: dict[str, list[float]] = {name: [] for name in apps}
        for _ in range(15):
            for name, app in apps.items():
                start = time.perf_counter()
                await run(app, n)
                times[name].append((time.perf_counter() - start) / n * 1e6)
        times["difference"] = [m - b for b, m in zip(times["bare"], times["middleware"])]
        times["floor's difference"] = [f - b for b, f in zip(times["bare"], times["floor"])]
        for name, values in times.items():
            low, median, high = statistics.quantiles(values, n=4)
            print(f"{name}: {median:.2f} µs per request ({low:.2f}–{high:.2f})")

    if count is None:
        asyncio.run(measure())
    else:
        name, requests = count
        if name not in apps:
            parser.error(f"APP is one of {', '.join(apps)}, not {name!r}")
        if not requests.isdecimal():
            parser.error(f"REQUESTS is a number of requests, not {requests!r}")
        asyncio.run(run(apps[name], int(requests)))


if __name__ == "__main__":
    main()
