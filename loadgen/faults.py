"""Faults as scenario steps: when to do what (pure), and doing it to the run's processes."""

from __future__ import annotations

import asyncio
import signal
import time
from dataclasses import dataclass
from typing import Any

from loadgen.scenario_model import Fault
from servers.launch import ServerGroup
from servers.launch.redis import RedisServer


@dataclass(frozen=True, order=True)
class Step:
    """One action at ``at_s`` seconds after the start of the first phase."""

    at_s: float
    action: str  # kill, restart, stop, cont, redis_stop, redis_start
    instance: int = 0


def expand(faults: tuple[Fault, ...]) -> list[Step]:
    """Scenario faults as timed steps, in time order."""
    steps = []
    for fault in faults:
        if fault.action == "kill":
            steps.append(Step(fault.at_s, "kill", fault.instance))
            if fault.restart_after_s is not None:
                steps.append(Step(fault.at_s + fault.restart_after_s, "restart", fault.instance))
        elif fault.action == "pause":
            assert fault.duration_s is not None
            steps.append(Step(fault.at_s, "stop", fault.instance))
            steps.append(Step(fault.at_s + fault.duration_s, "cont", fault.instance))
        else:
            assert fault.restart_after_s is not None
            steps.append(Step(fault.at_s, "redis_stop"))
            steps.append(Step(fault.at_s + fault.restart_after_s, "redis_start"))
    return sorted(steps)


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


def recovery(events: list[dict[str, Any]], outages: list[list[Any]]) -> list[dict[str, Any]]:
    """Per fault start: how many clients dropped after it and when the last one was back."""
    starts = [e for e in events if e["action"] in ("kill", "stop", "redis_stop")]
    out = []
    for i, event in enumerate(starts):
        until = starts[i + 1]["t"] if i + 1 < len(starts) else float("inf")
        hit = [o for o in outages if event["t"] - 0.5 <= o[1] < until]
        back = [o[2] for o in hit if o[2] is not None]
        out.append(
            {
                "fault": event["action"],
                "at_s": event["t"],
                "dropped": len(hit),
                "reconnected": len(back),
                "never_back": len(hit) - len(back),
                "all_back_after_s": (max(back) - event["t"])
                if hit and len(back) == len(hit)
                else None,
            }
        )
    return out
