#!/usr/bin/env bash
# The C overhead benchmark: cookie_charter_decide called from C (benches/bench_decide.c, linked
# with the static library, gcc -O2) against Policy::decide called from Rust (benches/decide.rs),
# on the same workload, read by both from benches/: policy.toml (62 declarations, 13 patterns),
# names.txt (74 names: exact hits, pattern hits, misses), consent.txt (one consent and the time);
# 2,000 passes per round, 15 rounds. (benches/compare.sh runs the same C program on the
# comparison's workload.)
#
# The two programs run alternately RUNS times (default 5), so that both see the same machine
# load. Each run prints the median and the fastest of its rounds; on a shared machine the fastest
# round is the one least disturbed by other processes, so this script compares the median over
# the runs of each program's fastest round. Fails when the C call costs more than the Rust call
# plus LIMIT_NS (default 5).
#
# Usage: bindings/c/bench.sh
set -euo pipefail

runs="${RUNS:-5}"
limit_ns="${LIMIT_NS:-5}"

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../.." && pwd)"
cd "$root"

target_dir="${CARGO_TARGET_DIR:-}"
if [[ -z "$target_dir" ]]; then
    target_dir="$(cargo metadata --format-version 1 --no-deps | sed -n 's/.*"target_directory":"\([^"]*\)".*/\1/p')"
fi
work="$target_dir/cookie-charter-c"
mkdir -p "$work"

cargo build -p cookie-charter-c --release
# `cargo bench --no-run` builds the Rust loop; its path is the executable cargo reports.
rust_bench="$(cargo bench -p cookie-charter-c --bench decide --no-run --message-format=json 2>/dev/null \
    | sed -n 's/.*"executable":"\([^"]*\)".*/\1/p' | tail -n 1)"
[[ -x "$rust_bench" ]] || { echo "cannot find the Rust benchmark executable" >&2; exit 1; }
gcc -std=c11 -O2 -Wall -Wextra -Werror -pedantic -I"$here/include" -o "$work/bench_decide" \
    "$here/benches/bench_decide.c" "$target_dir/release/libcookie_charter.a" \
    -lgcc_s -lutil -lrt -lpthread -lm -ldl -lc

median() { sort -n | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }

c_runs=()
rust_runs=()
rust_call_runs=()
for ((i = 1; i <= runs; i++)); do
    c_line="$("$work/bench_decide" "$here/benches")"
    rust_out="$("$rust_bench")"
    rust_line="$(grep '^rust decide:' <<<"$rust_out")"
    rust_call_line="$(grep '^rust decide, not inlined:' <<<"$rust_out")"
    echo "run $i: $c_line | $rust_line | $rust_call_line"
    rust_call_runs+=("$(sed -n 's/^rust decide, not inlined: .*(min \([0-9.]*\)).*/\1/p' <<<"$rust_call_line")")
    c_sum="${c_line##*checksum }"
    rust_sum="${rust_line##*checksum }"
    [[ "$c_sum" == "$rust_sum" ]] || { echo "the two workloads differ (checksums $c_sum, $rust_sum)" >&2; exit 1; }
    c_runs+=("$(sed -n 's/^c decide: .*(min \([0-9.]*\)).*/\1/p' <<<"$c_line")")
    rust_runs+=("$(sed -n 's/^rust decide: .*(min \([0-9.]*\)).*/\1/p' <<<"$rust_line")")
done

c_ns="$(printf '%s\n' "${c_runs[@]}" | median)"
rust_ns="$(printf '%s\n' "${rust_runs[@]}" | median)"
rust_call_ns="$(printf '%s\n' "${rust_call_runs[@]}" | median)"
overhead="$(awk -v c="$c_ns" -v r="$rust_ns" 'BEGIN { printf "%.1f", c - r }')"
echo
echo "decide per call, fastest round, median of $runs runs: C $c_ns ns, Rust $rust_ns ns (not inlined: $rust_call_ns ns), C overhead $overhead ns (limit $limit_ns ns)"
if awk -v o="$overhead" -v l="$limit_ns" 'BEGIN { exit !(o > l) }'; then
    echo "the C call costs more than the Rust call plus $limit_ns ns" >&2
    exit 1
fi
