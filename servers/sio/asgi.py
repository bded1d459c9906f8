"""ASGI entry point of the python-socketio server: ``servers.sio.asgi:application``."""

from __future__ import annotations

import os

import socketio

from servers.common.config import ServerConfig
from servers.common.health import health_app
from servers.common.logs import show_causes
from servers.common.metrics import metrics_for, with_metrics
from servers.common.send_queue import bounded_sends
from servers.sio.chat import build_server

show_causes("socketio.server", "socketio.client")
config = ServerConfig.from_env(os.environ)
sio = build_server(config)
application = bounded_sends(
    socketio.ASGIApp(
        sio,
        other_asgi_app=with_metrics(metrics_for(config, "sio"), health_app),
        socketio_path="socket.io",
    ),
    config,
)
