"""A WSGI site with the consent endpoint, run by test_records_faults.py in its own process (to
be killed with SIGKILL): `python records_server.py POLICY STORE KEYS_FILE`. Prints its port."""

from __future__ import annotations

import sys

from waitress.server import create_server

from cookie_charter.records import ConsentEndpoint, load_keys
from cookie_charter.wsgi import ConsentMiddleware


def page(environ: dict[str, object], start_response: object) -> list[bytes]:
    start_response("200 OK", [("Content-Type", "text/plain")])  # type: ignore[operator]
    return [b"ok"]


def main() -> None:
    policy, store, keys = sys.argv[1:4]
    endpoint = ConsentEndpoint(policy, store, retention="5 years", keys=load_keys(file=keys))
    app = ConsentMiddleware(page, endpoint.policy, records=endpoint)
    server = create_server(app, host="127.0.0.1", port=0, threads=4)
    print(server.effective_port, flush=True)
    server.run()


if __name__ == "__main__":
    main()
