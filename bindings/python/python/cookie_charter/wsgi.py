"""WSGI middleware (Flask, Django under WSGI, any PEP 3333 application).

```python
from cookie_charter import Policy
from cookie_charter.wsgi import ConsentMiddleware

policy = Policy.load("policy.toml")
app.wsgi_app = ConsentMiddleware(app.wsgi_app, policy)        # Flask
application = ConsentMiddleware(get_wsgi_application(), policy)  # Django
```

On every request the middleware reads the consent cookie named by the policy
(`site.consent_cookie`) and the Global Privacy Control signal (`Sec-GPC`), and stores the
visitor's `Consent` in the environ under
`"cookie_charter.consent"` (Flask: `request.environ[...]`; Django: `request.META[...]`), and the
policy under `"cookie_charter.policy"`. On the response it drops the `Set-Cookie` headers the
visitor has not consented to, and appends the headers that delete the cookies the visitor holds
but no longer allows.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from types import TracebackType
from typing import Any, Optional

from cookie_charter._middleware import (
    CONSENT_KEY,
    POLICY_KEY,
    OnDropped,
    request_consent,
    rewrite_set_cookies,
)
from cookie_charter._native import Consent, Policy

__all__ = ["CONSENT_KEY", "POLICY_KEY", "ConsentMiddleware", "get_consent"]

ExcInfo = tuple[type[BaseException], BaseException, Optional[TracebackType]]
StartResponse = Callable[..., Callable[[bytes], object]]
WSGIApp = Callable[[dict[str, Any], StartResponse], Iterable[bytes]]


def get_consent(environ: dict[str, Any]) -> Consent:
    """The visitor's consent stored by the middleware (no consent if it did not run)."""
    consent = environ.get(CONSENT_KEY)
    return consent if isinstance(consent, Consent) else Consent.from_cookie(None)


class ConsentMiddleware:
    """Enforces a cookie policy on a WSGI application's responses."""

    def __init__(
        self,
        app: WSGIApp,
        policy: Policy,
        *,
        purge: bool = True,
        on_dropped: OnDropped | None = None,
    ) -> None:
        if not isinstance(policy, Policy):
            raise TypeError(f"policy must be a cookie_charter.Policy, not {type(policy).__name__}")
        self.app = app
        self.policy = policy
        self.purge = purge
        self.on_dropped = on_dropped

    def __call__(self, environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        cookie_header = environ.get("HTTP_COOKIE")
        policy = self.policy
        # Servers join repeated headers with commas; each element counts (see gpc_enabled).
        gpc = environ.get("HTTP_SEC_GPC")
        consent = request_consent(policy, cookie_header, [gpc] if gpc else [])
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
            values = rewrite_set_cookies(
                policy,
                # The handler may have recorded a new choice in the environ (a consent banner's
                # endpoint): its Set-Cookie headers are then judged with it.
                get_consent(environ),
                set_cookies,
                cookie_header,
                purge=self.purge,
                now=int(time.time()),
                on_dropped=self.on_dropped,
            )
            others.extend(("Set-Cookie", value) for value in values)
            if exc_info is None:
                return start_response(status, others)
            return start_response(status, others, exc_info)

        return self.app(environ, filtering_start_response)
