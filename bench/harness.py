#!/usr/bin/env python3
"""verge vs workerd benchmark harness (driven by bench/run.sh).

Measurement only: nothing here asserts on timings.

For each workload under bench/workloads/ it starts verge and the baseline
(bare workerd, or miniflare where bare workerd cannot provide the binding),
plus the hyper ceiling for `hello`, all pinned to the server CPU; runs wrk
pinned to the load CPU; interleaves the contenders run by run; takes medians;
and writes bench/results/<timestamp>.md.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
WORKLOADS = BENCH / "workloads"
RESULTS = BENCH / "results"
COMPAT_DATE = "2025-09-01"
WORKLOAD_ORDER = ["hello", "json", "router", "cpu", "kv", "kv-put", "d1", "d1-insert", "do", "cache"]

WORKERD_BIN = BENCH / "node_modules" / ".bin" / "workerd"
CEILING_BIN = BENCH / "ceiling" / "target" / "release" / "verge-bench-ceiling"
MINIFLARE_SERVE = BENCH / "miniflare" / "serve.mjs"


def log(msg: str) -> None:
    print(f"[bench {time.strftime('%H:%M:%S')}] {msg}", flush=True)


# ---------------------------------------------------------------- helpers


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def http_get(port: int, path: str, headers: dict[str, str] | None = None, timeout: float = 5.0):
    """One HTTP/1.1 GET on a fresh connection. Returns (status, body) or raises OSError."""
    lines = [f"GET {path} HTTP/1.1", f"Host: 127.0.0.1:{port}", "Connection: close"]
    for k, v in (headers or {}).items():
        lines.append(f"{k}: {v}")
    req = ("\r\n".join(lines) + "\r\n\r\n").encode()
    with socket.create_connection(("127.0.0.1", port), timeout=timeout) as s:
        s.sendall(req)
        chunks = []
        while True:
            b = s.recv(65536)
            if not b:
                break
            chunks.append(b)
            data = b"".join(chunks)
            head, sep, body = data.partition(b"\r\n\r\n")
            if sep:
                m = re.search(rb"(?im)^content-length:\s*(\d+)", head)
                if m and len(body) >= int(m.group(1)):
                    break
    data = b"".join(chunks)
    m = re.match(rb"HTTP/1\.[01] (\d{3})", data)
    if not m:
        raise OSError("no HTTP status line in response")
    return int(m.group(1)), data.partition(b"\r\n\r\n")[2]


def proc_tree(pid: int) -> list[int]:
    """pid and all its descendants (via /proc/*/stat)."""
    children: dict[int, list[int]] = {}
    for d in os.listdir("/proc"):
        if not d.isdigit():
            continue
        try:
            stat = Path(f"/proc/{d}/stat").read_text()
        except OSError:
            continue
        ppid = int(stat.rsplit(")", 1)[1].split()[1])
        children.setdefault(ppid, []).append(int(d))
    out, todo = [], [pid]
    while todo:
        p = todo.pop()
        out.append(p)
        todo.extend(children.get(p, []))
    return out


def peak_rss_kib(pid: int) -> int | None:
    """Sum of VmHWM over the server's process tree (one process for verge/workerd)."""
    total, seen = 0, False
    for p in proc_tree(pid):
        try:
            for line in Path(f"/proc/{p}/status").read_text().splitlines():
                if line.startswith("VmHWM:"):
                    total += int(line.split()[1])
                    seen = True
        except OSError:
            pass
    return total if seen else None


def median(xs):
    xs = [x for x in xs if x is not None]
    return statistics.median(xs) if xs else None


# ---------------------------------------------------------------- servers


@dataclass
class Workload:
    name: str
    dir: Path
    path: str = "/"
    headers: dict = field(default_factory=dict)
    seed: str | None = None
    optional: bool = False
    baseline: str = "workerd"  # "workerd" or "miniflare"

    @staticmethod
    def load(name: str) -> "Workload":
        d = WORKLOADS / name
        meta = json.loads((d / "bench.json").read_text())
        return Workload(name=name, dir=d, **meta)


def render_workerd_config(w: Workload, port: int, cfg_dir: Path, state_dir: Path) -> Path:
    tmpl = (BENCH / "workerd" / "config.capnp.tmpl").read_text()
    bindings, extra, do_cfg = "", "", ""
    if w.name in ("do", "ws"):
        cls, key, binding = ("Counter", "verge-bench-counter", "COUNTER") if w.name == "do" else ("Room", "verge-bench-room", "ROOMS")
        (state_dir / "do").mkdir(parents=True, exist_ok=True)
        bindings = f'\n    (name = "{binding}", durableObjectNamespace = "{cls}"),'
        extra = f'\n    (name = "do-storage", disk = (path = "{state_dir / "do"}", writable = true)),'
        do_cfg = (
            '\n  durableObjectNamespaces = [\n'
            f'    (className = "{cls}", uniqueKey = "{key}", enableSql = true),\n'
            '  ],\n'
            '  durableObjectStorage = (localDisk = "do-storage"),'
        )
    # capnp `embed` paths are resolved relative to the config file.
    worker_rel = os.path.relpath(w.dir / "worker.js", cfg_dir)
    text = (
        tmpl.replace("@PORT@", str(port))
        .replace("@COMPAT_DATE@", COMPAT_DATE)
        .replace("@WORKER_JS@", worker_rel)
        .replace("@BINDINGS@", bindings)
        .replace("@EXTRA_SERVICES@", extra)
        .replace("@DO_CONFIG@", do_cfg)
    )
    out = cfg_dir / f"{w.name}.capnp"
    out.write_text(text)
    return out


class Server:
    """One server process, pinned to the server CPU."""

    def __init__(self, kind: str, w: Workload, args, tmp: Path):
        self.kind, self.w, self.args = kind, w, args
        self.port = free_port()
        self.tmp = tmp / f"{kind}-{w.name}"
        self.tmp.mkdir(parents=True, exist_ok=True)
        self.proc: subprocess.Popen | None = None
        self.startup_ms: float | None = None
        self.log_path = self.tmp / "server.log"

    def command(self) -> list[str]:
        if self.kind == "verge":
            # verge keeps state under <project>/.verge/; run it on a copy of the
            # (unchanged) workload so the repo stays clean and state starts empty.
            proj = self.tmp / "project"
            if not proj.exists():
                shutil.copytree(self.w.dir, proj, ignore=shutil.ignore_patterns(".verge", "bench.json"))
            return [str(self.args.verge_bin), "dev", str(proj), "--port", str(self.port)]
        if self.kind == "workerd":
            cfg = render_workerd_config(self.w, self.port, self.tmp, self.tmp / "state")
            return [str(WORKERD_BIN), "serve", str(cfg)]
        if self.kind == "miniflare":
            return ["node", str(MINIFLARE_SERVE), str(self.w.dir), str(self.port), str(self.tmp / "state")]
        if self.kind == "ceiling":
            return [str(CEILING_BIN), str(self.port)]
        raise ValueError(self.kind)

    def start(self, require_ok: bool = False, timeout: float = 60.0) -> None:
        """Start and poll every 1 ms until the first HTTP response (a 2xx one if
        require_ok); record the time from spawning the process."""
        cmd = self.command()
        if self.args.server_cpu is not None:
            cmd = ["taskset", "-c", str(self.args.server_cpu)] + cmd
        logf = open(self.log_path, "ab")
        t0 = time.perf_counter()
        self.proc = subprocess.Popen(
            cmd, stdout=logf, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, start_new_session=True
        )
        path = self.w.path
        deadline = t0 + timeout
        while True:
            if self.proc.poll() is not None:
                raise RuntimeError(f"{self.kind} exited with {self.proc.returncode}; see {self.log_path}")
            try:
                status, _ = http_get(self.port, path, self.w.headers, timeout=2.0)
                if not require_ok or 200 <= status < 300:
                    self.startup_ms = (time.perf_counter() - t0) * 1000.0
                    return
            except OSError:
                pass
            if time.perf_counter() > deadline:
                raise RuntimeError(f"{self.kind} gave no successful response within {timeout:.0f} s; see {self.log_path}")
            time.sleep(0.001)

    def peak_rss_kib(self) -> int | None:
        return peak_rss_kib(self.proc.pid) if self.proc and self.proc.poll() is None else None

    def stop(self) -> None:
        if not self.proc or self.proc.poll() is not None:
            return
        try:
            os.killpg(self.proc.pid, signal.SIGTERM)  # our own session: the server and its children
        except ProcessLookupError:
            return
        try:
            self.proc.wait(timeout=5)
        except subprocess.TimeoutExpired:
            try:
                os.killpg(self.proc.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
            self.proc.wait(timeout=5)

    def tail_log(self, n: int = 15) -> str:
        try:
            lines = self.log_path.read_text(errors="replace").splitlines()[-n:]
            return "\n".join(l if len(l) <= 300 else l[:300] + " …" for l in lines)
        except OSError:
            return ""


# ---------------------------------------------------------------- wrk

UNITS = {"us": 1e-3, "ms": 1.0, "s": 1000.0, "m": 60000.0}


def parse_latency(s: str) -> float:
    m = re.match(r"([\d.]+)(us|ms|s|m)$", s.strip())
    if not m:
        raise ValueError(s)
    return float(m.group(1)) * UNITS[m.group(2)]


def run_wrk(args, port: int, w: Workload, conns: int, seconds: float) -> dict:
    cmd = []
    if args.load_cpu is not None:
        cmd += ["taskset", "-c", str(args.load_cpu)]
    # wrk takes whole seconds
    cmd += ["wrk", "-t1", f"-c{conns}", f"-d{max(1, round(seconds))}s", "--latency", "--timeout", "10s"]
    for k, v in w.headers.items():
        cmd += ["-H", f"{k}: {v}"]
    cmd.append(f"http://127.0.0.1:{port}{w.path}")
    out = subprocess.run(cmd, capture_output=True, text=True, timeout=seconds + 60).stdout
    r = {"rps": None, "p50": None, "p99": None, "non2xx": 0, "errors": 0, "requests": 0}
    m = re.search(r"Requests/sec:\s+([\d.]+)", out)
    if m:
        r["rps"] = float(m.group(1))
    m = re.search(r"(\d+) requests in", out)
    if m:
        r["requests"] = int(m.group(1))
    for pct, key in (("50", "p50"), ("99", "p99")):
        m = re.search(rf"^\s+{pct}(?:\.000)?%\s+(\S+)", out, re.M)
        if m:
            r[key] = parse_latency(m.group(1))
    m = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", out)
    if m:
        r["non2xx"] = int(m.group(1))
    m = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", out)
    if m:
        r["errors"] = sum(int(x) for x in m.groups())
    if r["rps"] is None:
        r["raw"] = out[-500:]
    return r


# ---------------------------------------------------------------- the run


def fmt(x, digits=1, unit=""):
    if x is None:
        return "–"
    if isinstance(x, float):
        return f"{x:,.{digits}f}{unit}"
    return f"{x}{unit}"


def ratio(a, b):
    if a is None or b is None or b == 0:
        return None
    return a / b


def rfmt(x):
    return "–" if x is None else f"{x:.2f}×"


def versions(args) -> dict:
    v = {}

    def cmd_out(cmd):
        try:
            return subprocess.run(cmd, capture_output=True, text=True, timeout=20).stdout.strip()
        except (OSError, subprocess.TimeoutExpired):
            return ""

    v["workerd"] = cmd_out([str(WORKERD_BIN), "--version"]) or "?"
    try:
        v["miniflare"] = json.loads((BENCH / "node_modules" / "miniflare" / "package.json").read_text())["version"]
        nested = BENCH / "node_modules" / "miniflare" / "node_modules" / "workerd" / "package.json"
        top = BENCH / "node_modules" / "workerd" / "package.json"
        v["miniflare's workerd"] = json.loads((nested if nested.exists() else top).read_text())["version"]
    except OSError:
        v["miniflare"] = "?"
    v["verge"] = cmd_out(["git", "-C", str(ROOT), "rev-parse", "--short", "HEAD"]) or "?"
    if args.verge_bin and Path(args.verge_bin).exists():
        v["verge"] += " (" + (cmd_out([str(args.verge_bin), "--version"]) or "no --version") + ")"
    v["wrk"] = (cmd_out(["sh", "-c", "wrk -v 2>&1 | head -1"]) or "?").split(" Copyright")[0]
    v["node"] = cmd_out(["node", "--version"])
    cpu = ""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    v["cpu"] = f"{cpu} ({os.cpu_count()} cores)"
    v["kernel"] = os.uname().release
    return v


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--quick", action="store_true", help="3 runs x 3 s (32 conns), 2 x 2 s (1 conn)")
    ap.add_argument("--only", choices=["verge", "workerd"], help="run one side only (workerd = the baselines)")
    ap.add_argument("--workloads", default=",".join(WORKLOAD_ORDER))
    ap.add_argument("--runs", type=int, help="runs at 32 connections per contender")
    ap.add_argument("--duration", type=int, help="seconds per run at 32 connections")
    ap.add_argument("--lat-runs", type=int, help="runs at 1 connection per contender")
    ap.add_argument("--lat-duration", type=int, help="seconds per run at 1 connection")
    ap.add_argument("--warmup", type=int, default=2)
    ap.add_argument("--startup-samples", type=int)
    ap.add_argument("--no-ceiling", action="store_true")
    ap.add_argument("--verge-bin", default=str(ROOT / "target" / "release" / "verge"))
    ap.add_argument("--server-cpu", default=os.environ.get("BENCH_SERVER_CPU", "0"))
    ap.add_argument("--load-cpu", default=os.environ.get("BENCH_LOAD_CPU", "1"))
    args = ap.parse_args()

    quick = args.quick
    args.runs = args.runs or (3 if quick else 5)
    args.duration = args.duration or (3 if quick else 5)
    args.lat_runs = args.lat_runs or (2 if quick else 3)
    args.lat_duration = args.lat_duration or (2 if quick else 3)
    args.startup_samples = args.startup_samples or (3 if quick else 5)
    if (os.cpu_count() or 1) < 2 or args.server_cpu in ("", "none"):
        log("fewer than 2 CPUs (or pinning disabled): server and wrk are not pinned")
        args.server_cpu = args.load_cpu = None

    sides = []
    if args.only != "workerd":
        if not Path(args.verge_bin).exists():
            print("verge binary not found; build failed", file=sys.stderr)
            return 1
        sides.append("verge")
    if args.only != "verge":
        sides.append("baseline")
    with_ceiling = not args.no_ceiling and CEILING_BIN.exists()

    names = [n.strip() for n in args.workloads.split(",") if n.strip()]
    for n in names:
        if not (WORKLOADS / n / "bench.json").exists():
            print(f"unknown workload {n!r}", file=sys.stderr)
            return 2

    started = dt.datetime.now()
    stamp = started.strftime("%Y%m%d-%H%M%S")
    RESULTS.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f"verge-bench-{stamp}-"))
    log(f"runs: {args.runs} x {args.duration:g} s @32 conns, {args.lat_runs} x {args.lat_duration:g} s @1 conn, "
        f"warm-up {args.warmup:g} s; server CPU {args.server_cpu}, wrk CPU {args.load_cpu}; scratch {tmp}")

    results: dict[str, dict] = {}  # workload -> {"contenders": {label: {...}}, "note": str}
    startup: dict[str, list[float]] = {}
    live: list[Server] = []

    def kinds_for(w: Workload) -> list[tuple[str, str]]:
        """(label, server kind) in a fixed order."""
        out = []
        if "verge" in sides:
            out.append(("verge", "verge"))
        if "baseline" in sides:
            out.append((w.baseline, w.baseline))
        if w.name == "hello" and with_ceiling:
            out.append(("hyper ceiling", "ceiling"))
        return out

    try:
        # ---- start-to-first-response, hello, interleaved restarts
        if "hello" in names:
            w = Workload.load("hello")
            log(f"startup: {args.startup_samples} interleaved cold starts of hello per runtime")
            for i in range(args.startup_samples):
                for label, kind in kinds_for(w):
                    s = Server(kind, w, args, tmp / f"startup{i}")
                    try:
                        s.start(require_ok=True, timeout=30)
                        startup.setdefault(label, []).append(s.startup_ms)
                    except RuntimeError as e:
                        log(f"startup sample failed for {label}: {e}")
                    finally:
                        s.stop()

        for name in names:
            w = Workload.load(name)
            contenders = kinds_for(w)
            res = {"contenders": {}, "note": ""}
            results[name] = res
            log(f"== {name}: {', '.join(l for l, _ in contenders)}")
            servers: dict[str, Server] = {}
            skip = None
            for label, kind in contenders:
                s = Server(kind, w, args, tmp)
                live.append(s)
                try:
                    s.start()
                    if w.seed:
                        st, body = http_get(s.port, w.seed, w.headers, timeout=30)
                        if st >= 300:
                            raise RuntimeError(f"seed {w.seed} answered {st}: {body[:200]!r}")
                    st, body = http_get(s.port, w.path, w.headers, timeout=30)
                    if st >= 300:
                        raise RuntimeError(f"{w.path} answered {st}: {body[:200]!r}")
                except (RuntimeError, OSError) as e:
                    msg = f"{label} failed before warm-up: {e}"
                    log(msg)
                    tail = s.tail_log()
                    if tail:
                        log("server log tail:\n" + tail)
                    if label == "verge":
                        skip = f"skipped: verge does not serve this workload yet ({e})"
                        break
                    res["contenders"][label] = {"failed": str(e)}
                    s.stop()
                    continue
                servers[label] = s
                res["contenders"][label] = {"startup_ms": s.startup_ms, "c32": [], "c1": []}
            if skip is None:
                for label, s in servers.items():
                    r = run_wrk(args, s.port, w, 32, args.warmup)
                    if r["non2xx"] or r["errors"] or r["rps"] is None:
                        why = f"warm-up: {r['non2xx']} non-2xx, {r['errors']} socket errors"
                        if label == "verge":
                            skip = f"skipped: verge answered 5xx/errors during warm-up ({why})"
                            break
                        log(f"{label} {why}")
            if skip:
                log(f"{name}: {skip}")
                res["note"] = skip
                for s in servers.values():
                    s.stop()
                for s in live:
                    s.stop()
                live.clear()
                continue

            labels = list(servers)
            for conns, runs, secs, key in ((32, args.runs, args.duration, "c32"), (1, args.lat_runs, args.lat_duration, "c1")):
                for i in range(runs):
                    order = labels if i % 2 == 0 else list(reversed(labels))  # ABBA-style interleave
                    for label in order:
                        r = run_wrk(args, servers[label].port, w, conns, secs)
                        res["contenders"][label][key].append(r)
                        log(f"{name} {label:14s} c={conns:<2d} run {i + 1}/{runs}: "
                            f"{fmt(r['rps'], 0)} req/s  p50 {fmt(r['p50'], 3)} ms  p99 {fmt(r['p99'], 3)} ms"
                            + (f"  non-2xx {r['non2xx']}" if r["non2xx"] else "")
                            + (f"  errors {r['errors']}" if r["errors"] else ""))
            for label, s in servers.items():
                res["contenders"][label]["peak_rss_kib"] = s.peak_rss_kib()
                s.stop()
            live.clear()
    except KeyboardInterrupt:
        log("interrupted; writing what was measured")
    finally:
        for s in live:
            s.stop()

    finished = dt.datetime.now()
    report = render(args, names, results, startup, versions(args), started, finished)
    out = RESULTS / f"{stamp}.md"
    out.write_text(report)
    print()
    print(report)
    log(f"wrote {out.relative_to(ROOT)} (scratch state in {tmp})")
    shutil.rmtree(tmp, ignore_errors=True)
    return 0


def summarize(c: dict) -> dict:
    c32, c1 = c.get("c32", []), c.get("c1", [])
    return {
        "rps": median([r["rps"] for r in c32]),
        "p50_32": median([r["p50"] for r in c32]),
        "p99_32": median([r["p99"] for r in c32]),
        "p50_1": median([r["p50"] for r in c1]),
        "p99_1": median([r["p99"] for r in c1]),
        "rps_1": median([r["rps"] for r in c1]),
        "rss": c.get("peak_rss_kib"),
        "start": c.get("startup_ms"),
        "non2xx": sum(r["non2xx"] for r in c32 + c1),
        "errors": sum(r["errors"] for r in c32 + c1),
    }


def render(args, names, results, startup, ver, started, finished) -> str:
    L = []
    L.append(f"# verge vs workerd — {started:%Y-%m-%d %H:%M:%S}")
    L.append("")
    L.append(f"Duration {(finished - started).total_seconds():.0f} s. "
             f"{args.runs} × {args.duration:g} s at 32 connections and {args.lat_runs} × {args.lat_duration:g} s "
             f"at 1 connection per runtime, interleaved; {args.warmup:g} s warm-up; medians. "
             f"wrk -t1; server pinned to CPU {args.server_cpu}, wrk to CPU {args.load_cpu}."
             + (" Quick mode." if args.quick else ""))
    L.append("")
    L.append("| | version |")
    L.append("|---|---|")
    for k, v in ver.items():
        L.append(f"| {k} | {v} |")
    L.append("")

    # ---- ratios
    L.append("## Ratios verge / baseline")
    L.append("")
    L.append("req/s: higher is better for verge. Latency, peak RSS and start time: lower is better "
             "(a ratio of 0.20× means verge takes a fifth of the baseline's).")
    L.append("")
    L.append("| workload | baseline | req/s @32 | p50 @1 | p99 @1 | p50 @32 | p99 @32 | peak RSS | start→first response |")
    L.append("|---|---|---|---|---|---|---|---|---|")
    for name in names:
        res = results.get(name)
        if res is None:
            L.append(f"| {name} | | not run (interrupted) | | | | | | |")
            continue
        if res["note"]:
            L.append(f"| {name} | | {res['note']} | | | | | | |")
            continue
        cs = res["contenders"]
        base = next((l for l in cs if l in ("workerd", "miniflare")), None)
        if "verge" not in cs or base is None or "failed" in cs.get(base, {}) or "failed" in cs["verge"]:
            why = "verge not run" if "verge" not in cs else "baseline not run"
            L.append(f"| {name} | {base or ''} | n/a ({why}) | | | | | | |")
            continue
        v, b = summarize(cs["verge"]), summarize(cs[base])
        L.append(f"| {name} | {base} | {rfmt(ratio(v['rps'], b['rps']))} | {rfmt(ratio(v['p50_1'], b['p50_1']))} | "
                 f"{rfmt(ratio(v['p99_1'], b['p99_1']))} | {rfmt(ratio(v['p50_32'], b['p50_32']))} | "
                 f"{rfmt(ratio(v['p99_32'], b['p99_32']))} | {rfmt(ratio(v['rss'], b['rss']))} | "
                 f"{rfmt(ratio(v['start'], b['start']))} |")
    hello = results.get("hello", {}).get("contenders", {})
    if "hyper ceiling" in hello and "c32" in hello["hyper ceiling"]:
        ceil = summarize(hello["hyper ceiling"])["rps"]
        parts = []
        for label in ("verge", "workerd"):
            if label in hello and "c32" in hello[label]:
                r = ratio(summarize(hello[label])["rps"], ceil)
                if r is not None:
                    parts.append(f"{label} {r * 100:.1f}%")
        if parts:
            L.append("")
            L.append(f"hello as a share of the hyper ceiling ({fmt(ceil, 0)} req/s): " + ", ".join(parts) + ".")
    if startup:
        L.append("")
        L.append("Start → first response, hello, cold process start, median of "
                 f"{args.startup_samples} interleaved samples: "
                 + ", ".join(f"{l} {fmt(median(xs), 1)} ms" for l, xs in startup.items())
                 + (f" (verge/workerd {rfmt(ratio(median(startup['verge']), median(startup['workerd'])))})"
                    if "verge" in startup and "workerd" in startup else "")
                 + ".")
    L.append("")

    # ---- raw medians
    L.append("## Raw medians")
    L.append("")
    L.append("| workload | runtime | req/s @32 | p50 @32 (ms) | p99 @32 (ms) | req/s @1 | p50 @1 (ms) | p99 @1 (ms) | "
             "peak RSS (MiB) | start (ms) | non-2xx | socket errors |")
    L.append("|---|---|---|---|---|---|---|---|---|---|---|---|")
    for name in names:
        res = results.get(name)
        if not res:
            continue
        if res["note"]:
            L.append(f"| {name} | – | {res['note']} | | | | | | | | | |")
            continue
        for label, c in res["contenders"].items():
            if "failed" in c:
                L.append(f"| {name} | {label} | failed: {c['failed'][:120]} | | | | | | | | | |")
                continue
            s = summarize(c)
            rss = None if s["rss"] is None else s["rss"] / 1024.0
            L.append(f"| {name} | {label} | {fmt(s['rps'], 0)} | {fmt(s['p50_32'], 3)} | {fmt(s['p99_32'], 3)} | "
                     f"{fmt(s['rps_1'], 0)} | {fmt(s['p50_1'], 3)} | {fmt(s['p99_1'], 3)} | {fmt(rss, 1)} | "
                     f"{fmt(s['start'], 1)} | {s['non2xx']} | {s['errors']} |")
    L.append("")
    L.append("start (ms) here is the first launch of that workload's server (the first HTTP answer of any status on the workload "
             "path counts, as KV/D1 answer 404/500 before seeding); peak RSS is VmHWM summed over the server's process tree at the end of the workload "
             "(miniflare: node + its workerd).")
    L.append("")

    # ---- every run
    L.append("## Every run")
    L.append("")
    L.append("req/s, then p50/p99 in ms, in run order.")
    L.append("")
    for name in names:
        res = results.get(name)
        if not res or res["note"]:
            continue
        for label, c in res["contenders"].items():
            if "failed" in c:
                continue
            for key, title in (("c32", "32 conns"), ("c1", "1 conn")):
                runs = "; ".join(f"{fmt(r['rps'], 0)} {fmt(r['p50'], 3)}/{fmt(r['p99'], 3)}" for r in c[key])
                L.append(f"- {name} · {label} · {title}: {runs}")
    if startup:
        for label, xs in startup.items():
            L.append(f"- startup · {label}: " + ", ".join(f"{x:.1f}" for x in xs) + " ms")
    L.append("")
    L.append("Not measured by this script: time to create an isolate for an unseen worker and memory per idle "
             "isolate (N = 1, 100, 1000); WebSocket broadcast from one DO to 100 clients.")
    L.append("")
    return "\n".join(L)


if __name__ == "__main__":
    sys.exit(main())
