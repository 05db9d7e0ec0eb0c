#!/usr/bin/env bash
# The fixture scan's speed (issue target: all scenarios, 10 pages each, under 60 s on a 2-core
# machine, in one browser process): runs benches/scan.rs and prints the machine's cores and load
# before and after, for BENCHMARKS.md. SCAN_BENCH_RUNS (default 3) and SCAN_BENCH_PAGES (default
# 9, ten pages per scenario) are passed through. Needs Debian's chromium, as test.sh does.
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
cd "$root"

if [ -z "${CHROMIUM_PATH:-}" ] && [ ! -x /usr/bin/chromium ]; then
  echo "cookie-charter-audit: /usr/bin/chromium is missing; install it with: sudo apt-get install chromium" >&2
  exit 1
fi

cargo bench -p cookie-charter-audit --bench scan --no-run --quiet
echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ //')"
echo "load before: $(cut -d' ' -f1-3 /proc/loadavg)"
cargo bench -p cookie-charter-audit --bench scan --quiet
echo "load after: $(cut -d' ' -f1-3 /proc/loadavg)"
echo "chromium: $("${CHROMIUM_PATH:-/usr/bin/chromium}" --version 2>/dev/null || echo unknown)"
