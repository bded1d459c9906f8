"""One client kind under the benchmark's load, in its own process (run by benchmarks/clients.py).

    python benchmarks/client_worker.py KIND[:LIBRARY[:direct]] URL CONNECTIONS WINDOW DURATION
        BODY_BYTES RATE [--join]

Prints one JSON line: ``count`` (acks + deliveries received), ``cpu`` and ``sys`` (this
process's CPU seconds while the load ran, all and kernel), ``wall``, ``behind`` (share of the
open-loop schedule not sent).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import resource
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from loadgen.clients import make_client
from servers.common.config import DEFAULT_SECRET
from servers.common.tokens import make_token


def cpu_seconds() -> tuple[float, float]:
    """(user + system, system) CPU seconds of this process."""
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime, usage.ru_stime


class Workload:
    """The same load as node_client.js: open loop at ``rate`` messages/s, or a closed loop."""

    def __init__(self, clients: list[Any], args: argparse.Namespace) -> None:
        self.clients, self.args = clients, args
        self.body = "x" * args.body
        self.events = 0  # acks + deliveries received
        self.sent = 0
        self.acked = 0
        self.due = 0  # messages the open-loop schedule wanted sent so far
        self.running = True

    def on_message(self, _data: dict[str, Any], _received: float) -> None:
        self.events += 1

    def on_ack(self, _reply: dict[str, Any], _received: float) -> None:
        self.events += 1
        self.acked += 1

    def start_open(self) -> None:
        self.start = time.monotonic()
        self.cap = self.args.window * len(self.clients)  # in flight, beyond which sends wait
        self.tick()

    def tick(self) -> None:
        if not self.running:
            return
        self.due = int((time.monotonic() - self.start) * self.args.rate)
        clients, n, body, on_ack = self.clients, len(self.clients), self.body, self.on_ack
        while self.sent < self.due and self.sent - self.acked < self.cap:
            i = self.sent % n
            clients[i].send_nowait(f"r{i}", self.sent, 0.0, body, on_ack)
            self.sent += 1
        asyncio.get_running_loop().call_later(0.001, self.tick)

    def start_closed(self) -> None:
        for i, client in enumerate(self.clients):
            on_ack = self.resender(client, f"r{i}")
            for _ in range(self.args.window):
                client.send_nowait(f"r{i}", 0, 0.0, self.body, on_ack)

    def resender(self, client: Any, room: str) -> Any:
        def on_ack(_reply: dict[str, Any], _received: float) -> None:
            self.events += 1
            self.acked += 1
            if self.running:
                self.sent += 1
                client.send_nowait(room, self.sent, 0.0, self.body, on_ack)

        return on_ack


async def worker(args: argparse.Namespace) -> dict[str, float]:
    kind, library, mode = [*args.worker.split(":"), "picows", ""][:3]
    coalesce = mode != "direct"
    clients = [
        make_client(kind, library=library, coalesce=coalesce) for _ in range(args.connections)
    ]
    for i, client in enumerate(clients):
        token = make_token(f"u{i}", DEFAULT_SECRET, ttl=3600, now=time.time())
        await client.connect(args.url, token)
        if args.join:
            await client.join(f"r{i}")
    load = Workload(clients, args)
    for client in clients:
        client.on_message = load.on_message
    (cpu0, sys0), wall0 = cpu_seconds(), time.perf_counter()
    load.start_open() if args.rate > 0 else load.start_closed()
    await asyncio.sleep(args.duration)
    load.running = False
    (cpu1, sys1), wall = cpu_seconds(), time.perf_counter() - wall0
    cpu, kernel = cpu1 - cpu0, sys1 - sys0
    await asyncio.sleep(0.2)
    for client in clients:
        await client.close()
    behind = max(load.due - load.sent, 0) / max(load.due, 1)
    return {"count": load.events, "cpu": cpu, "sys": kernel, "wall": wall, "behind": behind}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("worker", help="KIND[:LIBRARY[:direct]]")
    parser.add_argument("url")
    for name in ("connections", "window"):
        parser.add_argument(name, type=int)
    parser.add_argument("duration", type=float)
    parser.add_argument("body", type=int)
    parser.add_argument("rate", type=int)
    parser.add_argument("--join", action="store_true", help="each connection joins its room")
    args = parser.parse_args()
    import uvloop

    print(json.dumps(uvloop.run(worker(args))))


if __name__ == "__main__":
    main()
