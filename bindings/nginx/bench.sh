#!/usr/bin/env bash
# The nginx module's cost under load (BENCHMARKS.md, "nginx module"): wrk against nginx proxying
# a backend that sets three cookies, with the module on and off, in interleaved pairs.
#
#   bash bindings/nginx/bench.sh               # 10 pairs of 10 s runs, 1 wrk thread, 32 connections
#   PAIRS=20 DURATION=5 bash bindings/nginx/bench.sh
#   bash bindings/nginx/bench.sh memory        # the worker's memory over a million requests and more
#   bash bindings/nginx/bench.sh count         # instructions per request (callgrind), on and off
#
# The front nginx (the module loaded, release build, one worker) has two servers with the same
# policy (bindings/nginx/tests/wordpress/policy.toml): `cookie_charter on` and
# `cookie_charter off`. Both proxy (keepalive) to a backend nginx without the module (one worker)
# whose response sets three cookies: a necessary one, `_ga` (statistics) and `wp-settings-1`
# (preferences). Every request holds a consent granting statistics and refusing preferences, and
# `_ga`: with the module on, `wp-settings-1` is removed from every response, nothing is deleted.
# Pairs run on then off, then off then on (ABBA), so that a drift of the machine's load hits both.
#
# Prints a Markdown table: for each run, requests/s and the front worker's CPU time per request
# (user + system: steadier than requests/s on a shared machine), the change of each pair; then
# the mean and median changes. `memory`: runs the `on` server for MEMORY_DURATION seconds (120 by
# default: a million requests or more on the reference machine) after a warm-up, and prints the
# request count and the worker's resident memory before and after. `count`: the front nginx in
# one process under callgrind, LOW then HIGH sequential keep-alive requests (2,000 and 12,000 by
# default) to each server; the difference of the two runs' instructions divided by HIGH - LOW is
# the cost of one request, start-up cancelled out: a figure the machine's load does not move.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../.." && pwd)"
cd "$root"
mode="${1:-pairs}"
pairs="${PAIRS:-10}"
duration="${DURATION:-10}"
connections="${CONNECTIONS:-32}"
threads="${THREADS:-1}"

bash "$here/deps.sh" bench
if [[ "$mode" == count ]] && ! command -v valgrind > /dev/null; then
    echo "valgrind is missing (apt-get install valgrind)" >&2
    exit 1
fi
paths="$(cargo build --release -p cookie-charter-nginx --message-format=json-render-diagnostics \
    | python3 "$here/tests/artifacts.py")"
nginx="$(sed -n 1p <<< "$paths")"
module="$(sed -n 2p <<< "$paths")"

work="$(mktemp -d)"
stop() {
    local pid_file
    for pid_file in "$work"/front.pid "$work"/backend.pid "$work"/count.pid; do
        [[ -f "$pid_file" ]] && kill -QUIT "$(cat "$pid_file")" 2> /dev/null || true
    done
    rm -rf "$work"
}
trap stop EXIT
mkdir -p "$work/logs" "$work/temp"

free_port() { python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
backend_port="$(free_port)"
on_port="$(free_port)"
off_port="$(free_port)"
user=""
[[ "$(id -u)" -eq 0 ]] && user="user root root;"

cat > "$work/backend.conf" << EOF
$user
worker_processes 1;
pid $work/backend.pid;
error_log $work/logs/backend.log warn;
events { worker_connections 1024; }
http {
    access_log off;
    client_body_temp_path $work/temp/b-body;
    proxy_temp_path $work/temp/b-proxy;
    fastcgi_temp_path $work/temp/b-fastcgi;
    uwsgi_temp_path $work/temp/b-uwsgi;
    scgi_temp_path $work/temp/b-scgi;
    server {
        listen 127.0.0.1:$backend_port;
        keepalive_requests 1000000;
        location / {
            add_header Set-Cookie "wordpress_logged_in_5c3a=admin%7C1700000000%7Ctoken; path=/; HttpOnly";
            add_header Set-Cookie "_ga=GA1.2.123.456; path=/";
            add_header Set-Cookie "wp-settings-1=libraryContent%3Dbrowse; path=/";
            default_type text/html;
            return 200 "<!doctype html><html><body><p>Hello</p></body></html>\n";
        }
    }
}
EOF

cat > "$work/front.conf" << EOF
load_module $module;
$user
worker_processes 1;
pid $work/front.pid;
error_log $work/logs/front.log warn;
events { worker_connections 1024; }
http {
    access_log off;
    client_body_temp_path $work/temp/f-body;
    proxy_temp_path $work/temp/f-proxy;
    fastcgi_temp_path $work/temp/f-fastcgi;
    uwsgi_temp_path $work/temp/f-uwsgi;
    scgi_temp_path $work/temp/f-scgi;
    upstream backend {
        server 127.0.0.1:$backend_port;
        keepalive 64;
    }
    cookie_charter_policy $here/tests/wordpress/policy.toml;
    proxy_http_version 1.1;
    proxy_set_header Connection "";
    keepalive_requests 1000000;
    server {
        listen 127.0.0.1:$on_port;
        location / { proxy_pass http://backend; }
    }
    server {
        listen 127.0.0.1:$off_port;
        cookie_charter off;
        location / { proxy_pass http://backend; }
    }
}
EOF

"$nginx" -p "$work" -c "$work/backend.conf" -e "$work/logs/backend.log"
"$nginx" -p "$work" -c "$work/front.conf" -e "$work/logs/front.log"
wait_up() {
    for _ in $(seq 1 300); do
        curl -s -o /dev/null "http://127.0.0.1:$1/" && return 0
        sleep 0.1
    done
    echo "nothing answers on port $1" >&2
    return 1
}
for port in "$backend_port" "$on_port" "$off_port"; do wait_up "$port"; done

consent="consent=v=1&rev=1&at=$(($(date +%s) - 60))&statistics=1&preferences=0"
cookie="Cookie: $consent; _ga=GA1.2.3.4"

if [[ "$mode" == count ]]; then
    low="${LOW:-2000}"
    high="${HIGH:-12000}"
    # The front's configuration in one process (no master), on other ports.
    count_on="$(free_port)"
    count_off="$(free_port)"
    sed -e "s/^worker_processes 1;/master_process off;\ndaemon off;/" -e "s|front.pid|count.pid|" \
        -e "s/:$on_port;/:$count_on;/" -e "s/:$off_port;/:$count_off;/" \
        "$work/front.conf" > "$work/count.conf"
    # instructions PORT REQUESTS: what callgrind counted for one run of the front nginx.
    instructions() {
        local log="$work/callgrind.log"
        rm -f "$work/count.pid"
        valgrind --tool=callgrind --callgrind-out-file=/dev/null --log-file="$log" \
            "$nginx" -p "$work" -c "$work/count.conf" -e "$work/logs/count.log" &
        # Ready once nginx wrote its pid file, after opening its sockets (no request counted).
        for _ in $(seq 1 600); do [[ -s "$work/count.pid" ]] && break; sleep 0.1; done
        python3 - "$1" "$2" "${cookie#Cookie: }" << 'EOF'
import http.client, sys
port, count, cookie = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
for _ in range(count):
    connection.request("GET", "/", headers={"Cookie": cookie})
    response = connection.getresponse()
    response.read()
    assert response.status == 200, response.status
EOF
        kill -QUIT "$(cat "$work/count.pid")"
        wait
        sed -n 's/.*Collected : \([0-9]*\).*/\1/p' "$log"
    }
    echo "| server | instructions per request |"
    echo "|---|---:|"
    declare -A per
    for server in off on; do
        port="$count_off"
        [[ "$server" == on ]] && port="$count_on"
        a="$(instructions "$port" "$low")"
        b="$(instructions "$port" "$high")"
        per[$server]=$(((b - a) / (high - low)))
        echo "| cookie_charter $server | ${per[$server]} |"
    done
    awk -v on="${per[on]}" -v off="${per[off]}" \
        'BEGIN { printf "\nthe module adds %d instructions per request, %+.1f%%\n", on - off, (on / off - 1) * 100 }'
    exit 0
fi
echo "# on:  $(curl -s -D - -o /dev/null -H "$cookie" "http://127.0.0.1:$on_port/" | grep -ci '^set-cookie') Set-Cookie fields"
echo "# off: $(curl -s -D - -o /dev/null -H "$cookie" "http://127.0.0.1:$off_port/" | grep -ci '^set-cookie') Set-Cookie fields"
echo "# $("$nginx" -v 2>&1), $(nproc) cores, load average $(cut -d' ' -f1-3 /proc/loadavg)"

worker_of() { pgrep -P "$(cat "$work/front.pid")" | head -n 1; }
rss_kib() { ps -o rss= -p "$1" | tr -d ' '; }
# The CPU time the front worker used so far (user + system), in clock ticks.
cpu_ticks() { awk '{print $14 + $15}' "/proc/$(worker_of)/stat"; }
ticks_per_second="$(getconf CLK_TCK)"
# One wrk run against a port for some seconds: "requests/s CPU-microseconds-per-request", the
# latter the front worker's (user + system): steadier than requests/s on a shared machine, where
# other processes take the cores from wrk and nginx alike.
run() {
    local before out requests after
    before="$(cpu_ticks)"
    out="$(wrk -t "$threads" -c "$connections" -d "${2}s" -H "$cookie" "http://127.0.0.1:$1/")"
    after="$(cpu_ticks)"
    requests="$(awk '/requests in/ {print $1}' <<< "$out")"
    awk -v rps="$(awk '/^Requests\/sec:/ {print $2}' <<< "$out")" -v n="$requests" \
        -v t="$((after - before))" -v hz="$ticks_per_second" \
        'BEGIN { printf "%s %.2f\n", rps, t / hz * 1e6 / n }'
}

if [[ "$mode" == memory ]]; then
    seconds="${MEMORY_DURATION:-120}"
    run "$on_port" 10 > /dev/null
    worker="$(worker_of)"
    before="$(rss_kib "$worker")"
    out="$(wrk -t "$threads" -c "$connections" -d "${seconds}s" -H "$cookie" "http://127.0.0.1:$on_port/")"
    requests="$(awk '/requests in/ {print $1}' <<< "$out")"
    after="$(rss_kib "$worker")"
    echo "| requests | worker RSS before (KiB) | after (KiB) |"
    echo "|---:|---:|---:|"
    echo "| $requests | $before | $after |"
    exit 0
fi

run "$off_port" 3 > /dev/null
run "$on_port" 3 > /dev/null
echo "| pair | on (req/s) | off (req/s) | change | on (CPU µs/req) | off (CPU µs/req) | change |"
echo "|---:|---:|---:|---:|---:|---:|---:|"
results=()
for pair in $(seq 1 "$pairs"); do
    if ((pair % 2)); then
        on="$(run "$on_port" "$duration")"
        off="$(run "$off_port" "$duration")"
    else
        off="$(run "$off_port" "$duration")"
        on="$(run "$on_port" "$duration")"
    fi
    results+=("$on $off")
    python3 -c '
import sys
on_rps, on_cpu, off_rps, off_cpu = map(float, sys.argv[2:])
print(f"| {sys.argv[1]} | {on_rps:.0f} | {off_rps:.0f} | {(on_rps / off_rps - 1) * 100:+.1f}% "
      f"| {on_cpu:.1f} | {off_cpu:.1f} | {(on_cpu / off_cpu - 1) * 100:+.1f}% |")' "$pair" $on $off
done
python3 - "${results[@]}" << 'EOF'
import statistics, sys
runs = [tuple(map(float, r.split())) for r in sys.argv[1:]]
rps = [(on / off - 1) * 100 for on, _, off, _ in runs]
cpu = [(on / off - 1) * 100 for _, on, _, off in runs]
for what, changes in (("requests/s", rps), ("front worker CPU per request", cpu)):
    print(f"\n{what}: mean change {statistics.mean(changes):+.1f}%, median "
          f"{statistics.median(changes):+.1f}%, from {min(changes):+.1f}% to {max(changes):+.1f}% "
          f"over {len(changes)} pairs")
EOF
