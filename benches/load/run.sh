#!/usr/bin/env bash
# The load run of BENCHMARKS.md: the Python ASGI middleware under uvicorn and the Node middleware
# under Express, each driven by wrk over loopback for DURATION seconds, with and without the
# middleware, on the same application (three Set-Cookie headers per response; the request holds
# a consent cookie granting statistics and refusing marketing, and `_ga`; with
# WORKLOAD=withdrawn, also a withdrawn `ads` cookie whose deletion every response then carries).
#
#   bash benches/load/run.sh            # 30 s per server, 2 wrk threads, 32 connections
#   WORKLOAD=withdrawn bash benches/load/run.sh         # every request holds a withdrawn cookie
#   DURATION=10 CONNECTIONS=64 bash benches/load/run.sh
#   SERVERS=express ROUNDS=3 bash benches/load/run.sh   # one server, three rounds of both rows
#   SERVERS=express EXPRESS_EXTRA=noop bash benches/load/run.sh  # and an Express middleware doing nothing
#   WITH=floor SERVERS=asgi PAIRS=6 bash benches/load/run.sh   # pairs against the least an ASGI
#                                                              # middleware rewriting headers does
#   PAIRS=6 DURATION=8 bash benches/load/run.sh   # both servers side by side, driven in alternation
#   PIN=1 PAIRS=10 bash benches/load/run.sh   # the same, the servers on core 0 and wrk on core 1
#   TOGETHER=5 bash benches/load/run.sh   # both servers side by side, driven at the same time
#   LOAD_LOCALS=1 SERVERS=express TOGETHER=5 bash benches/load/run.sh   # the middleware with { locals: true }
#   SERVERS="django express-page" PAIRS=10 bash benches/load/run.sh   # the realistic pages: a
#       Django view (gunicorn, one worker, four threads) and an Express view (ejs) rendering a 20 KB
#       product listing from a template (benches/load/page/), the Django one through the
#       binding's Django middleware
#
# uvicorn runs with each of its HTTP implementations (UVICORN_HTTP="h11 httptools" by default):
# h11, the pure-Python one a plain `pip install uvicorn` gives, and httptools, the C parser of
# `uvicorn[standard]`, with which the bare server is about four times cheaper per request.
#
# Needs: wrk (apt-get install wrk), the Python binding's virtual environment with uvicorn
# (bash bindings/python/test.sh builds it) and httptools (installed here when missing), and the
# Node binding built with
# its devDependencies (bash bindings/node/test.sh, for express).
# Prints one Markdown table row per server: requests/s, the CPU time (user + system) the server
# process spent per request (steadier than requests/s on a shared machine), latency, errors
# (socket errors and non-2xx responses) and the server's resident memory before and after the run.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../.." && pwd)"
duration="${DURATION:-30}"
connections="${CONNECTIONS:-32}"
threads="${THREADS:-2}"
python="${PYTHON:-$root/bindings/python/.venv/bin/python}"
policy="$root/tests/hostile/policy.toml"
consent="consent=v=1&rev=1&at=$(($(date +%s) - 60))&statistics=1&marketing=0"
# The requests' Cookie header. `steady`: what a browser sends once the middleware has answered it
# (its consent and the cookies it allows); `withdrawn`: a withdrawn marketing cookie on every
# request too, so that every response also carries its deletion headers (a browser drops the
# cookie after the first response; wrk sends it forever: the worst case of `purge`).
case "${WORKLOAD:-steady}" in
    steady) cookie="$consent; _ga=GA1.2.3" ;;
    withdrawn) cookie="$consent; _ga=GA1.2.3; ads=1" ;;
    *) echo "WORKLOAD is steady or withdrawn" >&2; exit 2 ;;
esac
servers="${SERVERS:-asgi express}"
rounds="${ROUNDS:-1}"
port=18400

command -v wrk > /dev/null || { echo "wrk is missing (apt-get install wrk)" >&2; exit 1; }
if [[ " ${SERVERS:-asgi express} " == *" asgi "* ]] && ! "$python" -c 'import httptools' 2> /dev/null; then
    "$python" -m pip install --quiet --disable-pip-version-check 'httptools==0.9.0'
fi
if [[ " ${SERVERS:-asgi express} " == *" django "* ]] && ! "$python" -c 'import gunicorn' 2> /dev/null; then
    "$python" -m pip install --quiet --disable-pip-version-check 'gunicorn==27.0.1'
fi
if [[ " ${SERVERS:-asgi express} " == *" express-page "* ]] && [[ ! -d "$root/benches/node_modules/ejs" ]]; then
    (cd "$root/benches" && npm ci --no-audit --no-fund)
fi

rss_kib() { ps -o rss= -p "$1" | tr -d ' '; }
# The CPU time the server process used so far (user + system), in clock ticks.
cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }
ticks_per_second="$(getconf CLK_TCK)"

wait_up() {
    for _ in $(seq 1 100); do
        if curl -s -o /dev/null "http://127.0.0.1:$1/"; then return 0; fi
        sleep 0.1
    done
    echo "the server on port $1 did not start" >&2
    return 1
}

# start MIDDLEWARE COMMAND...: starts a server on the next port, waits for it, warms it up; sets
# `pid` and `port`.
start() {
    local with="$1"
    shift
    port=$((port + 1))
    LOAD_PORT="$port" LOAD_MIDDLEWARE="$with" LOAD_POLICY="$policy" "$@" > /dev/null 2>&1 &
    pid=$!
    wait_up "$port"
    wrk -t"$threads" -c"$connections" -d3s -H "Cookie: $cookie" "http://127.0.0.1:$port/" > /dev/null
}

# stop PID: stops a server.
stop() {
    kill "$1"
    wait "$1" 2> /dev/null || true
}

# Readings of wrk's output (its text on standard input).
requests_per_second() { awk '/^Requests\/sec:/ {print $2}'; }
requests_served() { awk '/requests in/ {print $1}'; }
# Socket errors plus non-2xx responses.
errors() { awk '/Socket errors:/ {gsub(",", ""); s += $4 + $6 + $8 + $10} /Non-2xx/ {s += $5} END {print s + 0}'; }

# cpu_per_request TICKS REQUESTS: the server's CPU time per request, in µs.
cpu_per_request() { awk -v t="$1" -v hz="$ticks_per_second" -v n="$2" 'BEGIN { printf "%.1f", t * 1e6 / hz / n }'; }

# difference BARE WITH: how much WITH differs from BARE, in percent.
difference() { awk -v b="$1" -v m="$2" 'BEGIN { printf "%.1f", (m / b - 1) * 100 }'; }

# median: the median of the numbers on standard input, one per line.
median() { sort -g | awk '{ a[NR] = $1 } END { print (NR % 2 ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2) }'; }

# drive NAME MIDDLEWARE PID PORT SECONDS: drives a running server with wrk, prints a table row and
# sets `last_rps`.
drive() {
    local name="$1" with="$2" pid="$3" port="$4" seconds="$5"
    # The headers the middleware leaves: checks that it ran (or not).
    local set_cookies
    set_cookies="$(curl -s -D - -o /dev/null -H "Cookie: $cookie" "http://127.0.0.1:$port/" | grep -ci '^set-cookie:' || true)"
    local before after out cpu_before cpu_after
    before="$(rss_kib "$pid")"
    cpu_before="$(cpu_ticks "$pid")"
    local generator=(wrk -t"$threads")
    [[ "${PIN:-0}" == 1 ]] && generator=(taskset -c 1 wrk -t1)
    out="$("${generator[@]}" -c"$connections" -d"${seconds}s" --latency -H "Cookie: $cookie" "http://127.0.0.1:$port/")"
    cpu_after="$(cpu_ticks "$pid")"
    after="$(rss_kib "$pid")"
    local latency p99
    last_rps="$(requests_per_second <<< "$out")"
    latency="$(awk '/^    Latency/ {print $2}' <<< "$out")"
    p99="$(awk '/^ +99%/ {print $2}' <<< "$out")"
    # Server CPU time per request: what the server spends, whatever share of the cores it got.
    printf '| %s | %s | %s | %s | %s | %s | %s | %s | %s → %s MiB |\n' "$name" \
        "$(case "$with" in 1) echo yes ;; 0) echo no ;; *) echo "$with" ;; esac)" "$set_cookies" "$last_rps" \
        "$(cpu_per_request "$((cpu_after - cpu_before))" "$(requests_served <<< "$out")")" "$latency" "$p99" \
        "$(errors <<< "$out")" "$((before / 1024))" "$((after / 1024))"
}

# run NAME COMMAND...: the server without then with the middleware (and EXPRESS_EXTRA's layers for
# Express), one after the other, each started, warmed up, driven and stopped.
run() {
    local name="$1"
    shift
    local layers="0 1"
    [[ "$name" == Express ]] && layers="0 ${EXPRESS_EXTRA:-} 1"
    for with in $layers; do
        start "$with" "$@"
        drive "$name" "$with" "$pid" "$port" "$duration"
        stop "$pid"
    done
}

# both COMMAND...: starts the server without and with the middleware (or WITH's layer: `floor`,
# the diagnostic middleware of app_asgi.py), side by side; sets `bare_pid`, `bare_port`,
# `with_pid` and `with_port`.
both() {
    start 0 "$@"
    bare_pid="$pid" bare_port="$port"
    start "${WITH:-1}" "$@"
    with_pid="$pid" with_port="$port"
}

# summary NAME WHAT DIFFERENCES...: stops both servers, prints the differences and their median.
summary() {
    local name="$1" what="$2"
    shift 2
    stop "$bare_pid"
    stop "$with_pid"
    echo
    echo "$name: with ${WITH:-the middleware} vs bare, per $what: $* %; median $(printf '%s\n' "$@" | median) %"
    echo
}

# pairs NAME COMMAND...: the server without and with the middleware running side by side, driven
# in alternation (PAIRS pairs of DURATION seconds each, the bare one first in odd pairs and second
# in even ones, so that what follows a run hits both alike); then the median of the pairs'
# differences. With PIN=1 both servers run on core 0 and wrk (one thread) on core 1: the server
# has its core to itself instead of sharing both with wrk's threads.
pairs() {
    local name="$1"
    shift
    both "$@"
    if [[ "${PIN:-0}" == 1 ]]; then
        taskset -pc 0 "$bare_pid" > /dev/null
        taskset -pc 0 "$with_pid" > /dev/null
    fi
    local differences=() bare_rps with_rps pair
    for pair in $(seq 1 "$PAIRS"); do
        if ((pair % 2)); then
            drive "$name" 0 "$bare_pid" "$bare_port" "$duration"
            bare_rps="$last_rps"
            drive "$name" "${WITH:-1}" "$with_pid" "$with_port" "$duration"
            with_rps="$last_rps"
        else
            drive "$name" "${WITH:-1}" "$with_pid" "$with_port" "$duration"
            with_rps="$last_rps"
            drive "$name" 0 "$bare_pid" "$bare_port" "$duration"
            bare_rps="$last_rps"
        fi
        differences+=("$(difference "$bare_rps" "$with_rps")")
    done
    summary "$name" pair "${differences[@]}"
}

# together NAME COMMAND...: the server without and with the middleware running side by side and
# driven at the same time, each by its own wrk (one thread, half the connections), TOGETHER
# rounds of DURATION seconds: whatever the machine does hits both at once; then the median of
# the rounds' differences.
together() {
    local name="$1"
    shift
    both "$@"
    local differences=() half=$((connections / 2)) round
    for round in $(seq 1 "$TOGETHER"); do
        # Each server on a core of its own, swapped every round: the two cores of a virtual
        # machine need not be equally fast, and the median of the rounds evens them out.
        taskset -pc "$((round % 2))" "$bare_pid" > /dev/null
        taskset -pc "$(((round + 1) % 2))" "$with_pid" > /dev/null
        local bare_cpu with_cpu bare_out with_out bare_wrk
        bare_cpu="$(cpu_ticks "$bare_pid")" with_cpu="$(cpu_ticks "$with_pid")"
        wrk -t1 -c"$half" -d"${duration}s" -H "Cookie: $cookie" "http://127.0.0.1:$bare_port/" > "$here/.bare.out" &
        bare_wrk=$!
        with_out="$(wrk -t1 -c"$half" -d"${duration}s" -H "Cookie: $cookie" "http://127.0.0.1:$with_port/")"
        wait "$bare_wrk"
        bare_out="$(cat "$here/.bare.out")"
        rm -f "$here/.bare.out"
        local b m
        b="$(requests_per_second <<< "$bare_out")"
        m="$(requests_per_second <<< "$with_out")"
        echo "| $name, at the same time, bare on core $((round % 2)) |" \
            "bare $b requests/s ($(cpu_per_request "$(($(cpu_ticks "$bare_pid") - bare_cpu))" "$(requests_served <<< "$bare_out")") µs CPU each, $(errors <<< "$bare_out") errors) |" \
            "with the middleware $m ($(cpu_per_request "$(($(cpu_ticks "$with_pid") - with_cpu))" "$(requests_served <<< "$with_out")") µs, $(errors <<< "$with_out") errors) |" \
            "$(difference "$b" "$m")% |"
        differences+=("$(difference "$b" "$m")")
    done
    echo "RSS at the end: bare $(($(rss_kib "$bare_pid") / 1024)) MiB, with the middleware $(($(rss_kib "$with_pid") / 1024)) MiB"
    summary "$name" round "${differences[@]}"
}

# each FUNCTION: FUNCTION NAME COMMAND... for every server of SERVERS (uvicorn once per HTTP
# implementation of UVICORN_HTTP).
each() {
    local how="$1"
    if [[ " $servers " == *" asgi "* ]]; then
        for http in ${UVICORN_HTTP:-h11 httptools}; do
            "$how" "uvicorn (ASGI, $http)" env LOAD_HTTP="$http" sh -c 'exec "$0" -m uvicorn app_asgi:app --http "$LOAD_HTTP" --host 127.0.0.1 --port "$LOAD_PORT" --no-access-log --log-level warning' "$python"
        done
    fi
    if [[ " $servers " == *" express "* ]]; then
        "$how" Express env NODE_PATH="$root/bindings/node/node_modules" node app_express.cjs
    fi
    # The realistic page (about 20 KB rendered from a template per request).
    if [[ " $servers " == *" django "* ]]; then
        "$how" "Django page (gunicorn)" sh -c 'exec "$0" -m gunicorn --workers 1 --worker-class gthread --threads 4 --bind "127.0.0.1:$LOAD_PORT" --log-level warning app_django:application' "$python"
    fi
    if [[ " $servers " == *" express-page "* ]]; then
        "$how" "Express page (ejs)" env LOAD_PAGE=1 NODE_PATH="$root/bindings/node/node_modules" node app_express.cjs
    fi
}

cd "$here"
if [[ -n "${TOGETHER:-}" ]]; then
    each together
    exit 0
fi
echo "| server | middleware | Set-Cookie sent | requests/s | server CPU µs/request | mean latency | p99 | errors | RSS before → after |"
echo "|---|---|---|---|---|---|---|---|---|"
if [[ -n "${PAIRS:-}" ]]; then
    each pairs
    exit 0
fi
# Each round runs the server without then with the middleware, one after the other, so that a
# change of the machine's load hits both rows of a round alike.
for _ in $(seq 1 "$rounds"); do
    each run
done
