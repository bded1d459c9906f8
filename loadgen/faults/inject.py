"""Doing the fault steps to the run's processes: kill, pause and restart servers and Redis."""

from __future__ import annotations

import asyncio
import signal
import time
from typing import Any

from loadgen.faults.steps import Step
from servers.launch import ServerGroup
from servers.launch.redis import RedisServer


class FaultInjector:
    """Carries out the steps that are due; remembers which instances are down on purpose."""

    def __init__(self, steps: list[Step], group: ServerGroup, redis: RedisServer | None) -> None:
        self.steps = list(steps)
        self.group = group
        self.redis = redis
        self.down: set[int] = set()  # instances killed or paused on purpose
        self.events: list[dict[str, Any]] = []
        self.restarted: list[tuple[str, int]] = []  # (name, new pid), for the resource sampler

    async def due(self, elapsed_s: float, t_start: float) -> None:
        while self.steps and self.steps[0].at_s <= elapsed_s:
            step = self.steps.pop(0)
            await self._do(step)
            self.events.append(
                {"t": round(time.monotonic() - t_start, 3), "planned_t": step.at_s,
                 "action": step.action, "instance": step.instance}
            )  # fmt: skip

    async def _do(self, step: Step) -> None:
        if step.action == "kill":
            self.down.add(step.instance)
            self.group.kill(step.instance, signal.SIGKILL)
        elif step.action == "restart":
            server = await asyncio.to_thread(self.group.restart, step.instance)
            self.restarted.append((f"{server.spec.contender}[{step.instance}]", server.pid))
            self.down.discard(step.instance)
        elif step.action == "stop":
            self.down.add(step.instance)
            self.group.kill(step.instance, signal.SIGSTOP)
        elif step.action == "cont":
            self.group.kill(step.instance, signal.SIGCONT)
            self.down.discard(step.instance)
        elif step.action == "redis_stop":
            assert self.redis is not None
            await asyncio.to_thread(self.redis.stop)
        elif step.action == "redis_start":
            assert self.redis is not None
            await asyncio.to_thread(self.redis.start)
