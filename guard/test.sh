#!/usr/bin/env bash
# The browser guard's tests, from a fresh clone: the command line that computes the answers
# (cargo), the test's npm packages, then node's test runner: the size and the committed minified
# file, the shared decision vectors and the conformance corpora in Chromium, the guard's behaviour
# and the attempts to get around it. Chromium comes from Debian (playwright-core never downloads a
# browser); it is installed when absent. Needs Node 20+, npm and cargo.
set -euo pipefail
guard="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$guard/.." && pwd)"

if [ -z "${CHROMIUM_PATH:-}" ] && [ ! -x /usr/bin/chromium ]; then
  if [ "$(id -u)" -ne 0 ]; then
    echo "guard: /usr/bin/chromium is missing; install it with: sudo apt-get install chromium" >&2
    exit 1
  fi
  echo "guard: installing chromium from Debian"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
fi

cargo build --quiet -p cookie-charter-cli --manifest-path "$root/Cargo.toml"
export COOKIE_CHARTER_BIN="$root/target/debug/cookie-charter"

cd "$guard"
npm ci --no-audit --no-fund
# Generous per-test timeouts: a test waits for events and conditions, never for a timer, and
# the timeout only stops one that would never end.
node --test --test-timeout=300000 test/
