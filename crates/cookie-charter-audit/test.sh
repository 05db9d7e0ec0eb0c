#!/usr/bin/env bash
# The audit's tests: the core auditor, the HAR reader, reports, allow-list, diff and hints, and the
# live collector (`cookie-charter scan`) against the hermetic fixture site in Debian's Chromium.
# Installs Chromium from Debian when it is absent (never a browser download), as
# examples/site/test.sh does; with it present, the live tests must run (none is skipped).
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
cd "$root"

if [ -z "${CHROMIUM_PATH:-}" ] && [ ! -x /usr/bin/chromium ]; then
  if [ "$(id -u)" -ne 0 ]; then
    echo "cookie-charter-audit: /usr/bin/chromium is missing; install it with: sudo apt-get install chromium" >&2
    exit 1
  fi
  echo "cookie-charter-audit: installing chromium from Debian"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
fi
export COOKIE_CHARTER_REQUIRE_CHROMIUM=1

cargo test -p cookie-charter --lib audit
cargo test -p cookie-charter-audit
cargo test -p cookie-charter-cli --test audit --test scan
