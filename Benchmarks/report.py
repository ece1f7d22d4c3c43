#!/usr/bin/env python3
"""Turns results/latest.json (from load.py) into results/latest.md and results/latest.png.

Run alone to redraw from an existing JSON: `python3 Benchmarks/report.py [results-dir]`.
"""

import json
import os
import statistics
import sys

REFERENCE = "nginx w1"


def median(values):
    values = [value for value in values if value is not None]
    return statistics.median(values) if values else None


def spread(values):
    values = [value for value in values if value is not None]
    return (min(values), max(values)) if values else (None, None)


def number(value, digits=0):
    if value is None:
        return "–"
    if abs(value) >= 10_000:
        return f"{value / 1000:,.1f}k"
    return f"{value:,.{digits}f}"


def with_range(values, digits=0):
    """`median (min–max)`, or the single value when there was one round."""
    low, high = spread(values)
    middle = median(values)
    if middle is None:
        return "–"
    if len([v for v in values if v is not None]) < 2:
        return number(middle, digits)
    return f"{number(middle, digits)} ({number(low, digits)}–{number(high, digits)})"


def ratio(value, reference):
    if value is None or not reference:
        return "–"
    return f"{value / reference:.2f}×"


def cell(data, server, test, key):
    return [run.get(key) for run in data["load"].get(server, {}).get(test, [])]


def write(data, out):
    os.makedirs(out, exist_ok=True)
    with open(os.path.join(out, "latest.md"), "w") as file:
        file.write(markdown(data))
    try:
        chart(data, os.path.join(out, "latest.png"))
    except ImportError:
        print("matplotlib is missing: no chart", file=sys.stderr)


def markdown(data):
    m = data["machine"]
    servers = data["servers"]
    lines = [
        "# hello-server load comparison",
        "",
        f"{m['date']}; {m['cores']} cores ({m['cpu']}), {m['memory_gib']} GiB, {m['kernel']}; "
        f"server and load tool share the cores. hello-server {m['hello_server']}, release build.",
        f"Tools: {m['wrk']}; {m['ab']}; {m['nginx']}; {m['swift']}; {m['valgrind']}; {m['perf']}.",
        f"{'QUICK run (QUICK=1): ' if m['quick'] else ''}{m['rounds']} round(s), servers interleaved "
        f"round by round (order rotated each round); wrk runs {m['duration_s']} s each; "
        "figures are medians with (min–max) over the rounds; × is the ratio to nginx "
        "`worker_processes 1` (for latency and CPU, lower is better).",
        "",
        "hello-server runs with `--keep-alive-timeout 60 --max-connections 15000` and its default "
        "4 workers; nginx serves the same two pages (`Benchmarks/nginx.conf.template`, access log "
        f"off, keep-alive 60 s){nio_peers(m)}. Latencies in ms; wrk's -t1; errors are socket errors "
        "plus non-2xx (wrk) or failed plus non-2xx (ab); CPU is cores busy during the run (1.00 = one core).",
        "",
        "## Requests per second",
        "",
        "| test | " + " | ".join(servers) + " |",
        "|---|" + "---|" * len(servers),
    ]
    for test, label in data["tests"]:
        reference = median(cell(data, REFERENCE, test, "rps"))
        row = []
        for server in servers:
            values = cell(data, server, test, "rps")
            text = with_range(values)
            if server != REFERENCE:
                text += f" **{ratio(median(values), reference)}**"
            row.append(text)
        lines.append(f"| {label} | " + " | ".join(row) + " |")
    lines += ["", "## Every figure, test by test", ""]
    for test, label in data["tests"]:
        lines += [f"### {label}", "",
                  "| server | req/s | × | p50 ms | × | p99 ms | × | errors | server CPU | × | tool CPU | server RSS after, MiB |",
                  "|---|---|---|---|---|---|---|---|---|---|---|---|"]
        refs = {key: median(cell(data, REFERENCE, test, key)) for key in ("rps", "p50", "p99", "server_cpu")}
        for server in servers:
            row = [server]
            for key, digits in (("rps", 0), ("p50", 2), ("p99", 2)):
                values = cell(data, server, test, key)
                row += [with_range(values, digits), ratio(median(values), refs[key])]
            row.append(with_range(cell(data, server, test, "errors")))
            values = cell(data, server, test, "server_cpu")
            row += [with_range(values, 2), ratio(median(values), refs["server_cpu"])]
            row.append(with_range(cell(data, server, test, "tool_cpu"), 2))
            row.append(with_range(cell(data, server, test, "rss_mib"), 1))
            lines.append("| " + " | ".join(row) + " |")
        lines.append("")
    lines += sleep_section(data) + slowloris_section(data) + idle_section(data) + counting_section(data)
    return "\n".join(lines) + "\n"


def nio_peers(machine):
    """The clause naming the SwiftNIO peers and their event loops, when the run had them."""
    loops = machine.get("nio_loops") or []
    if not loops:
        return ""
    return (f"; so does SwiftNIO {machine.get('swift_nio') or 'unknown'} (`Benchmarks/NIOPeer`: NIO's "
            "HTTP/1.1 server pipeline and one handler, the pages in ByteBuffers, no idle timeout) on "
            + " and ".join(map(str, loops)) + " event loops ("
            + ", ".join(f"NIO {n}" for n in loops) + ")")


def sleep_section(data):
    if not data.get("sleep"):
        return []
    lines = [f"## The book's scenario: GET / while /sleep requests run (`--sleep-ms {data['machine']['sleep_ms']}`)", "",
             "Latency of one `GET /` on a new connection, sent 0.1–0.2 s after N `GET /sleep`; ms.", "",
             "| mode | 1 /sleep | 4 /sleep | 8 /sleep |", "|---|---|---|---|"]
    for server, by_count in data["sleep"].items():
        lines.append(f"| {server} | " + " | ".join(with_range(by_count.get(n, []), 1) for n in ("1", "4", "8")) + " |")
    return lines + [""]


def slowloris_section(data):
    if not data.get("slowloris"):
        return []
    lines = ["## Slowloris: GET / while 1,000 connections drip a request head", "",
             "New connection per `GET /`, 2 s timeout, one after another for the scenario's length; "
             "the drippers send one header byte each every 0.5 s.", "",
             "| server | answered | timed out | p50 ms | × | p99 ms | × |", "|---|---|---|---|---|---|---|"]
    ref = data["slowloris"].get(REFERENCE, [])
    ref50, ref99 = median([r["p50"] for r in ref]), median([r["p99"] for r in ref])
    for server, runs in data["slowloris"].items():
        p50, p99 = [r["p50"] for r in runs], [r["p99"] for r in runs]
        lines.append(f"| {server} | {with_range([r['count'] for r in runs])} | "
                     f"{with_range([r['timeouts'] for r in runs])} | {with_range(p50, 2)} | "
                     f"{ratio(median(p50), ref50)} | {with_range(p99, 2)} | {ratio(median(p99), ref99)} |")
    return lines + [""]


def idle_section(data):
    if not data.get("idle"):
        return []
    lines = ["## Idle scale: idle keep-alive connections held open", "",
             "Each connection sent one `GET /` and read the answer, then stays idle. RSS of the server "
             "(all its processes) before and after, per connection; then 50 new clients one after "
             "another (`GET /`, 2 s timeout). The book's modes close after every response, so they "
             "have no idle keep-alive connections to hold.", "",
             "| server | connections | RSS before MiB | RSS after MiB | KiB per connection | × | new client p50 ms | p99 ms | timed out |",
             "|---|---|---|---|---|---|---|---|---|"]
    ref = median([r["kib_per_connection"] for r in data["idle"].get(REFERENCE, [])])
    for server, runs in data["idle"].items():
        per = [r["kib_per_connection"] for r in runs]
        lines.append(
            f"| {server} | {with_range([r['connections'] for r in runs])} | "
            f"{with_range([r['rss_before_kib'] / 1024 for r in runs], 1)} | "
            f"{with_range([r['rss_after_kib'] / 1024 for r in runs], 1)} | {with_range(per, 2)} | "
            f"{ratio(median(per), ref)} | {with_range([r['p50'] for r in runs], 2)} | "
            f"{with_range([r['p99'] for r in runs], 2)} | {with_range([r['timeouts'] for r in runs])} |")
    return lines + [""]


def counting_section(data):
    counting = data.get("counting")
    if not counting:
        return []
    lines = ["## Counting work", "",
             "Instructions: user space only, `valgrind --tool=callgrind` on the server process "
             "(perf's hardware counters are not available on this VM), counters zeroed, then "
             "`ab -k -c 16` (keep-alive), `ab -k -c 1` (keep-alive, one connection) or `ab -c 16` "
             "(new connection per request), dumped, minus "
             "an idle baseline of the same length. nginx runs as one process (`master_process off`, "
             "one worker). Under valgrind the threads of a process run one at a time, so batching "
             "differs from a real run.", ""]
    instructions = counting.get("instructions", {})
    ref = instructions.get(REFERENCE, {})
    labels = ["keep-alive", "keep-alive, 1 connection", "new connection"]
    lines += ["| server | " + " | ".join(f"{label}: instructions / request | ×" for label in labels) + " |",
              "|---|" + "---|---|" * len(labels)]
    for server, result in instructions.items():
        cells = []
        for label in labels:
            value = result.get(label, {}).get("instructions_per_request")
            cells += [number(value), ratio(value, ref.get(label, {}).get("instructions_per_request"))]
        lines.append(f"| {server} | " + " | ".join(cells) + " |")
    for key, title in [("syscalls", "Syscalls per keep-alive request under `wrk -t1 -c128`"),
                       ("syscalls_close", "Syscalls per request under `wrk -t1 -c128 -H 'Connection: close'`")]:
        lines += syscall_table(counting.get(key, {}), title)
    return lines + [""]


def syscall_table(syscalls, title):
    if not syscalls:
        return []
    lines = ["", f"{title} (perf stat on the `raw_syscalls:sys_enter` and `syscalls:sys_enter_*` "
             "tracepoints, every thread and process of the server; requests counted by wrk). The "
             "book's modes close after every response, so each of their requests is a new connection.", ""]
    names = sorted({name for result in syscalls.values() for name in result["per_request"]
                    if name not in ("raw_syscalls:sys_enter", "context-switches")},
                   key=lambda name: -max(r["per_request"].get(name, 0) for r in syscalls.values()))
    names = [name for name in names if max(r["per_request"].get(name, 0) for r in syscalls.values()) >= 0.01]
    lines += ["| server | requests | syscalls / request | × | context switches / request | " + " | ".join(names) + " |",
              "|---|---|---|---|---|" + "---|" * len(names)]
    ref_total = syscalls.get(REFERENCE, {}).get("total")
    for server, result in syscalls.items():
        per = result["per_request"]
        lines.append(f"| {server} | {result['requests']:,} | {number(result['total'], 2)} | "
                     f"{ratio(result['total'], ref_total)} | {number(per.get('context-switches'), 2)} | "
                     + " | ".join(number(per.get(name), 2) for name in names) + " |")
    return lines


def chart(data, path):
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    servers = data["servers"]
    figure, axes = plt.subplots(1, 3, figsize=(17, 5.2), gridspec_kw={"width_ratios": [1.3, 1, 1]})
    keep_alive = [(int(test.split("c")[-1]), test) for test, _ in data["tests"] if test.startswith("keep-alive")]
    for server in servers:
        xs, ys, lows, highs = [], [], [], []
        for connections, test in keep_alive:
            values = cell(data, server, test, "rps")
            if not values:
                continue
            xs.append(connections)
            ys.append(median(values))
            low, high = spread(values)
            lows.append(ys[-1] - low)
            highs.append(high - ys[-1])
        axes[0].errorbar(xs, ys, yerr=[lows, highs], marker="o", capsize=3, label=server)
    axes[0].set_xscale("log")
    axes[0].set_xticks([c for c, _ in keep_alive], [str(c) for c, _ in keep_alive])
    axes[0].set_xlabel("connections (wrk -t1, keep-alive)")
    axes[0].set_ylabel("requests per second (median, min–max)")
    axes[0].set_title("Keep-alive")
    axes[0].legend(fontsize=8)
    axes[0].grid(alpha=0.3)

    close_tests = [test for test, _ in data["tests"] if test.startswith("close") or test == "ab"]
    width = 0.8 / len(servers)
    for index, server in enumerate(servers):
        ys = [median(cell(data, server, test, "rps")) or 0 for test in close_tests]
        positions = [i + index * width for i in range(len(close_tests))]
        axes[1].bar(positions, ys, width, label=server)
    labels = {test: label for test, label in data["tests"]}
    axes[1].set_xticks([i + 0.4 - width / 2 for i in range(len(close_tests))],
                       [labels[t].replace("wrk Connection: close, ", "close, c=").replace(" conn.", "") for t in close_tests])
    axes[1].set_ylabel("requests per second (median)")
    axes[1].set_title("A new connection per request")
    axes[1].legend(fontsize=8)
    axes[1].grid(alpha=0.3, axis="y")

    sleep = data.get("sleep", {})
    modes = list(sleep)
    width = 0.8 / max(1, len(modes))
    for index, mode in enumerate(modes):
        ys = [(median(sleep[mode].get(n, [])) or 0) / 1000 for n in ("1", "4", "8")]
        axes[2].bar([i + index * width for i in range(3)], ys, width, label=mode)
    axes[2].set_xticks([i + 0.4 - width / 2 for i in range(3)], ["1 /sleep", "4 /sleep", "8 /sleep"])
    axes[2].set_ylabel("seconds until GET / is answered")
    axes[2].set_title(f"GET / behind /sleep ({data['machine']['sleep_ms']} ms each)")
    axes[2].legend()
    axes[2].grid(alpha=0.3, axis="y")

    m = data["machine"]
    peers = "nginx and SwiftNIO" if m.get("nio_loops") else "nginx"
    figure.suptitle(f"hello-server vs {peers} — {m['date']}, {m['cores']} cores, {m['kernel']}"
                    f"{' (QUICK run)' if m['quick'] else ''}", fontsize=11)
    figure.tight_layout()
    figure.savefig(path, dpi=90)
    plt.close(figure)


if __name__ == "__main__":
    directory = sys.argv[1] if len(sys.argv) > 1 else os.path.join(os.path.dirname(os.path.abspath(__file__)), "results")
    with open(os.path.join(directory, "latest.json")) as file:
        write(json.load(file), directory)
