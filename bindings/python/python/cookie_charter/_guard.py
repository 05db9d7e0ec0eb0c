"""The browser guard in the middleware's pages: the `guard` option of the WSGI and ASGI middleware
(and so of Flask's extension) and Django's `COOKIE_CHARTER_GUARD` setting.

With `guard={"src": "/static/cookie-charter-guard.min.js"}` (and `"nonce"`: a function of the
request giving its Content-Security-Policy nonce, or None), every `text/html` response that is not
compressed (`Content-Encoding`) nor streamed gets `Policy.guard_script_tags` right after its
`<head>` start tag, for the consent that judges the response (the handler's, when it replaced the
request's), and its `Content-Length` fixed. A response is streamed when its length is not known
before it is sent: WSGI, no `Content-Length` and a body that is not a list or a tuple; ASGI, no
`Content-Length` and more than one body message. A page without a `<head>` start tag (before its
first `<body>` or `<script>`) is sent as it is. The splice is the core's
(`guard_insertion_point`); this module only moves bytes.

The layers here go inside the consent middleware, between it and the application: they see the
consent it stored and what the handler left there, and their headers are filtered after them.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, MutableMapping
from typing import Any

from cookie_charter._middleware import CONSENT_KEY, handled
from cookie_charter._native import Consent, Policy, _guard_inject

__all__ = ["AsgiGuard", "GuardConfig", "WsgiGuard", "check_guard"]

#: The keys of the `guard` option.
_KEYS = frozenset({"src", "nonce"})


class GuardConfig:
    """The `guard` option, checked: the guard's URL and the nonce function."""

    __slots__ = ("nonce", "src")

    def __init__(self, src: str, nonce: Callable[[Any], str | None] | None) -> None:
        self.src = src
        self.nonce = nonce

    def tags(self, policy: Policy, consent: Consent, request: Any) -> str:
        """The tags for `consent`, with the nonce the function gives for `request`."""
        nonce = None if self.nonce is None else self.nonce(request)
        if nonce is not None and not isinstance(nonce, str):
            raise TypeError(f"the guard's nonce function must return a str or None, not {type(nonce).__name__}")
        return policy.guard_script_tags(consent, self.src, nonce)


def check_guard(guard: object) -> GuardConfig | None:
    """The `guard` option checked: None, or a mapping with `src` (a non-empty str) and, optionally,
    `nonce` (a function of the request, or None). A `TypeError` or `ValueError` otherwise."""
    if guard is None:
        return None
    if not isinstance(guard, Mapping):
        raise TypeError(
            "guard must be a mapping such as {'src': '/static/cookie-charter-guard.min.js'}, "
            f"not {type(guard).__name__}"
        )
    unknown = sorted(str(k) for k in guard if k not in _KEYS)
    if unknown:
        raise ValueError(f"guard has unknown key `{unknown[0]}` (known: `src`, `nonce`)")
    src = guard.get("src")
    if not isinstance(src, str):
        raise TypeError(f"guard's `src` must be a str, the guard's URL, not {type(src).__name__}")
    if not src:
        raise ValueError("guard's `src`, the guard's URL, is empty")
    nonce = guard.get("nonce")
    if nonce is not None and not callable(nonce):
        raise TypeError(
            "guard's `nonce` must be a function of the request giving its nonce, "
            f"not {type(nonce).__name__}"
        )
    return GuardConfig(src, nonce)


def injectable(content_type: str | None, content_encoding: str | None) -> bool:
    """Whether a response with these headers is a page the tags go in: `text/html`, not
    compressed."""
    if content_type is None or content_type.split(";", 1)[0].strip().lower() != "text/html":
        return False
    return content_encoding is None or content_encoding.strip().lower() in ("", "identity")


def judging_consent(
    policy: Policy,
    given: object,
    found: object,
    cookie_header: str | list[str] | None,
    sec_gpc: str | list[str] | None,
) -> Consent:
    """The consent that judges the response, as `Policy.respond` tells it: the one the middleware
    gave (`given`) when the handler left it, else what the handler left (`found`)."""
    if isinstance(given, Consent) and found is given:
        return given
    if not isinstance(given, Consent):
        given = policy.request_consent(cookie_header, sec_gpc)
    answer = policy.respond(
        [], cookie_header=cookie_header, sec_gpc=sec_gpc, handled=handled(given, found), purge=False
    )
    return answer.consent


# --------------------------------------------------------------------------------------------
# WSGI

StartResponse = Callable[..., Callable[[bytes], object]]


def _header(headers: Iterable[tuple[str, str]], name: str) -> str | None:
    for key, value in headers:
        if key.lower() == name:
            return value
    return None


class WsgiGuard:
    """The guard's tags in a WSGI application's pages (inside `wsgi.ConsentMiddleware`). The
    nonce function is called with the environ, while the application answers (Flask: in its
    request context)."""

    def __init__(self, app: Any, policy: Policy, guard: GuardConfig) -> None:
        self.app = app
        self.policy = policy
        self.guard = guard

    def __call__(self, environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        given = environ.get(CONSENT_KEY)
        held: list[Any] = []  # the held response: status, headers, tags
        written: list[bytes] = []  # what the application gave `write`, while held
        answering = True

        def guard_start_response(
            status: str, headers: list[tuple[str, str]], exc_info: Any = None
        ) -> Callable[[bytes], object]:
            if (
                exc_info is not None
                or not answering
                or held
                or environ.get("REQUEST_METHOD") == "HEAD"
                or status[:3] in ("204", "304")
                or not injectable(_header(headers, "content-type"), _header(headers, "content-encoding"))
            ):
                return start_response(status, headers, *(() if exc_info is None else (exc_info,)))
            consent = judging_consent(
                self.policy,
                given,
                environ.get(CONSENT_KEY),
                environ.get("HTTP_COOKIE"),
                environ.get("HTTP_SEC_GPC"),
            )
            held.extend((status, headers, self.guard.tags(self.policy, consent, environ)))
            return written.append

        result = self.app(environ, guard_start_response)
        answering = False
        if not held:
            return result
        status, headers, tags = held
        length = _header(headers, "content-length")
        if length is None and not isinstance(result, (list, tuple)):
            # Streamed: sent as it is, after what was written.
            write = start_response(status, headers)
            for chunk in written:
                write(chunk)
            return result
        try:
            body = b"".join([*written, *result])
        finally:
            close = getattr(result, "close", None)
            if close is not None:
                close()
        page = _guard_inject(body, tags)
        if page is None:
            start_response(status, headers)
            return [body]
        if length is not None:
            headers = [
                (k, str(len(page)) if k.lower() == "content-length" else v) for k, v in headers
            ]
        start_response(status, headers)
        return [page]


# --------------------------------------------------------------------------------------------
# ASGI

Message = MutableMapping[str, Any]


def _asgi_header(headers: Iterable[Any], name: bytes) -> str | None:
    for key, value in headers:
        if bytes(key).lower() == name:
            return bytes(value).decode("latin-1")
    return None


def _asgi_request(scope: Mapping[str, Any]) -> tuple[list[str], list[str]]:
    cookie: list[str] = []
    sec_gpc: list[str] = []
    for name, value in scope.get("headers", ()):
        name = bytes(name).lower()
        if name == b"cookie":
            cookie.append(bytes(value).decode("latin-1"))
        elif name == b"sec-gpc":
            sec_gpc.append(bytes(value).decode("latin-1"))
    return cookie, sec_gpc


class AsgiGuard:
    """The guard's tags in an ASGI application's pages (inside `asgi.ConsentMiddleware`). The
    nonce function is called with the scope the application was given."""

    def __init__(self, app: Any, policy: Policy, guard: GuardConfig) -> None:
        self.app = app
        self.policy = policy
        self.guard = guard

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope.get("type") != "http" or scope.get("method") == "HEAD":
            await self.app(scope, receive, send)
            return
        given = scope.get(CONSENT_KEY)
        start: Message | None = None
        tags = ""
        parts: list[bytes] = []

        async def guard_send(message: Message) -> None:
            nonlocal start, tags
            kind = message.get("type")
            if kind == "http.response.start":
                headers = list(message.get("headers", ()))
                if int(message.get("status", 200)) not in (204, 304) and injectable(
                    _asgi_header(headers, b"content-type"), _asgi_header(headers, b"content-encoding")
                ):
                    cookie, sec_gpc = _asgi_request(scope)
                    consent = judging_consent(
                        self.policy, given, scope.get(CONSENT_KEY), cookie, sec_gpc
                    )
                    tags = self.guard.tags(self.policy, consent, scope)
                    start = message
                    return
                await send(message)
                return
            if start is None or kind != "http.response.body":
                await send(message)
                return
            parts.append(bytes(message.get("body", b"")))
            headers = list(start.get("headers", ()))
            length = _asgi_header(headers, b"content-length")
            if message.get("more_body", False):
                if length is not None:
                    return  # a known length: held until the last part
                # Streamed: sent as it is.
                held, start = start, None
                await send(held)
                await send({**message, "body": b"".join(parts)})
                return
            body = b"".join(parts)
            page = _guard_inject(body, tags)
            held, start = start, None
            if page is None:
                page = body
            elif length is not None:
                headers = [
                    (k, str(len(page)).encode() if bytes(k).lower() == b"content-length" else v)
                    for k, v in headers
                ]
                held = {**held, "headers": headers}
            await send(held)
            await send({**message, "body": page})

        await self.app(scope, receive, guard_send)
        if start is not None:
            # The application ended without its last body part: what it gave goes as it is.
            await send(start)
            if parts:
                await send({"type": "http.response.body", "body": b"".join(parts)})
