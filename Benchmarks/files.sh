#!/usr/bin/env bash
# Large files: hello-server --mode epoll against nginx (worker_processes 1, sendfile on), the
# same root, in the same run, on 127.0.0.1 (issue 11, item 6):
#   1. one connection downloading a 1 GiB file: MB/s and the server's CPU seconds;
#   2. 16 connections downloading a 10 MiB file over and over (wrk): MB/s;
#   3. the server's RSS while 100 slow readers hold 1 GiB downloads.
#
#   Benchmarks/files.sh            (about a minute; installs curl, wrk and nginx if missing)
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
server_dir="${SERVER_DIR:-$(cd "$here/.." && pwd)}"
for tool in curl wrk; do command -v "$tool" > /dev/null || { apt-get update -qq && apt-get install -y -qq "$tool" > /dev/null; }; done
[ -x /usr/sbin/nginx ] || command -v nginx > /dev/null || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq nginx-light > /dev/null; }
nginx_bin="$(command -v nginx || echo /usr/sbin/nginx)"

build=(swift build -c release --package-path "$server_dir")
if command -v flock > /dev/null; then build=(flock /tmp/swift-build.lock "${build[@]}"); fi
"${build[@]}" 2>&1 | tail -1
binary="$server_dir/.build/release/hello-server"

work="$(mktemp -d /tmp/hello-files.XXXXXX)"
chmod 755 "$work"
pids=()
cleanup() {
    for pid in "${pids[@]}"; do kill "$pid" 2> /dev/null || true; done
    wait 2> /dev/null || true
    rm -rf "$work"
}
trap cleanup EXIT
mkdir -p "$work/www"
chmod 755 "$work/www"
truncate -s 1G "$work/www/1g.bin"
head -c $((10 << 20)) /dev/urandom > "$work/www/10m.bin"
echo hello > "$work/www/hello.html"
# Into the page cache first, so neither server pays for the first read of the (sparse) file.
cat "$work/www/1g.bin" "$work/www/10m.bin" > /dev/null

hello_port=18181
nginx_port=18182
"$binary" --mode epoll --port "$hello_port" --root "$work/www" --workers 4 --header-timeout 60 > /dev/null 2>&1 &
pids+=($!)
hello_pid=$!
mkdir -p "$work/nginx"
cat > "$work/nginx/nginx.conf" << CONF
worker_processes 1;
master_process off;
daemon off;
pid $work/nginx/nginx.pid;
error_log $work/nginx/error.log warn;
events { worker_connections 4096; }
http {
    access_log off;
    sendfile on;
    client_body_temp_path $work/nginx/body;
    proxy_temp_path $work/nginx/proxy;
    fastcgi_temp_path $work/nginx/fastcgi;
    uwsgi_temp_path $work/nginx/uwsgi;
    scgi_temp_path $work/nginx/scgi;
    server { listen 127.0.0.1:$nginx_port; root $work/www; }
}
CONF
"$nginx_bin" -c "$work/nginx/nginx.conf" > /dev/null 2>&1 &
pids+=($!)
nginx_pid=$!
for port in $hello_port $nginx_port; do
    for _ in $(seq 100); do curl -s -o /dev/null "http://127.0.0.1:$port/hello.html" && break; sleep 0.1; done
done

cpu_seconds() {  # PID -> user+system seconds
    awk -v ticks="$(getconf CLK_TCK)" '{ print ($14 + $15) / ticks }' "/proc/$1/stat"
}
rss_mib() {  # PID -> resident MiB
    awk '/^VmRSS:/ { printf "%.1f", $2 / 1024 }' "/proc/$1/status"
}

printf '| measurement | hello-server (epoll) | nginx (1 worker, sendfile on) | ratio |\n|---|---|---|---|\n'

declare -A speed cpu
for name in hello nginx; do
    port=$hello_port; pid=$hello_pid
    [ "$name" = nginx ] && { port=$nginx_port; pid=$nginx_pid; }
    before="$(cpu_seconds "$pid")"
    bytes_per_second="$(curl -s -o /dev/null -w '%{speed_download}' "http://127.0.0.1:$port/1g.bin")"
    after="$(cpu_seconds "$pid")"
    speed[$name]="$(awk -v b="$bytes_per_second" 'BEGIN { printf "%.0f", b / 1048576 }')"
    cpu[$name]="$(awk -v a="$after" -v b="$before" 'BEGIN { printf "%.2f", a - b }')"
done
printf '| 1 GiB, one connection: MiB/s | %s | %s | %s |\n' "${speed[hello]}" "${speed[nginx]}" \
    "$(awk -v a="${speed[hello]}" -v b="${speed[nginx]}" 'BEGIN { printf "%.2f", a / b }')"
printf '| 1 GiB, one connection: server CPU s | %s | %s | %s |\n' "${cpu[hello]}" "${cpu[nginx]}" \
    "$(awk -v a="${cpu[hello]}" -v b="${cpu[nginx]}" 'BEGIN { printf "%.2f", (b > 0 ? a / b : 0) }')"

declare -A wrk_rate
for name in hello nginx; do
    port=$hello_port
    [ "$name" = nginx ] && port=$nginx_port
    wrk_rate[$name]="$(wrk -t2 -c16 -d5s "http://127.0.0.1:$port/10m.bin" 2> /dev/null | awk '/^Transfer\/sec/ {
        v = $2; if (v ~ /GB$/) { sub(/GB$/, "", v); v *= 1024 } else if (v ~ /MB$/) { sub(/MB$/, "", v) } else if (v ~ /KB$/) { sub(/KB$/, "", v); v /= 1024 }
        printf "%.0f", v }')"
done
printf '| 16 connections × 10 MiB (wrk 5 s): MiB/s | %s | %s | %s |\n' "${wrk_rate[hello]}" "${wrk_rate[nginx]}" \
    "$(awk -v a="${wrk_rate[hello]}" -v b="${wrk_rate[nginx]}" 'BEGIN { printf "%.2f", a / b }')"

declare -A rss_before rss_during
for name in hello nginx; do
    port=$hello_port; pid=$hello_pid
    [ "$name" = nginx ] && { port=$nginx_port; pid=$nginx_pid; }
    rss_before[$name]="$(rss_mib "$pid")"
    # 100 slow readers: each reads 64 KiB of a 1 GiB download, then holds the connection.
    python3 - "$port" "$pid" << 'PY' > "$work/rss-$name"
import socket, sys, time
port, pid = int(sys.argv[1]), sys.argv[2]
clients = []
for _ in range(100):
    s = socket.create_connection(("127.0.0.1", port), timeout=10)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 65536)
    s.sendall(b"GET /1g.bin HTTP/1.1\r\nHost: h\r\n\r\n")
    got = 0
    while got < 65536:
        got += len(s.recv(65536))
    clients.append(s)
time.sleep(1)
with open(f"/proc/{pid}/status") as f:
    print(next(int(line.split()[1]) for line in f if line.startswith("VmRSS:")) / 1024)
for s in clients:
    s.close()
PY
    rss_during[$name]="$(awk '{ printf "%.1f", $1 }' "$work/rss-$name")"
done
printf '| RSS with 100 slow readers of 1 GiB: MiB (idle before) | %s (%s) | %s (%s) | %s |\n' \
    "${rss_during[hello]}" "${rss_before[hello]}" "${rss_during[nginx]}" "${rss_before[nginx]}" \
    "$(awk -v a="${rss_during[hello]}" -v b="${rss_during[nginx]}" 'BEGIN { printf "%.2f", a / b }')"
