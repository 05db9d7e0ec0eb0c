#!/usr/bin/env bash
# Installs the Debian packages the nginx module needs, when they are missing (and only then:
# `apt-get update` runs only if something is to be installed).
#
# Usage: bindings/nginx/deps.sh [build|test|bench|debian]
#   build  (default) what building the module needs: nginx-src builds nginx itself (C compiler,
#          make, PCRE2, zlib, OpenSSL) and bindgen needs libclang. `cargo xtask ci` runs this
#          before `cargo clippy --workspace`, which builds the module's build scripts.
#   test   and PHP-FPM, for test.sh's WordPress-like backend
#   bench  and wrk and valgrind, for bench.sh
#   debian nginx and nginx-dev, for test.sh --debian (Debian's nginx and its configure scripts)
set -euo pipefail

what="${1:-build}"
packages=(gcc make libclang-dev libpcre2-dev zlib1g-dev libssl-dev)
case "$what" in
    build) ;;
    test) packages+=(php-fpm) ;;
    bench) packages+=(wrk valgrind) ;;
    debian) packages+=(nginx nginx-dev) ;;
    *) echo "usage: bindings/nginx/deps.sh [build|test|bench|debian]" >&2; exit 2 ;;
esac

missing=()
for package in "${packages[@]}"; do
    status="$(dpkg-query -W -f='${Status}' "$package" 2> /dev/null || true)"
    [[ "$status" == "install ok installed" ]] || missing+=("$package")
done
[[ ${#missing[@]} -eq 0 ]] && exit 0

echo "== install ${missing[*]} (Debian packages the nginx module needs)"
if [[ "$(id -u)" -ne 0 ]]; then
    echo "missing Debian packages: ${missing[*]} (install them: apt-get install ${missing[*]})" >&2
    exit 1
fi
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${missing[@]}" > /dev/null
