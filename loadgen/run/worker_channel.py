"""How a worker and its coordinator talk: JSON lines over pipes (local), or Redis lists (remote).

Both carry the same messages. Events go worker -> coordinator (``built``, ``connected``,
``tick``, ``done``, ``error``); commands go coordinator -> worker (``connect <unix time>``,
``start <unix time>``, ``stop``). Times in commands are wall-clock (``time.time()``) so that
workers on other hosts meet at the same instant; each worker turns them into its own host's
monotonic clock, which is what it measures with.
"""

from __future__ import annotations

import asyncio
import json
import os
import sys
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:  # imported where used: a local worker (pipes) starts 0.2-0.4 s sooner without
    import redis.asyncio as aioredis

TASKS_KEY = "bench:coord:tasks"


def keys(run_id: str, worker: int) -> dict[str, str]:
    base = f"bench:coord:{run_id}:{worker}"
    return {"commands": f"{base}:commands", "events": f"{base}:events", "result": f"{base}:result"}


def to_monotonic(unix_time: float) -> float:
    """This host's monotonic time for a wall-clock instant."""
    return time.monotonic() + (unix_time - time.time())


class Channel(Protocol):
    async def emit(self, event: str, **fields: Any) -> None: ...
    async def command(self) -> list[str]: ...
    async def upload(self, result: dict[str, Any]) -> None: ...
    async def close(self) -> None: ...


class PipeChannel:
    """A local worker: commands on stdin, events on stdout, the result in a file."""

    def __init__(self, result_path: Path) -> None:
        self.result_path = result_path
        self._reader: asyncio.StreamReader | None = None

    async def _stdin(self) -> asyncio.StreamReader:
        if self._reader is None:
            loop = asyncio.get_running_loop()
            self._reader = asyncio.StreamReader()
            protocol = asyncio.StreamReaderProtocol(self._reader)
            await loop.connect_read_pipe(lambda: protocol, sys.stdin)
        return self._reader

    async def emit(self, event: str, **fields: Any) -> None:
        sys.stdout.write(json.dumps({"event": event, **fields}) + "\n")
        sys.stdout.flush()

    async def command(self) -> list[str]:
        line = await (await self._stdin()).readline()
        return line.decode().split() or ["stop"]

    async def upload(self, result: dict[str, Any]) -> None:
        tmp = self.result_path.with_suffix(self.result_path.suffix + ".tmp")
        tmp.write_text(json.dumps(result))
        os.replace(tmp, self.result_path)

    async def close(self) -> None:
        return None


class RedisChannel:
    """A worker on any host: it meets its coordinator through Redis lists."""

    def __init__(self, redis: aioredis.Redis, run_id: str, worker: int) -> None:
        self.redis = redis
        self.keys = keys(run_id, worker)

    async def emit(self, event: str, **fields: Any) -> None:
        await self.redis.rpush(self.keys["events"], json.dumps({"event": event, **fields}))

    async def command(self) -> list[str]:
        while True:
            item = await self.redis.blpop([self.keys["commands"]], timeout=5)
            if item is not None:
                raw = item[1]
                line = raw.decode() if isinstance(raw, bytes) else str(raw)
                return line.split() or ["stop"]

    async def upload(self, result: dict[str, Any]) -> None:
        await self.redis.set(self.keys["result"], json.dumps(result), ex=3600)

    async def close(self) -> None:
        await self.redis.aclose()


async def serve_tasks(coordinator: str, *, once: bool = False) -> int:
    """``bench worker``: take tasks from the coordinator's Redis and run them, until Ctrl-C."""
    import redis.asyncio as aioredis

    from loadgen.run.worker import run_task

    redis = aioredis.Redis.from_url(coordinator, socket_timeout=30)
    try:
        await redis.ping()
        print(f"worker: waiting for tasks at {coordinator}", flush=True)
        while True:
            item = await redis.blpop([TASKS_KEY], timeout=5)
            if item is None:
                continue
            task = json.loads(item[1])
            if task.get("expires", 0) < time.time():
                continue  # left behind by a coordinator that gave up
            print(f"worker: task {task['run_id']} #{task['worker']}", flush=True)
            channel = RedisChannel(
                aioredis.Redis.from_url(coordinator, socket_timeout=30),
                task["run_id"],
                task["worker"],
            )
            try:
                await run_task(task, channel)
            finally:
                await channel.close()
            if once:
                return 0
    finally:
        await redis.aclose()
