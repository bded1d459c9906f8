"""The HTTP side of the idiomatic profile: Django's own ASGI app, the readiness probe beside it."""

from __future__ import annotations

import os

from servers.common.health import HEALTH_PATH, Receive, Scope, Send


def django_beside(health: object) -> object:
    """An ASGI app sending the launcher's probe (and lifespan) to ``health`` and every other
    HTTP request to Django (``get_asgi_application()``, which sets Django up)."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "servers.idiomatic.settings")
    from django.core.asgi import get_asgi_application

    django_app = get_asgi_application()

    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope.get("path") == HEALTH_PATH:
            await health(scope, receive, send)  # type: ignore[operator]
        else:
            await django_app(scope, receive, send)

    return app
