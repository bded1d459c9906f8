"""The ``mqttasgi`` application of the Channels server (its MQTT side, see mqtt_consumer.py)."""

from __future__ import annotations

import os

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "servers.channels.settings")
django.setup()

from typing import Any  # noqa: E402

import paho.mqtt.client  # noqa: E402
from channels.routing import ProtocolTypeRouter  # noqa: E402

from servers.channels.mqtt_consumer import TelemetryConsumer  # noqa: E402

_message_callback_add = paho.mqtt.client.Client.message_callback_add


def _shared_callback_add(self: paho.mqtt.client.Client, sub: str, callback: Any) -> None:
    """mqttasgi routes a message to its consumer by the callback paho matched for the filter it
    subscribed; paho 2.2 matches ``$share/<group>/<filter>`` literally, so a shared subscription
    (one bridge per message across instances) never matched and every message went to
    mqttasgi's "no app is subscribed" queue. The callback is registered under ``<filter>``."""
    if sub.startswith("$share/"):
        sub = sub.split("/", 2)[2]
    _message_callback_add(self, sub, callback)


paho.mqtt.client.Client.message_callback_add = _shared_callback_add  # type: ignore[method-assign]

application = ProtocolTypeRouter({"mqtt": TelemetryConsumer.as_asgi()})
