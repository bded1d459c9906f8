"""One worker's measurement: connect its share of the plan, replay the schedule, record samples.

The :class:`Driver` ties the parts together: the :class:`~loadgen.run.connections.Connections`
(set-up and reconnects), the :class:`~loadgen.run.scheduler.Scheduler` (open loop, closed loop,
rare operations) and the :class:`~loadgen.run.samples.Recorder` (latencies and counts). It
frames the run: from the start through the deadline (plan end + drain) and the grace period
after it, then the delivery accounting and the worker's own CPU.
"""

from __future__ import annotations

import asyncio
import time

import psutil

from loadgen.clients.mqtt_devices import DevicePublisher
from loadgen.measure.accounting import DeliveryCounts, DeliveryReport, lost_by_second, reconcile
from loadgen.plan.devices import devices_for
from loadgen.plan.model import Plan
from loadgen.run.connections import Connections
from loadgen.run.samples import Grace, Recorder
from loadgen.run.scheduler import Scheduler


class Driver:
    """Drives the connections ``mine`` of ``plan`` against ``urls`` (one per server instance)."""

    def __init__(
        self,
        plan: Plan,
        mine: list[int],
        urls: list[str],
        tokens: dict[str, str],
        client_kind: str,
        library: str | None = None,
        mqtt_url: str = "",
    ) -> None:
        self.plan = plan
        self.mine = mine
        self.stopping = asyncio.Event()
        self.recorder = Recorder(plan, mine)
        self.samples = self.recorder.samples
        self.connections = Connections(
            plan, mine, urls, tokens, client_kind, library, self.recorder, self.stopping
        )
        self.scheduler = Scheduler(plan, self.connections, self.recorder, self.stopping)
        self.grace = Grace(plan.grace_s, plan.stall_s)
        # IoT dashboards: this worker's share of the devices, published over MQTT.
        self.devices: DevicePublisher | None = None
        if plan.devices:
            mine_devices = devices_for(plan.devices, len(plan.connections), mine)
            self.devices = DevicePublisher(
                plan, mine_devices, mqtt_url, self.recorder, self.stopping
            )
        self._cpu_start = (0.0, 0.0)

    async def connect_all(self, t_connect0: float) -> None:
        """Open every connection at its planned offset from ``t_connect0`` and join its rooms."""
        await self.connections.connect_all(t_connect0)
        if self.devices is not None:
            await self.devices.connect()

    async def run(self, t_start: float) -> None:
        """Replay the schedule from ``t_start`` until the end of the last phase, then drain."""
        self.recorder.t_start = t_start
        cpu = psutil.Process().cpu_times()
        self._cpu_start = (cpu.user + cpu.system, t_start)
        if self.devices is not None:
            await asyncio.gather(self.scheduler.replay(t_start), self.devices.replay(t_start))
        else:
            await self.scheduler.replay(t_start)
        self.recorder.deadline = t_start + self.plan.duration_s + self.plan.drain_s
        await self.scheduler.sleep_until(self.recorder.deadline)
        await self._grace_period()
        if self.connections.pending:
            await asyncio.wait(self.connections.pending, timeout=self.plan.drain_s or 1.0)

    def outstanding(self) -> tuple[int, int]:
        """``(deliveries, acks)`` this worker still waits for (deliveries: an upper bound,
        churn's optional deliveries counted as expected)."""
        recorder = self.recorder
        acks = sum(self.samples.sent) - sum(self.samples.acked) - recorder.ack_errors
        if self.devices is not None:  # a device's publish has no chat ack to wait for
            acks -= self.devices.published
        deliveries = self.connections.expected_upper - recorder.received
        return deliveries, acks if recorder.open_loop else 0

    async def _grace_period(self) -> None:
        """Keep receiving after the deadline until nothing is outstanding, nothing arrives any
        more, or the cap; see :class:`~loadgen.run.samples.Grace`."""
        grace = self.grace
        recorder = self.recorder
        begun = last_change = time.monotonic()
        last = (recorder.received, sum(self.samples.acked))
        history = [(begun, recorder.received)]
        while True:
            now = time.monotonic()
            deliveries, acks = self.outstanding()
            if self.stopping.is_set():
                grace.ended = "stopped"
            elif deliveries <= 0 and acks <= 0:
                grace.ended = "drained"
            elif now - last_change >= grace.stall_s:
                grace.ended = "stalled"
            elif now - begun >= grace.cap_s:
                grace.ended = "cap"
            if grace.ended != "none":
                break
            await asyncio.sleep(0.05)
            current = (recorder.received, sum(self.samples.acked))
            if current != last:
                last, last_change = current, time.monotonic()
            history.append((time.monotonic(), recorder.received))
        grace.used_s = now - begun
        grace.ended_at_s = now - recorder.t_start
        grace.outstanding_at_end = max(0, deliveries) + max(0, acks)
        recent = [(t, n) for t, n in history if t >= now - 1.0] or history[-1:]
        span = now - recent[0][0]
        grace.served_per_s_at_end = (recorder.received - recent[0][1]) / span if span > 0 else 0.0

    def cpu(self) -> dict[str, float]:
        """The worker's own CPU over the measured run, as seconds and percent of one core."""
        cpu = psutil.Process().cpu_times()
        used = cpu.user + cpu.system - self._cpu_start[0]
        wall = max(1e-9, time.monotonic() - self._cpu_start[1])
        return {"cpu_s": used, "wall_s": wall, "cpu_percent": 100.0 * used / wall}

    def accounting(self) -> tuple[DeliveryReport, dict[int, int]]:
        """Loss, duplicates and order for this worker's receivers (a failed connect loses
        all), and the lost deliveries by second of intended send time."""
        report = DeliveryReport([DeliveryCounts() for _ in self.plan.phases])
        by_second: dict[int, int] = {}
        connections = self.connections
        dropped = {outage[0] for outage in connections.outages}
        for index in self.mine:
            tracker = connections.tracker(index)
            part = reconcile(self.plan, index, tracker)
            if self.grace.ended == "cap" and index in connections.clients and index not in dropped:
                for counts in part.phases:  # still arriving when the grace period ran out
                    counts.mark_queued()
            report.merge(part)
            if part.total().lost:
                for second, n in lost_by_second(self.plan, index, tracker).items():
                    by_second[second] = by_second.get(second, 0) + n
        for phase, counts in enumerate(report.phases):
            counts.late = self.samples.late[phase]
        return report, by_second

    async def close(self) -> None:
        await self.connections.close()
        if self.devices is not None:
            await self.devices.close()
