"""Benchmark of the load generator's clients: messages per client CPU-second, side by side.

Against one fast echo server (the official Node ``socket.io``, node_echo_server.js, pinned to
the first CPU), each client runs the same load in its own subprocess pinned to the last CPU
(client_worker.py; node_client.js for the official Node ``socket.io-client``); every ack and
every delivery received counts as a message. Two loads: open loop (a fixed total send rate,
as the load generator drives its clients) and closed loop (a window of messages in flight per
connection: throughput). Compared: the fast sio client over each WebSocket library (also with
the library writing each frame itself, ``:direct``), python-socketio's ``AsyncClient``
(sio-reference), Node's client, and the Channels client (the same server also echoes the Channels
JSON protocol at /ws/chat/, with the same write pattern). Last, at a modest rate, the CPU per
message of each client against its real chat server (servers/sio, servers/channels), and of the
sio client on Engine.IO long-polling (sio-polling) against the sio server.

    .venv/bin/python benchmarks/clients.py [--repeat 3] [--duration 5] [--rate 20000]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import psutil

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(ROOT))  # for client_code_cost's imports of loadgen
from servers.launch.ports import free_port  # noqa: E402  (after the path)

LIBRARIES = ("picows", "aiohttp", "websockets")
UVICORN = ["-m", "uvicorn", "--loop", "uvloop", "--http", "httptools"]
UVICORN += ["--ws", "websockets-sansio", "--lifespan", "off", "--no-access-log"]


@dataclass(frozen=True)
class Load:
    title: str
    connections: int
    window: int  # messages in flight per connection (the cap, in open loop)
    rate: int  # messages/s in all; 0 = closed loop
    duration: float
    body: int
    join: bool = False

    def argv(self) -> list[str]:
        shape = (self.connections, self.window, self.duration, self.body, self.rate)
        return [str(value) for value in shape]


def pinned(cpu: int | None) -> list[str]:
    return ["taskset", "-c", str(cpu)] if cpu is not None else []


@contextmanager
def server(
    cmd: list[str], cpu: int | None, env: dict[str, str] | None = None
) -> Iterator[tuple[str, int]]:
    """Start a server on a free port (``{port}`` in ``cmd``), wait for /healthz, stop it."""
    port = free_port()
    full = pinned(cpu) + [arg.replace("{port}", str(port)) for arg in cmd]
    proc = subprocess.Popen(
        full,
        cwd=ROOT,
        env={**os.environ, **(env or {})},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 20
        while not healthy(url):
            if proc.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"server did not start: {full}")
            time.sleep(0.1)
        yield url, proc.pid
    finally:
        proc.terminate()
        try:
            proc.wait(5)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def healthy(url: str) -> bool:
    try:
        with urllib.request.urlopen(url + "/healthz", timeout=1) as reply:
            return bool(reply.status == 200)
    except OSError:
        return False


def run_client(name: str, url: str, load: Load, cpu: int | None) -> dict[str, float]:
    if name == "node":
        cmd = ["node", str(HERE / "node_client.js"), url, *load.argv()]
    else:
        cmd = [sys.executable, str(HERE / "client_worker.py"), name, url, *load.argv()]
        cmd += ["--join"] if load.join else []
    out = subprocess.run(pinned(cpu) + cmd, cwd=ROOT, capture_output=True, text=True, timeout=120)
    if out.returncode != 0:
        raise RuntimeError(f"{name} failed: {out.stderr.strip()[-2000:]}")
    result: dict[str, float] = json.loads(out.stdout.strip().splitlines()[-1])
    return result


def wait_idle(pid: int, limit: float = 10.0, timeout: float = 5.0) -> None:
    """Wait until the server's CPU use is under ``limit`` % (a client's leftovers drained)."""
    proc = psutil.Process(pid)
    deadline = time.monotonic() + timeout
    while proc.cpu_percent(0.2) > limit and time.monotonic() < deadline:
        pass


def measure(
    names: list[str], url: str, load: Load, args: argparse.Namespace, server_pid: int
) -> dict[str, Any]:
    """Run every client ``args.repeat`` times in a rotating order; the median of each figure.

    One short run first warms the server up (Node's JIT) and is thrown away.
    """
    warm = Load(load.title, load.connections, load.window, load.rate, 1.0, load.body, load.join)
    run_client(names[0], url, warm, args.client_cpu)
    runs: dict[str, list[dict[str, float]]] = {name: [] for name in names}
    for repeat in range(args.repeat):
        for i in range(len(names)):
            name = names[(i + repeat) % len(names)]
            wait_idle(server_pid)
            runs[name].append(run_client(name, url, load, args.client_cpu))
    summary = {}
    for name, results in runs.items():
        per_cpu = statistics.median(r["count"] / r["cpu"] for r in results)
        summary[name] = {
            "per_cpu_s": per_cpu,
            "us_per_msg": 1e6 / per_cpu,
            "per_s": statistics.median(r["count"] / r["wall"] for r in results),
            "cpu_share": statistics.median(r["cpu"] / r["wall"] for r in results),
            "behind": statistics.median(r.get("behind", 0.0) for r in results),
            "kernel": statistics.median(r["sys"] / r["cpu"] for r in results if "sys" in r)
            if any("sys" in r for r in results)
            else None,
        }
    return summary


def print_table(load: Load, summary: dict[str, Any]) -> None:
    loop = f"open loop, {load.rate:,} msgs/s sent" if load.rate else "closed loop"
    print(f"\n{load.title}: {load.connections} connections, {loop}, <= {load.window} in flight")
    head = f"{'client':<22}{'msgs/CPU-s':>12}{'us CPU/msg':>12}{'msgs/s':>10}{'CPU':>7}"
    print(f"{head}{'behind':>8}{'kernel':>8}")
    for name, row in summary.items():
        kernel = "-" if row["kernel"] is None else f"{row['kernel']:.0%}"
        print(
            f"{name:<22}{row['per_cpu_s']:>12,.0f}{row['us_per_msg']:>12.2f}"
            f"{row['per_s']:>10,.0f}{row['cpu_share']:>7.0%}{row['behind']:>8.0%}{kernel:>8}"
        )


def print_ratios(summary: dict[str, Any], fast: list[str], channels: str) -> None:
    node, ref = summary["node"]["per_cpu_s"], summary["sio-reference"]["per_cpu_s"]
    print(f"  {'ratio (msgs per client CPU-second)':<38}{'measured':>9}{'target':>10}")
    for name in fast:
        value = summary[name]["per_cpu_s"]
        print(f"  {name + ' / node':<38}{value / node:>8.2f}x{'>= 1.25x':>10}")
        print(f"  {name + ' / sio-reference':<38}{value / ref:>8.2f}x{'>= 4x':>10}")
    print_channels_ratio(summary, fast[0], channels)


def print_channels_ratio(summary: dict[str, Any], sio: str, channels: str) -> None:
    ratio = summary[channels]["us_per_msg"] / summary[sio]["us_per_msg"]
    print(f"  {channels} / {sio}, CPU per message: {ratio:.2f} (target <= 1.00)")


class _NullTransport:
    def send_text(self, data: bytes) -> None:
        pass

    def send_binary(self, data: bytes) -> None:
        pass

    async def close(self) -> None:
        pass


def client_code_cost(kind: str, n: int = 200_000) -> float:
    """Microseconds of client code per message (send, its ack, its delivery), no network."""
    import orjson

    from loadgen.clients.channels import ChannelsClient
    from loadgen.clients.sio import SioClient

    body = "x" * 64
    delivery = {"room": "r-1", "id": 1, "ts": 1.5, "from": "u1", "body": body}
    client: Any
    if kind == "sio":
        client = SioClient()
        acks = [b'43%d[{"ok":true,"id":1}]' % (i + 1) for i in range(n)]
        frame = b'42["msg",' + orjson.dumps(delivery) + b"]"
    else:
        client = ChannelsClient()
        acks = [b'{"type":"ack","ref":%d,"ok":true,"id":1}' % (i + 1) for i in range(n)]
        frame = orjson.dumps({"type": "msg", **delivery})
    client._opened(_NullTransport())
    client.on_message = lambda _data, _received: None
    on_ack = client.on_message
    start = time.process_time()
    for i in range(n):
        client.send_nowait("r-1", 1, 1.5, body, on_ack)
        client.on_text(acks[i], 0.0)
        client.on_text(frame, 0.0)
    return (time.process_time() - start) / n * 1e6


def driver(args: argparse.Namespace) -> None:
    cpus = sorted(os.sched_getaffinity(0))
    args.client_cpu = cpus[-1] if len(cpus) > 1 else None
    server_cpu = cpus[0] if len(cpus) > 1 else None
    print(
        f"{args.duration} s per run, median of {args.repeat}, {args.body}-byte text bodies; "
        f"server on CPU {server_cpu}, client on CPU {args.client_cpu}; "
        "a message = one ack or one delivery received by the client"
    )
    lib = args.libraries[0]
    fast = [f"sio:{name}" for name in args.libraries]
    channels = f"channels:{lib}"
    names = [*fast, f"sio:{lib}:direct", channels, "sio-reference", "node"]
    shape = {"duration": args.duration, "body": args.body}
    echo_loads = [
        Load("Node echo server", args.connections, args.window, args.rate, **shape),
        Load("Node echo server", args.connections, args.window, 0, **shape),
    ]
    node_server = ["node", str(HERE / "node_echo_server.js"), "{port}"]
    with server(node_server, server_cpu) as (url, pid):
        for load in echo_loads:
            summary = measure(names, url, load, args, pid)
            print_table(load, summary)
            print_ratios(summary, fast, channels)

    chat_load = Load("Chat servers", 100, args.window, args.chat_rate, join=True, **shape)
    chat: dict[str, Any] = {}
    for kind in ("sio", "channels"):
        app = f"servers.{kind}.asgi:application"
        cmd = [sys.executable, *UVICORN, app, "--port", "{port}"]
        names = [f"{kind}:{lib}", "sio-polling:aiohttp"] if kind == "sio" else [f"{kind}:{lib}"]
        with server(cmd, server_cpu, {"BENCH_BACKEND": "memory"}) as (url, pid):
            chat.update(measure(names, url, chat_load, args, pid))
    print_table(chat_load, chat)
    print_channels_ratio(chat, f"sio:{lib}", channels)
    print("  (each client against its own Python server: the servers' write patterns differ)")

    sio_us = statistics.median(client_code_cost("sio") for _ in range(args.repeat))
    channels_us = statistics.median(client_code_cost("channels") for _ in range(args.repeat))
    print("\nClient code alone, per message (send + ack + delivery), no network:")
    print(f"  sio {sio_us:.2f} us, channels {channels_us:.2f} us: ratio {channels_us / sio_us:.2f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--connections", type=int, default=50)
    parser.add_argument("--rate", type=int, default=10000, help="open-loop msgs/s in all")
    parser.add_argument("--window", type=int, default=20, help="in flight per connection")
    parser.add_argument("--chat-rate", type=int, default=2000, help="msgs/s to the chat servers")
    parser.add_argument("--duration", type=float, default=5.0)
    parser.add_argument("--body", type=int, default=64, help="text body size in bytes")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--libraries", nargs="+", default=list(LIBRARIES), choices=LIBRARIES)
    driver(parser.parse_args())


if __name__ == "__main__":
    main()
