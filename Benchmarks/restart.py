#!/usr/bin/env python3
"""Restarts under load: how many requests fail while hello-server is replaced, N times, under a
steady wrk load of new connections (`Connection: close`, so every request is a connection attempt).

    Benchmarks/restart.py BINARY [--recipe socket|reuseport] [--mode epoll|pool] [--restarts 10]
                                 [--keep-alive]

Recipes (README, Scaling out):
  socket     this script holds the listener as systemd's .socket unit does and passes it down
             (LISTEN_FDS); each restart stops the old process, then starts the new one.
  reuseport  each restart starts a new --reuse-port process beside the old one, then SIGTERMs
             the old one.
Prints one line: recipe, mode, net.ipv4.tcp_migrate_req, restarts, requests, failures by kind.
"""
import argparse, os, re, signal, socket, subprocess, sys, time

def start(binary, arguments, listener=None):
    """Starts the server; returns (process, port) once it printed its listening line."""
    if listener is None:
        command = [binary, *arguments]
        fds = ()
    else:
        # The shell keeps its pid through exec, so LISTEN_PID=$$ names the server.
        fd = listener.fileno()
        moved = "" if fd == 3 else f" 3<&{fd} {fd}<&-"
        command = ["/bin/sh", "-c", f'export LISTEN_PID=$$ LISTEN_FDS=1; exec "$0" "$@"{moved}', binary, *arguments]
        fds = (fd,)
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, pass_fds=fds, text=True)
    line = process.stdout.readline()  # bounded: the server prints it at once or exits
    match = re.search(r"listening on http://[^ ]*:(\d+) ", line)
    if not match:
        process.kill()
        sys.exit(f"restart.py: no listening line from {command}: {line!r}")
    return process, int(match.group(1))

def stop(process):
    process.send_signal(signal.SIGTERM)
    try:
        return process.wait(timeout=15)
    except subprocess.TimeoutExpired:
        process.kill()
        sys.exit("restart.py: the old process did not exit within 15 s")

def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("binary")
    parser.add_argument("--recipe", choices=["socket", "reuseport"], default="socket")
    parser.add_argument("--mode", default="epoll")
    parser.add_argument("--restarts", type=int, default=10)
    parser.add_argument("--interval", type=float, default=0.5, help="seconds between restarts")
    parser.add_argument("--keep-alive", action="store_true", help="wrk's keep-alive connections instead of one per request")
    options = parser.parse_args()
    migrate = open("/proc/sys/net/ipv4/tcp_migrate_req").read().strip()
    base = ["--mode", options.mode]
    listener = None
    if options.recipe == "socket":
        listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind(("127.0.0.1", 0))
        listener.listen(4096)
        listener.set_inheritable(True)
        current, port = start(options.binary, base, listener)
    else:
        current, port = start(options.binary, base + ["--reuse-port", "--port", "0"])
    duration = int(options.restarts * options.interval + 3)
    wrk = ["wrk", "-t2", "-c8", f"-d{duration}s", "--timeout", "5s"]
    if not options.keep_alive:
        wrk += ["-H", "Connection: close"]
    load = subprocess.Popen(wrk + [f"http://127.0.0.1:{port}/"], stdout=subprocess.PIPE, text=True)
    time.sleep(1)
    exits = []
    try:
        for _ in range(options.restarts):
            if options.recipe == "socket":
                exits.append(stop(current))
                current, _ = start(options.binary, base, listener)
            else:
                new, _ = start(options.binary, base + ["--reuse-port", "--port", str(port)])
                exits.append(stop(current))
                current = new
            time.sleep(options.interval)
        output, _ = load.communicate(timeout=duration + 30)
    finally:
        load.kill()
        stop(current)
    requests = re.search(r"(\d+) requests in", output)
    errors = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", output)
    non2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", output)
    kinds = dict(zip(["connect", "read", "write", "timeout"], map(int, errors.groups()))) if errors else {}
    kinds["non2xx"] = int(non2xx.group(1)) if non2xx else 0
    failed = sum(kinds.values())
    print(f"recipe={options.recipe} mode={options.mode} keepalive={int(options.keep_alive)} tcp_migrate_req={migrate} "
          f"restarts={options.restarts} requests={requests.group(1) if requests else '?'} failed={failed} "
          + " ".join(f"{k}={v}" for k, v in kinds.items()) + f" old-exit-codes={sorted(set(exits))}")
    return 0 if failed == 0 else 1

if __name__ == "__main__":
    sys.exit(main())
