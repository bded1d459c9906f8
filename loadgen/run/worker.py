"""A load-generator worker process: ``python -m loadgen.run.worker TASK.json``.

It reports ``built`` once it has the plan, waits for ``connect <t0>``, reports ``connected``,
waits for ``start <t>``, reports a ``tick`` each second, uploads its samples and reports
``done`` (see :mod:`loadgen.run.worker_channel`). A ``stop`` command (or SIGINT/SIGTERM) ends the
run early; what was measured is still uploaded, marked partial. ``bench worker`` runs the same
:func:`run_task` for tasks that come through Redis from a coordinator on another host.
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

from loadgen.plan.build import build_plan
from loadgen.run.driver import Driver
from loadgen.run.live import LiveFigures
from loadgen.run.users import tokens_for
from loadgen.run.worker_channel import Channel, PipeChannel, to_monotonic
from loadgen.run.worker_result import encode_samples
from loadgen.scenario.resolve import resolve

FD_HEADROOM = 64


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


async def run_task(task: dict[str, Any], channel: Channel) -> int:
    """Measure one task's share of the plan, talking to the coordinator through ``channel``."""
    scenario = resolve(task["scenario"], source=task.get("scenario_source", "<task>"))
    plan = build_plan(scenario)
    mine: list[int] = task["connections"]
    try:
        raise_fd_limit(len(mine))
    except SystemExit as exc:
        await channel.emit("error", message=str(exc.code))
        return 2
    tokens = tokens_for(plan, mine, task["secret"], task.get("tokens_at") or time.time())
    driver = Driver(
        plan, mine, task["urls"], tokens, task["client_kind"],
        task.get("library"), mqtt_url=task.get("mqtt_url", ""),
    )  # fmt: skip
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, driver.stopping.set)
    process = psutil.Process()
    sends = sum(len(plan.connections[i].schedule) for i in mine)
    await channel.emit(
        "built", connections=len(mine), sends=sends, rss_bytes=process.memory_info().rss
    )
    command = await channel.command()
    if command[0] == "connect":
        await driver.connect_all(to_monotonic(float(command[1])))
        await channel.emit(
            "connected",
            ok=driver.samples.connected,
            failed=len(mine) - driver.samples.connected,
            rss_bytes=process.memory_info().rss,
        )
        command = await channel.command()
    if command[0] == "start":
        watcher = loop.create_task(_watch_stop(channel, driver))
        live = LiveFigures(driver)
        ticker = loop.create_task(_tick(live, channel))
        await driver.run(to_monotonic(float(command[1])))
        watcher.cancel()
        ticker.cancel()
        await channel.emit("tick", **live.tick())  # the final figures, before "done"
    partial_reason = None
    if driver.stopping.is_set() or command[0] != "start":
        partial_reason = "stopped before the end of the plan"
    result = encode_samples(task, driver, partial_reason)
    await driver.close()
    await channel.upload(result)
    await channel.emit("done", partial=partial_reason is not None)
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.remove_signal_handler(sig)
    return 0


async def _watch_stop(channel: Channel, driver: Driver) -> None:
    while True:
        command = await channel.command()
        if command and command[0] == "stop":
            driver.stopping.set()
            return


async def _tick(live: LiveFigures, channel: Channel) -> None:
    """One progress line a second, for the coordinator's live display and --metrics-port."""
    while True:
        await asyncio.sleep(1.0)
        await channel.emit("tick", **live.tick())


def main() -> int:
    task = json.loads(Path(sys.argv[1]).read_text())
    channel = PipeChannel(Path(task["result_path"]))
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
                code = asyncio.run(run_task(task, channel))
            profiler.dump_stats(f"{profile_path}.{task.get('worker', 0)}")
            return code
        return asyncio.run(run_task(task, channel))
    except KeyboardInterrupt:
        return 1


if __name__ == "__main__":
    sys.exit(main())
