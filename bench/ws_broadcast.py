#!/usr/bin/env python3
"""WebSocket fan-out from one Durable Object: verge vs workerd (issue 6 workload
"WebSocket broadcast from one DO to 100 clients").

Starts each runtime on bench/workloads/ws (pinned like harness.py), connects N WebSocket
clients (asyncio, no dependencies), then for a fixed time keeps K HTTP connections posting
/broadcast (each post fans one message out to every client) and counts the messages the
clients receive. Runs alternate between the runtimes; medians are reported.

Usage: bench/ws_broadcast.py [--clients 100] [--seconds 5] [--runs 3] [--senders 4]
                             [--verge-bin target/release/verge] [--server-cpu 0]
"""
import argparse
import asyncio
import base64
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import harness  # noqa: E402


async def ws_client(port: int, counter: list, ready: asyncio.Event, stop: asyncio.Event):
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    key = base64.b64encode(os.urandom(16)).decode()
    writer.write(
        (f"GET /ws HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
         f"Sec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\n\r\n").encode())
    await writer.drain()
    head = await reader.readuntil(b"\r\n\r\n")
    if b" 101 " not in head.split(b"\r\n", 1)[0]:
        raise RuntimeError(f"handshake failed: {head[:80]!r}")
    ready.set()
    try:
        while not stop.is_set():
            b0, b1 = await reader.readexactly(2)
            n = b1 & 0x7F
            if n == 126:
                n = int.from_bytes(await reader.readexactly(2), "big")
            elif n == 127:
                n = int.from_bytes(await reader.readexactly(8), "big")
            await reader.readexactly(n)
            if b0 & 0x0F == 0x1:
                counter[0] += 1
            elif b0 & 0x0F == 0x8:
                return
    except (asyncio.IncompleteReadError, ConnectionError):
        return
    finally:
        writer.close()


async def sender(port: int, stop: asyncio.Event, sent: list):
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    body = b"tick"
    req = (f"POST /broadcast HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nContent-Length: {len(body)}\r\n\r\n").encode() + body
    while not stop.is_set():
        writer.write(req)
        await writer.drain()
        head = await reader.readuntil(b"\r\n\r\n")
        length = 0
        for line in head.split(b"\r\n"):
            if line.lower().startswith(b"content-length:"):
                length = int(line.split(b":")[1])
        await reader.readexactly(length)
        sent[0] += 1
    writer.close()


async def measure(port: int, clients: int, seconds: float, senders: int) -> tuple[float, float]:
    counter, sent = [0], [0]
    stop = asyncio.Event()
    tasks = []
    for _ in range(clients):
        ready = asyncio.Event()
        tasks.append(asyncio.create_task(ws_client(port, counter, ready, stop)))
        await asyncio.wait_for(ready.wait(), 10)
    await asyncio.sleep(0.2)
    counter[0] = 0
    t0 = time.perf_counter()
    send_tasks = [asyncio.create_task(sender(port, stop, sent)) for _ in range(senders)]
    await asyncio.sleep(seconds)
    stop.set()
    elapsed = time.perf_counter() - t0
    received = counter[0]
    for t in send_tasks + tasks:
        t.cancel()
    await asyncio.gather(*send_tasks, *tasks, return_exceptions=True)
    return received / elapsed, sent[0] / elapsed


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--clients", type=int, default=100)
    ap.add_argument("--seconds", type=float, default=5.0)
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--senders", type=int, default=4)
    ap.add_argument("--verge-bin", type=Path, default=harness.ROOT / "target" / "release" / "verge")
    ap.add_argument("--server-cpu", type=int, default=0)
    args = ap.parse_args()
    w = harness.Workload.load("ws")
    results = {"verge": [], "workerd": []}
    with tempfile.TemporaryDirectory(prefix="verge-ws-bench-") as tmp:
        for run in range(args.runs):
            order = ["verge", "workerd"] if run % 2 == 0 else ["workerd", "verge"]
            for kind in order:
                srv = harness.Server(kind, w, args, Path(tmp) / f"run{run}")
                srv.start(require_ok=True)
                try:
                    msgs, posts = asyncio.run(measure(srv.port, args.clients, args.seconds, args.senders))
                finally:
                    srv.stop()
                results[kind].append(msgs)
                print(f"[ws] run {run + 1} {kind:8s} {msgs:,.0f} messages/s ({posts:,.0f} broadcasts/s to {args.clients} clients)", flush=True)
    v, d = statistics.median(results["verge"]), statistics.median(results["workerd"])
    print()
    print(f"| workload | verge msgs/s | workerd msgs/s | verge/workerd |")
    print(f"|---|---|---|---|")
    print(f"| ws fan-out, 1 DO → {args.clients} clients | {v:,.0f} | {d:,.0f} | {v / d:.2f}× |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
