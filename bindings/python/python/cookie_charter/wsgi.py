"""WSGI middleware (Flask, Django under WSGI, any PEP 3333 application).

```python
from cookie_charter import Policy
from cookie_charter.wsgi import ConsentMiddleware

policy = Policy.load("policy.toml")
app.wsgi_app = ConsentMiddleware(app.wsgi_app, policy)        # Flask (or cookie_charter.flask)
application = ConsentMiddleware(get_wsgi_application(), policy)  # Django (or cookie_charter.django)
```

On every request the middleware reads the consent cookie named by the policy
(`site.consent_cookie`) and the Global Privacy Control signal (`Sec-GPC`), and stores the
visitor's `Consent` in the environ under `"cookie_charter.consent"` (Flask:
`request.environ[...]`; Django: `request.META[...]`), and the policy under
`"cookie_charter.policy"`. On the response it drops the `Set-Cookie` headers the visitor has not
consented to, and appends the headers that delete the cookies the visitor holds but no longer
allows. A handler that records a new choice puts its `Consent` under the same key: the response
is then judged with it (anything else there is judged as no consent).

With `guard={"src": "/static/cookie-charter-guard.min.js", "nonce": nonce_of}` (`nonce_of(environ)`
gives the response's Content-Security-Policy nonce, or None; optional), every `text/html` page
that is neither compressed nor streamed gets the browser guard's `<script>` tags right after its
`<head>` start tag, for the consent that judges it (`Policy.guard_script_tags`; docs/browser.md).

With `records` (a `cookie_charter.records.ConsentEndpoint`), requests to `consent_path` (default
`/consent`) go to the consent endpoint instead of the application.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from types import TracebackType
from typing import Any, Optional

from cookie_charter._middleware import (
    CONSENT_KEY,
    POLICY_KEY,
    Middleware,
    get_consent,
    handled,
)
from cookie_charter._guard import WsgiGuard, check_guard
from cookie_charter._native import Policy
from cookie_charter.records import wsgi_reply

__all__ = ["CONSENT_KEY", "POLICY_KEY", "ConsentMiddleware", "get_consent"]

ExcInfo = tuple[type[BaseException], BaseException, Optional[TracebackType]]
StartResponse = Callable[..., Callable[[bytes], object]]
WSGIApp = Callable[[dict[str, Any], StartResponse], Iterable[bytes]]


class ConsentMiddleware(Middleware):
    """Enforces a cookie policy on a WSGI application's responses."""

    app: WSGIApp

    def __init__(
        self,
        app: WSGIApp,
        policy: Policy,
        *,
        guard: Mapping[str, Any] | None = None,
        **options: Any,
    ) -> None:
        super().__init__(app, policy, **options)
        #: The `guard` option: `{"src": URL, "nonce": function of the environ}` puts the browser
        #: guard's tags in every page (see `cookie_charter._guard`).
        self.guard = check_guard(guard)
        if self.guard is not None:
            self.app = WsgiGuard(app, self.policy, self.guard)

    def __call__(self, environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        if self.records is not None and environ.get("PATH_INFO") == self.consent_path:
            return wsgi_reply(self.records, environ, start_response)
        policy = self.policy
        cookie_header = environ.get("HTTP_COOKIE")
        # Servers join repeated headers with commas; each element counts (see gpc_enabled).
        sec_gpc = environ.get("HTTP_SEC_GPC")
        consent = policy.request_consent(cookie_header, sec_gpc)
        environ[CONSENT_KEY] = consent
        environ[POLICY_KEY] = policy

        def filtering_start_response(
            status: str,
            headers: list[tuple[str, str]],
            exc_info: ExcInfo | None = None,
        ) -> Callable[[bytes], object]:
            others = []
            set_cookies = []
            for name, value in headers:
                if name.lower() == "set-cookie":
                    set_cookies.append(value)
                else:
                    others.append((name, value))
            response = policy.respond(
                set_cookies,
                cookie_header=cookie_header,
                sec_gpc=sec_gpc,
                handled=handled(consent, environ.get(CONSENT_KEY)),
                purge=self.purge,
            )
            if response.dropped and self.on_dropped is not None:
                self.on_dropped(response.dropped)
            others.extend(("Set-Cookie", value) for value in response.set_cookies)
            if exc_info is None:
                return start_response(status, others)
            return start_response(status, others, exc_info)

        return self.app(environ, filtering_start_response)
