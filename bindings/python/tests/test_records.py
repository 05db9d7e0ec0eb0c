"""The consent endpoint (cookie_charter.records) mounted on the WSGI and ASGI middleware, on real
servers (Flask under waitress, FastAPI under uvicorn), with a real HTTP client; the store is
checked with the records crate's verification through `verify_store` and `stored_record_ids`.
"""

from __future__ import annotations

import base64
import json
import os
import secrets
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi import Request, Response

from cookie_charter import Consent, Policy, asgi, wsgi
from cookie_charter.records import (
    ConsentEndpoint,
    load_keys,
    stored_record_ids,
    verify_store,
)
from test_middleware import uvicorn_server, waitress_server

SITE = "https://www.example.com"
POLICY_TOML = f"""
[site]
name = "Example"
url = "{SITE}"
consent_cookie = "consent"
require_signed_consent = true

[purposes.statistics]
label = "Statistics"

[purposes.marketing]
label = "Marketing"

[[cookies]]
name = "consent"
provider = "Example"
service = "Consent banner"
purpose = "necessary"
description = "Remembers your choice"
lifetime = "6 months"

[[cookies]]
name = "_ga"
provider = "Google"
service = "Analytics"
purpose = "statistics"
description = "Counts visits"
lifetime = "13 months"

[[cookies]]
name = "ads"
provider = "Example"
service = "Ads"
purpose = "marketing"
description = "Shows ads"
lifetime = "13 months"
"""
FORM = {"Origin": SITE, "Content-Type": "application/x-www-form-urlencoded"}
JSON = {"Origin": SITE, "Content-Type": "application/json"}


def new_keys() -> str:
    secret = base64.urlsafe_b64encode(secrets.token_bytes(32)).rstrip(b"=").decode()
    return f"k1:{secret}\n"


def page(policy: Policy, consent: Consent) -> str:
    return json.dumps(
        {
            "statistics": policy.consent_state("statistics", consent),
            "problem": consent.problem,
        }
    )


def flask_app(endpoint: ConsentEndpoint) -> Any:
    import flask

    app = flask.Flask("records_test")
    policy = endpoint.policy

    @app.get("/")
    def index() -> Any:
        response = flask.make_response(page(policy, wsgi.get_consent(flask.request.environ)))
        response.set_cookie("_ga", "1")
        return response

    app.wsgi_app = wsgi.ConsentMiddleware(  # type: ignore[method-assign]
        app.wsgi_app, policy, records=endpoint, consent_path="/consent"
    )
    return app


def fastapi_app(endpoint: ConsentEndpoint) -> Any:
    from fastapi import FastAPI

    app = FastAPI()
    policy = endpoint.policy
    app.add_middleware(
        asgi.ConsentMiddleware, policy=policy, records=endpoint, consent_path="/consent"
    )

    @app.get("/")
    def index(request: Request) -> Response:
        response = Response(page(policy, request.scope[asgi.CONSENT_KEY]))
        response.set_cookie("_ga", "1")
        return response

    return app


APPS: dict[str, tuple[Callable[[ConsentEndpoint], Any], Callable[[Any], Any]]] = {
    "flask-waitress": (flask_app, waitress_server),
    "fastapi-uvicorn": (fastapi_app, uvicorn_server),
}


class Site:
    def __init__(self, url: str, store: str, endpoint: ConsentEndpoint) -> None:
        self.url = url
        self.store = store
        self.endpoint = endpoint
        self.client = httpx.Client(base_url=url, timeout=30)

    def post(self, body: bytes | str, headers: dict[str, str], **kw: Any) -> httpx.Response:
        return self.client.post("/consent", content=body, headers=headers, **kw)

    def count(self) -> int:
        return len(stored_record_ids(self.store))


def set_cookies(response: httpx.Response) -> list[str]:
    return response.headers.get_list("set-cookie")


def consent_value(response: httpx.Response) -> str:
    """The value of the consent cookie the response set."""
    (value,) = [c for c in set_cookies(response) if c.startswith("consent=")]
    return value.split(";", 1)[0].removeprefix("consent=")


@pytest.fixture(scope="module")
def policy_path(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("policy") / "policy.toml"
    path.write_text(POLICY_TOML)
    return path


@pytest.fixture(params=sorted(APPS), scope="module")
def site(
    request: pytest.FixtureRequest, policy_path: Path, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Site]:
    make_app, serve = APPS[request.param]
    store = f"sqlite:{tmp_path_factory.mktemp('store') / 'consents.sqlite'}"
    endpoint = ConsentEndpoint(policy_path, store, retention="5 years", keys=new_keys())
    with serve(make_app(endpoint)) as url:
        site = Site(url, store, endpoint)
        yield site
        site.client.close()


def test_accept_all_records_then_sets_a_signed_cookie(site: Site) -> None:
    before = site.count()
    r = site.post("all=1&method=banner", FORM)
    assert r.status_code == 200, r.text
    answer = r.json()
    value = consent_value(r)
    assert value == answer["consent"]
    assert "statistics=1" in value and "marketing=1" in value
    assert "&_rid=" in value and "&_kid=k1&_sig=" in value
    assert site.count() == before + 1
    assert stored_record_ids(site.store)[-1] == answer["record_id"]
    assert verify_store(site.store) == (before + 1, [])
    assert r.headers["cache-control"] == "no-store"


def test_refuse_all_deletes_the_cookies_held(site: Site) -> None:
    before = site.count()
    r = site.post("all=0", {**FORM, "Cookie": "_ga=GA1.2; ads=1"})
    assert r.status_code == 200, r.text
    value = consent_value(r)
    assert "statistics=0" in value and "marketing=0" in value
    cookies = set_cookies(r)
    assert "_ga=; Max-Age=0; Path=/" in cookies
    assert "ads=; Max-Age=0; Path=/" in cookies
    assert site.count() == before + 1


def test_one_purpose_in_json(site: Site) -> None:
    before = site.count()
    r = site.post(json.dumps({"choices": {"statistics": True}, "method": "settings"}), JSON)
    assert r.status_code == 200, r.text
    assert r.json()["choices"] == {"statistics": "granted"}
    value = consent_value(r)
    assert "statistics=1" in value and "marketing" not in value
    assert site.count() == before + 1


def test_a_signed_cookie_set_by_the_endpoint_grants_on_the_next_request(site: Site) -> None:
    r = site.post("statistics=1", FORM)
    value = consent_value(r)
    page = site.client.get("/", headers={"Cookie": f"consent={value}"})
    assert page.json() == {"statistics": "granted", "problem": None}
    assert any(c.startswith("_ga=1") for c in set_cookies(page))
    # The same choices unsigned, or with the signature of other choices: no consent.
    unsigned = value.split("&_kid=", 1)[0]
    forged = value.replace("statistics=1", "statistics=1&marketing=1")
    for bad in (unsigned, forged):
        page = site.client.get("/", headers={"Cookie": f"consent={bad}"})
        assert page.json()["statistics"] == "unset"
        assert page.json()["problem"] == "malformed"
        assert not any(c.startswith("_ga=1") for c in set_cookies(page))


def test_withdrawal_records_and_deletes(site: Site) -> None:
    granted = consent_value(site.post("statistics=1", FORM))
    before = site.count()
    r = site.post("statistics=0", {**FORM, "Cookie": f"consent={granted}; _ga=GA1.2"})
    assert r.status_code == 200, r.text
    assert "statistics=0" in consent_value(r)
    assert "_ga=; Max-Age=0; Path=/" in set_cookies(r)
    assert site.count() == before + 1
    page = site.client.get("/", headers={"Cookie": f"consent={consent_value(r)}"})
    assert page.json()["statistics"] == "denied"
    assert not any(c.startswith("_ga=1") for c in set_cookies(page))


@pytest.mark.parametrize(
    ("method", "body", "headers", "status", "error"),
    [
        ("POST", "all=1", {**FORM, "Origin": "https://evil.example"}, 403, "cross_origin"),
        ("POST", "all=1", {"Content-Type": FORM["Content-Type"]}, 403, "cross_origin"),
        (
            "POST",
            "all=1",
            {"Content-Type": FORM["Content-Type"], "Sec-Fetch-Site": "cross-site"},
            403,
            "cross_origin",
        ),
        ("POST", "{not json", JSON, 400, "malformed_body"),
        ("POST", "tracking=1", FORM, 400, "unknown_purpose"),
        ("POST", json.dumps({"choices": {"tracking": True}}), JSON, 400, "unknown_purpose"),
        ("POST", "statistics=maybe", FORM, 400, "invalid_choice"),
        ("POST", "statistics=1&" + "x" * 5000, FORM, 413, "body_too_large"),
        ("POST", "all=1", {**FORM, "Content-Type": "text/plain"}, 415, "unsupported_media_type"),
        ("GET", "", {"Origin": SITE}, 405, "method_not_allowed"),
        ("PUT", "all=1", FORM, 405, "method_not_allowed"),
    ],
)
def test_refused_requests_are_4xx_and_record_nothing(
    site: Site, method: str, body: str, headers: dict[str, str], status: int, error: str
) -> None:
    before = site.count()
    r = site.client.request(method, "/consent", content=body, headers=headers)
    assert r.status_code == status, r.text
    assert r.json()["error"] == error
    assert r.json()["message"]
    assert set_cookies(r) == []
    assert site.count() == before
    assert verify_store(site.store)[1] == []


def test_a_store_that_cannot_be_written_gives_503_and_no_cookie(
    policy_path: Path, tmp_path: Path
) -> None:
    # A file where the store's directory should be: no user (not even root) can create it.
    blocker = tmp_path / "not-a-directory"
    blocker.write_text("")
    store = f"sqlite:{blocker / 'consents.sqlite'}"
    endpoint = ConsentEndpoint(policy_path, store, retention="5 years", keys=new_keys())
    for make_app, serve in APPS.values():
        with serve(make_app(endpoint)) as url, httpx.Client(base_url=url, timeout=30) as client:
            r = client.post("/consent", content="all=1", headers=FORM)
            assert r.status_code == 503, r.text
            assert r.json()["error"]
            assert set_cookies(r) == []
            # The rest of the site keeps serving.
            page = client.get("/")
            assert page.status_code == 200
            assert page.json()["statistics"] == "unset"


@pytest.mark.skipif(os.geteuid() == 0, reason="root writes read-only files")
def test_a_read_only_store_gives_503_and_no_cookie(policy_path: Path, tmp_path: Path) -> None:
    path = tmp_path / "consents.sqlite"
    store = f"sqlite:{path}"
    ConsentEndpoint(policy_path, store, retention="5 years")  # creates it
    path.chmod(0o400)
    tmp_path.chmod(0o500)
    try:
        endpoint = ConsentEndpoint(policy_path, store, retention="5 years", keys=new_keys())
        (status, headers, _) = endpoint.handle("POST", list(FORM.items()), b"all=1")
        assert status == 503
        assert not [v for n, v in headers if n.lower() == "set-cookie"]
    finally:
        tmp_path.chmod(0o700)


def test_setup_errors_are_clear(policy_path: Path, tmp_path: Path) -> None:
    store = f"sqlite:{tmp_path / 'c.sqlite'}"
    with pytest.raises(ValueError, match="requires signed consents"):
        ConsentEndpoint(policy_path, store, retention="5 years")
    with pytest.raises(ValueError, match="durability `fast`"):
        ConsentEndpoint(policy_path, store, retention="5 years", keys=new_keys(), durability="fast")
    with pytest.raises(ValueError, match="is not `sqlite:PATH`"):
        ConsentEndpoint(policy_path, "mysql://x", retention="5 years", keys=new_keys())
    with pytest.raises(OSError, match="cannot read the policy"):
        ConsentEndpoint(tmp_path / "none.toml", store, retention="5 years", keys=new_keys())
    with pytest.raises(TypeError, match="ConsentEndpoint"):
        wsgi.ConsentMiddleware(None, Policy.load(policy_path), records="sqlite:x")
    with pytest.raises(ValueError, match="must start with"):
        asgi.ConsentMiddleware(None, Policy.load(policy_path), consent_path="consent")  # type: ignore[arg-type]


def test_policy_with_consent_keys_and_load_keys(
    policy_path: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    keys = new_keys()
    (tmp_path / "keys").write_text(keys)
    assert load_keys(file=tmp_path / "keys") == keys
    monkeypatch.setenv("RECORDS_TEST_KEYS", keys)
    assert load_keys(env="RECORDS_TEST_KEYS") == keys
    with pytest.raises(ValueError, match="exactly one"):
        load_keys()
    store = f"sqlite:{tmp_path / 'c.sqlite'}"
    endpoint = ConsentEndpoint(policy_path, store, retention="5 years", keys=keys)
    (_, headers, body) = endpoint.handle("POST", list(FORM.items()), b"statistics=1")
    value = json.loads(body)["consent"]
    cookie = f"consent={value}"
    # A policy loaded from the file grants the signed cookie once it has the keys.
    plain = Policy.load(policy_path)
    assert plain.consent_state("statistics", plain.request_consent(cookie)) == "unset"
    keyed = plain.with_consent_keys(load_keys(env="RECORDS_TEST_KEYS"))
    assert keyed.consent_state("statistics", keyed.request_consent(cookie)) == "granted"
    other = plain.with_consent_keys(new_keys())
    assert other.request_consent(cookie).problem == "malformed"
    with pytest.raises(ValueError):
        plain.with_consent_keys("k1:short")
