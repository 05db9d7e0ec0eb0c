"""The shared `respond` vectors (tests/vectors/respond/) through the real WSGI and ASGI middleware:
for each case, a small application sends the case's `Set-Cookie` headers after doing what its
handler did with the consent, on a request with the case's `Cookie` and `Sec-GPC` headers; the
headers the server receives and the dropped ones the middleware reports are the case's.

The middleware reads the clock: the test-only `_set_clock_for_tests` fixes it at the case's `now`.
"""

from __future__ import annotations

import asyncio
import json
import wsgiref.util
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from cookie_charter import Consent, DroppedCookie, _native, asgi, wsgi
from test_vectors import VECTORS, dropped_dicts, expected_dropped, load_policy

FILES = sorted((VECTORS / "respond").glob("*.json"))
CASES = [
    pytest.param(path, index, id=f"{path.name}[{index}]")
    for path in FILES
    for index in range(len(json.loads(path.read_text(encoding="utf-8"))["cases"]))
]


def test_the_respond_vectors_are_there() -> None:
    assert CASES, f"no case under {VECTORS / 'respond'}"


@pytest.fixture
def clock() -> Iterator[Any]:
    yield _native._set_clock_for_tests  # type: ignore[attr-defined]
    _native._set_clock_for_tests(None)  # type: ignore[attr-defined]


def load(path: Path, index: int) -> tuple[Any, dict[str, Any]]:
    doc = json.loads(path.read_text(encoding="utf-8"))
    case = doc["cases"][index]
    assert case["kind"] == "respond"
    return load_policy(doc), case


def handler_leaves(case: dict[str, Any], given: object) -> object:
    """What the case's handler leaves under the consent key, given the middleware's consent."""
    handled = case["handled"]
    if handled == "unchanged":
        return given
    if handled == "not_a_consent":
        return "a value that is not a consent"
    return Consent.from_cookie(handled["replaced"])


@pytest.mark.parametrize(("path", "index"), CASES)
def test_wsgi_middleware(path: Path, index: int, clock: Any) -> None:
    policy, case = load(path, index)
    clock(case["now"])
    environ: dict[str, Any] = {}
    wsgiref.util.setup_testing_defaults(environ)
    # A WSGI server hands over one value per header name: the Cookie fields joined with `; `,
    # the Sec-GPC values with commas.
    if case["cookie"]:
        environ["HTTP_COOKIE"] = "; ".join(case["cookie"])
    if case["sec_gpc"]:
        environ["HTTP_SEC_GPC"] = ", ".join(case["sec_gpc"])

    def app(environ: dict[str, Any], start_response: Any) -> list[bytes]:
        environ[wsgi.CONSENT_KEY] = handler_leaves(case, environ[wsgi.CONSENT_KEY])
        headers = [("Content-Type", "text/plain")]
        headers += [("Set-Cookie", value) for value in case["set_cookies"]]
        start_response("200 OK", headers)
        return [b"ok"]

    received: list[Any] = []
    dropped: list[DroppedCookie] = []

    def start_response(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> Any:
        received.append(headers)
        return lambda data: None

    middleware = wsgi.ConsentMiddleware(app, policy, purge=case["purge"], on_dropped=dropped.extend)
    assert list(middleware(environ, start_response)) == [b"ok"]
    assert received == [
        [("Content-Type", "text/plain"), *(("Set-Cookie", value) for value in case["send"])]
    ]
    assert dropped_dicts(dropped) == expected_dropped(case)


@pytest.mark.parametrize(("path", "index"), CASES)
def test_asgi_middleware(path: Path, index: int, clock: Any) -> None:
    policy, case = load(path, index)
    clock(case["now"])
    # An ASGI server hands over each header field as it came.
    request_headers = [(b"host", b"www.shop.example.co.uk")]
    request_headers += [(b"cookie", field.encode("latin-1")) for field in case["cookie"]]
    request_headers += [(b"sec-gpc", value.encode("latin-1")) for value in case["sec_gpc"]]
    scope = {"type": "http", "method": "GET", "path": "/", "headers": request_headers}

    async def app(scope: Any, receive: Any, send: Any) -> None:
        scope[asgi.CONSENT_KEY] = handler_leaves(case, scope[asgi.CONSENT_KEY])
        headers = [(b"content-type", b"text/plain")]
        headers += [(b"set-cookie", value.encode("latin-1")) for value in case["set_cookies"]]
        await send({"type": "http.response.start", "status": 200, "headers": headers})
        await send({"type": "http.response.body", "body": b"ok"})

    async def receive() -> dict[str, Any]:
        return {"type": "http.request", "body": b"", "more_body": False}

    sent: list[dict[str, Any]] = []

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    dropped: list[DroppedCookie] = []
    middleware = asgi.ConsentMiddleware(app, policy, purge=case["purge"], on_dropped=dropped.extend)
    asyncio.run(middleware(scope, receive, send))
    assert [m["type"] for m in sent] == ["http.response.start", "http.response.body"]
    assert list(sent[0]["headers"]) == [
        (b"content-type", b"text/plain"),
        *((b"set-cookie", value.encode("latin-1")) for value in case["send"]),
    ]
    assert dropped_dicts(dropped) == expected_dropped(case)
