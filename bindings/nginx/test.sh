#!/usr/bin/env bash
# The nginx module's tests: installs the Debian packages they need when missing (deps.sh), builds
# nginx (nginx-src's copy, through the module's `vendored` build) and the module against it,
# runs the module's unit tests, then tests/run.py against real servers on loopback in a
# temporary directory: nginx in front of PHP-FPM (a WordPress-like page) and of a small Python
# backend (every `respond` vector case, the faults). The servers are stopped at the end, by the
# process ids run.py records, whatever happens (trap).
#
# Usage: bindings/nginx/test.sh [--debian]
#   --debian  (not in CI) the same tests against Debian's nginx (/usr/sbin/nginx): installs
#             nginx and nginx-dev when missing, configures nginx-dev's source tree with Debian's
#             flags (conf_flags) and builds the module against it (NGINX_SOURCE_DIR), in
#             target/nginx-debian
#
# The module and nginx are built in the dev profile, which `cargo clippy --workspace` has
# already built in CI (the build scripts are shared): the nginx build then costs nothing here.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../.." && pwd)"
cd "$root"
flavour=nginx-src
case "${1:-}" in
    "") ;;
    --debian) flavour=debian ;;
    *) echo "usage: bindings/nginx/test.sh [--debian]" >&2; exit 2 ;;
esac

step() { printf '\n== %s\n' "$*"; }

bash "$here/deps.sh" test
php_fpm="$(compgen -G '/usr/sbin/php-fpm*' | sort -V | tail -n 1 || true)"
[[ -x "$php_fpm" ]] || { echo "php-fpm is missing (apt-get install php-fpm)" >&2; exit 1; }

work="$(mktemp -d)"
stop_servers() {
    local pid_file pid
    for pid_file in "$work"/run/pids/*.pid; do
        [[ -f "$pid_file" ]] || continue
        pid="$(cat "$pid_file")"
        kill -TERM "$pid" 2> /dev/null || true
    done
    rm -rf "$work"
}
trap stop_servers EXIT

step "build nginx and the module ($flavour)"
started=$SECONDS
if [[ "$flavour" == debian ]]; then
    bash "$here/deps.sh" debian
    build="$root/target/nginx-debian"
    # nginx-dev's tree holds the headers and the configure scripts; configuring it with the flags
    # Debian's nginx was built with gives the structures the module must match.
    if [[ ! -f "$build/src/objs/ngx_auto_config.h" ]]; then
        rm -rf "$build/src"
        mkdir -p "$build"
        cp -r /usr/share/nginx/src "$build/src"
        # shellcheck disable=SC1091
        (cd "$build/src" && source ./conf_flags && bash ./configure "${NGX_CONF_FLAGS[@]}" > configure.log)
    fi
    nginx=/usr/sbin/nginx
fi
# build_module [cargo options]: builds the module against the flavour's nginx; prints its path
# (and, for nginx-src, the nginx binary's first).
build_module() {
    if [[ "$flavour" == debian ]]; then
        NGINX_SOURCE_DIR="$build/src" CARGO_TARGET_DIR="$build/target" \
            cargo build -p cookie-charter-nginx "$@" >&2
        echo "$build/target/debug/libngx_http_cookie_charter_module.so"
    else
        cargo build -p cookie-charter-nginx "$@" --message-format=json-render-diagnostics \
            | python3 "$here/tests/artifacts.py"
    fi
}
# The module built with `test-panic` (a request can make it panic) first, copied aside: both
# builds write the same file.
panic_module="$work/libngx_http_cookie_charter_module-test-panic.so"
cp "$(build_module --features test-panic | tail -n 1)" "$panic_module"
paths="$(build_module)"
module="$(tail -n 1 <<< "$paths")"
[[ "$flavour" == debian ]] || nginx="$(head -n 1 <<< "$paths")"
echo "nginx: $nginx"
echo "module: $module ($((SECONDS - started)) s)"
"$nginx" -V 2>&1 | sed -n 1p

step "unit tests"
cargo test -p cookie-charter-nginx

step "nginx, PHP-FPM and a backend on loopback"
python3 "$here/tests/run.py" --nginx "$nginx" --module "$module" --panic-module "$panic_module" \
    --php-fpm "$php_fpm" --work "$work/run"
