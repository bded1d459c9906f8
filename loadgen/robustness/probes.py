"""The four adversarial steps, each against one running contender, each returning its figures.

Every probe keeps a healthy client (or several) beside the hostile ones and measures what the
hostile ones cost: server memory (RSS of the server process), how long the server takes to
reclaim what they hold, and the healthy clients' latency.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import psutil

from loadgen.clients import ChatClient, client_kind_for, make_client
from loadgen.robustness import hostile
from loadgen.robustness.model import DisconnectChurn, HalfOpenFlood, MalformedStorm, SlowConsumer

MIB = 2**20
_ids = itertools.count()


@dataclass
class Target:
    """One running contender: where it listens, its process, a token maker."""

    contender: str
    url: str
    pid: int
    token: Callable[[str], str]

    def rss(self) -> int:
        return int(psutil.Process(self.pid).memory_info().rss)

    async def client(self, user: str, room: str | None = None) -> ChatClient:
        chat = make_client(client_kind_for(self.contender))
        await chat.connect(self.url, self.token(user))
        if room is not None:
            await chat.join(room)
        return chat


def percentiles(samples: list[float]) -> dict[str, float | None]:
    """p50 and p99 in milliseconds (None without samples)."""
    if not samples:
        return {"p50_ms": None, "p99_ms": None}
    ordered = sorted(samples)

    def pick(q: float) -> float:
        return round(ordered[min(len(ordered) - 1, int(q * len(ordered)))] * 1000, 2)

    return {"p50_ms": pick(0.50), "p99_ms": pick(0.99)}


async def users_in(watcher: ChatClient, room: str) -> list[str]:
    reply = await watcher.presence(room)
    users: list[str] = reply.get("users", [])
    return users


async def slow_consumer(target: Target, p: SlowConsumer) -> dict[str, Any]:
    """Others' latency without, then with, members that stop reading; when they are cut off."""
    room = f"slow-{next(_ids)}"
    latencies: list[tuple[int, float]] = []  # (message id, latency) of every delivery
    readers = [await target.client(f"reader{n}", room) for n in range(p.readers)]
    for chat in readers:
        chat.on_message = lambda msg, got: latencies.append((msg["id"], got - float(msg["ts"])))
    sender, watcher = await target.client("sender", room), await target.client("watcher", room)
    fan_out = FanOut(sender, room, p.rate, "x" * p.body_bytes)
    first = await fan_out.run(p.duration_s / 4)
    await asyncio.sleep(0.5)
    baseline = percentiles([lat for _, lat in latencies])
    slow = [
        await hostile.open_raw(
            target.contender, target.url, target.token(f"slow{n}"), room, stalled=True
        )
        for n in range(p.slow)
    ]
    start_rss, peak_rss, cut_off = target.rss(), 0, None

    async def watch(elapsed: float) -> None:
        nonlocal peak_rss, cut_off
        peak_rss = max(peak_rss, target.rss())
        if cut_off is None and not any(u.startswith("slow") for u in await users_in(watcher, room)):
            cut_off = elapsed

    sent = await fan_out.run(p.duration_s, watch) - first
    await drain(lambda: sum(1 for msg_id, _ in latencies if msg_id >= first), sent * p.readers)
    during = [lat for msg_id, lat in latencies if msg_id >= first]
    growth = (peak_rss - start_rss) / MIB
    for conn in slow:
        hostile.drop(conn)
    for chat in (*readers, sender, watcher):
        await chat.close()
    return {
        "server_rss_growth_mib": round(growth, 1),
        "server_rss_growth_mib_per_s": round(growth / (cut_off or p.duration_s), 2),
        "cut_off_after_s": None if cut_off is None else round(cut_off, 1),
        "others_delivered": f"{len(during)}/{sent * p.readers}",
        **{f"others_latency_before_{k}": v for k, v in baseline.items()},
        **{f"others_latency_{k}": v for k, v in percentiles(during).items()},
    }


async def drain(
    count: Callable[[], int], expected: int, stall_s: float = 2.0, cap_s: float = 15.0
) -> None:
    """Wait for deliveries still on their way: until ``count()`` reaches ``expected``, nothing
    arrives for ``stall_s`` (the rest is lost), or ``cap_s`` passes. A late delivery is not a
    lost one: its latency stays in the figures."""
    start = last_change = time.monotonic()
    seen = count()
    while seen < expected:
        await asyncio.sleep(0.05)
        now, got = time.monotonic(), count()
        if got != seen:
            seen, last_change = got, now
        elif now - last_change >= stall_s or now - start >= cap_s:
            return


@dataclass
class FanOut:
    """Messages into a room at a steady rate (open loop), the send time as ``ts``; ids go on
    counting across runs, so each run's deliveries can be told apart."""

    sender: ChatClient
    room: str
    rate: float
    body: str
    sent: int = 0

    async def run(
        self, seconds: float, every_quarter_s: Callable[[float], Any] | None = None
    ) -> int:
        """Send for ``seconds``; return the total sent so far (the next message's id)."""
        loop = asyncio.get_running_loop()
        start, sent = loop.time(), 0
        while (elapsed := loop.time() - start) < seconds:
            due = start + sent / self.rate
            if loop.time() < due:
                await asyncio.sleep(due - loop.time())
            msg_id = self.sent + sent
            self.sender.send_nowait(self.room, msg_id, time.monotonic(), self.body, lambda *_: None)
            sent += 1
            if every_quarter_s is not None and sent % max(1, int(self.rate / 4)) == 0:
                await every_quarter_s(elapsed)
        self.sent += sent
        return self.sent


async def disconnect_churn(target: Target, p: DisconnectChurn) -> dict[str, Any]:
    worst_ghosts, lifetimes, left = 0, [], 0
    for round_no in range(p.rounds):
        room = f"churn-{next(_ids)}"
        sender, watcher = await target.client("sender", room), await target.client("watcher", room)
        readers = [
            await hostile.open_raw(target.contender, target.url, target.token(f"r{n}"), room)
            for n in range(p.readers)
        ]
        stop = asyncio.Event()
        traffic = asyncio.create_task(_steady(sender, room, p.rate, stop))
        await asyncio.sleep(1.0)
        for conn in readers:
            hostile.drop(conn)
        dropped = time.monotonic()
        lifetime = None
        while time.monotonic() - dropped < p.wait_s:
            ghosts = len(await users_in(watcher, room)) - 2
            if time.monotonic() - dropped >= 0.5:
                worst_ghosts = max(worst_ghosts, ghosts)
            if ghosts == 0:
                lifetime = time.monotonic() - dropped
                break
            await asyncio.sleep(0.1)
        if lifetime is None:
            left = max(left, ghosts)
        lifetimes.append(p.wait_s if lifetime is None else lifetime)
        stop.set()
        await traffic
        await sender.close()
        await watcher.close()
        del round_no
    return {
        "ghosts_half_a_second_after": worst_ghosts,
        "ghost_lifetime_max_s": round(max(lifetimes), 2),
        f"ghosts_left_after_{p.wait_s:g}_s": left,
    }


async def _steady(sender: ChatClient, room: str, rate: float, stop: asyncio.Event) -> None:
    n = 0
    while not stop.is_set():
        n += 1
        sender.send_nowait(room, n, time.monotonic(), "x" * 1024, on_ack=lambda *_: None)
        await asyncio.sleep(1 / rate)


async def half_open_flood(target: Target, p: HalfOpenFlood, host: str, port: int) -> dict[str, Any]:
    before = target.rss()
    flood = [await hostile.open_half(host, port, n % 2 == 1) for n in range(p.connections)]
    grown = (target.rss() - before) / MIB
    start = time.monotonic()
    closing = [asyncio.create_task(hostile.closed_by_server(r)) for r, _ in flood]
    connects, failures = [], 0
    for n in range(p.healthy_connects):
        began = time.monotonic()
        try:
            chat = await target.client(f"healthy{n}")
            connects.append(time.monotonic() - began)
            await chat.close()
        except Exception:
            failures += 1
    _, pending = await asyncio.wait(
        closing, timeout=max(0.1, p.hold_s - (time.monotonic() - start))
    )
    reclaimed = time.monotonic() - start if not pending else None
    for task in pending:
        task.cancel()
    for _, writer in flood:
        writer.close()
    return {
        "server_rss_growth_mib": round(grown, 1),
        "reclaimed_after_s": None if reclaimed is None else round(reclaimed, 1),
        f"still_open_after_{p.hold_s:g}_s": len(pending),
        "healthy_connect_failures": failures,
        **{f"healthy_connect_{k}": v for k, v in percentiles(connects).items()},
    }


async def malformed_storm(target: Target, p: MalformedStorm) -> dict[str, Any]:
    proto = hostile.protocol_of(target.contender)
    frames = hostile.MALFORMED[proto]
    conns = [
        await hostile.open_raw(target.contender, target.url, target.token(f"fuzz{n}"), "storm")
        for n in range(p.clients)
    ]
    counting = [asyncio.create_task(hostile.count_frames(c, proto == "sio")) for c in conns]
    healthy = await target.client("healthy", "storm-quiet")
    round_trips: list[float] = []
    loop = asyncio.get_running_loop()
    start, sent = loop.time(), 0
    while loop.time() - start < p.duration_s:
        for conn in conns:
            with contextlib.suppress(Exception):
                await conn.send(frames[sent % len(frames)])
        sent += 1
        began = time.monotonic()
        await healthy.send("storm-quiet", sent, time.monotonic(), "x")
        round_trips.append(time.monotonic() - began)
        await asyncio.sleep(max(0.0, start + sent / p.rate - loop.time()))
    await asyncio.sleep(0.5)
    lost = sum(1 for c in conns if c.protocol.close_rcvd is not None or c.state.name == "CLOSED")
    for conn in conns:
        await conn.close()
    replies = sum(n for n, _ in await asyncio.gather(*counting))
    await healthy.close()
    return {
        "malformed_sent": sent * p.clients,
        "error_replies": replies,
        "errors_per_s": round(replies / p.duration_s, 1),
        "connections_lost": lost,
        **{f"healthy_round_trip_{k}": v for k, v in percentiles(round_trips).items()},
    }
