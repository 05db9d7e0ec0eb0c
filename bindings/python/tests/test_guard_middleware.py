"""The middleware's `guard` option on real servers on 127.0.0.1, with a real HTTP client: Flask's
extension under waitress, a plain WSGI application under wsgiref, Starlette under uvicorn (ASGI),
and Django's middleware through its test client. Each page gets the browser guard's tags exactly
once, right after `<head>`, for the consent that judges the response (the request's, or the one
the handler recorded), with the request's nonce when there is one, and a `Content-Length` that
fits; JSON, streamed and compressed responses are sent as they are.
"""

from __future__ import annotations

import gzip
from collections.abc import Callable, Iterator
from typing import Any

import httpx
import pytest

from cookie_charter import Consent, Policy, PolicyError, asgi, wsgi
from test_api import POLICY_TOML
from test_middleware import uvicorn_server, waitress_server, wsgiref_server

POLICY = Policy.from_toml(POLICY_TOML)
SRC = "/static/cookie-charter-guard.min.js"
HEAD = "<!doctype html><html lang=en><HEAD data-x='>'>"
PAGE = HEAD + "<title>Page</title><script src=/app.js></script></head><body>Hello</body></html>"
JSON = '{"head": "<head>"}'
GRANTED = Consent({"statistics": "granted", "marketing": "granted"}, revision=2)


def granted_cookie() -> str:
    return f"consent={Consent({'statistics': 'granted', 'marketing': 'granted'}, revision=2).to_cookie()}"


# -- the applications ----------------------------------------------------------------------------


def flask_app() -> Any:
    import flask

    from cookie_charter.flask import CookieCharter

    app = flask.Flask("guard_test")

    @app.before_request
    def nonce() -> None:
        flask.g.csp_nonce = flask.request.headers.get("X-Nonce")

    @app.get("/")
    def page() -> Any:
        return PAGE

    @app.get("/choose")
    def choose() -> Any:
        flask.g.consent = GRANTED
        return PAGE

    @app.get("/json")
    def json_view() -> Any:
        return flask.Response(JSON, mimetype="application/json")

    @app.get("/stream")
    def stream() -> Any:
        return flask.Response(iter([HEAD, "<title>s</title>"]), mimetype="text/html")

    @app.get("/gz")
    def gz() -> Any:
        return flask.Response(
            gzip.compress(PAGE.encode()), mimetype="text/html", headers={"Content-Encoding": "gzip"}
        )

    CookieCharter(app, POLICY, guard={"src": SRC, "nonce": lambda environ: flask.g.csp_nonce})
    return app


def wsgi_app() -> Any:
    """A plain WSGI application: a list body without `Content-Length` is a whole page too."""

    def app(environ: dict[str, Any], start_response: Any) -> Any:
        path = environ["PATH_INFO"]
        if path == "/choose":
            environ[wsgi.CONSENT_KEY] = GRANTED
        if path == "/json":
            start_response("200 OK", [("Content-Type", "application/json")])
            return [JSON.encode()]
        if path == "/stream":
            start_response("200 OK", [("Content-Type", "text/html")])
            return (part.encode() for part in (HEAD, "<title>s</title>"))
        if path == "/gz":
            body = gzip.compress(PAGE.encode())
            start_response(
                "200 OK", [("Content-Type", "text/html"), ("Content-Encoding", "gzip")]
            )
            return [body]
        start_response("200 OK", [("Content-Type", "text/html; charset=utf-8")])
        return [PAGE[:20].encode(), PAGE[20:].encode()]

    return wsgi.ConsentMiddleware(
        app, POLICY, guard={"src": SRC, "nonce": lambda environ: environ.get("HTTP_X_NONCE")}
    )


def starlette_app() -> Any:
    from starlette.applications import Starlette
    from starlette.requests import Request
    from starlette.responses import HTMLResponse, JSONResponse, Response, StreamingResponse
    from starlette.routing import Route

    def page(request: Request) -> Response:
        if request.url.path == "/choose":
            request.scope[asgi.CONSENT_KEY] = GRANTED
        return HTMLResponse(PAGE)

    async def parts() -> Any:
        yield HEAD
        yield "<title>s</title>"

    def nonce(scope: Any) -> str | None:
        for name, value in scope["headers"]:
            if name == b"x-nonce":
                return str(value.decode())
        return None

    app = Starlette(
        routes=[
            Route("/", page),
            Route("/choose", page),
            Route("/json", lambda request: JSONResponse({"head": "<head>"})),
            Route("/stream", lambda request: StreamingResponse(parts(), media_type="text/html")),
            Route(
                "/gz",
                lambda request: Response(
                    gzip.compress(PAGE.encode()),
                    media_type="text/html",
                    headers={"Content-Encoding": "gzip"},
                ),
            ),
        ]
    )
    return asgi.ConsentMiddleware(app, POLICY, guard={"src": SRC, "nonce": nonce})


APPS: dict[str, tuple[Callable[[], Any], Callable[[Any], Any]]] = {
    "flask-waitress": (flask_app, waitress_server),
    "wsgi-wsgiref": (wsgi_app, wsgiref_server),
    "starlette-uvicorn": (starlette_app, uvicorn_server),
}


@pytest.fixture(params=sorted(APPS), scope="module")
def base_url(request: pytest.FixtureRequest) -> Iterator[str]:
    make_app, serve = APPS[request.param]
    with serve(make_app()) as url:
        yield url


def get(base_url: str, path: str, cookie: str | None = None, nonce: str | None = None) -> httpx.Response:
    headers = {"Accept-Encoding": "identity"}
    if cookie is not None:
        headers["Cookie"] = cookie
    if nonce is not None:
        headers["X-Nonce"] = nonce
    with httpx.Client(timeout=20) as client:
        response = client.get(base_url + path, headers=headers)
    assert response.status_code == 200, response.text
    return response


def expected(consent: Consent, nonce: str | None = None) -> str:
    return POLICY.guard_script_tags(consent, SRC, nonce)


def check_page(response: httpx.Response, consent: Consent, nonce: str | None = None) -> None:
    body = response.content.decode()
    assert body.count('id="cookie-charter-answer"') == 1
    assert body.count(f'<script src="{SRC}"') == 1
    assert body == HEAD + expected(consent, nonce) + PAGE[len(HEAD) :]
    length = response.headers.get("content-length")
    if length is not None:
        assert int(length) == len(response.content)


# -- the tests -----------------------------------------------------------------------------------


def test_a_page_gets_the_tags_of_the_requests_consent(base_url: str) -> None:
    refused = get(base_url, "/")
    check_page(refused, Consent.from_cookie(None))
    assert '"statistics":"unset"' in refused.text and '["_ga*",false,"statistics"]' in refused.text
    granted = get(base_url, "/", cookie=granted_cookie())
    check_page(granted, GRANTED)
    assert '["_ga*",true,"statistics"]' in granted.text


def test_the_handlers_recorded_consent_judges(base_url: str) -> None:
    response = get(base_url, "/choose")
    check_page(response, GRANTED)
    assert '["_ga*",true,"statistics"]' in response.text


def test_the_nonce_is_the_requests(base_url: str) -> None:
    check_page(get(base_url, "/", nonce="r4nd0m"), Consent.from_cookie(None), "r4nd0m")
    assert get(base_url, "/", nonce="other").text.count(' nonce="other"') == 2


def test_json_streamed_and_compressed_responses_are_left_alone(base_url: str) -> None:
    assert get(base_url, "/json").text.replace(" ", "") == JSON.replace(" ", "")
    assert get(base_url, "/stream").text == HEAD + "<title>s</title>"
    compressed = get(base_url, "/gz")
    assert compressed.headers["content-encoding"] == "gzip"
    # httpx decompresses: the page is the handler's, without the tags.
    assert compressed.content == PAGE.encode()


def test_without_the_option_pages_are_left_alone() -> None:
    def app(environ: dict[str, Any], start_response: Any) -> Any:
        start_response("200 OK", [("Content-Type", "text/html")])
        return [PAGE.encode()]

    with wsgiref_server(wsgi.ConsentMiddleware(app, POLICY)) as url:
        assert get(url, "/").text == PAGE


def test_a_page_without_head_is_left_alone() -> None:
    def app(environ: dict[str, Any], start_response: Any) -> Any:
        start_response("200 OK", [("Content-Type", "text/html"), ("Content-Length", "9")])
        return [b"<p>hi</p>"]

    with wsgiref_server(wsgi.ConsentMiddleware(app, POLICY, guard={"src": SRC})) as url:
        assert get(url, "/").text == "<p>hi</p>"


@pytest.mark.parametrize(
    ("guard", "error", "match"),
    [
        ("/g.js", TypeError, "guard must be a mapping"),
        ({}, TypeError, "`src` must be a str"),
        ({"src": ""}, ValueError, "`src`, the guard's URL, is empty"),
        ({"src": "/g.js", "nonce": "abc"}, TypeError, "`nonce` must be a function"),
        ({"src": "/g.js", "nonces": None}, ValueError, "unknown key `nonces`"),
    ],
)
def test_bad_guard_options(guard: Any, error: type[Exception], match: str) -> None:
    for middleware in (wsgi.ConsentMiddleware, asgi.ConsentMiddleware):
        with pytest.raises(error, match=match):
            middleware(lambda *a: None, POLICY, guard=guard)


def test_a_nonce_function_that_returns_no_str_fails() -> None:
    def app(environ: dict[str, Any], start_response: Any) -> Any:
        start_response("200 OK", [("Content-Type", "text/html")])
        return [PAGE.encode()]

    middleware = wsgi.ConsentMiddleware(app, POLICY, guard={"src": SRC, "nonce": lambda e: 5})
    with pytest.raises(TypeError, match="must return a str or None"):
        middleware({"REQUEST_METHOD": "GET", "PATH_INFO": "/"}, lambda *a: None)
    empty = wsgi.ConsentMiddleware(app, POLICY, guard={"src": SRC, "nonce": lambda e: ""})
    with pytest.raises(PolicyError, match="`nonce` is empty"):
        empty({"REQUEST_METHOD": "GET", "PATH_INFO": "/"}, lambda *a: None)


# -- Django ----------------------------------------------------------------------------------------


def django_page(request: Any) -> Any:
    from django.http import HttpResponse, JsonResponse, StreamingHttpResponse

    if request.path == "/json":
        return JsonResponse({"head": "<head>"})
    if request.path == "/stream":
        return StreamingHttpResponse(iter([HEAD, "<title>s</title>"]), content_type="text/html")
    if request.path == "/choose":
        request.consent = GRANTED
    response = HttpResponse(PAGE)
    response["Content-Length"] = str(len(PAGE))
    return response


def __getattr__(name: str) -> Any:  # Django reads `urlpatterns` from ROOT_URLCONF
    if name == "urlpatterns":
        from django.urls import path

        return [path("", django_page), *(path(p, django_page) for p in ("choose", "json", "stream"))]
    raise AttributeError(name)


@pytest.fixture
def django_client() -> Iterator[Any]:
    from django.test import Client
    from django.test.utils import override_settings

    from test_middleware import configure_django

    configure_django()
    with override_settings(
        ROOT_URLCONF=__name__,
        MIDDLEWARE=["cookie_charter.django.ConsentMiddleware"],
        COOKIE_CHARTER_POLICY=POLICY,
        COOKIE_CHARTER_GUARD={"src": SRC, "nonce": lambda request: request.headers.get("X-Nonce")},
    ):
        yield Client()


def test_django_pages_get_the_tags(django_client: Any) -> None:
    refused = django_client.get("/")
    body = refused.content.decode()
    assert body == HEAD + expected(Consent.from_cookie(None)) + PAGE[len(HEAD) :]
    assert int(refused["Content-Length"]) == len(refused.content)
    chosen = django_client.get("/choose", headers={"X-Nonce": "r4nd0m"})
    assert chosen.content.decode() == HEAD + expected(GRANTED, "r4nd0m") + PAGE[len(HEAD) :]
    assert django_client.get("/json").content.decode().count("cookie-charter") == 0
    streamed = django_client.get("/stream")
    assert b"".join(streamed.streaming_content).decode() == HEAD + "<title>s</title>"


def test_django_bad_guard_setting() -> None:
    from django.core.exceptions import ImproperlyConfigured
    from django.test.utils import override_settings

    from cookie_charter.django import ConsentMiddleware
    from test_middleware import configure_django

    configure_django()
    with override_settings(COOKIE_CHARTER_POLICY=POLICY, COOKIE_CHARTER_GUARD={"src": 1}):
        with pytest.raises(ImproperlyConfigured, match="COOKIE_CHARTER_GUARD: guard's `src`"):
            ConsentMiddleware(lambda request: None)
