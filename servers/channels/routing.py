"""WebSocket routes of the Channels chat server."""

from __future__ import annotations

from django.urls import path

from servers.channels.chat import ChatConsumer

websocket_urlpatterns = [path("ws/chat/", ChatConsumer.as_asgi())]
