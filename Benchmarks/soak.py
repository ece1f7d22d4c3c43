#!/usr/bin/env python3
"""Soak test: mixed load on hello-server (default mode) for SOAK_SECONDS (default 600),
sampling the server's RSS, open descriptors and threads every second.

Load, all at once, all on 127.0.0.1: wrk keep-alive (64 connections), wrk with
`Connection: close` (16), wrk pipelining 16 requests per write (8), a stream of malformed
requests (each must get 400), slow clients dripping headers (cut off by the 408 deadline), and
a checker that sends a good GET / every 100 ms (each must get 200). Writes
results/soak.md and results/soak.csv. Every loop is bounded by the deadline."""
import os, socket, statistics, subprocess, sys, threading, time

HERE = os.path.dirname(os.path.abspath(__file__))
BINARY = os.environ["HELLO_SERVER_BIN"]
SECONDS = int(os.environ.get("SOAK_SECONDS", "600"))
WARMUP = min(30, SECONDS // 5)
PORT = int(os.environ.get("SOAK_PORT", "18191"))
OUT = os.environ.get("RESULTS_DIR", os.path.join(HERE, "results"))
PIPELINE_LUA = os.path.join(HERE, "pipeline.lua")
stop = threading.Event()
counts = {"good": 0, "good_failed": 0, "bad": 0, "bad_wrong": 0, "slow": 0, "slow_wrong": 0}
lock = threading.Lock()


def bump(key, amount=1):
    with lock:
        counts[key] += amount


def exchange(request, timeout=5.0):
    with socket.create_connection(("127.0.0.1", PORT), timeout=timeout) as sock:
        sock.sendall(request)
        data = b""
        while True:
            chunk = sock.recv(65536)
            if not chunk:
                return data
            data += chunk


def checker():
    while not stop.wait(0.1):
        try:
            ok = exchange(b"GET / HTTP/1.1\r\nHost: soak\r\nConnection: close\r\n\r\n").startswith(b"HTTP/1.1 200 ")
        except OSError:
            ok = False
        bump("good" if ok else "good_failed")


def bad_requests():
    bad = [b"GARBAGE\r\n\r\n", b"GET / HTTP/1.1\r\n\r\n", b"GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n",
           b"GET / HTTP/1.1\r\nHost: h\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n"]
    index = 0
    while not stop.wait(0.05):
        try:
            ok = exchange(bad[index % len(bad)]).startswith(b"HTTP/1.1 400 ")
        except OSError:
            ok = False
        bump("bad" if ok else "bad_wrong")
        index += 1


def slow_client():
    while not stop.is_set():
        try:
            with socket.create_connection(("127.0.0.1", PORT), timeout=10) as sock:
                answer = b""
                for byte in b"GET / HTTP/1.1\r\nHost: slow\r\nUser-Agent: drip drip drip\r\n\r\n":
                    if stop.is_set():
                        return
                    try:
                        sock.sendall(bytes([byte]))
                    except OSError:
                        break
                    time.sleep(0.5)
                sock.settimeout(5)
                try:
                    while True:
                        chunk = sock.recv(4096)
                        if not chunk:
                            break
                        answer += chunk
                except OSError:
                    pass
                bump("slow" if answer.startswith(b"HTTP/1.1 408 ") else "slow_wrong")
        except OSError:
            bump("slow_wrong")


def sample(pid):
    def read(path):
        with open(path) as file:
            return file.read()
    rss = next(int(line.split()[1]) for line in read(f"/proc/{pid}/status").splitlines() if line.startswith("VmRSS:"))
    return rss, len(os.listdir(f"/proc/{pid}/fd")), len(os.listdir(f"/proc/{pid}/task"))


def wrk(arguments):
    return subprocess.Popen(["wrk", "-t1", f"-d{SECONDS}s", "--timeout", "5s"] + arguments + [f"http://127.0.0.1:{PORT}/"],
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)


def main():
    server = subprocess.Popen([BINARY, "--port", str(PORT), "--header-timeout", "3", "--log-level", "warning"],
                              stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    try:
        server.stdout.readline()
        loads = [wrk(["-c64"]), wrk(["-c16", "-H", "Connection: close"]), wrk(["-c8", "-s", PIPELINE_LUA])]
        threads = [threading.Thread(target=f, daemon=True) for f in [checker, bad_requests] + [slow_client] * 20]
        for thread in threads:
            thread.start()
        samples = []
        started = time.monotonic()
        while time.monotonic() - started < SECONDS:
            samples.append((round(time.monotonic() - started),) + sample(server.pid))
            time.sleep(1)
        stop.set()
        outputs = [load.communicate(timeout=60)[0] for load in loads]
        for thread in threads:
            thread.join(timeout=15)
        time.sleep(2)
        after = sample(server.pid)
        report(samples, after, outputs)
    finally:
        server.terminate()
        server.wait(timeout=30)


def report(samples, after, outputs):
    os.makedirs(OUT, exist_ok=True)
    with open(os.path.join(OUT, "soak.csv"), "w") as file:
        file.write("second,rss_kib,fds,threads\n")
        for row in samples:
            file.write(",".join(map(str, row)) + "\n")
    warm = [row for row in samples if row[0] >= WARMUP] or samples
    first, last = warm[0], warm[-1]
    def errors(text):
        lines = [line.strip() for line in text.splitlines() if "errors" in line or "Non-2xx" in line or "Requests/sec" in line]
        return "; ".join(lines)
    lines = [
        f"# Soak: {SECONDS} s of mixed load, {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}",
        "",
        f"Machine: {os.cpu_count()} cores, Linux {os.uname().release}. Server: `{os.path.relpath(BINARY)}` (epoll mode, --header-timeout 3).",
        "",
        "| | after warm-up ({} s) | end | max | after the load stopped |".format(WARMUP),
        "|---|---|---|---|---|",
        f"| RSS (KiB) | {first[1]} | {last[1]} | {max(row[1] for row in warm)} | {after[0]} |",
        f"| open descriptors | {first[2]} | {last[2]} | {max(row[2] for row in warm)} | {after[1]} |",
        f"| threads | {first[3]} | {last[3]} | {max(row[3] for row in warm)} | {after[2]} |",
        "",
        f"Good requests (GET / every 100 ms): {counts['good']} answered 200, {counts['good_failed']} failed.",
        f"Malformed requests: {counts['bad']} answered 400, {counts['bad_wrong']} otherwise.",
        f"Slow clients (20, one byte per 500 ms): {counts['slow']} cut off with 408, {counts['slow_wrong']} otherwise.",
        "",
        "wrk keep-alive -c64: " + errors(outputs[0]),
        "",
        "wrk Connection: close -c16: " + errors(outputs[1]),
        "",
        "wrk pipelined x16 -c8: " + errors(outputs[2]),
        "",
        "Samples every second: `soak.csv`.",
    ]
    with open(os.path.join(OUT, "soak.md"), "w") as file:
        file.write("\n".join(lines) + "\n")
    print("\n".join(lines))
    failed = counts["good_failed"] > 0 or any("Non-2xx" in output or "Socket errors" in output for output in outputs[:1])
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
