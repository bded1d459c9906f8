"""A tiny ASGI HTTP app answering the launcher's readiness probe at ``/healthz``."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

Scope = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[MutableMapping[str, Any]]]
Send = Callable[[MutableMapping[str, Any]], Awaitable[None]]

HEALTH_PATH = "/healthz"


async def health_app(scope: Scope, _receive: Receive, send: Send) -> None:
    if scope["type"] != "http":
        return
    found = scope.get("path") == HEALTH_PATH
    body = b"ok" if found else b"not found"
    await send(
        {
            "type": "http.response.start",
            "status": 200 if found else 404,
            "headers": [
                (b"content-type", b"text/plain"),
                (b"content-length", str(len(body)).encode()),
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})
