"""Django: a middleware for `settings.MIDDLEWARE` and a context processor for consent banners.

```python
# settings.py
COOKIE_CHARTER_POLICY = BASE_DIR / "policy.toml"   # a path, or a cookie_charter.Policy
MIDDLEWARE = [
    "cookie_charter.django.ConsentMiddleware",      # first: it sees the cookies the others set
    "django.middleware.security.SecurityMiddleware",
    # ...
]
TEMPLATES = [{
    # ...
    "OPTIONS": {"context_processors": [
        # ...
        "cookie_charter.django.context_processor",
    ]},
}]
```

The middleware reads the visitor's consent when the request arrives (`Policy.request_consent`, from
the request's `Cookie` and `Sec-GPC` headers) and puts it on `request.consent`. A view that records
a new choice (a banner's endpoint) sets `request.consent` to the new `Consent`: the response is then
judged with it (anything else there is judged as no consent); `set_consent_cookie(response,
consent)` writes it to the consent cookie (`response.set_cookie` would put it in quotes, and the
next request's consent could not be read). On the response it drops the cookies
the visitor has not consented to and adds the deletions of the cookies they hold but no longer
allow, as `Policy.respond` answers. Other settings: `COOKIE_CHARTER_PURGE` (default True: add the
deletions); `COOKIE_CHARTER_GUARD`, `{"src": "/static/cookie-charter-guard.min.js", "nonce":
nonce_of}` (`nonce_of(request)` gives the response's Content-Security-Policy nonce, or None;
optional), which puts the browser guard's `<script>` tags right after the `<head>` start tag of
every `text/html` response that is neither streamed nor compressed, for the consent that judges it
(docs/browser.md). A `GZipMiddleware` goes above this middleware in `MIDDLEWARE`, so that it
compresses the page after the tags are in.

The context processor gives templates `cookie_charter`: `consent`, `purposes` (every `Purpose` of
the policy), `purposes_to_ask` (the `Purpose` objects a banner asks about; empty: no banner) and
`gtag_default` (the Google Consent Mode `default` script for `consent`, for a `<script>` element
before any tag).

Django is imported by this module only: the package does not need it otherwise.
"""

from __future__ import annotations

import os
from collections.abc import Awaitable, Callable
from http.cookies import Morsel, SimpleCookie
from typing import Any

from asgiref.sync import iscoroutinefunction, markcoroutinefunction
from django.core.exceptions import ImproperlyConfigured  # type: ignore[import-untyped]
from django.utils.safestring import mark_safe  # type: ignore[import-untyped]

from cookie_charter._guard import GuardConfig, check_guard, injectable, judging_consent
from cookie_charter._middleware import handled
from cookie_charter._native import Consent, Policy, _guard_inject

__all__ = ["ConsentMiddleware", "context_processor", "get_policy", "set_consent_cookie"]

#: The setting that names the policy: a path to its file, or a `Policy`.
POLICY_SETTING = "COOKIE_CHARTER_POLICY"
#: The setting that turns the deletions of withdrawn cookies off (default True).
PURGE_SETTING = "COOKIE_CHARTER_PURGE"
#: The setting that puts the browser guard in pages: `{"src": URL, "nonce": function of the request}`.
GUARD_SETTING = "COOKIE_CHARTER_GUARD"


# The policies loaded, by path: each file is read once.
_loaded: dict[str, Policy] = {}


def _setting(name: str, default: Any) -> Any:
    from django.conf import settings  # type: ignore[import-untyped]  # read when configured

    return getattr(settings, name, default)


def get_policy() -> Policy:
    """The policy of `settings.COOKIE_CHARTER_POLICY` (a path, loaded once, or a `Policy`)."""
    value = _setting(POLICY_SETTING, None)
    if isinstance(value, Policy):
        return value
    if isinstance(value, (str, os.PathLike)):
        path = os.fspath(value)
        if path not in _loaded:
            _loaded[path] = Policy.load(path)
        return _loaded[path]
    raise ImproperlyConfigured(
        f"settings.{POLICY_SETTING} must be the path of a cookie policy file or a "
        f"cookie_charter.Policy, not {type(value).__name__}"
    )


def _request_headers(request: Any) -> tuple[list[str], list[str]]:
    """The request's `Cookie` fields and `Sec-GPC` values: from the ASGI scope when there is one
    (Django joins repeated headers with commas in `META`, which would merge `Cookie` fields),
    from `META` under WSGI (where the server already joined them)."""
    scope = getattr(request, "scope", None)
    if isinstance(scope, dict):
        cookie: list[str] = []
        sec_gpc: list[str] = []
        for name, value in scope.get("headers", ()):
            name = bytes(name).lower()
            if name == b"cookie":
                cookie.append(bytes(value).decode("latin-1"))
            elif name == b"sec-gpc":
                sec_gpc.append(bytes(value).decode("latin-1"))
        return cookie, sec_gpc
    meta = request.META
    cookie_header = meta.get("HTTP_COOKIE")
    sec_gpc_header = meta.get("HTTP_SEC_GPC")
    return (
        [cookie_header] if cookie_header is not None else [],
        [sec_gpc_header] if sec_gpc_header is not None else [],
    )


def set_consent_cookie(response: Any, consent: Consent, **kwargs: Any) -> None:
    """Sets the policy's consent cookie to `consent` on `response`, as `response.set_cookie(name,
    value, **kwargs)` does, but with the value written as it is: Django would quote it (its `=`
    and `&`), and the consent read from the next request would be `malformed`."""
    name = get_policy().consent_cookie
    value = consent.to_cookie()
    response.set_cookie(name, value, **kwargs)
    response.cookies[name].set(name, value, value)


class _Header(Morsel[str]):
    """A `Set-Cookie` value as the core gave it (a deletion, or a value whose lifetime the policy
    clamped), which Django writes as it is. `key` and `value` are the cookie's, for Django's test
    client."""

    def __init__(self, name: str, value: str, header: str) -> None:
        super().__init__()
        # Set directly: `Morsel.set` refuses names Python's cookie module thinks illegal.
        self._key, self._value, self._coded_value = name, value, value
        self._header = header

    def OutputString(self, attrs: Any = None) -> str:  # noqa: N802 (Morsel's name)
        return self._header

    def __getstate__(self) -> dict[str, Any]:
        return {"key": self._key, "value": self._value, "header": self._header}

    def __setstate__(self, state: dict[str, Any]) -> None:
        self._key, self._value, self._coded_value = state["key"], state["value"], state["value"]
        self._header = state["header"]


class _SentCookies(SimpleCookie):
    """`response.cookies` after the middleware: `values()` (what Django's handlers write, one
    `Set-Cookie` header each) gives the values to send in the core's order, several for one name
    when a deletion needs one per domain and path; the mapping holds one morsel per name, for
    readers such as Django's test client."""

    def __init__(self, sent: list[Morsel[str]]) -> None:
        super().__init__()
        self._sent = sent
        for morsel in sent:
            dict.setdefault(self, morsel.key, morsel)

    def values(self) -> Any:
        # Cookies set after the middleware ran (by an outer middleware) come last, as Django
        # would write them.
        later = [m for m in dict.values(self) if not any(m is s for s in self._sent)]
        return [*self._sent, *later]


def _filter(request: Any, response: Any, consent: Consent, policy: Policy, purge: bool) -> None:
    """Rewrites the response's cookies as `Policy.respond` answers."""
    morsels = list(response.cookies.values())
    values = [m.OutputString() for m in morsels]
    # A Set-Cookie header set directly (`response["Set-Cookie"] = ...`) counts too.
    direct = response.headers.get("Set-Cookie")
    cookie, sec_gpc = _request_headers(request)
    answer = policy.respond(
        values if direct is None else [*values, direct],
        cookie_header=cookie,
        sec_gpc=sec_gpc,
        handled=handled(consent, getattr(request, "consent", None)),
        purge=purge,
    )
    if answer.unchanged:
        return
    # A value's verdict depends on the value alone: the kept values are the given ones that were
    # not dropped, in order, then come the deletions.
    dropped = {d.header for d in answer.dropped}
    sent = iter(answer.set_cookies)
    out: list[Morsel[str]] = []
    for morsel, value in zip(morsels, values):
        if value in dropped:
            continue
        kept = next(sent)
        out.append(morsel if kept == value else _Header(morsel.key, morsel.value, kept))
    if direct is not None:
        if direct in dropped:
            del response.headers["Set-Cookie"]
        else:
            response.headers["Set-Cookie"] = next(sent)
    # The deletions: the rest of `answer.set_cookies`, by cookie.
    for purged in answer.purged:
        for header in purged.headers:
            out.append(_Header(purged.cookie, "", header))
    response.cookies = _SentCookies(out)


def _inject_guard(
    request: Any, response: Any, consent: Consent, policy: Policy, guard: GuardConfig
) -> None:
    """Puts the guard's tags, for the consent that judges the response, right after the `<head>`
    start tag of a page that is neither streamed nor compressed."""
    if getattr(response, "streaming", False) or request.method == "HEAD":
        return
    if response.status_code in (204, 304) or not injectable(
        response.headers.get("Content-Type"), response.headers.get("Content-Encoding")
    ):
        return
    cookie, sec_gpc = _request_headers(request)
    judge = judging_consent(policy, consent, getattr(request, "consent", None), cookie, sec_gpc)
    page = _guard_inject(response.content, guard.tags(policy, judge, request))
    if page is None:
        return
    response.content = page
    if response.has_header("Content-Length"):
        response.headers["Content-Length"] = str(len(page))


class ConsentMiddleware:
    """Django middleware: `request.consent` for views, and the response's cookies as the policy
    allows (sync and async)."""

    sync_capable = True
    async_capable = True

    def __init__(self, get_response: Callable[[Any], Any]) -> None:
        self.get_response = get_response
        self.policy = get_policy()
        self.purge = bool(_setting(PURGE_SETTING, True))
        try:
            self.guard = check_guard(_setting(GUARD_SETTING, None))
        except (TypeError, ValueError) as error:
            raise ImproperlyConfigured(f"settings.{GUARD_SETTING}: {error}") from error
        if iscoroutinefunction(get_response):
            markcoroutinefunction(self)

    def _arrive(self, request: Any) -> Consent:
        cookie, sec_gpc = _request_headers(request)
        consent = self.policy.request_consent(cookie, sec_gpc)
        request.consent = consent
        return consent

    def __call__(self, request: Any) -> Any:
        if iscoroutinefunction(self):
            return self._acall(request)
        consent = self._arrive(request)
        response = self.get_response(request)
        _filter(request, response, consent, self.policy, self.purge)
        if self.guard is not None:
            _inject_guard(request, response, consent, self.policy, self.guard)
        return response

    async def _acall(self, request: Any) -> Any:
        consent = self._arrive(request)
        get_response: Callable[[Any], Awaitable[Any]] = self.get_response
        response = await get_response(request)
        _filter(request, response, consent, self.policy, self.purge)
        if self.guard is not None:
            _inject_guard(request, response, consent, self.policy, self.guard)
        return response


def context_processor(request: Any) -> dict[str, Any]:
    """`cookie_charter` for templates: `consent` (the request's, or the one a view recorded),
    `purposes` (every `Purpose`), `purposes_to_ask` (those a banner asks about, in the policy's
    order; empty: no banner) and `gtag_default` (the Consent Mode `default` script)."""
    policy = get_policy()
    consent = getattr(request, "consent", None)
    if not isinstance(consent, Consent):
        # Without the middleware (or after a view stored something else): read the request.
        cookie, sec_gpc = _request_headers(request)
        consent = policy.request_consent(cookie, sec_gpc)
    purposes = policy.purposes
    ask = set(policy.purposes_to_ask(consent))
    return {
        "cookie_charter": {
            "consent": consent,
            "purposes": purposes,
            "purposes_to_ask": [p for p in purposes if p.id in ask],
            # Only fixed names and `granted`/`denied`: safe in a <script> element.
            "gtag_default": mark_safe(policy.gtag_consent(consent)),
        }
    }
