#!/usr/bin/env bash
# Checks the files in contrib/ as a user would use them, against the release binary:
#   - systemd-analyze verify is clean on the service and socket units;
#   - the logrotate snippet reloads a running server (its log is reopened) and reports a failed
#     reload (exit non-zero) once the server is gone, in its --daemon --pid-file variant; the
#     systemd variant fails loudly here too, as there is no systemd to reload.
# Installs systemd and logrotate if they are missing.
set -euo pipefail
cd "$(dirname "$0")/.."
binary="$PWD/.build/release/hello-server"
[ -x "$binary" ] || { echo "contrib.sh: build first: swift build -c release" >&2; exit 1; }
missing=()
command -v systemd-analyze >/dev/null || missing+=(systemd)
command -v logrotate >/dev/null || [ -x /usr/sbin/logrotate ] || missing+=(logrotate)
if [ ${#missing[@]} -gt 0 ]; then
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
fi
export PATH="$PATH:/usr/sbin"
work=$(mktemp -d)
pid=""
cleanup() { [ -n "$pid" ] && kill "$pid" 2>/dev/null; rm -rf "$work"; }
trap cleanup EXIT

# The units as shipped, with ExecStart pointing at this binary (verify checks it is executable).
cp contrib/hello-server.service contrib/hello-server.socket "$work/"
sed -i "s|/usr/local/bin/hello-server|$binary|" "$work/hello-server.service"
report=$(systemd-analyze verify "$work/hello-server.socket" "$work/hello-server.service" 2>&1) || { echo "$report" >&2; exit 1; }
[ -z "$report" ] || { echo "systemd-analyze verify is not clean:" >&2; echo "$report" >&2; exit 1; }
echo "systemd-analyze verify: clean"

# logrotate: the snippet with the log directory moved here, in its pid-file variant.
mkdir "$work/log"
sed -e "s|/var/log/hello-server/|$work/log/|" \
    -e 's|^\( *\)systemctl reload hello-server.service|\1# (systemd variant off)|' \
    -e "s|^\( *\)# kill -HUP \"\$(cat /run/hello-server.pid)\"|\1kill -HUP \"\$(cat $work/pid)\"|" \
    contrib/logrotate.conf > "$work/pidfile.conf"
grep -q "kill -HUP \"\$(cat $work/pid)\"" "$work/pidfile.conf" || { echo "contrib.sh: the pid-file variant is not in logrotate.conf" >&2; exit 1; }
"$binary" --daemon --port 0 --pid-file "$work/pid" --log-file "$work/log/server.log" >/dev/null
pid=$(cat "$work/pid")
logrotate --state "$work/state" --force "$work/pidfile.conf"
for _ in $(seq 100); do grep -q "SIGHUP: log files reopened" "$work/log/server.log" 2>/dev/null && break; sleep 0.05; done
grep -q "SIGHUP: log files reopened" "$work/log/server.log" || { echo "logrotate did not make the server reopen its log" >&2; exit 1; }
[ -e "$work/log/server.log.1" ] || { echo "logrotate did not rotate server.log" >&2; exit 1; }
echo "logrotate: rotated, and the running server reopened its log"
kill "$pid"
for _ in $(seq 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.05; done
pid=""
echo "after the stop" >> "$work/log/server.log"
rm -f "$work/state"
if logrotate --state "$work/state" --force "$work/pidfile.conf" 2>/dev/null; then
    echo "logrotate hid a failed reload (the server is not running)" >&2; exit 1
fi
echo "logrotate: a reload of a stopped server is reported (exit non-zero)"
sed -e "s|/var/log/hello-server/|$work/log/|" contrib/logrotate.conf > "$work/systemd.conf"
echo "again" >> "$work/log/server.log"
rm -f "$work/state"
if command -v systemctl >/dev/null && ! systemctl is-active --quiet hello-server.service 2>/dev/null; then
    if logrotate --state "$work/state" --force "$work/systemd.conf" 2>/dev/null; then
        echo "logrotate hid a failed systemctl reload" >&2; exit 1
    fi
    echo "logrotate: a failed systemctl reload is reported (exit non-zero)"
fi
