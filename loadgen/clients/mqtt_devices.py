"""The IoT-dashboard scenario's devices: one MQTT connection per worker publishing many devices.

Open loop, like :mod:`loadgen.run.scheduler`: every telemetry message has its intended time from
the plan (:mod:`loadgen.plan.devices`) and goes out then, or as soon as possible when late (the
lag is recorded). The payload carries the message id (device stream and per-device seq) and
``ts`` (seconds since the run's shared start at the actual send), so that a dashboard's delivery
is timed from the intended publish time by the same :class:`~loadgen.run.samples.Recorder` as a
chat message, and counted by the same per-stream accounting. QoS 1 publishes are not awaited in
line (their PUBACKs arrive while later ones go out).
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import time
from array import array

import aiomqtt

from loadgen.plan.model import Plan, message_id, room_name
from loadgen.run.samples import Recorder
from servers.common import jsonlib
from servers.common.telemetry import host_port, topic_for

EARLY_S = 0.001  # as the scheduler: what is due within a timer tick goes now
MAX_INFLIGHT = 10_000  # QoS 1: PUBACKs outstanding before paho queues (no cap on the devices)


class DevicePublisher:
    """Publishes the telemetry of ``devices`` (plan stream indexes) to the broker at ``url``."""

    def __init__(
        self, plan: Plan, devices: list[int], url: str, recorder: Recorder, stopping: asyncio.Event
    ) -> None:
        self.plan = plan
        self.devices = devices
        self.url = url
        self.recorder = recorder
        self.stopping = stopping
        self.published = 0  # messages handed to the broker connection (no chat ack to wait for)
        self._client: aiomqtt.Client | None = None
        self._pending: set[asyncio.Task[None]] = set()

    async def connect(self) -> None:
        host, port = host_port(self.url)
        client = aiomqtt.Client(
            host,
            port,
            identifier=f"bench-devices-{os.getpid()}",
            max_inflight_messages=MAX_INFLIGHT,
            max_queued_outgoing_messages=0,  # unbounded: a backlog shows as lag and latency
        )
        await client.__aenter__()
        self._client = client

    def _schedule(self) -> tuple[array[float], list[int], list[int]]:
        """Every message of this worker's devices in time order: times, devices, seqs."""
        keyed = [
            (t, device, seq)
            for device in self.devices
            for seq, t in enumerate(self.plan.streams[device].times)
        ]
        keyed.sort()
        return (
            array("d", (k[0] for k in keyed)),
            [k[1] for k in keyed],
            [k[2] for k in keyed],
        )

    async def replay(self, t_start: float) -> None:
        """Publish from ``t_start`` (monotonic) to the end of the last phase."""
        if not self.devices:
            return
        assert self._client is not None, "connect() first"
        times, owners, seqs = self._schedule()
        samples = self.recorder.samples
        lag = samples.lag
        n = len(times)
        i = 0
        while i < n and not self.stopping.is_set():
            now = time.monotonic()
            wait = t_start + times[i] - now
            if wait > EARLY_S:
                await asyncio.sleep(wait if wait < 0.25 else 0.25)
                continue
            horizon = now - t_start + EARLY_S
            burst = 0
            while i < n and times[i] <= horizon:
                lag_us = int((now - t_start - times[i]) * 1e6)
                lag.record(lag_us if lag_us > 0 else 1)
                await self._publish(owners[i], seqs[i], now, t_start)
                i += 1
                burst += 1
            if burst > 64:  # far behind: let the socket drain before the next burst
                await asyncio.sleep(0)

    async def _publish(self, device: int, seq: int, now: float, t_start: float) -> None:
        assert self._client is not None
        stream = self.plan.streams[device]
        phase = self.plan.phase_at(stream.times[seq])
        payload = jsonlib.dumps_bytes(
            {
                "room": room_name(stream.room),
                "id": message_id(device, seq),
                "ts": now - t_start,
                "body": self.plan.body,
            }
        )
        self.recorder.samples.sent[phase] += 1
        self.recorder.samples.timeseries.add_sent(now - t_start)
        self.published += 1
        publish = self._client.publish(topic_for(device), payload, qos=self.plan.qos)
        if self.plan.qos == 0:
            try:
                await publish
            except aiomqtt.MqttError as exc:
                self.recorder.count_error(f"mqtt_publish_{type(exc).__name__}", now)
            return
        task = asyncio.ensure_future(self._acked(publish, now))
        self._pending.add(task)
        task.add_done_callback(self._pending.discard)

    async def _acked(self, publish: object, now: float) -> None:
        try:
            await publish  # type: ignore[misc]
        except aiomqtt.MqttError as exc:
            self.recorder.count_error(f"mqtt_publish_{type(exc).__name__}", now)

    async def close(self) -> None:
        if self._pending:
            await asyncio.wait(self._pending, timeout=5.0)
        if self._client is not None:
            client, self._client = self._client, None
            with contextlib.suppress(aiomqtt.MqttError):
                await client.__aexit__(None, None, None)
