#!/usr/bin/env bash
# Builds the Node package from source and runs its tests (node's built-in test runner).
# Needs only the machine's toolchains (Rust, Node 20+, npm) and the npm registry.
set -euo pipefail
cd "$(dirname "$0")"

# Installs the pinned devDependencies; the package's install script builds the addon when absent.
npm ci --no-audit --no-fund
# Builds the addon (release, with the test-only exports of the `test-hooks` feature) and
# regenerates `native.cjs` and `index.d.ts` from the Rust source (the same files as `npm run
# build`, whose addon has no test hooks: test/generated.test.js builds it and checks that too).
npm run build:test
# The tests, including the check that the committed `index.d.ts` and `native.cjs` are exactly
# what the build generates.
node --test test/
