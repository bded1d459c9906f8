"""The IoT-dashboard bridge of the python-socketio server: an ``aiomqtt`` subscriber task.

What python-socketio users do (it has no MQTT side of its own): one asyncio task in the server
process subscribes to the device topics and ``emit``\\ s each telemetry message to the room of
its device group, so the dashboards in that room (on any instance, through the Redis manager)
receive it as a ``msg`` event. Messages are emitted one after another, in the order the broker
delivered them (per-device order is kept). See docs/iot.md.
"""

from __future__ import annotations

import asyncio
import logging
import os
from typing import Any

import aiomqtt

from servers.common.config import ServerConfig
from servers.common.protocol import ChatError
from servers.common.telemetry import SHARED_TOPIC_FILTER, host_port, telemetry_delivery

log = logging.getLogger("servers.mqtt")
RETRY_S = 1.0


class MqttBridge:
    """Started by the first connection (the loop runs by then); :meth:`ready` returns once the
    subscription is in place, so no dashboard is in a room before the bridge listens."""

    def __init__(self, sio: Any, config: ServerConfig, room_prefix: str) -> None:
        self.sio = sio
        self.config = config
        self.room_prefix = room_prefix
        self.host, self.port = host_port(config.mqtt_url)
        self.bridged = 0
        self.rejected = 0
        self._task: asyncio.Task[None] | None = None
        self._subscribed: asyncio.Future[None] | None = None

    async def ready(self) -> None:
        if self._task is None:
            self._subscribed = asyncio.get_running_loop().create_future()
            self._task = asyncio.create_task(self._run(), name="mqtt-bridge")
        assert self._subscribed is not None
        await asyncio.shield(self._subscribed)

    async def _run(self) -> None:
        assert self._subscribed is not None
        identifier = f"bench-sio-{os.getpid()}"
        while True:
            try:
                async with aiomqtt.Client(
                    self.host,
                    self.port,
                    identifier=identifier,
                    protocol=aiomqtt.ProtocolVersion.V5,
                    max_queued_incoming_messages=0,  # unbounded: a backlog shows as latency
                ) as client:
                    await client.subscribe(SHARED_TOPIC_FILTER, qos=self.config.mqtt_qos)
                    if not self._subscribed.done():
                        self._subscribed.set_result(None)
                    await self._forward(client)
            except aiomqtt.MqttError as exc:
                log.warning("MQTT bridge: %s (broker %s); retrying", exc, self.config.mqtt_url)
                await asyncio.sleep(RETRY_S)

    async def _forward(self, client: aiomqtt.Client) -> None:
        limit = self.config.max_body_bytes
        async for message in client.messages:
            payload = message.payload
            if not isinstance(payload, bytes | bytearray):
                payload = str(payload).encode()
            try:
                out = telemetry_delivery(str(message.topic), bytes(payload), limit)
            except ChatError as exc:
                self.rejected += 1
                log.warning("MQTT bridge: dropped a message on %s: %s", message.topic, exc.message)
                continue
            await self.sio.emit("msg", out, room=self.room_prefix + out["room"])
            self.bridged += 1


def attach_bridge(sio: Any, config: ServerConfig, room_prefix: str) -> MqttBridge | None:
    """Give ``sio`` its bridge when ``BENCH_MQTT_URL`` is set (the server awaits it on connect)."""
    if not config.mqtt_url:
        return None
    bridge = MqttBridge(sio, config, room_prefix)
    sio.mqtt_bridge = bridge
    return bridge
