#!/usr/bin/env bash
# Behind a load balancer (issue 13): two hello-server instances behind nginx
# (contrib/nginx-upstream.conf), then behind HAProxy (contrib/haproxy.cfg). wrk runs through the
# balancer and one instance is killed with SIGKILL partway through; not one request may fail.
#
#   Benchmarks/balancer.sh [HELLO_SERVER_BINARY]     (default: .build/release/hello-server)
#
# Environment: DURATION (seconds of wrk per balancer, default 10), KILL_AT (seconds into the
# run the instance is killed, default 3), CONNECTIONS (default 16), THREADS (default 2).
#
# The shipped config files are the single source: the script copies them with only the ports
# substituted (and, for HAProxy, the lines marked "system only" dropped), validates the copies
# (nginx -t, haproxy -c) and runs nginx and HAProxy in the foreground as its own children, with
# every file in a temporary directory: nothing binds port 80 or writes under /var/log.
# Installs nginx, wrk, haproxy and curl if missing. Exits 1 with a one-line reason if any request
# failed. Every wait is bounded, every child is stopped on exit, and the directory is removed.
# Takes about 25 s.
set -euo pipefail

here="$(cd "$(dirname "$0")" && pwd)"
repo="$(cd "$here/.." && pwd)"
binary="${1:-$repo/.build/release/hello-server}"
duration="${DURATION:-10}"
kill_at="${KILL_AT:-3}"
connections="${CONNECTIONS:-16}"
threads="${THREADS:-2}"
export PATH="$PATH:/usr/sbin:/sbin"

fail() { echo "balancer.sh: FAIL: $*" >&2; exit 1; }

[ -x "$binary" ] || fail "no hello-server binary at $binary (swift build -c release, or pass its path)"
[ "$kill_at" -lt "$duration" ] || fail "KILL_AT ($kill_at) must be less than DURATION ($duration)"

install_missing() {
    local packages=()
    command -v nginx >/dev/null || packages+=(nginx)
    command -v wrk >/dev/null || packages+=(wrk)
    command -v haproxy >/dev/null || packages+=(haproxy)
    command -v curl >/dev/null || packages+=(curl)
    if [ ${#packages[@]} -gt 0 ]; then
        echo "installing ${packages[*]}"
        apt-get update -qq
        DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${packages[@]}" >/dev/null
    fi
}
install_missing

tmp="$(mktemp -d /tmp/hello-balancer.XXXXXX)"
# nginx's workers run as nobody when the master is root: let them into the directory.
chmod 755 "$tmp"
children=()   # every process started, stopped on exit

# Stops a process: SIGTERM, then SIGKILL after $2 seconds (default 5). Its own children too
# (an nginx master's workers), found by parent pid.
stop_pid() {
    local pid=$1 grace=${2:-5} kids i
    kill -0 "$pid" 2>/dev/null || return 0
    kids="$(pgrep -P "$pid" 2>/dev/null || true)"
    kill -TERM "$pid" 2>/dev/null || true
    for ((i = 0; i < grace * 10; i++)); do
        kill -0 "$pid" 2>/dev/null || break
        sleep 0.1
    done
    kill -KILL "$pid" $kids 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
}

cleanup() {
    local status=$? pid
    trap - EXIT INT TERM
    for pid in "${children[@]}"; do stop_pid "$pid" 3; done
    rm -rf "$tmp"
    exit "$status"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# A port nothing listens on: one that refuses a connection. Below the kernel's ephemeral range
# (32768-60999 by default), so no outgoing connection holds it.
free_port() {
    local port i
    for ((i = 0; i < 100; i++)); do
        port=$((20000 + RANDOM % 12000))
        if ! (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
            echo "$port"
            return 0
        fi
    done
    fail "no free port found"
}

# Polls a URL until it answers 200, for at most $2 seconds.
wait_ready() {
    local url=$1 seconds=$2 i
    for ((i = 0; i < seconds * 10; i++)); do
        curl -fsS -o /dev/null --max-time 1 "$url" 2>/dev/null && return 0
        sleep 0.1
    done
    return 1
}

declare -A pid_of port_of
# Starts hello-server instance $1 on a free port (--port 0) and reads the port from the first
# line it prints, waiting at most 5 s.
start_instance() {
    local name=$1 pid port="" i
    # Created here, not by the child's redirection: that may not have happened at the first poll.
    : >"$tmp/$name.out"
    "$binary" --host 127.0.0.1 --port 0 --access-log "$tmp/$name.access.log" \
        --log-file "$tmp/$name.log" >"$tmp/$name.out" 2>&1 &
    pid=$!
    children+=("$pid")
    for ((i = 0; i < 50; i++)); do
        port="$(sed -n '1s|^listening on http://127\.0\.0\.1:\([0-9][0-9]*\) .*|\1|p' "$tmp/$name.out")"
        [ -n "$port" ] && break
        kill -0 "$pid" 2>/dev/null || fail "instance $name exited: $(head -c 300 "$tmp/$name.out")"
        sleep 0.1
    done
    [ -n "$port" ] || fail "instance $name printed no port within 5 s"
    pid_of[$name]=$pid
    port_of[$name]=$port
}

# Requests proxied to instance $1 so far: its access log's HTTP/1.1 lines (HAProxy's health
# checks are HTTP/1.0). The log is flushed at least once a second, so it lags by up to 1 s.
proxied() {
    local n
    n="$(grep -c 'HTTP/1\.1" ' "$tmp/$1.access.log" 2>/dev/null || true)"
    echo "${n:-0}"
}

failures=()
summary=()

# Runs wrk through the balancer at $2 (name $1), kills instance $3 at KILL_AT seconds, and checks
# wrk's report; $4 is the surviving instance.
run_load() {
    local balancer=$1 url=$2 victim=$3 survivor=$4 wrk_pid out
    local v0 s0 v1 s1 s2 requests rps max unlogged errors="" i
    out="$tmp/wrk-$balancer.txt"
    v0=$(proxied "$victim"); s0=$(proxied "$survivor")
    timeout $((duration + 30)) wrk -t"$threads" -c"$connections" -d"${duration}s" --timeout 5s \
        "$url" >"$out" 2>&1 &
    wrk_pid=$!
    children+=("$wrk_pid")
    sleep "$kill_at"
    # The survivor's count at the kill (give or take its last unflushed second); the victim's
    # once it is dead, so that it is final.
    s1=$(proxied "$survivor")
    kill -KILL "${pid_of[$victim]}"
    wait "${pid_of[$victim]}" 2>/dev/null || true
    v1=$(proxied "$victim")
    wait "$wrk_pid" || errors="wrk exited with status $?"
    # The survivor's last lines reach its log at exit: stop it gracefully before counting.
    stop_pid "${pid_of[$survivor]}" 10
    s2=$(proxied "$survivor")

    echo "--- wrk through $balancer (instance $victim killed at ${kill_at} s)"
    cat "$out"
    requests="$(sed -n 's/^ *\([0-9][0-9]*\) requests in .*/\1/p' "$out")"
    rps="$(sed -n 's/^Requests\/sec: *\([0-9.]*\).*/\1/p' "$out")"
    # wrk's Max column (raw, unlike its mean and percentiles, which it corrects for coordinated
    # omission); wrk can glue the columns together ("44.86ms1000.00ms").
    max="$(grep -m1 '^ *Latency' "$out" | grep -oE '[0-9.]+(us|ms|s|m|h)' | sed -n 3p)"
    if grep -q 'Socket errors' "$out"; then errors="${errors:+$errors; }$(grep 'Socket errors' "$out" | sed 's/^ *//')"; fi
    if grep -q 'Non-2xx or 3xx responses' "$out"; then errors="${errors:+$errors; }$(grep 'Non-2xx' "$out" | sed 's/^ *//')"; fi
    [ "${requests:-0}" -gt 0 ] || errors="${errors:+$errors; }no requests completed"
    # The test means something only if both instances served before the kill and the survivor after.
    [ $((v1 - v0)) -gt 0 ] || errors="${errors:+$errors; }instance $victim served nothing before the kill"
    [ $((s2 - s1)) -gt 0 ] || errors="${errors:+$errors; }instance $survivor served nothing after the kill"
    [ -z "$errors" ] || failures+=("$balancer: $errors")
    # Requests wrk got an answer to that no access log shows: the victim's unflushed lines, lost
    # with it (the log is flushed at least once a second).
    unlogged=$(( ${requests:-0} - (v1 - v0) - (s2 - s0) ))
    summary+=("| $balancer | ${rps:-?} | ${requests:-0} | ${max:-?} | ${errors:-none} | $((v1 - v0)) (+$unlogged unlogged) | $((s1 - s0)) / $((s2 - s1)) |")
}

# --- nginx
mkdir -p "$tmp/nginx"
start_instance a
start_instance b
nginx_port="$(free_port)"
sed -e "s/server 127\.0\.0\.1:7878/server 127.0.0.1:${port_of[a]}/" \
    -e "s/server 127\.0\.0\.1:7879/server 127.0.0.1:${port_of[b]}/" \
    -e "s/^\( *\)listen 80;/\1listen 127.0.0.1:$nginx_port;/" \
    "$repo/contrib/nginx-upstream.conf" >"$tmp/nginx/hello-server.conf"
[ "$(grep -cE "server 127\.0\.0\.1:(${port_of[a]}|${port_of[b]}) |listen 127\.0\.0\.1:$nginx_port;" "$tmp/nginx/hello-server.conf")" -eq 3 ] \
    || fail "contrib/nginx-upstream.conf no longer has 'server 127.0.0.1:7878', ':7879' and 'listen 80;' to substitute"
cat >"$tmp/nginx/nginx.conf" <<EOF
worker_processes 1;
daemon off;
error_log $tmp/nginx/error.log warn;
pid $tmp/nginx/nginx.pid;
events { worker_connections 1024; }
http {
    access_log off;
    client_body_temp_path $tmp/nginx/client_body;
    proxy_temp_path $tmp/nginx/proxy;
    fastcgi_temp_path $tmp/nginx/fastcgi;
    uwsgi_temp_path $tmp/nginx/uwsgi;
    scgi_temp_path $tmp/nginx/scgi;
    include $tmp/nginx/hello-server.conf;
}
EOF
nginx_args=(-p "$tmp/nginx/" -e "$tmp/nginx/error.log" -c "$tmp/nginx/nginx.conf")
nginx -t -q "${nginx_args[@]}" || fail "nginx -t rejected the generated config: $(tail -1 "$tmp/nginx/error.log")"
nginx "${nginx_args[@]}" >"$tmp/nginx/stdout" 2>&1 &
nginx_pid=$!
children+=("$nginx_pid")
wait_ready "http://127.0.0.1:$nginx_port/" 5 || fail "nginx did not answer on port $nginx_port within 5 s: $(tail -1 "$tmp/nginx/error.log")"
run_load nginx "http://127.0.0.1:$nginx_port/" a b
stop_pid "$nginx_pid" 5
# What nginx saw of the kill: each line is one attempt it passed to the next server.
nginx_notes="$(grep -c 'connect() failed' "$tmp/nginx/error.log" || true) refused connects, $(grep -cE 'prematurely closed|recv\(\) failed|reset by peer' "$tmp/nginx/error.log" || true) upstream connections lost (request sent, no answer), $(grep -c 'no live upstreams' "$tmp/nginx/error.log" || true) 'no live upstreams'"

# --- HAProxy, with two fresh instances
start_instance c
start_instance d
haproxy_port="$(free_port)"
stats_port="$(free_port)"
sed -e "s/server hello1 127\.0\.0\.1:7878/server hello1 127.0.0.1:${port_of[c]}/" \
    -e "s/server hello2 127\.0\.0\.1:7879/server hello2 127.0.0.1:${port_of[d]}/" \
    -e "s/^\( *\)bind :80\$/\1bind 127.0.0.1:$haproxy_port/" \
    -e '/# system only/d' \
    "$repo/contrib/haproxy.cfg" >"$tmp/haproxy.cfg"
[ "$(grep -cE "server hello[12] 127\.0\.0\.1:(${port_of[c]}|${port_of[d]})\$|bind 127\.0\.0\.1:$haproxy_port\$" "$tmp/haproxy.cfg")" -eq 3 ] \
    || fail "contrib/haproxy.cfg no longer has 'server hello1 127.0.0.1:7878', 'hello2 ...:7879' and 'bind :80' to substitute"
# Test only: a stats page, to report HAProxy's retry and redispatch counters.
cat >>"$tmp/haproxy.cfg" <<EOF

listen stats
    bind 127.0.0.1:$stats_port
    stats enable
    stats uri /stats
EOF
haproxy -c -q -f "$tmp/haproxy.cfg" >"$tmp/haproxy-check.txt" 2>&1 \
    || fail "haproxy -c rejected the generated config: $(grep -m1 -i alert "$tmp/haproxy-check.txt")"
haproxy -db -f "$tmp/haproxy.cfg" >"$tmp/haproxy.out" 2>&1 &
haproxy_pid=$!
children+=("$haproxy_pid")
wait_ready "http://127.0.0.1:$haproxy_port/" 5 || fail "HAProxy did not answer on port $haproxy_port within 5 s: $(tail -1 "$tmp/haproxy.out")"
# Both servers UP in HAProxy's view (its stats page) before the load starts, for at most 5 s.
for ((i = 0; i < 50; i++)); do
    [ "$(curl -fsS --max-time 1 "http://127.0.0.1:$stats_port/stats;csv" 2>/dev/null | grep -c '^hello_servers,hello[12],.*,UP,')" -eq 2 ] && break
    sleep 0.1
done
run_load haproxy "http://127.0.0.1:$haproxy_port/" c d
# pxname,svname,...: field 16 wretr (retries), 17 wredis (redispatches), 18 status.
haproxy_notes="$(curl -fsS --max-time 2 "http://127.0.0.1:$stats_port/stats;csv" 2>/dev/null \
    | awk -F, '$1 == "hello_servers" && $2 != "FRONTEND" { printf "%s%s: %s retries, %s redispatches, %s", sep, $2, $16, $17, $18; sep = "; " }')"
stop_pid "$haproxy_pid" 5

echo
echo "| balancer | req/s | requests | max latency | failed | killed instance: served | survivor: before kill / after |"
echo "|---|---|---|---|---|---|---|"
printf '%s\n' "${summary[@]}"
echo "(served: HTTP/1.1 lines in each instance's access log; the survivor's split lags by up to 1 s, its log's flush interval)"
echo "nginx error log: $nginx_notes"
echo "HAProxy: $haproxy_notes"

if [ ${#failures[@]} -gt 0 ]; then
    fail "$(IFS='|'; echo "${failures[*]}")"
fi
echo "balancer.sh: OK: no request failed through nginx or HAProxy with an instance killed"
