"""ASGI middleware (Starlette, FastAPI, Django under ASGI, any ASGI 3 application).

```python
from cookie_charter import Policy
from cookie_charter.asgi import ConsentMiddleware

policy = Policy.load("policy.toml")
app.add_middleware(ConsentMiddleware, policy=policy)          # Starlette / FastAPI
application = ConsentMiddleware(get_asgi_application(), policy)  # Django
```

On every HTTP request the middleware reads the consent cookie named by the policy
(`site.consent_cookie`) and the Global Privacy Control signal (`Sec-GPC`), and stores the
visitor's `Consent` in the scope under `"cookie_charter.consent"` (Starlette/FastAPI:
`request.scope[...]`, or the dependency `cookie_charter.fastapi.get_consent`; Django:
`request.scope[...]`), and the policy under `"cookie_charter.policy"`. On the response it drops
the `Set-Cookie` headers the visitor has not consented to, and appends the headers that delete the
cookies the visitor holds but no longer allows. A handler that records a new choice puts its
`Consent` under the same key: the response is then judged with it (anything else there is judged
as no consent). With `guard={"src": "/static/cookie-charter-guard.min.js", "nonce": nonce_of}`
(`nonce_of(scope)` gives the response's Content-Security-Policy nonce, or None; optional), every
`text/html` page that is neither compressed nor streamed gets the browser guard's `<script>` tags
right after its `<head>` start tag, for the consent that judges it (docs/browser.md). Other scope
types (websocket, lifespan) pass through unchanged. With `records` (a
`cookie_charter.records.ConsentEndpoint`), HTTP requests to `consent_path` (default `/consent`)
go to the consent endpoint instead of the application.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping, MutableMapping
from typing import Any

from cookie_charter._guard import AsgiGuard, check_guard
from cookie_charter._middleware import CONSENT_KEY, POLICY_KEY, Middleware, OnDropped, get_consent
from cookie_charter._native import ConsentEndpoint, Policy
from cookie_charter.records import asgi_reply

__all__ = ["CONSENT_KEY", "POLICY_KEY", "ConsentMiddleware", "get_consent"]

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]


class ConsentMiddleware(Middleware):
    """Enforces a cookie policy on an ASGI application's HTTP responses. The application and the
    options are read once, when the middleware is made."""

    app: ASGIApp

    def __init__(
        self,
        app: ASGIApp,
        policy: Policy,
        *,
        purge: bool = True,
        on_dropped: OnDropped | None = None,
        guard: Mapping[str, Any] | None = None,
        records: ConsentEndpoint | None = None,
        consent_path: str = "/consent",
    ) -> None:
        super().__init__(
            app,
            policy,
            purge=purge,
            on_dropped=on_dropped,
            records=records,
            consent_path=consent_path,
        )
        # The work is native (`_AsgiHandler`, src/asgi.rs): for an HTTP scope, the consent of the
        # request's `Cookie` and `Sec-GPC` headers (`Policy.request_consent`) in a copy of the
        # scope, and a `send` that rewrites the `http.response.start` message's `Set-Cookie`
        # headers as `Policy.respond` answers for what the handler left in that scope; other
        # scopes go to the application as they are.
        #: The `guard` option: `{"src": URL, "nonce": function of the scope}` puts the browser
        #: guard's tags in every page, inside the native part (see `cookie_charter._guard`).
        self.guard = check_guard(guard)
        if self.guard is not None:
            app = AsgiGuard(app, self.policy, self.guard)
        self._handle: ASGIApp = self.policy._asgi_handler(  # type: ignore[attr-defined]
            app, purge, on_dropped
        ).handle
        if self.records is not None:
            self._handle = self._with_endpoint(self.records, self._handle)

    def _with_endpoint(self, endpoint: ConsentEndpoint, handle: ASGIApp) -> ASGIApp:
        """`handle`, except for HTTP requests to `consent_path`: the endpoint answers those."""
        path = self.consent_path

        async def dispatch(scope: Scope, receive: Receive, send: Send) -> None:
            if scope["type"] == "http" and scope.get("path") == path:
                await asgi_reply(endpoint, scope, receive, send)  # type: ignore[arg-type]
            else:
                await handle(scope, receive, send)

        return dispatch

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        await self._handle(scope, receive, send)
