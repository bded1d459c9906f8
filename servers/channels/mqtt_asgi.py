"""The ``mqttasgi`` application of the Channels server (its MQTT side, see mqtt_consumer.py)."""

from __future__ import annotations

import os

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "servers.channels.settings")
django.setup()

from channels.routing import ProtocolTypeRouter  # noqa: E402

from servers.channels.mqtt_consumer import TelemetryConsumer  # noqa: E402

application = ProtocolTypeRouter({"mqtt": TelemetryConsumer.as_asgi()})
