#!/usr/bin/env bash
# The tests of cookie-charter-records: SQLite always, PostgreSQL on a server this script starts
# in a temporary data directory on a loopback port, and stops (whatever happens) when it ends.
# PostgreSQL comes from Debian's packages (`postgresql`), installed when absent.
#
#   crates/cookie-charter-records/test.sh [cargo test arguments...]
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../.." && pwd)"

pg_bin() { ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1; }

bin="$(pg_bin)"
if [ -z "$bin" ] || [ ! -x "$bin/initdb" ] || [ ! -x "$bin/pg_ctl" ]; then
    echo "test.sh: installing Debian's postgresql" >&2
    sudo=""
    [ "$(id -u)" = 0 ] || sudo="sudo"
    $sudo apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq postgresql >/dev/null
    bin="$(pg_bin)"
fi

# initdb refuses to run as root: as root, the server runs as Debian's `postgres` user.
as_server() {
    if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

tmp="$(mktemp -d "${TMPDIR:-/tmp}/cookie-charter-pg.XXXXXX")"
[ "$(id -u)" = 0 ] && chown postgres "$tmp"
stop() {
    as_server "$bin/pg_ctl" -D "$tmp/data" -m immediate stop >/dev/null 2>&1 || true
    rm -rf "$tmp"
}
trap stop EXIT

port="$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
as_server "$bin/initdb" -D "$tmp/data" -A trust -U postgres --no-sync >/dev/null
as_server "$bin/pg_ctl" -D "$tmp/data" -l "$tmp/server.log" -w \
    -o "-p $port -k $tmp -c listen_addresses=127.0.0.1 -c max_connections=200" start >/dev/null

export COOKIE_CHARTER_TEST_POSTGRES="postgres://postgres@127.0.0.1:$port/postgres"
cd "$root"
cargo test -p cookie-charter-records "$@"
