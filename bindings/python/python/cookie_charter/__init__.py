"""cookie-charter: a site's cookie charter as one policy file, and the decision for every cookie.

Load a :class:`Policy`, read the visitor's :class:`Consent` from their consent cookie, and
:meth:`Policy.decide` for each cookie name. The request's signals count too: Global Privacy
Control (:func:`gpc_enabled`, :meth:`Consent.with_gpc`), Google Consent Mode
(:meth:`Policy.consent_mode`, :meth:`Policy.gtag_consent`) and IAB TCF TC strings
(:class:`TcString`, :meth:`Policy.consent_from_tc_string`). The engine is the Rust core of
cookie-charter; this package is a thin binding over it, plus WSGI and ASGI middleware
(:mod:`cookie_charter.wsgi`, :mod:`cookie_charter.asgi`).
"""

from cookie_charter._native import (
    Consent,
    Decision,
    DroppedCookie,
    Filtered,
    Policy,
    PolicyError,
    PolicyWarning,
    PurgedCookie,
    TcString,
    TcStringError,
    __version__,
    gpc_enabled,
)

__all__ = [
    "Consent",
    "Decision",
    "DroppedCookie",
    "Filtered",
    "Policy",
    "PolicyError",
    "PolicyWarning",
    "PurgedCookie",
    "TcString",
    "TcStringError",
    "__version__",
    "gpc_enabled",
]
