"""Doing the fault steps to the run's processes: kill, pause and restart servers and the
backplane's broker (a private one the run started)."""

from __future__ import annotations

import asyncio
import signal
import time
from typing import Any

from loadgen.faults.steps import BROKER_STARTS, BROKER_STOPS, Step
from servers.launch import ServerGroup
from servers.launch.private import PrivateServer, PrivateServerError


class FaultInjector:
    """Carries out the steps that are due; remembers which instances are down on purpose."""

    def __init__(self, steps: list[Step], group: ServerGroup, broker: PrivateServer | None) -> None:
        self.steps = list(steps)
        self.group = group
        self.broker = broker
        self.down: set[int] = set()  # instances killed or paused on purpose
        self.events: list[dict[str, Any]] = []
        self.restarted: list[tuple[str, int]] = []  # (name, new pid), for the resource sampler
        self.failures: list[str] = []  # a broker that did not start again (the run goes on)

    async def due(self, elapsed_s: float, t_start: float) -> None:
        while self.steps and self.steps[0].at_s <= elapsed_s:
            step = self.steps.pop(0)
            began = time.monotonic()
            action = await self._do(step)
            done = time.monotonic()
            # A broker is down from when its stop began, and back once its start is ready.
            at = began if step.action in BROKER_STOPS else done
            self.events.append(
                {"t": round(at - t_start, 3), "planned_t": step.at_s, "action": action,
                 "instance": step.instance, "took_s": round(done - began, 3)}
            )  # fmt: skip

    async def _do(self, step: Step) -> str:
        """Do ``step``; its action, or ``<broker>_start_failed`` (the broker stays down)."""
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
        elif step.action in BROKER_STOPS:
            assert self.broker is not None
            await asyncio.to_thread(self.broker.stop)
        elif step.action in BROKER_STARTS:
            assert self.broker is not None
            try:
                await asyncio.to_thread(self.broker.start)
            except PrivateServerError as exc:
                self.failures.append(f"{step.action} at {step.at_s:.1f} s failed: {exc}")
                return f"{step.action}_failed"
        return step.action
