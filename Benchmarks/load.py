#!/usr/bin/env python3
"""The load comparison behind Benchmarks/load.sh (run that; it installs the tools and builds).

hello-server in its three modes, nginx (worker_processes 1 and auto) and a SwiftNIO peer
(Benchmarks/NIOPeer on 1 and 2 event loops, when $NIO_PEER_BIN names it), interleaved round by
round, under wrk and ab; the book's /sleep scenario (hello-server only); slowloris; idle scale
(the servers that keep connections alive); and counting work (hello-server and nginx:
instructions per request under callgrind, syscalls per request with perf's tracepoints).
Writes results/latest.json, results/latest.md and results/latest.png.

Every process this starts is recorded in $LOAD_PIDFILE (load.sh kills what is left by pid) and
stopped here in a finally block. Every loop is bounded in count and in time.
"""

import json
import os
import platform
import re
import resource
import selectors
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
QUICK = os.environ.get("QUICK") == "1"
ROUNDS = int(os.environ.get("ROUNDS", "1" if QUICK else "3"))
DURATION = int(os.environ.get("DURATION", "1" if QUICK else "3"))  # seconds per wrk run
SLEEP_MS = int(os.environ.get("SLEEP_MS", "500" if QUICK else "2000"))
AB_KEEPALIVE_N = 20_000 if QUICK else 100_000
AB_CLOSE_N = 5_000 if QUICK else 20_000
IDLE_CONNECTIONS = int(os.environ.get("IDLE_CONNECTIONS", "10000"))
SLOWLORIS_CONNECTIONS = 1000
SLOWLORIS_SECONDS = 2 if QUICK else 6
COUNT_REQUESTS = 5_000 if QUICK else 20_000  # keep-alive requests under callgrind
BINARY = os.environ["HELLO_SERVER_BIN"]
NIO_BINARY = os.environ.get("NIO_PEER_BIN") or None  # Benchmarks/NIOPeer's nio-hello; unset: no NIO peer
# An earlier hello-server (load.sh's BASELINE_DIR), measured in the same rounds: before and after.
BASELINE_BINARY = os.environ.get("BASELINE_BIN") or None
BASELINE_NAME = f"epoll {os.environ.get('BASELINE_REVISION', 'baseline')}"
NIO_LOOPS = [1, 2]  # event loops of the NIO peers ("NIO 1", "NIO 2")
WORK = os.environ["LOAD_TMP"]  # a private temporary directory, removed by load.sh
PIDFILE = os.environ.get("LOAD_PIDFILE", os.path.join(WORK, "pids"))
OUT = os.environ.get("RESULTS_DIR", os.path.join(HERE, "results"))
HOST = "127.0.0.1"
BASE_PORT = int(os.environ.get("BASE_PORT", "18081"))

KEEPALIVE_CONNECTIONS = [1, 16, 128, 1024]
CLOSE_CONNECTIONS = [16, 128]
REFERENCE = "nginx w1"


def log(message):
    print(f"[{time.strftime('%H:%M:%S')}] {message}", flush=True)


# ---------------------------------------------------------------- processes

started = []  # every Popen this script made, stopped in cleanup()


def spawn(args, **kwargs):
    process = subprocess.Popen(args, **kwargs)
    started.append(process)
    with open(PIDFILE, "a") as file:
        file.write(f"{process.pid}\n")
    return process


def stop(process, timeout=10):
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(5)


def cleanup():
    for process in reversed(started):
        try:
            stop(process, timeout=5)
        except Exception:  # noqa: BLE001 - best effort on the way out
            pass


def run(args, timeout, **kwargs):
    """Runs a load tool to completion; returns (stdout, CPU seconds it used)."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    result = subprocess.run(args, capture_output=True, text=True, timeout=timeout, **kwargs)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return result.stdout + result.stderr, cpu


def wait_until_serving(port, seconds=15):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            if http_get(port, "/", timeout=1)[0] == 200:
                return
        except OSError:
            pass
        time.sleep(0.05)
    raise RuntimeError(f"nothing serves on port {port}")


# ---------------------------------------------------------------- servers

CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


class Server:
    """One server under test. Its kind follows from the setting given: "hello" (hello-server
    --mode `mode`), "nginx" (`nginx_workers` worker processes) or "nio" (Benchmarks/NIOPeer's
    nio-hello on `nio_loops` event loops)."""

    def __init__(self, name, port, mode=None, nginx_workers=None, nio_loops=None, binary=None):
        self.name, self.port, self.mode, self.binary = name, port, mode, binary or BINARY
        self.nginx_workers, self.nio_loops = nginx_workers, nio_loops
        self.kind = "nginx" if nginx_workers is not None else "nio" if nio_loops is not None else "hello"
        self.process = None

    @property
    def is_nginx(self):
        return self.kind == "nginx"

    @property
    def keeps_alive(self):
        """False for the book's modes, which close after every response."""
        return self.kind != "hello" or self.mode == "epoll"

    def command(self):
        if self.kind == "nginx":
            conf = write_nginx_conf(self.name, self.port, self.nginx_workers, master=True)
            return ["nginx", "-p", os.path.dirname(conf), "-c", conf]
        if self.kind == "nio":
            return nio_args(self.nio_loops, self.port)
        return hello_args(self.mode, self.port, self.binary)

    def start(self):
        self.process = spawn(self.command(), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        wait_until_serving(self.port)

    def stop(self):
        if self.process:
            stop(self.process)
            self.process = None

    def pids(self):
        """The server's processes: hello-server's or nio-hello's one, or nginx's master and workers."""
        pids = [self.process.pid]
        try:
            with open(f"/proc/{self.process.pid}/task/{self.process.pid}/children") as file:
                pids += [int(pid) for pid in file.read().split()]
        except OSError:
            pass
        return pids

    def cpu_seconds(self):
        total = 0
        for pid in self.pids():
            try:
                with open(f"/proc/{pid}/stat") as file:
                    fields = file.read().rsplit(")", 1)[1].split()
                total += int(fields[11]) + int(fields[12])  # utime, stime
            except OSError:
                pass
        return total / CLOCK_TICKS

    def rss_kib(self):
        total = 0
        for pid in self.pids():
            try:
                with open(f"/proc/{pid}/status") as file:
                    for line in file:
                        if line.startswith("VmRSS:"):
                            total += int(line.split()[1])
            except OSError:
                pass
        return total


def hello_args(mode, port, binary=None):
    return [binary or BINARY, "--mode", mode, "--port", str(port), "--sleep-ms", str(SLEEP_MS),
            "--keep-alive-timeout", "60", "--max-connections", "15000", "--log-level", "warning"]


def nio_args(loops, port):
    """nio-hello serves the pages prepare_pages() wrote (no idle timeout, no connection limit)."""
    return [NIO_BINARY, "--loops", str(loops), "--port", str(port), "--www", os.path.join(WORK, "www")]


def nio_version():
    """The swift-nio version the NIO peer was built with, from its Package.resolved."""
    try:
        with open(os.path.join(HERE, "NIOPeer", "Package.resolved")) as file:
            pins = json.load(file)["pins"]
        return next(pin["state"]["version"] for pin in pins if pin["identity"] == "swift-nio")
    except (OSError, ValueError, KeyError, StopIteration):
        return "unknown"


def write_nginx_conf(name, port, workers, master):
    prefix = os.path.join(WORK, "nginx-" + re.sub(r"\W", "", name))
    os.makedirs(prefix, exist_ok=True)
    os.chmod(prefix, 0o755)
    www = os.path.join(prefix, "www")
    if not os.path.exists(www):
        shutil.copytree(os.path.join(WORK, "www"), www)
    with open(os.path.join(HERE, "nginx.conf.template")) as file:
        text = file.read()
    text = (text.replace("@PREFIX@", prefix).replace("@PORT@", str(port))
            .replace("@WORKERS@", str(workers)).replace("@MASTER@", "on" if master else "off"))
    conf = os.path.join(prefix, "nginx.conf")
    with open(conf, "w") as file:
        file.write(text)
    return conf


def prepare_pages():
    """Fetches hello-server's two pages, so nginx serves the very same bytes."""
    www = os.path.join(WORK, "www")
    os.makedirs(www, exist_ok=True)
    os.chmod(WORK, 0o755)
    os.chmod(www, 0o755)
    port = BASE_PORT + 20
    process = spawn(hello_args("epoll", port), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        wait_until_serving(port)
        for path, name in [("/", "hello.html"), ("/no-such-page", "404.html")]:
            _, body = http_get(port, path, timeout=5)
            with open(os.path.join(www, name), "wb") as file:
                file.write(body)
            os.chmod(os.path.join(www, name), 0o644)
    finally:
        stop(process)


# ---------------------------------------------------------------- a tiny HTTP client

def read_response(sock, deadline):
    """Reads one response (Content-Length framed); returns (status, body)."""
    data = b""
    while b"\r\n\r\n" not in data:
        sock.settimeout(max(0.001, deadline - time.monotonic()))
        chunk = sock.recv(65536)
        if not chunk:
            raise ConnectionError("closed before the head")
        data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    match = re.search(rb"(?i)content-length:\s*(\d+)", head)
    length = int(match.group(1)) if match else 0
    while len(body) < length:
        sock.settimeout(max(0.001, deadline - time.monotonic()))
        chunk = sock.recv(65536)
        if not chunk:
            raise ConnectionError("closed in the body")
        body += chunk
    return int(head.split(b" ", 2)[1]), body[:length]


def http_get(port, path, timeout):
    """GET on a new connection with Connection: close; returns (status, body)."""
    deadline = time.monotonic() + timeout
    with socket.create_connection((HOST, port), timeout=timeout) as sock:
        sock.sendall(f"GET {path} HTTP/1.1\r\nHost: {HOST}\r\nConnection: close\r\n\r\n".encode())
        return read_response(sock, deadline)


def timed_get(port, timeout):
    """Latency of GET / on a new connection in milliseconds, or None on timeout or error."""
    start = time.monotonic()
    try:
        status, _ = http_get(port, "/", timeout)
        return (time.monotonic() - start) * 1000 if status == 200 else None
    except OSError:
        return None


# ---------------------------------------------------------------- wrk and ab

PIPELINE_LUA = """
-- 16 GET / requests in one write (wrk's pipeline example)
init = function(args)
  local r = {}
  for i = 1, 16 do r[i] = wrk.format(nil, "/") end
  req = table.concat(r)
end
request = function() return req end
"""


def milliseconds(text):
    value, unit = re.fullmatch(r"([\d.]+)(us|ms|s|m)", text).groups()
    return float(value) * {"us": 0.001, "ms": 1, "s": 1000, "m": 60000}[unit]


def parse_wrk(output):
    result = {"rps": 0.0, "p50": None, "p99": None, "errors": 0, "requests": 0}
    if match := re.search(r"Requests/sec:\s+([\d.]+)", output):
        result["rps"] = float(match.group(1))
    if match := re.search(r"(\d+) requests in", output):
        result["requests"] = int(match.group(1))
    for key, label in [("p50", "50%"), ("p99", "99%")]:
        if match := re.search(rf"^\s+{label}\s+([\d.]+\w+)", output, re.M):
            result[key] = milliseconds(match.group(1))
    if match := re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", output):
        result["errors"] += sum(int(group) for group in match.groups())
    if match := re.search(r"Non-2xx or 3xx responses: (\d+)", output):
        result["errors"] += int(match.group(1))
    return result


def parse_ab(output):
    result = {"rps": 0.0, "p50": None, "p99": None, "errors": 0, "requests": 0}
    if match := re.search(r"Requests per second:\s+([\d.]+)", output):
        result["rps"] = float(match.group(1))
    if match := re.search(r"Complete requests:\s+(\d+)", output):
        result["requests"] = int(match.group(1))
    for key, label in [("p50", "50%"), ("p99", "99%")]:
        if match := re.search(rf"^\s+{label}\s+(\d+)", output, re.M):
            result[key] = float(match.group(1))
    for pattern in [r"Failed requests:\s+(\d+)", r"Non-2xx responses:\s+(\d+)"]:
        if match := re.search(pattern, output):
            result["errors"] += int(match.group(1))
    if "apr_" in output and result["requests"] == 0:
        result["errors"] += 1  # ab gave up (e.g. apr_socket_recv: Connection reset by peer)
    return result


def load_tests():
    """(name, label, command builder, parser, timeout) for every load cell."""
    tests = []
    wrk = ["wrk", "-t1", f"-d{DURATION}s", "--latency", "--timeout", "5s"]
    for connections in KEEPALIVE_CONNECTIONS:
        tests.append((f"keep-alive c{connections}", f"wrk keep-alive, {connections} conn.",
                      lambda url, c=connections: wrk + [f"-c{c}", url], parse_wrk, DURATION + 30))
    for connections in CLOSE_CONNECTIONS:
        tests.append((f"close c{connections}", f"wrk Connection: close, {connections} conn.",
                      lambda url, c=connections: wrk + [f"-c{c}", "-H", "Connection: close", url],
                      parse_wrk, DURATION + 30))
    tests.append(("ab -k", f"ab -k -n {AB_KEEPALIVE_N} -c 50",
                  lambda url: ["ab", "-q", "-k", "-s", "10", "-n", str(AB_KEEPALIVE_N), "-c", "50", url],
                  parse_ab, 120))
    tests.append(("ab", f"ab -n {AB_CLOSE_N} -c 50",
                  lambda url: ["ab", "-q", "-s", "10", "-n", str(AB_CLOSE_N), "-c", "50", url], parse_ab, 120))
    script = os.path.join(WORK, "pipeline.lua")
    tests.append(("pipelined 16", "wrk pipelined, 16 per write, 16 conn.",
                  lambda url: wrk + ["-c16", "-s", script, url], parse_wrk, DURATION + 30))
    return tests


def measure(server, test):
    name, _, command, parser, timeout = test
    url = f"http://{HOST}:{server.port}/"
    cpu_before, wall_before = server.cpu_seconds(), time.monotonic()
    try:
        output, tool_cpu = run(command(url), timeout=timeout)
        result = parser(output)
    except subprocess.TimeoutExpired:
        result, tool_cpu = {"rps": 0.0, "p50": None, "p99": None, "errors": 1, "requests": 0}, 0.0
    wall = time.monotonic() - wall_before
    result["server_cpu"] = (server.cpu_seconds() - cpu_before) / wall  # cores busy
    result["tool_cpu"] = tool_cpu / wall
    result["rss_mib"] = server.rss_kib() / 1024
    return result


# ---------------------------------------------------------------- scenarios

def sleep_scenario(server, sleepers):
    """Latency of GET / (new connection) while `sleepers` GET /sleep requests are in progress."""
    bound = SLEEP_MS / 1000 * (sleepers + 1) + 5
    threads = [threading.Thread(target=lambda: timed_get_path(server.port, "/sleep", bound)) for _ in range(sleepers)]
    for thread in threads:
        thread.start()
    time.sleep(min(0.2, SLEEP_MS / 5000))
    latency = timed_get(server.port, bound)
    for thread in threads:
        thread.join(bound + 1)
    return latency


def timed_get_path(port, path, timeout):
    try:
        http_get(port, path, timeout)
    except OSError:
        pass


def slowloris(server):
    """GET / latency (new connection each, 2 s timeout) while 1,000 connections drip a head."""
    drippers = []
    try:
        for _ in range(SLOWLORIS_CONNECTIONS):
            sock = socket.socket()
            sock.setblocking(False)
            try:
                sock.connect((HOST, server.port))
            except BlockingIOError:
                pass
            drippers.append(sock)
        time.sleep(0.2)
        stop_dripping = threading.Event()

        def drip():
            head = b"GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: " + b"a" * 4000
            position = 0
            while not stop_dripping.is_set() and position < len(head):
                for sock in drippers:
                    try:
                        sock.send(head[position:position + 1])
                    except OSError:
                        pass
                position += 1
                stop_dripping.wait(0.5)

        dripper = threading.Thread(target=drip)
        dripper.start()
        latencies, timeouts = [], 0
        deadline = time.monotonic() + SLOWLORIS_SECONDS
        for _ in range(10_000):
            if time.monotonic() >= deadline:
                break
            latency = timed_get(server.port, 2.0)
            if latency is None:
                timeouts += 1
            else:
                latencies.append(latency)
            time.sleep(0.01)
        stop_dripping.set()
        dripper.join(5)
        return summarize_latencies(latencies, timeouts)
    finally:
        for sock in drippers:
            sock.close()
        recover(server)


def recover(server):
    """Waits (bounded) until the server answers again after a scenario."""
    try:
        wait_until_serving(server.port, seconds=30)
    except RuntimeError:
        log(f"{server.name} did not recover; restarting it")
        server.stop()
        server.start()


def summarize_latencies(latencies, timeouts):
    latencies.sort()
    pick = lambda q: latencies[min(len(latencies) - 1, int(q * len(latencies)))] if latencies else None
    return {"count": len(latencies), "timeouts": timeouts, "p50": pick(0.5), "p99": pick(0.99),
            "max": latencies[-1] if latencies else None}


def hold_idle(port, count, seconds=60):
    """Opens `count` connections, sends one GET / on each and reads the answer: idle keep-alive."""
    request = f"GET / HTTP/1.1\r\nHost: {HOST}\r\n\r\n".encode()
    deadline = time.monotonic() + seconds
    sockets, selector = [], selectors.EpollSelector()
    pending = {}
    try:
        for index in range(count):
            sock = socket.socket()
            sock.setblocking(False)
            try:
                sock.connect((HOST, port))
            except BlockingIOError:
                pass
            sockets.append(sock)
            selector.register(sock, selectors.EVENT_WRITE, index)
            pending[index] = b""
        state = {}  # index -> "sent"
        done = 0
        while done < count and time.monotonic() < deadline:
            for key, events in selector.select(timeout=1):
                sock, index = key.fileobj, key.data
                if state.get(index) is None:
                    try:
                        sock.send(request)
                    except OSError:
                        continue
                    state[index] = "sent"
                    selector.modify(sock, selectors.EVENT_READ, index)
                    continue
                try:
                    chunk = sock.recv(65536)
                except BlockingIOError:
                    continue
                except OSError:
                    chunk = b""
                pending[index] += chunk
                data = pending[index]
                complete = False
                if b"\r\n\r\n" in data:
                    head, _, body = data.partition(b"\r\n\r\n")
                    match = re.search(rb"(?i)content-length:\s*(\d+)", head)
                    complete = len(body) >= (int(match.group(1)) if match else 0)
                if complete or not chunk:
                    selector.unregister(sock)
                    done += 1
                    state[index] = "done" if complete else "failed"
        failed = sum(1 for value in state.values() if value != "done") + (count - len(state))
        return sockets, failed
    finally:
        selector.close()


def idle_scale(server):
    rss_before = server.rss_kib()
    sockets, failed = hold_idle(server.port, IDLE_CONNECTIONS)
    try:
        time.sleep(1)
        rss_after = server.rss_kib()
        latencies, timeouts = [], 0
        for _ in range(50):
            latency = timed_get(server.port, 2.0)
            if latency is None:
                timeouts += 1
            else:
                latencies.append(latency)
        result = summarize_latencies(latencies, timeouts)
        result.update({"connections": IDLE_CONNECTIONS - failed, "failed": failed,
                       "rss_before_kib": rss_before, "rss_after_kib": rss_after,
                       "kib_per_connection": (rss_after - rss_before) / max(1, IDLE_CONNECTIONS - failed)})
        return result
    finally:
        for sock in sockets:
            sock.close()
        recover(server)


# ---------------------------------------------------------------- counting work

SYSCALLS = ["read", "recvfrom", "readv", "write", "writev", "sendto", "sendmsg", "sendfile64",
            "epoll_wait", "epoll_pwait", "epoll_ctl", "futex", "accept4", "accept", "close",
            "shutdown", "poll", "ppoll", "setsockopt", "getsockopt", "fcntl", "ioctl", "openat",
            "newfstatat", "statx", "fstat", "sched_yield", "clock_nanosleep", "madvise", "mmap", "munmap"]


def count_syscalls(server, connections=128, close=False):
    """Syscalls per request under wrk -c128 (perf tracepoints, all server threads)."""
    events = ["raw_syscalls:sys_enter", "context-switches"] + [f"syscalls:sys_enter_{name}" for name in SYSCALLS]
    available = set(subprocess.run(["perf", "list", "tracepoint"], capture_output=True, text=True).stdout.split())
    events = [event for event in events if event == "context-switches" or event in available]
    output_file = os.path.join(WORK, f"perf-{server.port}-{'close' if close else 'keep-alive'}.txt")
    perf = spawn(["perf", "stat", "-x", ",", "-o", output_file, "-e", ",".join(events),
                  "-p", ",".join(str(pid) for pid in server.pids())],
                 stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    time.sleep(0.5)
    header = ["-H", "Connection: close"] if close else []
    output, _ = run(["wrk", "-t1", f"-c{connections}", f"-d{max(2, DURATION)}s"] + header + [f"http://{HOST}:{server.port}/"],
                    timeout=60)
    perf.send_signal(signal.SIGINT)
    perf.wait(10)
    requests = parse_wrk(output)["requests"]
    counts = {}
    with open(output_file) as file:
        for line in file:
            fields = line.strip().split(",")
            if len(fields) > 2 and fields[0].replace(".", "").isdigit():
                counts[fields[2]] = float(fields[0])
    per_request = {key.replace("syscalls:sys_enter_", ""): value / max(1, requests)
                   for key, value in counts.items() if value > 0}
    return {"requests": requests, "per_request": per_request,
            "total": per_request.get("raw_syscalls:sys_enter")}


def callgrind_total(pid, output_prefix):
    """Dumps callgrind's counters now; returns the instructions since the last zeroing."""
    before = set(os.listdir(WORK))
    subprocess.run(["callgrind_control", "-d", str(pid)], capture_output=True, timeout=60)
    for _ in range(100):
        new = [name for name in os.listdir(WORK) if name.startswith(output_prefix) and name not in before]
        if new:
            time.sleep(0.2)
            with open(os.path.join(WORK, new[0])) as file:
                for line in file:
                    if line.startswith("summary:") or line.startswith("totals:"):
                        return int(line.split()[1])
        time.sleep(0.1)
    raise RuntimeError("callgrind dump not found")


def count_instructions(name, command, port):
    """User-space instructions per request under callgrind: N requests minus an idle baseline."""
    prefix = f"callgrind-{port}"
    process = spawn(["valgrind", "--tool=callgrind", f"--callgrind-out-file={WORK}/{prefix}.%p"] + command,
                    stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, cwd=WORK)
    try:
        wait_until_serving(port, seconds=60)
        results = {}
        for label, args, requests in [
            ("keep-alive", ["-k", "-c", "16", "-n", str(COUNT_REQUESTS)], COUNT_REQUESTS),
            ("keep-alive, 1 connection", ["-k", "-c", "1", "-n", str(COUNT_REQUESTS // 4)], COUNT_REQUESTS // 4),
            ("new connection", ["-c", "16", "-n", str(COUNT_REQUESTS // 4)], COUNT_REQUESTS // 4),
        ]:
            subprocess.run(["callgrind_control", "-z", str(process.pid)], capture_output=True, timeout=60)
            start = time.monotonic()
            output, _ = run(["ab", "-q", "-s", "30"] + args + [f"http://{HOST}:{port}/"], timeout=600)
            busy_seconds = time.monotonic() - start
            loaded = callgrind_total(process.pid, prefix)
            subprocess.run(["callgrind_control", "-z", str(process.pid)], capture_output=True, timeout=60)
            idle_seconds = min(busy_seconds, 1 if QUICK else 3)
            time.sleep(idle_seconds)
            idle = callgrind_total(process.pid, prefix) * busy_seconds / idle_seconds
            answered = parse_ab(output)["requests"]
            results[label] = {"requests": answered, "instructions_per_request": (loaded - idle) / max(1, answered),
                              "idle_instructions_per_second": idle / busy_seconds}
        log(f"instructions {name}: " + ", ".join(f"{k} {v['instructions_per_request']:.0f}" for k, v in results.items()))
        return results
    finally:
        stop(process, timeout=30)


def stripped_binary(binary):
    """valgrind 3.19 cannot read the DWARF 5 Swift emits: give it a copy without debug info."""
    copy = os.path.join(WORK, "hello-server-stripped-" + str(abs(hash(binary))))
    shutil.copy(binary, copy)
    subprocess.run(["strip", "--strip-debug", copy], check=True)
    return copy


def counting_work(servers):
    result = {"syscalls": {}, "syscalls_close": {}, "instructions": {}}
    for server in servers:
        server.start()
        try:
            result["syscalls"][server.name] = count_syscalls(server)
            result["syscalls_close"][server.name] = count_syscalls(server, close=True)
            log(f"syscalls {server.name}: {result['syscalls'][server.name]['total']:.2f} per keep-alive request, "
                f"{result['syscalls_close'][server.name]['total']:.2f} per request with Connection: close")
        finally:
            server.stop()
    port = BASE_PORT + 30
    for server in [server for server in servers if server.kind == "hello" and server.mode == "epoll"]:
        command = hello_args("epoll", port, stripped_binary(server.binary))
        result["instructions"][server.name] = count_instructions(server.name, command, port)
    conf = write_nginx_conf("nginx callgrind", port + 1, 1, master=False)
    result["instructions"]["nginx w1"] = count_instructions(
        "nginx w1", ["nginx", "-p", os.path.dirname(conf), "-c", conf], port + 1)
    return result


# ---------------------------------------------------------------- the session

def machine():
    def version(args):
        try:
            out = subprocess.run(args, capture_output=True, text=True, timeout=10)
            return (out.stdout + out.stderr).strip().splitlines()[0]
        except (OSError, IndexError, subprocess.TimeoutExpired):
            return "not found"
    cpu = "unknown"
    with open("/proc/cpuinfo") as file:
        for line in file:
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    return {
        "date": time.strftime("%Y-%m-%d %H:%M %Z"), "cores": os.cpu_count(), "cpu": cpu,
        "kernel": f"Linux {platform.release()} {platform.machine()}",
        "memory_gib": round(os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30),
        "wrk": version(["wrk", "-v"]), "ab": version(["ab", "-V"]), "nginx": version(["nginx", "-v"]),
        "swift": version(["swift", "--version"]), "valgrind": version(["valgrind", "--version"]),
        "perf": version(["perf", "--version"]), "hello_server": os.environ.get("HELLO_SERVER_REVISION", "unknown"),
        "baseline": BASELINE_NAME if BASELINE_BINARY else None,
        "swift_nio": nio_version() if NIO_BINARY else None, "nio_loops": NIO_LOOPS if NIO_BINARY else [],
        "quick": QUICK, "rounds": ROUNDS, "duration_s": DURATION, "sleep_ms": SLEEP_MS,
    }


def count_only():
    """COUNT_ONLY=1 (Benchmarks/instructions.sh): only the counting work, for epoll mode and
    nginx w1, printed as a table."""
    prepare_pages()
    servers = [Server("epoll", BASE_PORT, mode="epoll")]
    if BASELINE_BINARY:
        servers.append(Server(BASELINE_NAME, BASE_PORT + 7, mode="epoll", binary=BASELINE_BINARY))
    servers.append(Server("nginx w1", BASE_PORT + 3, nginx_workers=1))
    counting = counting_work(servers)
    names = [server.name for server in servers]
    print("\n| per request | " + " | ".join(names) + " | epoll ÷ nginx w1 |\n|---|" + "---|" * (len(names) + 1))
    for label in counting["instructions"]["epoll"]:
        values = [counting["instructions"][name][label]["instructions_per_request"] for name in names]
        print(f"| user-space instructions, {label} (callgrind, ab) | " + " | ".join(f"{v:,.0f}" for v in values)
              + f" | {values[0] / values[-1]:.2f} |")
    for key, label in [("syscalls", "keep-alive"), ("syscalls_close", "Connection: close")]:
        for event, name in [("raw_syscalls:sys_enter", "syscalls"), ("futex", "futex calls"),
                            ("context-switches", "context switches")]:
            values = [counting[key][server]["per_request"].get(event, 0) for server in names]
            print(f"| {name}, {label}, wrk -c128 (perf) | " + " | ".join(f"{v:.2f}" for v in values) + " | – |")


def main():
    if os.environ.get("COUNT_ONLY") == "1":
        count_only()
        return
    with open(os.path.join(WORK, "pipeline.lua"), "w") as file:
        file.write(PIPELINE_LUA)
    prepare_pages()
    servers = [
        Server("epoll", BASE_PORT, mode="epoll"),
        Server("pool", BASE_PORT + 1, mode="pool"),
        Server("blocking", BASE_PORT + 2, mode="blocking"),
        Server("nginx w1", BASE_PORT + 3, nginx_workers=1),
        Server("nginx auto", BASE_PORT + 4, nginx_workers="auto"),
    ]
    if BASELINE_BINARY:
        servers.insert(1, Server(BASELINE_NAME, BASE_PORT + 7, mode="epoll", binary=BASELINE_BINARY))
    if NIO_BINARY:
        servers += [Server(f"NIO {loops}", BASE_PORT + 5 + index, nio_loops=loops)
                    for index, loops in enumerate(NIO_LOOPS)]
    hello = [server for server in servers if server.kind == "hello"]  # only they have /sleep
    keeps_alive = [server for server in servers if server.keeps_alive]
    tests = load_tests()
    data = {"machine": machine(), "tests": [[name, label] for name, label, *_ in tests],
            "servers": [server.name for server in servers], "load": {}, "sleep": {}, "slowloris": {}, "idle": {}}
    for round_index in range(ROUNDS):
        log(f"round {round_index + 1} of {ROUNDS}")
        for server in servers:
            server.start()
        try:
            # Rotate the order each round so that no server always goes first.
            order = servers[round_index % len(servers):] + servers[:round_index % len(servers)]
            for test in tests:
                for server in order:
                    result = measure(server, test)
                    data["load"].setdefault(server.name, {}).setdefault(test[0], []).append(result)
                    log(f"  {test[0]:<14} {server.name:<10} {result['rps']:>9.0f} req/s  p99 {result['p99']} ms  errors {result['errors']}")
                    time.sleep(0.3)
            for server in hello:
                for sleepers in (1, 4, 8):
                    latency = sleep_scenario(server, sleepers)
                    data["sleep"].setdefault(server.name, {}).setdefault(str(sleepers), []).append(latency)
                    log(f"  /sleep x{sleepers}     {server.name:<10} GET / took {latency} ms")
                recover(server)
            for server in order:
                result = slowloris(server)
                data["slowloris"].setdefault(server.name, []).append(result)
                log(f"  slowloris      {server.name:<10} p50 {result['p50']} ms, {result['timeouts']} timeouts")
            for server in [s for s in order if s in keeps_alive]:
                # A fresh process, so memory freed by earlier tests does not hide the growth.
                server.stop()
                server.start()
                result = idle_scale(server)
                data["idle"].setdefault(server.name, []).append(result)
                log(f"  idle {IDLE_CONNECTIONS}     {server.name:<10} {result['kib_per_connection']:.2f} KiB/conn, "
                    f"new client p50 {result['p50']} ms")
        finally:
            for server in servers:
                server.stop()
    if os.environ.get("SKIP_COUNTING") != "1":
        log("counting work: syscalls (perf) and instructions (callgrind)")
        # Keep-alive servers first (epoll, a baseline, nginx), then the book's modes.
        order = sorted([server for server in servers if server.kind != "nio"], key=lambda server: not server.keeps_alive)
        data["counting"] = counting_work(order)
    os.makedirs(OUT, exist_ok=True)
    with open(os.path.join(OUT, "latest.json"), "w") as file:
        json.dump(data, file, indent=1)
    import report  # noqa: E402 - beside this file
    report.write(data, OUT)
    log(f"wrote {OUT}/latest.md, latest.png, latest.json")


if __name__ == "__main__":
    sys.path.insert(0, HERE)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    try:
        main()
    finally:
        cleanup()
