"""ASGI entry point of the python-socketio server: ``servers.sio.asgi:application``."""

from __future__ import annotations

import os
from typing import Any

import socketio

from servers.common.config import ServerConfig
from servers.common.health import health_app
from servers.common.logs import show_causes
from servers.common.metrics import metrics_for, with_metrics
from servers.common.send_queue import bounded_sends
from servers.idiomatic.http import django_beside
from servers.sio.chat import build_server

show_causes("socketio.server", "socketio.client")
config = ServerConfig.from_env(os.environ)
# The idiomatic profile mounts the Socket.IO server beside Django's ASGI app (set up first).
http: Any = django_beside(health_app) if config.profile == "idiomatic" else health_app
sio = build_server(config)
application = bounded_sends(
    socketio.ASGIApp(
        sio,
        other_asgi_app=with_metrics(metrics_for(config, "sio"), http),
        socketio_path="socket.io",
    ),
    config,
)
