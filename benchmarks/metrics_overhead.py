"""What do the servers' Prometheus metrics cost per message? Metrics off and on, same run.

    flock /tmp/bench-measure.lock .venv/bin/python benchmarks/metrics_overhead.py --rounds 3

For each Python framework (sio, channels) two sets of servers stay up for the whole benchmark
(a :class:`ServerPool` each): one with ``/metrics`` off, one with it on. Every round runs the
same echo load (``scenarios/echo.yaml``: 100 connections, each alone in its room) once against
each, the order of off and on alternating from round to round, and reads the server process's
CPU time before and after the run. The figure is server CPU microseconds per message (one
request, one delivery, one ack), its median over the rounds; the first run of each set only
starts and warms its servers and is not counted. Printed side by side: off, on, the difference
per message and in percent, and each round's figures; ``--json`` writes them too.

Machine noise between runs is of the order of the difference, so the script also times the
instrumentation itself, in-process: the calls each framework makes per echo message (sio: the
handler wrapper and the manager's emit hook; Channels: the inline calls in ``receive``,
``msg`` and ``chat_msg``) with metrics on and off, per message, best of five.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import statistics
import sys
import timeit
from pathlib import Path
from time import perf_counter
from typing import Any

import psutil

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from loadgen.run.runner import RunOptions, run_scenario
from loadgen.run.server_pool import ServerPool
from loadgen.scenario.load import load_scenario
from servers.common.metrics import DISABLED, Metrics
from servers.common.metrics_sio import metered
from servers.launch import ServerGroup

ROOT = Path(__file__).resolve().parent.parent
FRAMEWORKS = ("sio", "channels")


def arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--rate", type=float, default=10.0, help="msgs/s per connection")
    parser.add_argument("--duration", type=float, default=6.0, help="seconds measured per run")
    parser.add_argument("--scenario", type=Path, default=ROOT / "scenarios" / "echo.yaml")
    parser.add_argument("--out", type=Path, default=Path("/tmp/metrics-overhead"))
    parser.add_argument("--json", type=Path, help="write the figures here too")
    return parser.parse_args()


def _never() -> ServerGroup:
    raise RuntimeError("the pool lost its servers")


def server_cpu_s(pool: ServerPool, contender: str) -> float:
    """CPU seconds used so far by the pool's servers of ``contender`` (and their children)."""
    if not pool.running(contender):
        return 0.0
    total = 0.0
    for pid in pool.take(contender, _never).group.pids:
        process = psutil.Process(pid)
        for p in (process, *process.children(recursive=True)):
            times = p.cpu_times()
            total += times.user + times.system
    return total


async def one_run(
    args: argparse.Namespace, contender: str, metrics: bool, pool: ServerPool
) -> dict[str, Any]:
    cli = {
        "contenders": [contender], "repetitions": 1, "duration": args.duration,
        "traffic.rate_per_connection": args.rate,
    }  # fmt: skip
    scenario = load_scenario(args.scenario, cli=cli, env=os.environ)
    options = RunOptions(
        out_dir=args.out, pin=True, progress=None, metrics=metrics, server_pool=pool
    )
    before = server_cpu_s(pool, contender)
    _, document = await run_scenario(scenario, str(args.scenario), options)
    after = server_cpu_s(pool, contender)
    record = document["runs"][0]
    sent = sum(record["timeseries"]["sent"])
    delivered = sum(record["timeseries"]["delivered"])
    steady = [p["summary"] for p in record["phases"] if p["kind"] == "steady"]
    cpu_pct, served = steady[0]["server_cpu_pct"], steady[0]["served_msgs_per_s"]
    return {
        # the steady phase alone, from the per-second CPU samples (no connects, no ramp)
        "steady_us_per_msg": cpu_pct / 100 / served * 1e6 if served else float("nan"),
        "cpu_s": after - before,
        "sent": sent,
        "delivered": delivered,
        "us_per_msg": (after - before) / sent * 1e6 if sent else float("nan"),
        "status": document["status"],
    }


async def measure(args: argparse.Namespace) -> dict[str, Any]:
    figures: dict[str, Any] = {c: {"off": [], "on": []} for c in FRAMEWORKS}
    pools = {(c, m): ServerPool() for c in FRAMEWORKS for m in (False, True)}
    try:
        for key, pool in pools.items():  # start and warm every set of servers
            await one_run(args, key[0], key[1], pool)
        for round_ in range(args.rounds):
            order = (False, True) if round_ % 2 == 0 else (True, False)
            for contender in FRAMEWORKS:
                for metrics in order:
                    run = await one_run(args, contender, metrics, pools[(contender, metrics)])
                    figures[contender]["on" if metrics else "off"].append(run)
                    print(
                        f"  round {round_ + 1} {contender:<9} metrics {'on ' if metrics else 'off'}"
                        f"  {run['us_per_msg']:7.1f} us/msg, steady {run['steady_us_per_msg']:7.1f}"
                        f"  ({run['sent']} msgs, "
                        f"{run['delivered']} delivered, {run['status']})",
                        flush=True,
                    )
    finally:
        for pool in pools.values():
            pool.close()
    return figures


def summary(figures: dict[str, Any]) -> list[str]:
    """Medians over the rounds; ``spread``: the largest off-vs-off (and on-vs-on) round
    difference, in percent of the median: the machine's noise the difference is read against."""
    head = f"{'framework':<10} {'figure':<15} {'off us/msg':>10} {'on us/msg':>10} {'diff':>8}"
    lines = [head + f" {'diff %':>7} {'spread %':>8}"]
    for contender, runs in figures.items():
        for key, label in (("us_per_msg", "whole run"), ("steady_us_per_msg", "steady phase")):
            off_runs = [r[key] for r in runs["off"]]
            on_runs = [r[key] for r in runs["on"]]
            off, on = statistics.median(off_runs), statistics.median(on_runs)
            spread = max(
                (max(v) - min(v)) / statistics.median(v) * 100 for v in (off_runs, on_runs)
            )
            lines.append(
                f"{contender:<10} {label:<15} {off:10.1f} {on:10.1f} {on - off:+8.1f}"
                f" {100 * (on - off) / off:+6.1f}% {spread:7.1f}%"
            )
    return lines


def sio_calls(metrics: Metrics) -> Any:
    """One echo message's instrumented path on sio: the wrapped handler, the emit hook."""

    async def handler(*_: Any) -> dict[str, Any]:
        return {"ok": True, "id": 1}

    timed = metered(metrics, "msg", handler)

    def one() -> None:
        with contextlib.suppress(StopIteration):
            timed("sid", {}).send(None)  # type: ignore[attr-defined]
        if metrics.enabled:  # counted_emit: the event check, the room size, delivered()
            metrics.delivered(len({"sid": "eio"}))

    return one


def channels_calls(metrics: Metrics) -> Any:
    """One echo message's instrumented path on Channels: the inline calls."""

    def one() -> None:
        started = perf_counter()
        metrics.backplane_published()
        metrics.handled("msg", started, None)
        metrics.backplane_received()
        metrics.delivered()

    return one


def micro() -> list[str]:
    lines = [f"{'framework':<10} {'calls off ns':>12} {'calls on ns':>12} {'diff ns/msg':>12}"]
    on = Metrics("bench", backplane=False)
    for name, make in (("sio", sio_calls), ("channels", channels_calls)):
        ns = {}
        for label, metrics in (("off", DISABLED), ("on", on)):
            one = make(metrics)
            ns[label] = min(timeit.repeat(one, number=200_000, repeat=5)) / 200_000 * 1e9
        lines.append(f"{name:<10} {ns['off']:12.0f} {ns['on']:12.0f} {ns['on'] - ns['off']:+12.0f}")
    return lines


def main() -> int:
    args = arguments()
    print(
        f"echo, 100 connections at {args.rate:g} msgs/s each, {args.duration:g} s per run, "
        f"{args.rounds} rounds; server CPU per message (request + delivery + ack)"
    )
    figures = asyncio.run(measure(args))
    print("\n".join(summary(figures)))
    print("\nthe instrumentation alone, in-process, per message:")
    print("\n".join(micro()))
    if args.json:
        args.json.write_text(json.dumps(figures, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
