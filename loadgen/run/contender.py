"""One contender, one repetition: start its servers, drive the workers, collect the samples.

The coordinator side of the worker protocol (see :mod:`loadgen.run.worker`; its handles on the
workers are in :mod:`loadgen.run.worker_handles`). Every process it starts (servers, workers) is
stopped before it returns, also on errors and on Ctrl-C.
"""

from __future__ import annotations

import asyncio
import contextlib
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import psutil

from loadgen.faults.inject import FaultInjector
from loadgen.faults.steps import Step
from loadgen.measure.broker_procs import backplane_urls, broker_trees
from loadgen.measure.resources import ResourceSampler
from loadgen.measure.server_procs import with_helpers
from loadgen.run.outcome import RunOutcome
from loadgen.run.server_pool import Lease, ServerPool
from loadgen.run.users import remove_run_users, seed_run_users
from loadgen.run.worker_channel import to_monotonic
from loadgen.run.worker_handles import (
    Worker,
    WorkerFailedError,
    hand_out_remote,
    next_message,
    reap_workers,
    spawn_local,
    stop_workers,
)
from servers.common.config import ServerConfig
from servers.launch import (
    AsgiSettings,
    ServerDiedError,
    ServerGroup,
    ServerStartError,
    start_servers,
)
from servers.launch.private import PrivateServer

BARRIER_TIMEOUT_S = 60.0


@dataclass
class RunContext:
    """What one contender run needs from the coordinator."""

    contender: str
    repetition: int
    scenario_data: dict[str, Any]
    scenario_source: str
    config: ServerConfig
    asgi: AsgiSettings
    instances: int
    workers: int
    partitions: list[list[int]]
    client_kind: str
    library: str | None
    run_dir: Path
    server_cpus: list[int] | None
    loadgen_cpus: list[int] | None
    connect_ramp_s: float
    duration_s: float
    drain_s: float
    redis_url: str | None
    run_id: str = "local"
    coordinator: str | None = None  # Redis URL where remote `bench worker`s take their tasks
    faults: list[Step] = field(default_factory=list)
    broker_server: PrivateServer | None = None  # the broker this run started (broker faults)
    on_tick: Callable[[str, dict[str, Any]], None] | None = None
    server_pool: ServerPool | None = None  # servers outlive the run there (capacity steps)
    server_python: str = sys.executable  # another tree's servers (bench check --base): its
    server_cwd: str | None = None  # interpreter and its source directory
    tokens_at: float | None = None  # idiomatic profile: when the seeded tokens were issued


def _task(ctx: RunContext, i: int, mine: list[int], urls: list[str]) -> dict[str, Any]:
    return {
        "run_id": f"{ctx.run_id}-{ctx.contender}-{ctx.repetition}",
        "expires": time.time() + BARRIER_TIMEOUT_S,
        "worker": i,
        "scenario": ctx.scenario_data,
        "scenario_source": ctx.scenario_source,
        "contender": ctx.contender,
        "client_kind": ctx.client_kind,
        "library": ctx.library,
        "urls": urls,
        "connections": mine,
        "secret": ctx.config.secret,
        "tokens_at": ctx.tokens_at,  # the workers issue exactly the tokens seeded (users.py)
        "mqtt_url": ctx.config.mqtt_url,  # IoT dashboards: the broker the devices publish to
        "cpus": ctx.loadgen_cpus,
        "result_path": str(ctx.run_dir / f"worker-{i}.json"),
    }


async def _spawn_workers(ctx: RunContext, urls: list[str]) -> list[Worker]:
    tasks = [_task(ctx, i, mine, urls) for i, mine in enumerate(ctx.partitions)]
    if ctx.coordinator:
        return await hand_out_remote(ctx.coordinator, tasks)
    return await spawn_local(tasks, ctx.run_dir)


def _rss(group: ServerGroup) -> float:
    total = 0.0
    for pid in group.pids:
        with contextlib.suppress(psutil.Error):
            total += psutil.Process(pid).memory_info().rss
    return total


async def run_contender(ctx: RunContext) -> RunOutcome:
    ctx.run_dir.mkdir(parents=True, exist_ok=True)

    def start() -> ServerGroup:
        return start_servers(
            ctx.contender, ctx.config, instances=ctx.instances, asgi=ctx.asgi,
            log_dir=ctx.run_dir, cpus=ctx.server_cpus, python=ctx.server_python,
            cwd=ctx.server_cwd, ready=False,
        )  # fmt: skip

    lease = ctx.server_pool.take(ctx.contender, start) if ctx.server_pool else Lease(start(), False)
    group = lease.group
    workers: list[Worker] = []
    partial: list[str] = []
    sampler: ResourceSampler | None = None
    injector = FaultInjector(ctx.faults, group, ctx.broker_server)
    rss_per_conn: float | None = None
    loadgen_rss_per_conn: float | None = None
    t_start = time.monotonic()
    seeded: list[str] = []
    try:
        seeded = await seed_run_users(ctx)  # idiomatic profile: Django users and tokens
        workers = await _spawn_workers(ctx, group.urls)
        if not lease.reused:  # new servers start while the workers start: about 1 s sooner
            await asyncio.to_thread(group.wait_ready)
        built = [await w.expect("built", BARRIER_TIMEOUT_S) for w in workers]
        rss_before = _rss(group)
        connect_at = time.time() + 0.2  # wall clock: workers may be on other hosts
        for w in workers:
            await w.send(f"connect {connect_at}")
        connected = 0
        loadgen_rss_growth = 0.0
        for w, before in zip(workers, built, strict=True):
            msg = await w.expect("connected", ctx.connect_ramp_s + BARRIER_TIMEOUT_S)
            connected += msg["ok"]
            loadgen_rss_growth += msg["rss_bytes"] - before["rss_bytes"]
        if connected:
            loadgen_rss_per_conn = loadgen_rss_growth / connected / 1024.0
        if connected:
            await asyncio.sleep(0.5)  # let the servers settle before reading their memory
            rss_per_conn = (_rss(group) - rss_before) / connected / 1024.0
        start_at = time.time() + 0.3
        t_start = to_monotonic(start_at)
        pids = with_helpers({f"{ctx.contender}[{s.spec.instance}]": s.pid for s in group.servers})
        pids.update({f"loadgen[{w.index}]": w.pid for w in workers if w.pid is not None})
        brokers = await asyncio.to_thread(broker_trees, backplane_urls(ctx.config.backend, {
            "redis": ctx.redis_url, "rabbitmq": ctx.config.rabbitmq_url,
            "postgres": ctx.config.postgres_url,
        }))  # fmt: skip
        sampler = ResourceSampler(pids, ctx.redis_url, t_start, brokers=brokers)
        sampler.start()
        for w in workers:
            await w.send(f"start {start_at}")
        await _watch(ctx, group, workers, partial, t_start, injector, sampler)
    except asyncio.CancelledError:  # Ctrl-C: keep what was measured, then let the caller stop
        partial.append("interrupted (Ctrl-C)")
        await stop_workers(workers)
    except (WorkerFailedError, OSError) as exc:
        partial.append(f"load generator failed: {exc}")
        await stop_workers(workers)
    except ServerStartError:  # the servers are stopped; the workers, waiting, are told to go
        await stop_workers(workers)
        raise
    finally:
        resources = (await sampler.stop()).as_dict() if sampler else {}
        log_paths = lease.run_logs(ctx.run_dir)
        servers = [
            {"instance": s.spec.instance, "pid": s.pid, "port": s.spec.port,
             "log": str(log), "asgi_server": s.spec.asgi_server,
             "cpus": list(group.cpus) if group.cpus else None}
            for s, log in zip(group.servers, log_paths, strict=True)
        ]  # fmt: skip
        if ctx.server_pool is None:  # else the pool's owner stops them
            group.stop()
        await reap_workers(workers)
        await remove_run_users(ctx, seeded)
        results = [r for r in [await w.result() for w in workers] if r is not None]
    interrupted = "interrupted (Ctrl-C)" in partial
    return RunOutcome(
        results, partial, servers, resources, rss_per_conn, log_paths, t_start,
        interrupted, loadgen_rss_per_conn, injector.events,
    )  # fmt: skip


async def _watch(
    ctx: RunContext,
    group: ServerGroup,
    workers: list[Worker],
    partial: list[str],
    t_start: float,
    injector: FaultInjector,
    sampler: ResourceSampler,
) -> None:
    """Wait for every worker's ``done``; note a server that dies (the run goes on, as a
    real deployment's clients would), and pass progress on."""
    pending = {w.index: w for w in workers}
    deadline = t_start + ctx.duration_s + ctx.drain_s + BARRIER_TIMEOUT_S
    died: set[int] = set()
    while pending:
        if time.monotonic() > deadline:
            partial.append("workers did not finish in time")
            await stop_workers(list(pending.values()))
            return
        for w in list(pending.values()):
            w.arrived.clear()  # before reading: a message queued after this wakes the wait
            while w.index in pending and not w.events.empty():
                message = w.events.get_nowait()
                if message.get("event") == "done":
                    pending.pop(w.index)
                    if message.get("partial"):
                        partial.append(f"worker {w.index} stopped early")
                elif message.get("event") in ("error", "exit"):
                    pending.pop(w.index)
                    partial.append(f"worker {w.index} failed: {message.get('message')}")
        await injector.due(time.monotonic() - t_start, t_start)
        while injector.restarted:
            sampler.add_process(*injector.restarted.pop())
        partial.extend(injector.failures)
        injector.failures.clear()
        for server in group.servers:
            if server.spec.instance in injector.down:
                continue
            if server.spec.instance not in died and not server.alive():
                died.add(server.spec.instance)
                at = time.monotonic() - t_start
                partial.append(
                    f"{server.describe()} died at t={at:.1f}s (exit {server.process.returncode}); "
                    f"last log lines: {server.tail(5)}"
                )
        if ctx.on_tick is not None:
            ctx.on_tick(ctx.contender, _progress(workers, t_start))
        # A worker's message ends the wait: its ``done`` is seen at once, not up to 0.5 s late.
        await next_message(list(pending.values()), 0.1 if injector.steps else 0.5)
    if ctx.on_tick is not None:  # the workers' final ticks (sent before "done")
        ctx.on_tick(ctx.contender, _progress(workers, t_start))
    with contextlib.suppress(ServerDiedError):
        group.check_alive()


def _progress(workers: list[Worker], t_start: float) -> dict[str, Any]:
    ticks = [w.last_tick for w in workers if w.last_tick]
    p99s = [t["p99_ms"] for t in ticks if t.get("p99_ms") is not None]
    return {
        "t": time.monotonic() - t_start,
        "sent": sum(t.get("sent", 0) for t in ticks),
        "delivered_per_s": sum(t.get("delivered_last_s", 0) for t in ticks),
        "p99_ms": max(p99s) if p99s else None,
        "errors": sum(t.get("errors", 0) for t in ticks),
        "workers": [w.last_tick for w in workers],  # per worker, for --metrics-port
    }
