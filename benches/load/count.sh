#!/usr/bin/env bash
# Instructions per request of the ASGI middleware, bare, with `Floor` (the least a middleware that
# rewrites headers does) and with the middleware, counted by callgrind: figures that do not move
# with the machine's load. For each application, two untimed runs of `inprocess_asgi.py --count`
# (LOW and HIGH requests); the difference divided by HIGH - LOW is the cost of one request, the
# start-up cancelled out. Prints a Markdown table and the middleware's added instructions as a
# multiple of Floor's.
#
#   bash benches/load/count.sh                 # LOW=2000 HIGH=12000
#   APPS="bare middleware" bash benches/load/count.sh
#   PAGE=1 bash benches/load/count.sh          # the realistic Django page, without and with the
#                                              # binding's Django middleware (count_page.py)
#
# Needs valgrind (apt-get install valgrind) and the Python binding's virtual environment
# (bash bindings/python/test.sh builds it).
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../.." && pwd)"
python="${PYTHON:-$root/bindings/python/.venv/bin/python}"
low="${LOW:-2000}"
high="${HIGH:-12000}"
apps="${APPS:-bare floor middleware}"
if [[ "${PAGE:-0}" == 1 ]]; then
    apps="${APPS:-bare middleware}"
    low="${LOW:-200}"
    high="${HIGH:-1200}"
fi
command -v valgrind > /dev/null || { echo "valgrind is missing (apt-get install valgrind)" >&2; exit 1; }

# instructions APP REQUESTS: the instructions callgrind counted for one run.
instructions() {
    local log
    log="$(mktemp)"
    if [[ "${PAGE:-0}" == 1 ]]; then
        (cd "$here" && LOAD_MIDDLEWARE="$([[ "$1" == middleware ]] && echo 1 || echo 0)" \
            LOAD_POLICY="$root/tests/hostile/policy.toml" \
            valgrind --tool=callgrind --callgrind-out-file=/dev/null --log-file="$log" \
            "$python" count_page.py "$2" 2> /dev/null)
    else
        (cd "$here" && valgrind --tool=callgrind --callgrind-out-file=/dev/null --log-file="$log" \
            "$python" inprocess_asgi.py --count "$1" "$2")
    fi
    # "Collected : N" is the total of the run.
    sed -n 's/.*Collected : \([0-9]*\).*/\1/p' "$log"
    rm -f "$log"
}

declare -A per
echo "| application | instructions per request |"
echo "|---|---|"
for app in $apps; do
    a="$(instructions "$app" "$low")"
    b="$(instructions "$app" "$high")"
    per[$app]=$(( (b - a) / (high - low) ))
    echo "| $app | ${per[$app]} |"
done
if [[ -n "${per[bare]:-}" && -n "${per[middleware]:-}" ]]; then
    awk -v b="${per[bare]}" -v m="${per[middleware]}" 'BEGIN {
        printf "\nthe middleware adds %d instructions per request: %.2f%% of bare\n", m - b, (m - b) * 100 / b }'
fi
if [[ -n "${per[bare]:-}" && -n "${per[floor]:-}" && -n "${per[middleware]:-}" ]]; then
    awk -v b="${per[bare]}" -v f="${per[floor]}" -v m="${per[middleware]}" 'BEGIN {
        printf "\nadded to bare: Floor +%d, the middleware +%d: %.2f times Floor'"'"'s\n", f - b, m - b, (m - b) / (f - b) }'
fi
