"""Runs the realistic Django page (`app_django.py`) in process, untimed, for an instruction counter:
`application(environ, start_response)` called REQUESTS times as a WSGI server would, with the load
run's request (its consent cookie and `_ga`), the whole 20 KB body read. `LOAD_MIDDLEWARE=1` puts
the binding's Django middleware in the settings, as in the load run.

    LOAD_MIDDLEWARE=1 LOAD_POLICY=tests/hostile/policy.toml \\
        valgrind --tool=callgrind --callgrind-out-file=/dev/null \\
        bindings/python/.venv/bin/python benches/load/count_page.py 2000

`count.sh` with `PAGE=1` runs it for both and prints the instructions per request.
"""

from __future__ import annotations

import io
import sys
import time

from app_django import application  # the load run's Django page, beside this file


def main() -> None:
    requests = int(sys.argv[1]) if len(sys.argv) > 1 else 1000
    cookie = f"consent=v=1&rev=1&at={int(time.time()) - 60}&statistics=1&marketing=0; _ga=GA1.2.3"
    sent = 0
    for _ in range(requests):
        environ = {
            "REQUEST_METHOD": "GET",
            "PATH_INFO": "/",
            "QUERY_STRING": "",
            "SERVER_NAME": "127.0.0.1",
            "SERVER_PORT": "8000",
            "SERVER_PROTOCOL": "HTTP/1.1",
            "HTTP_HOST": "127.0.0.1",
            "HTTP_COOKIE": cookie,
            "wsgi.version": (1, 0),
            "wsgi.url_scheme": "http",
            "wsgi.input": io.BytesIO(b""),
            "wsgi.errors": sys.stderr,
            "wsgi.multithread": False,
            "wsgi.multiprocess": False,
            "wsgi.run_once": False,
        }
        headers: list[tuple[str, str]] = []

        def start_response(status: str, response_headers: list[tuple[str, str]], exc_info: object = None) -> object:
            headers[:] = response_headers
            return lambda data: None

        body = b"".join(application(environ, start_response))
        sent += len(body) + sum(1 for name, _ in headers if name.lower() == "set-cookie")
    print(sent, file=sys.stderr)


if __name__ == "__main__":
    main()
