"""ASGI entry point of the Channels server: ``servers.channels.asgi:application``."""

from __future__ import annotations

import os
from typing import Any

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "servers.channels.settings")
django.setup()

from channels.routing import ProtocolTypeRouter, URLRouter  # noqa: E402

from servers.channels.routing import websocket_urlpatterns  # noqa: E402
from servers.channels.settings import CHAT  # noqa: E402
from servers.common.health import health_app  # noqa: E402
from servers.common.metrics import metrics_for, with_metrics  # noqa: E402
from servers.common.send_queue import bounded_sends  # noqa: E402

http: Any = health_app
websocket: Any = URLRouter(websocket_urlpatterns)
if CHAT.profile == "idiomatic":  # Django's HTTP app; the token looked up by auth middleware
    from servers.idiomatic.channels import TokenAuthMiddleware
    from servers.idiomatic.http import django_beside

    http = django_beside(health_app)
    websocket = TokenAuthMiddleware(websocket)

application = ProtocolTypeRouter(
    {
        "http": with_metrics(metrics_for(CHAT, "channels"), http),
        "websocket": bounded_sends(websocket, CHAT),
    }
)
