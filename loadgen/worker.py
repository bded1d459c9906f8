"""A load-generator worker process: ``python -m loadgen.worker TASK.json``.

It talks to its coordinator in JSON lines: it prints ``built`` once it has the plan, waits for
``connect <t0>`` (a monotonic time, shared by every process on the host), prints
``connected``, waits for ``start <t>``, prints a ``tick`` each second, writes its samples to
the task's result file and prints ``done``. A ``stop`` line (or SIGINT/SIGTERM) ends the run
early; what was measured is still written, marked partial.
"""

from __future__ import annotations

import asyncio
import json
import os
import resource
import signal
import sys
import time
from pathlib import Path
from typing import Any

import psutil

from loadgen.driver import Driver
from loadgen.plan import build_plan
from loadgen.plan_model import Plan
from loadgen.scenario_resolve import resolve
from loadgen.worker_result import encode_samples
from servers.common.tokens import make_token

FD_HEADROOM = 64


def emit(event: str, **fields: Any) -> None:
    sys.stdout.write(json.dumps({"event": event, **fields}) + "\n")
    sys.stdout.flush()


def raise_fd_limit(needed: int) -> int:
    """Raise the open-file limit as far as the system allows; return the new soft limit."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    target = hard if hard != resource.RLIM_INFINITY else max(soft, 1 << 20)
    if soft < target:
        try:
            resource.setrlimit(resource.RLIMIT_NOFILE, (target, hard))
            soft = target
        except (ValueError, OSError):
            pass
    if needed + FD_HEADROOM > soft:
        raise SystemExit(
            f"this worker needs {needed} connections but the open-file limit is {soft} "
            f"(hard {hard}); raise it (ulimit -n) or use more --workers"
        )
    return soft


def tokens_for(plan: Plan, mine: list[int], secret: str) -> dict[str, str]:
    users = {plan.connections[i].token_user for i in mine}
    now = time.time()
    ttl = plan.ramp_up_s + plan.duration_s + plan.drain_s + 3600
    return {user: make_token(user, secret, ttl=ttl, now=now) for user in users}


async def read_command(reader: asyncio.StreamReader) -> list[str]:
    line = await reader.readline()
    if not line:
        return ["stop"]
    return line.decode().split()


async def main_async(task: dict[str, Any]) -> int:
    scenario = resolve(task["scenario"], source=task.get("scenario_source", "<task>"))
    plan = build_plan(scenario)
    mine: list[int] = task["connections"]
    raise_fd_limit(len(mine))
    driver = Driver(
        plan, mine, task["urls"], tokens_for(plan, mine, task["secret"]), task["client_kind"],
        task.get("library"),
    )  # fmt: skip
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, driver.stopping.set)
    reader = asyncio.StreamReader()
    await loop.connect_read_pipe(lambda: asyncio.StreamReaderProtocol(reader), sys.stdin)
    process = psutil.Process()
    emit(
        "built",
        connections=len(mine),
        sends=sum(len(plan.connections[i].schedule) for i in mine),
        rss_bytes=process.memory_info().rss,
    )

    command = await read_command(reader)
    partial_reason: str | None = None
    if command[0] == "connect":
        await driver.connect_all(float(command[1]))
        emit(
            "connected",
            ok=driver.samples.connected,
            failed=len(mine) - driver.samples.connected,
            rss_bytes=process.memory_info().rss,
        )
        command = await read_command(reader)
    if command[0] == "start":
        watcher = loop.create_task(_watch_stop(reader, driver))
        ticker = loop.create_task(_tick(driver))
        await driver.run(float(command[1]))
        watcher.cancel()
        ticker.cancel()
    if driver.stopping.is_set() or command[0] != "start":
        partial_reason = "stopped before the end of the plan"
    result = encode_samples(task, driver, partial_reason)
    await driver.close()
    _write_atomic(Path(task["result_path"]), result)
    emit("done", partial=partial_reason is not None)
    return 0


async def _watch_stop(reader: asyncio.StreamReader, driver: Driver) -> None:
    while True:
        command = await read_command(reader)
        if command and command[0] == "stop":
            driver.stopping.set()
            return


async def _tick(driver: Driver) -> None:
    """One progress line a second, for the coordinator's live display."""
    samples = driver.samples
    last_delivered = 0
    while True:
        await asyncio.sleep(1.0)
        rows = samples.timeseries.rows()
        delivered = sum(r.delivered for r in rows)
        recent = [r for r in rows if r.p99_ms is not None][-1:]
        emit(
            "tick",
            sent=sum(samples.sent),
            delivered=delivered,
            delivered_last_s=delivered - last_delivered,
            p99_ms=recent[0].p99_ms if recent else None,
            errors=sum(samples.errors.values()),
        )
        last_delivered = delivered


def _write_atomic(path: Path, data: dict[str, Any]) -> None:
    tmp = path.with_suffix(path.suffix + ".tmp")
    tmp.write_text(json.dumps(data))
    os.replace(tmp, path)


def main() -> int:
    task = json.loads(Path(sys.argv[1]).read_text())
    try:
        import uvloop

        uvloop.install()
    except ImportError:
        pass
    if task.get("cpus"):
        os.sched_setaffinity(0, task["cpus"])
    profile_path = os.environ.get("BENCH_WORKER_PROFILE")  # a developer's look at the hot path
    try:
        if profile_path:
            import cProfile

            with cProfile.Profile() as profiler:
                code = asyncio.run(main_async(task))
            profiler.dump_stats(f"{profile_path}.{task.get('worker', 0)}")
            return code
        return asyncio.run(main_async(task))
    except SystemExit as exc:
        if isinstance(exc.code, str):
            emit("error", message=exc.code)
            return 2
        raise


if __name__ == "__main__":
    sys.exit(main())
