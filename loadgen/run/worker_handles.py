"""The coordinator's handles on its workers: local processes over pipes, remote ``bench worker``s
over Redis; each started from its task, then sent commands, awaited, stopped and reaped the same
way (the worker side is :mod:`loadgen.run.worker`).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import redis.asyncio as aioredis

from loadgen.run import worker_channel


class WorkerFailedError(RuntimeError):
    """A worker process exited or reported an error before finishing."""


@dataclass
class Worker:
    """A local worker process, talked to over its pipes."""

    index: int
    process: asyncio.subprocess.Process | None
    result_path: Path
    last_tick: dict[str, Any] = field(default_factory=dict)
    events: asyncio.Queue[dict[str, Any]] = field(default_factory=asyncio.Queue)
    arrived: asyncio.Event = field(default_factory=asyncio.Event)  # set by each new message

    @property
    def pid(self) -> int | None:
        return self.process.pid if self.process else None

    async def pump(self) -> None:
        """Forward the process's JSON lines to :attr:`events`; report its exit there."""
        assert self.process is not None and self.process.stdout is not None
        async for raw in self.process.stdout:
            try:
                message = json.loads(raw)
            except json.JSONDecodeError:
                continue
            self.deliver(message)
        code = await self.process.wait()
        stderr = b""
        if self.process.stderr is not None:
            stderr = await self.process.stderr.read()
        tail = stderr.decode(errors="replace").strip().splitlines()[-5:]
        self.deliver({"event": "exit", "message": f"exited with {code}: {' | '.join(tail)}"})

    def deliver(self, message: dict[str, Any]) -> None:
        """Queue one message from the worker for :meth:`expect` and the coordinator's watch."""
        if message.get("event") == "tick":
            self.last_tick = message
        self.events.put_nowait(message)
        self.arrived.set()

    async def send(self, line: str) -> None:
        stdin = self.process.stdin if self.process else None
        if stdin is not None and not stdin.is_closing():
            stdin.write((line + "\n").encode())
            with contextlib.suppress(ConnectionError):
                await stdin.drain()

    async def result(self) -> dict[str, Any] | None:
        if self.result_path.exists():
            data: dict[str, Any] = json.loads(self.result_path.read_text())
            return data
        return None

    async def reap(self, grace: float) -> None:
        """Wait for the process to exit after its result; kill it if it does not."""
        if self.process is None:
            return
        try:
            await asyncio.wait_for(self.process.wait(), grace)
        except TimeoutError:
            with contextlib.suppress(ProcessLookupError):
                self.process.kill()
            await self.process.wait()

    async def expect(self, event: str, within_s: float) -> dict[str, Any]:
        deadline = time.monotonic() + within_s
        while True:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise WorkerFailedError(f"worker {self.index}: no {event!r} within {within_s:.0f}s")
            try:
                message = await asyncio.wait_for(self.events.get(), remaining)
            except TimeoutError:
                continue
            if message.get("event") == event:
                return message
            if message.get("event") in ("error", "exit"):
                raise WorkerFailedError(f"worker {self.index}: {message.get('message')}")


class RemoteWorker(Worker):
    """A ``bench worker`` on any host, met through the coordinator's Redis."""

    def __init__(self, index: int, redis: aioredis.Redis, run_id: str) -> None:
        super().__init__(index, None, Path(f"redis:{run_id}:{index}"))
        self.redis = redis
        self.keys = worker_channel.keys(run_id, index)

    async def send(self, line: str) -> None:
        await self.redis.rpush(self.keys["commands"], line)

    async def pump(self) -> None:
        while True:
            item = await self.redis.blpop([self.keys["events"]], timeout=1)
            if item is not None:
                message = json.loads(item[1])
                self.deliver(message)
                if message.get("event") in ("done", "error"):
                    return

    async def result(self) -> dict[str, Any] | None:
        raw = await self.redis.get(self.keys["result"])
        if raw is None:
            return None
        await self.redis.delete(*self.keys.values())
        data: dict[str, Any] = json.loads(raw)
        return data


async def hand_out_remote(coordinator: str, tasks: list[dict[str, Any]]) -> list[Worker]:
    """Queue the tasks for the ``bench worker``s listening on the coordinator's Redis."""
    redis = aioredis.Redis.from_url(coordinator, socket_timeout=30)
    workers: list[Worker] = []
    for i, task in enumerate(tasks):
        worker = RemoteWorker(i, redis, task["run_id"])
        await redis.delete(*worker.keys.values())
        await redis.rpush(worker_channel.TASKS_KEY, json.dumps(task))
        asyncio.get_running_loop().create_task(worker.pump())
        workers.append(worker)
    return workers


async def spawn_local(tasks: list[dict[str, Any]], run_dir: Path) -> list[Worker]:
    """Start one worker process per task on this host."""
    workers: list[Worker] = []
    for i, task in enumerate(tasks):
        task_path = run_dir / f"worker-{i}.task.json"
        task_path.write_text(json.dumps(task))
        process = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "loadgen.run.worker", str(task_path),
            stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE, limit=1 << 20,
        )  # fmt: skip
        worker = Worker(i, process, Path(task["result_path"]))
        asyncio.get_running_loop().create_task(worker.pump())
        workers.append(worker)
    return workers


async def next_message(workers: list[Worker], within_s: float) -> None:
    """Return when any of ``workers`` has a message it did not have when its ``arrived`` was
    last cleared, or after ``within_s`` seconds."""
    waits = [asyncio.ensure_future(w.arrived.wait()) for w in workers]
    if not waits:
        await asyncio.sleep(within_s)
        return
    try:
        await asyncio.wait(waits, timeout=within_s, return_when=asyncio.FIRST_COMPLETED)
    finally:
        for wait in waits:
            wait.cancel()


async def stop_workers(workers: list[Worker]) -> None:
    for w in workers:
        if w.process is None or w.process.returncode is None:
            await w.send("stop")


async def reap_workers(workers: list[Worker], grace: float = 15.0) -> None:
    """Wait for workers to upload their results and exit; kill what does not."""
    for w in workers:
        await w.reap(grace)
