#!/usr/bin/env bash
# The whole comparison benchmark, in one command:
#
#   bash benches/compare.sh
#
# 1. builds the Rust side (benches/compare), the C library, the Python package (into
#    benches/.venv, with cedarpy from benches/requirements.txt) and the Node package (with
#    Cedar, cookie and set-cookie-parser from benches/package-lock.json into benches/node_modules);
# 2. writes the shared workload (the 62-declaration inventory of the core's `decide` benchmark,
#    its 74 query names, one consent, the charter as Cedar and Rego, the headers) and checks, in
#    every language, that every engine gives the expected answers; nothing is timed before all
#    of them agree;
# 3. times every engine in its own process (Rust, C, Python, Node, one after the other) and the
#    scaling series (Rust);
# 4. rewrites the tables between the `bench:compare` markers of BENCHMARKS.md, and prints
#    whether each target of the benchmark issue is met.
#
# Needs what the README's set-up lists (Rust, Python 3.10+, Node 20+, a C compiler); takes a
# few minutes, most of it building. Not part of the tests. Quick checks of the answers alone:
# `CHECK_ONLY=1 bash benches/compare.sh` (steps 1 and 2, every language), or
# `cargo test -p cookie-charter-compare` (the Rust engines).
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/.." && pwd)"
cd "$root"

python="${PYTHON:-python3}"
step() { printf '\n== %s\n' "$*" >&2; }

target_dir="${CARGO_TARGET_DIR:-}"
if [[ -z "$target_dir" ]]; then
    target_dir="$(cargo metadata --format-version 1 --no-deps | sed -n 's/.*"target_directory":"\([^"]*\)".*/\1/p')"
fi
out="$target_dir/bench-compare"
mkdir -p "$out"

step "build: Rust comparison and C library (release)"
cargo build --release -p cookie-charter-compare -p cookie-charter-c
compare="$target_dir/release/cookie-charter-compare"
gcc -std=c11 -O2 -Wall -Wextra -Werror -I"$root/bindings/c/include" -o "$out/bench_decide" \
    "$root/bindings/c/benches/bench_decide.c" "$target_dir/release/libcookie_charter.a" \
    -lgcc_s -lutil -lrt -lpthread -lm -ldl -lc

step "build: Python package into benches/.venv"
venv="$here/.venv"
[[ -x "$venv/bin/python" ]] || "$python" -m venv "$venv"
py="$venv/bin/python"
pip() { "$py" -m pip --disable-pip-version-check --quiet "$@"; }
pip install -r "$here/requirements.txt"
VIRTUAL_ENV="$venv" PATH="$venv/bin:$PATH" \
    pip install --force-reinstall --no-deps --no-build-isolation "$root/bindings/python"

step "build: Node package and benches/node_modules"
if [[ ! -d bindings/node/node_modules ]]; then
    (cd bindings/node && npm ci --no-audit --no-fund)
fi
(cd bindings/node && npm run build)
(cd "$here" && npm ci --no-audit --no-fund)

step "answers: every engine in every language agrees"
"$compare" workload "$out"
"$out/bench_decide" "$out" check
"$py" "$here/python/bench.py" "$out" --check
node "$here/node/bench.mjs" "$out" --check
if [[ "${CHECK_ONLY:-0}" == 1 ]]; then
    echo "answers: every engine agrees (CHECK_ONLY=1: nothing timed)" >&2
    exit 0
fi

step "timing (one language at a time)"
"$compare" run "$out"
"$out/bench_decide" "$out" json
"$py" "$here/python/bench.py" "$out"
node "$here/node/bench.mjs" "$out"

step "BENCHMARKS.md"
{
    echo "{"
    echo "  \"date\": \"$(date -u '+%Y-%m-%d %H:%M UTC')\","
    echo "  \"cpu\": \"$(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -n 1)\","
    echo "  \"cores\": $(nproc),"
    echo "  \"memory_gib\": $(awk '/^MemTotal/ { printf "%.0f", $2 / 1048576 }' /proc/meminfo),"
    echo "  \"load\": \"$(cut -d' ' -f1-3 /proc/loadavg)\","
    echo "  \"rustc\": \"$(rustc --version)\","
    echo "  \"gcc\": \"$(gcc -dumpfullversion)\","
    echo "  \"commit\": \"$(git rev-parse --short HEAD 2>/dev/null || echo unknown)\""
    echo "}"
} > "$out/machine.json"
"$py" "$here/report.py" "$out" "$root/BENCHMARKS.md" "$root/Cargo.lock"
