#!/usr/bin/env bash
# The demo site's tests, from a fresh clone: installs what they need, then runs them with node's
# built-in test runner (a server-level test, the end-to-end tests in Debian's Chromium driven by
# playwright-core, and the audit of the site with `cookie-charter scan`, which it builds). Needs
# Node 20+, npm, and Rust (cargo).
# Screenshots of every step of the end-to-end test go to examples/site/test-artifacts/.
set -euo pipefail
site="$(cd "$(dirname "$0")" && pwd)"
node_pkg="$site/../../bindings/node"

# Chromium from Debian (playwright-core never downloads a browser of its own).
if [ ! -x /usr/bin/chromium ]; then
  if [ "$(id -u)" -ne 0 ]; then
    echo "examples/site: /usr/bin/chromium is missing; install it with: sudo apt-get install chromium" >&2
    exit 1
  fi
  echo "examples/site: installing chromium from Debian"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
fi

# The Node package, built only when its native addon is absent (bindings/node/test.sh builds it too).
has_addon() { compgen -G "$node_pkg/cookie-charter.*.node" >/dev/null; }
if ! has_addon; then
  echo "examples/site: building the Node package (bindings/node)"
  # Its install script builds the addon from source when it is absent.
  npm ci --prefix "$node_pkg" --no-audit --no-fund
  if ! has_addon; then
    npm run --prefix "$node_pkg" build
  fi
fi

# The audit's command, which scan.e2e.test.js runs against the site.
cargo build --quiet --manifest-path "$site/../../Cargo.toml" -p cookie-charter-cli
export COOKIE_CHARTER_BIN="${COOKIE_CHARTER_BIN:-$site/../../target/debug/cookie-charter}"

cd "$site"
npm ci --no-audit --no-fund
node --test test/
