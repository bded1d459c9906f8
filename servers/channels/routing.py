"""WebSocket routes of the Channels chat server."""

from __future__ import annotations

from django.conf import settings
from django.urls import path

from servers.channels.chat import ChatConsumer
from servers.launch.mqtt_sidecar import start_mqttasgi

websocket_urlpatterns = [path("ws/chat/", ChatConsumer.as_asgi())]

# IoT dashboards (BENCH_MQTT_URL set): Channels' MQTT protocol server beside this one.
mqtt_bridge = start_mqttasgi(settings.CHAT)
