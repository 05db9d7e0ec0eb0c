"""Flask: the extension `CookieCharter`.

```python
from flask import Flask, g
from cookie_charter import Policy
from cookie_charter.flask import CookieCharter

app = Flask(__name__)
CookieCharter(app, Policy.load("policy.toml"))
# or, with an application factory: charter = CookieCharter(); charter.init_app(app, policy)
# (without a policy, init_app loads the file named by app.config["COOKIE_CHARTER_POLICY"])

@app.get("/")
def index():
    g.consent.get("statistics")          # the visitor's Consent
    ...
```

The extension wraps `app.wsgi_app` in `cookie_charter.wsgi.ConsentMiddleware`, so that every
response is judged, the session cookie included (Flask sets it after the `after_request`
functions). The visitor's consent is `flask.g.consent`; a view that records a new choice (a
banner's endpoint) sets `g.consent` to the new `Consent`: the response is then judged with it
(anything else there is judged as no consent). Templates get `cookie_charter`: `consent`,
`purposes`, `purposes_to_ask` and `gtag_default`, as with Django's context processor.

`CookieCharter(app, policy, guard={"src": "/static/cookie-charter-guard.min.js", "nonce": lambda
environ: g.csp_nonce})` puts the browser guard's tags first in every page's `<head>`, as the WSGI
middleware's `guard` option does (the nonce function runs in the request's context).

Flask is imported by this module only: the package does not need it otherwise.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import Any

from flask import Flask, g, request
from markupsafe import Markup

from cookie_charter._middleware import CONSENT_KEY, OnDropped, get_consent
from cookie_charter._native import Consent, Policy
from cookie_charter.wsgi import ConsentMiddleware

__all__ = ["CookieCharter"]

#: The configuration key naming the policy file when no policy is given to the extension.
POLICY_CONFIG = "COOKIE_CHARTER_POLICY"
#: Key of the extension's state in `app.extensions`.
EXTENSION_KEY = "cookie_charter"


class CookieCharter:
    """The Flask extension: the visitor's consent on `flask.g.consent`, and every response's
    cookies as the policy allows (options as `cookie_charter.wsgi.ConsentMiddleware`)."""

    def __init__(
        self,
        app: Flask | None = None,
        policy: Policy | None = None,
        *,
        purge: bool = True,
        on_dropped: OnDropped | None = None,
        guard: Mapping[str, Any] | None = None,
    ) -> None:
        self.policy = policy
        self.guard = guard
        self.purge = purge
        self.on_dropped = on_dropped
        if app is not None:
            self.init_app(app)

    def init_app(self, app: Flask, policy: Policy | None = None) -> None:
        """Installs the extension on `app`, with `policy`, else the extension's, else the file
        named by `app.config["COOKIE_CHARTER_POLICY"]`."""
        if policy is None:
            policy = self.policy if self.policy is not None else _configured_policy(app)
        app.wsgi_app = ConsentMiddleware(  # type: ignore[method-assign]
            app.wsgi_app, policy, purge=self.purge, on_dropped=self.on_dropped, guard=self.guard
        )
        app.extensions[EXTENSION_KEY] = policy
        app.before_request(_expose)
        app.after_request(_record)
        app.context_processor(_template_context)


def _configured_policy(app: Flask) -> Policy:
    value = app.config.get(POLICY_CONFIG)
    if isinstance(value, Policy):
        return value
    if isinstance(value, (str, os.PathLike)):
        return Policy.load(value)
    raise RuntimeError(
        f"CookieCharter needs a policy: pass one, or set app.config[{POLICY_CONFIG!r}] to the "
        f"path of a policy file (it is {value!r})"
    )


def _expose() -> None:
    g.consent = get_consent(request.environ)


def _record(response: Any) -> Any:
    # What the view left on `g` is what the middleware judges the response with. Without it
    # (another `before_request` function answered first), the environ's consent stays.
    if "consent" in g:
        request.environ[CONSENT_KEY] = g.consent
    return response


def _template_context() -> dict[str, Any]:
    from flask import current_app

    policy: Policy = current_app.extensions[EXTENSION_KEY]
    consent = g.get("consent")
    if not isinstance(consent, Consent):
        consent = get_consent(request.environ)
    purposes = policy.purposes
    ask = set(policy.purposes_to_ask(consent))
    return {
        "cookie_charter": {
            "consent": consent,
            "purposes": purposes,
            "purposes_to_ask": [p for p in purposes if p.id in ask],
            # Only fixed names and `granted`/`denied`: safe in a <script> element.
            "gtag_default": Markup(policy.gtag_consent(consent)),
        }
    }
