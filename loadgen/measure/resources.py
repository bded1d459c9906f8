"""Once-a-second resource samples: server processes, Redis, the backplane's broker process
(:mod:`loadgen.measure.broker_procs`) and the load generator itself."""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import psutil
import redis.asyncio as aioredis

from loadgen.measure.broker_procs import BrokerTree

REDIS_FIELDS = (
    "instantaneous_ops_per_sec", "total_commands_processed", "used_memory",
    "pubsub_channels", "connected_clients",
)  # fmt: skip


@dataclass
class ResourceSeries:
    """Per-second samples; ``t`` is seconds since the measured start."""

    t: list[float] = field(default_factory=list)
    processes: dict[str, dict[str, list[float | None]]] = field(default_factory=dict)
    redis: dict[str, list[float | None]] = field(default_factory=dict)
    brokers: dict[str, dict[str, list[float | None]]] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = {"t": self.t, "processes": self.processes, "redis": self.redis}
        if self.brokers:  # absent from results written before broker sampling
            data["brokers"] = self.brokers
        return data


class ResourceSampler:
    """Samples CPU % and RSS of named processes and Redis ``INFO`` every ``interval`` s."""

    def __init__(
        self,
        processes: Mapping[str, int],
        redis_url: str | None,
        t0: float,
        interval: float = 1.0,
        brokers: Mapping[str, BrokerTree] | None = None,
    ) -> None:
        self.series = ResourceSeries()
        self.t0 = t0
        self.interval = interval
        self._procs: dict[str, psutil.Process] = {}
        for name, pid in processes.items():
            try:
                proc = psutil.Process(pid)
                proc.cpu_percent(None)  # prime the counter
                self._procs[name] = proc
                self.series.processes[name] = {"cpu_percent": [], "rss_bytes": []}
            except psutil.Error:
                continue
        self._redis = aioredis.Redis.from_url(redis_url) if redis_url else None
        self._brokers = dict(brokers or {})
        for name, tree in self._brokers.items():
            tree.prime()
            self.series.brokers[name] = {"cpu_percent": [], "rss_bytes": []}
        self._last = time.monotonic()
        self._task: asyncio.Task[None] | None = None

    def add_process(self, name: str, pid: int) -> None:
        """Follow a process started after sampling began (a restarted server instance)."""
        try:
            proc = psutil.Process(pid)
            proc.cpu_percent(None)
        except psutil.Error:
            return
        self._procs[name] = proc
        self.series.processes.setdefault(name, {"cpu_percent": [], "rss_bytes": []})

    def start(self) -> None:
        self._task = asyncio.get_running_loop().create_task(self._run())

    async def stop(self) -> ResourceSeries:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
        if self._redis is not None:
            await self._redis.aclose()
        return self.series

    async def _run(self) -> None:
        next_at = time.monotonic()
        while True:
            next_at += self.interval
            await asyncio.sleep(max(0.0, next_at - time.monotonic()))
            await self.sample()

    async def sample(self) -> None:
        n = len(self.series.t)
        self.series.t.append(round(time.monotonic() - self.t0, 3))
        for name, proc in self._procs.items():
            values = self.series.processes[name]
            try:
                cpu, rss = proc.cpu_percent(None), float(proc.memory_info().rss)
            except psutil.Error:  # the process is gone (killed by a fault, or crashed)
                cpu, rss = None, None
            _pad(values["cpu_percent"], n).append(cpu)
            _pad(values["rss_bytes"], n).append(rss)
        now = time.monotonic()
        for name, tree in self._brokers.items():
            cpu, memory = tree.sample(now - self._last)
            if cpu is None:  # gone: a restarted broker is followed from its next sample on
                await asyncio.to_thread(tree.relocate)
            _pad(self.series.brokers[name]["cpu_percent"], n).append(cpu)
            _pad(self.series.brokers[name]["rss_bytes"], n).append(memory)
        self._last = now
        if self._redis is not None:
            try:
                info = await self._redis.info()
            except aioredis.RedisError:
                info = {}
            for key in REDIS_FIELDS:
                value = info.get(key)
                _pad(self.series.redis.setdefault(key, []), n).append(
                    None if value is None else float(value)
                )


def _pad(values: list[float | None], n: int) -> list[float | None]:
    """Keep every series aligned with ``t`` (None where a process was not running)."""
    while len(values) < n:
        values.append(None)
    return values
