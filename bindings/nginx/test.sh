#!/usr/bin/env bash
# The nginx module's tests: installs the Debian packages they need when missing (deps.sh), builds
# nginx (nginx-src's copy, through the module's `vendored` build) and the module against it,
# runs the module's unit tests, then tests/run.py against real servers on loopback in a
# temporary directory: nginx in front of PHP-FPM (a WordPress-like page) and of a small Python
# backend (every `respond` vector case, the faults). The servers are stopped at the end, by the
# process ids run.py records, whatever happens (trap).
#
# Usage: bindings/nginx/test.sh
#
# The module and nginx are built in the dev profile, which `cargo clippy --workspace` has
# already built in CI (the build scripts are shared): the nginx build then costs nothing here.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../.." && pwd)"
cd "$root"

step() { printf '\n== %s\n' "$*"; }

bash "$here/deps.sh" test
php_fpm="$(compgen -G '/usr/sbin/php-fpm*' | sort -V | tail -n 1 || true)"
[[ -x "$php_fpm" ]] || { echo "php-fpm is missing (apt-get install php-fpm)" >&2; exit 1; }

step "build nginx and the module"
started=$SECONDS
paths="$(cargo build -p cookie-charter-nginx --message-format=json-render-diagnostics \
    | python3 "$here/tests/artifacts.py")"
nginx="$(sed -n 1p <<< "$paths")"
module="$(sed -n 2p <<< "$paths")"
echo "nginx: $nginx"
echo "module: $module ($((SECONDS - started)) s)"
"$nginx" -V 2>&1 | head -n 1

step "unit tests"
cargo test -p cookie-charter-nginx

step "nginx, PHP-FPM and a backend on loopback"
work="$(mktemp -d)"
stop_servers() {
    local pid_file pid
    for pid_file in "$work"/pids/*.pid; do
        [[ -f "$pid_file" ]] || continue
        pid="$(cat "$pid_file")"
        kill -TERM "$pid" 2> /dev/null || true
    done
    rm -rf "$work"
}
trap stop_servers EXIT
python3 "$here/tests/run.py" --nginx "$nginx" --module "$module" --php-fpm "$php_fpm" --work "$work"
