"""The ASGI middleware's header work, driven directly (no server): which messages it rewrites,
header name spellings, several Cookie fields, a consent replaced by the handler, and that
nothing of one request is reused for the next."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from cookie_charter import Consent, Policy, asgi
from test_api import POLICY_TOML

POLICY = Policy.from_toml(POLICY_TOML)
GRANTED = Consent({"statistics": "granted", "marketing": "denied"}, revision=POLICY.revision)


def run(
    headers: list[tuple[Any, Any]],
    request_headers: list[tuple[bytes, bytes]],
    *,
    replace: Consent | None = None,
    **options: Any,
) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """Runs one request through the middleware; returns the start message the app sent and the
    messages the server received."""
    sent: list[dict[str, Any]] = []
    start = {"type": "http.response.start", "status": 200, "headers": headers}

    async def app(scope: Any, receive: Any, send: Any) -> None:
        if replace is not None:
            scope[asgi.CONSENT_KEY] = replace
        await send(start)
        await send({"type": "http.response.body", "body": b"ok"})

    async def receive() -> dict[str, Any]:
        return {"type": "http.request"}

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    scope = {"type": "http", "headers": request_headers}
    asyncio.run(asgi.ConsentMiddleware(app, POLICY, **options)(scope, receive, send))
    return start, sent


def set_cookies(message: dict[str, Any]) -> list[str]:
    return [bytes(v).decode("latin-1") for n, v in message["headers"] if bytes(n).lower() == b"set-cookie"]


def names(values: list[str]) -> list[str]:
    return [v.split("=", 1)[0] for v in values if "Max-Age=0" not in v]


def deleted(values: list[str]) -> list[str]:
    return sorted({v.split("=", 1)[0] for v in values if "Max-Age=0" in v})


def test_a_response_with_nothing_to_change_is_sent_as_given() -> None:
    headers = [(b"set-cookie", b"_ga=1; Path=/"), (b"content-type", b"text/plain")]
    start, sent = run(headers, [(b"cookie", f"consent={GRANTED.to_cookie()}".encode())])
    assert sent[0] is start
    assert sent[0]["headers"] is headers
    no_cookies, sent = run([(b"content-type", b"text/plain")], [])
    assert sent[0] is no_cookies


def test_header_spellings_several_cookie_fields_and_byte_types() -> None:
    headers = [
        (b"Set-Cookie", b"_ga=1"),
        (bytearray(b"SET-COOKIE"), bytearray(b"_ad_x=2")),
        (b"x-other", b"set-cookie"),
    ]
    # HTTP/2 may split the Cookie header: the fields are joined.
    request = [(b"Cookie", f"consent={GRANTED.to_cookie()}".encode()), (b"cookie", b"_ad_x=held")]
    _, sent = run(headers, request)
    values = set_cookies(sent[0])
    assert names(values) == ["_ga"]
    assert deleted(values) == ["_ad_x"]
    assert (b"x-other", b"set-cookie") in sent[0]["headers"]
    assert sent[1] == {"type": "http.response.body", "body": b"ok"}


def test_a_consent_replaced_by_the_handler_judges_the_response() -> None:
    marketing = Consent({"statistics": "denied", "marketing": "granted"}, revision=POLICY.revision)
    headers = [(b"set-cookie", b"_ga=1"), (b"set-cookie", b"_ad_x=2")]
    request = [(b"cookie", f"consent={GRANTED.to_cookie()}; _ga=held".encode())]
    _, sent = run(headers, request, replace=marketing)
    values = set_cookies(sent[0])
    assert names(values) == ["_ad_x"]
    assert deleted(values) == ["_ga"]


def test_each_request_is_judged_on_its_own_cookie_header() -> None:
    headers = [(b"set-cookie", b"_ga=1"), (b"set-cookie", b"_ad_x=2")]
    cases = [
        (f"consent={GRANTED.to_cookie()}; _ad_x=1", ["_ga"], ["_ad_x"]),
        (f"consent={GRANTED.to_cookie()}", ["_ga"], []),
        ("_ga=1; _ad_x=1", [], ["_ad_x", "_ga"]),
        (None, [], []),
        (f"consent={GRANTED.to_cookie()}; _ga=1; tracker=2", ["_ga"], ["tracker"]),
    ]
    for _ in range(2):
        for cookie, kept, gone in cases:
            request = [] if cookie is None else [(b"cookie", cookie.encode())]
            _, sent = run(list(headers), request)
            values = set_cookies(sent[0])
            assert names(values) == kept, cookie
            assert deleted(values) == gone, cookie


def test_options_purge_and_on_dropped() -> None:
    dropped: list[Any] = []
    headers = [(b"set-cookie", b"_ga=1"), (b"set-cookie", b"tracker=2")]
    request = [(b"cookie", b"_ga=held")]
    _, sent = run(headers, request, purge=False, on_dropped=dropped.append)
    assert set_cookies(sent[0]) == []
    assert [d.cookie for d in dropped[0]] == ["_ga", "tracker"]


def expected_headers(headers: list[Any], cookie: str | None) -> list[tuple[bytes, bytes]]:
    """What the middleware should send, from the public calls: the other headers in order, then
    the kept Set-Cookie values, then the deletions of the withdrawn cookies."""
    consent = POLICY.consent_from_cookie_header(cookie)
    others = [(bytes(n), bytes(v)) for n, v in headers if bytes(n).lower() != b"set-cookie"]
    values = [bytes(v).decode("latin-1") for n, v in headers if bytes(n).lower() == b"set-cookie"]
    kept = POLICY.filter_set_cookies(values, consent).kept
    deletions = [h for p in POLICY.purge(cookie, consent) for h in p.headers] if cookie else []
    return others + [(b"set-cookie", v.encode("latin-1")) for v in kept + deletions]


def test_the_middleware_sends_what_the_public_calls_give() -> None:
    # The middleware's native pass (with and without `on_dropped`) against filter_set_cookies
    # and purge, on tuples and lists, several spellings, a clamped lifetime, a nameless value
    # and latin-1 bytes.
    header_lists: list[list[Any]] = [
        [(b"set-cookie", b"_ga=1"), (b"content-type", b"text/plain"), (b"set-cookie", b"_ad_x=2")],
        [[b"Set-Cookie", b"tracker=1"], [b"x-a", b"b"]],
        [(b"set-cookie", b"consent=v=1; Max-Age=99999999"), (b"set-cookie", b"=nameless")],
        [(b"set-cookie", "caf\u00e9=1".encode("latin-1"))],
        [],
    ]
    cookies = [None, f"consent={GRANTED.to_cookie()}; _ad_x=1; tracker=2", "_ga=1; caf\u00e9=2"]
    for headers in header_lists:
        for cookie in cookies:
            request = [] if cookie is None else [(b"cookie", cookie.encode("latin-1"))]
            expected = expected_headers(headers, cookie)
            reported: list[Any] = []
            for options in ({}, {"on_dropped": reported.extend}):
                _, sent = run(list(headers), request, **options)
                assert [(bytes(n), bytes(v)) for n, v in sent[0]["headers"]] == expected, (headers, cookie)
            values = [bytes(v).decode("latin-1") for n, v in headers if bytes(n).lower() == b"set-cookie"]
            dropped = POLICY.filter_set_cookies(values, POLICY.consent_from_cookie_header(cookie)).dropped
            assert [(d.header, d.cookie, d.problem) for d in reported] == [
                (d.header, d.cookie, d.problem) for d in dropped
            ]


def test_kept_headers_are_the_pairs_the_application_gave() -> None:
    kept = (b"set-cookie", b"_ga=1; Path=/")
    other = [b"x-list", b"pair"]
    headers: list[Any] = [kept, (b"set-cookie", b"_ad_x=2"), other]
    _, sent = run(headers, [(b"cookie", f"consent={GRANTED.to_cookie()}".encode())])
    assert len(sent[0]["headers"]) == 2
    assert sent[0]["headers"][0] is other and sent[0]["headers"][1] is kept
    assert headers == [kept, (b"set-cookie", b"_ad_x=2"), other]  # the application's list is untouched


def test_request_headers_that_are_not_bytes_are_not_cookies() -> None:
    # A server gives bytes; a name of another type is no Cookie header, and does not fail.
    headers = [(b"set-cookie", b"_ga=1")]
    granted = f"consent={GRANTED.to_cookie()}".encode()
    _, sent = run(list(headers), [("cookie", granted), (b"x", b"y")])  # type: ignore[list-item]
    assert set_cookies(sent[0]) == []
    _, sent = run(list(headers), [[b"cookie", granted]])
    assert set_cookies(sent[0]) == ["_ga=1"]


def test_a_message_without_a_type_is_an_error_of_the_application() -> None:
    async def app(scope: Any, receive: Any, send: Any) -> None:
        await send({"status": 200})

    async def send(message: Any) -> None:
        raise AssertionError("not sent")

    middleware = asgi.ConsentMiddleware(app, POLICY)
    with pytest.raises(KeyError, match="type"):
        asyncio.run(middleware({"type": "http", "headers": []}, None, send))  # type: ignore[arg-type]
