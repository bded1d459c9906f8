"""The IoT-dashboard bridge of the Channels server: an ``mqttasgi`` consumer, ``group_send``.

The Channels way to speak MQTT: ``mqttasgi`` is an ASGI protocol server for MQTT (as Daphne is
for HTTP and WebSockets). It runs as a process of its own beside the ASGI server, one per
instance (started by :mod:`servers.launch.mqtt_sidecar`), with this consumer as its application.
The consumer subscribes to the device topics and sends each telemetry message to the channel
group of its device group, pre-encoded, exactly as :meth:`ChatConsumer.msg` does for a chat
message; the dashboards' consumers (in the ASGI server process) forward it. The two processes
meet in the channel layer, so this needs a shared layer (Redis) even with one instance.
"""

from __future__ import annotations

import logging
import os
from pathlib import Path
from typing import Any

from mqttasgi.consumers import MqttConsumer

from servers.channels.chat import config, group_name
from servers.common import jsonlib
from servers.common.protocol import ChatError
from servers.common.telemetry import SHARED_TOPIC_FILTER, telemetry_delivery

log = logging.getLogger("servers.mqtt")
READY_FILE_ENV = "BENCH_MQTT_READY_FILE"  # written once subscribed (the sidecar waits for it)


class TelemetryConsumer(MqttConsumer):  # type: ignore[misc]
    async def connect(self) -> None:
        await self.subscribe(SHARED_TOPIC_FILTER, config.mqtt_qos)
        ready = os.environ.get(READY_FILE_ENV)
        if ready:
            Path(ready).write_text(str(os.getpid()))  # noqa: ASYNC240 (once, a few bytes)

    async def receive(self, mqtt_message: dict[str, Any]) -> None:
        topic = mqtt_message["topic"]
        try:
            out = telemetry_delivery(topic, bytes(mqtt_message["payload"]), config.max_body_bytes)
        except ChatError as exc:
            log.warning("MQTT bridge: dropped a message on %s: %s", topic, exc.message)
            return
        event = {"type": "chat.msg", "text": jsonlib.dumps({"type": "msg", **out})}
        await self.channel_layer.group_send(group_name(out["room"]), event)

    async def disconnect(self) -> None:
        log.warning("MQTT bridge: disconnected from %s", config.mqtt_url)
