#!/usr/bin/env bash
# The nginx module's cost under load (BENCHMARKS.md, "nginx module"): wrk against nginx proxying
# a backend that sets three cookies, with the module on and off, in interleaved pairs.
#
#   bash bindings/nginx/bench.sh               # 10 pairs of 10 s runs, 1 wrk thread, 32 connections
#   PAIRS=20 DURATION=5 bash bindings/nginx/bench.sh
#   bash bindings/nginx/bench.sh memory        # the worker's memory over a million requests and more
#   bash bindings/nginx/bench.sh count         # instructions per request (callgrind), on and off
#   BACKEND=php bash bindings/nginx/bench.sh   # the WordPress-style page: nginx in front of PHP-FPM
#
# The front nginx (the module loaded, release build, one worker) has two servers with the same
# policy (bindings/nginx/tests/wordpress/policy.toml): `cookie_charter on` and
# `cookie_charter off`. Both proxy (keepalive) to a backend nginx without the module (one worker)
# whose response sets three cookies: a necessary one, `_ga` (statistics) and `wp-settings-1`
# (preferences). Every request holds a consent granting statistics and refusing preferences, and
# `_ga`: with the module on, `wp-settings-1` is removed from every response, nothing is deleted.
# Pairs run on then off, then off then on (ABBA), so that a drift of the machine's load hits both.
#
# Prints a Markdown table: for each run, requests/s, the front worker's CPU time per request, and
# the front worker's and the backend's together (user + system: steadier than requests/s on a
# shared machine), the change of each pair; then the mean and median changes. `memory`: runs the `on` server for MEMORY_DURATION seconds (120 by
# default: a million requests or more on the reference machine) after a warm-up, and prints the
# request count and the worker's resident memory before and after. `count`: the front nginx in
# one process under callgrind, LOW then HIGH sequential keep-alive requests (2,000 and 12,000 by
# default) to each server; the difference of the two runs' instructions divided by HIGH - LOW is
# the cost of one request, start-up cancelled out: a figure the machine's load does not move.
# With BACKEND=php, both front servers pass the request with `fastcgi_pass` to PHP-FPM (Debian's
# package, `pm = static` with two children) running tests/wordpress/index.php, which sets five
# cookies with setcookie() as WordPress does: the setting of docs/nginx.md's WordPress example.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../.." && pwd)"
cd "$root"
mode="${1:-pairs}"
pairs="${PAIRS:-10}"
duration="${DURATION:-10}"
connections="${CONNECTIONS:-32}"
threads="${THREADS:-1}"
backend="${BACKEND:-nginx}"
php_fpm=""
if [[ "$backend" == php ]]; then
    php_fpm="$(ls /usr/sbin/php-fpm* 2> /dev/null | sort -V | tail -n 1)"
    [[ -n "$php_fpm" ]] || { echo "PHP-FPM is missing (apt-get install php-fpm)" >&2; exit 1; }
elif [[ "$backend" != nginx ]]; then
    echo "BACKEND must be nginx or php, not \`$backend\`" >&2
    exit 1
fi

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
    for pid_file in "$work"/front.pid "$work"/backend.pid "$work"/count.pid "$work"/php-fpm.pid; do
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

# What both front servers do with a request: proxy it to the backend nginx, or hand it to PHP-FPM.
location='location / { proxy_pass http://backend; }'
if [[ "$backend" == php ]]; then
    fpm_user=""
    [[ "$(id -u)" -eq 0 ]] && fpm_user=$'user = root\ngroup = root'
    cat > "$work/php-fpm.conf" << EOF
[global]
pid = $work/php-fpm.pid
error_log = $work/logs/php-fpm.log
[www]
$fpm_user
listen = $work/php-fpm.sock
listen.mode = 0666
pm = static
pm.max_children = 2
EOF
    fpm_flags=()
    [[ "$(id -u)" -eq 0 ]] && fpm_flags=(--allow-to-run-as-root)
    "$php_fpm" --fpm-config "$work/php-fpm.conf" "${fpm_flags[@]}"
    for _ in $(seq 1 300); do [[ -S "$work/php-fpm.sock" ]] && break; sleep 0.1; done
    printf 'fastcgi_param %s %s;\n' QUERY_STRING '$query_string' REQUEST_METHOD '$request_method' \
        CONTENT_TYPE '$content_type' CONTENT_LENGTH '$content_length' REQUEST_URI '$request_uri' \
        SERVER_PROTOCOL '$server_protocol' SERVER_NAME '$server_name' > "$work/fastcgi_params"
    location="root $here/tests/wordpress;
        location / {
            fastcgi_pass unix:$work/php-fpm.sock;
            include $work/fastcgi_params;
            fastcgi_param SCRIPT_FILENAME \$document_root/index.php;
        }"
fi

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
        $location
    }
    server {
        listen 127.0.0.1:$off_port;
        cookie_charter off;
        $location
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
# The processes behind the front: the backend nginx's worker, or PHP-FPM's children.
backend_pids() {
    if [[ "$backend" == php ]]; then pgrep -P "$(cat "$work/php-fpm.pid")"; else pgrep -P "$(cat "$work/backend.pid")"; fi
}
# The CPU time (user + system, in clock ticks) used so far by the front worker, then by the front
# worker and the backend's processes together.
ticks_of() { sed 's/.*) //' "/proc/$1/stat" | awk '{print $12 + $13}'; }  # after "(name)"
cpu_ticks() {
    local front behind=0 pid
    front="$(ticks_of "$(worker_of)")"
    for pid in $(backend_pids); do behind=$((behind + $(ticks_of "$pid"))); done
    echo "$front $((front + behind))"
}
ticks_per_second="$(getconf CLK_TCK)"
# One wrk run against a port for some seconds: "requests/s front-CPU server-CPU", the CPU
# microseconds per request (user + system) of the front worker, and of the front worker and the
# backend together (what serving a request costs, wrk aside): steadier than requests/s on a
# shared machine, where other processes take the cores from wrk and nginx alike.
run() {
    local before out requests after
    read -r -a before <<< "$(cpu_ticks)"
    out="$(wrk -t "$threads" -c "$connections" -d "${2}s" -H "$cookie" "http://127.0.0.1:$1/")"
    read -r -a after <<< "$(cpu_ticks)"
    requests="$(awk '/requests in/ {print $1}' <<< "$out")"
    awk -v rps="$(awk '/^Requests\/sec:/ {print $2}' <<< "$out")" -v n="$requests" \
        -v front="$((after[0] - before[0]))" -v all="$((after[1] - before[1]))" -v hz="$ticks_per_second" \
        'BEGIN { printf "%s %.2f %.2f\n", rps, front / hz * 1e6 / n, all / hz * 1e6 / n }'
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
echo "| pair | on (req/s) | off (req/s) | change | front CPU µs/req on | off | change | front + backend CPU µs/req on | off | change |"
echo "|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|"
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
on_rps, on_cpu, on_all, off_rps, off_cpu, off_all = map(float, sys.argv[2:])
print(f"| {sys.argv[1]} | {on_rps:.0f} | {off_rps:.0f} | {(on_rps / off_rps - 1) * 100:+.1f}% "
      f"| {on_cpu:.1f} | {off_cpu:.1f} | {(on_cpu / off_cpu - 1) * 100:+.1f}% "
      f"| {on_all:.1f} | {off_all:.1f} | {(on_all / off_all - 1) * 100:+.1f}% |")' "$pair" $on $off
done
python3 - "${results[@]}" << 'EOF'
import statistics, sys
runs = [tuple(map(float, r.split())) for r in sys.argv[1:]]
rps = [(r[0] / r[3] - 1) * 100 for r in runs]
cpu = [(r[1] / r[4] - 1) * 100 for r in runs]
both = [(r[2] / r[5] - 1) * 100 for r in runs]
for what, changes in (("requests/s", rps), ("front worker CPU per request", cpu),
                      ("front and backend CPU per request", both)):
    print(f"\n{what}: mean change {statistics.mean(changes):+.1f}%, median "
          f"{statistics.median(changes):+.1f}%, from {min(changes):+.1f}% to {max(changes):+.1f}% "
          f"over {len(changes)} pairs")
EOF
