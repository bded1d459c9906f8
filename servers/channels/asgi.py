"""ASGI entry point of the Channels server: ``servers.channels.asgi:application``."""

from __future__ import annotations

import os

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "servers.channels.settings")
django.setup()

from channels.routing import ProtocolTypeRouter, URLRouter  # noqa: E402

from servers.channels.routing import websocket_urlpatterns  # noqa: E402
from servers.channels.settings import CHAT  # noqa: E402
from servers.common.health import health_app  # noqa: E402
from servers.common.metrics import metrics_for, with_metrics  # noqa: E402
from servers.common.send_queue import bounded_sends  # noqa: E402

application = ProtocolTypeRouter(
    {
        "http": with_metrics(metrics_for(CHAT, "channels"), health_app),
        "websocket": bounded_sends(URLRouter(websocket_urlpatterns), CHAT),
    }
)
