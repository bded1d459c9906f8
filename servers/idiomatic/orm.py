"""The ORM calls of the idiomatic profile, synchronous: each server wraps them in its own
framework's way (Channels ``database_sync_to_async``, python-socketio asgiref ``sync_to_async``).
"""

from __future__ import annotations

import time
from typing import Any

import orjson
from django.contrib.auth.models import AnonymousUser

from servers.common.protocol import Body, history_entry
from servers.idiomatic.models import Message, Token


def get_user(key: object) -> Any:
    """The active user whose unexpired token is ``key``, else ``AnonymousUser``."""
    if not isinstance(key, str) or not key:
        return AnonymousUser()
    token = Token.objects.select_related("user").filter(key=key, expires__gte=time.time()).first()
    if token is None or not token.user.is_active:
        return AnonymousUser()
    return token.user


def save_message(room: str, msg_id: str | int, sender: str, ts: float, body: Body) -> None:
    text, blob = (None, body) if isinstance(body, bytes) else (body, None)
    Message.objects.create(
        room=room, msg_id=orjson.dumps(msg_id).decode(), sender=sender, ts=ts,
        body_text=text, body_bin=blob,
    )  # fmt: skip


def read_history(room: str, limit: int) -> list[dict[str, Any]]:
    """The last ``limit`` messages of ``room``, oldest first."""
    latest = list(Message.objects.filter(room=room).order_by("-id")[:limit])
    entries = []
    for m in reversed(latest):
        body = bytes(m.body_bin) if m.body_bin is not None else m.body_text
        entries.append(history_entry(m.room, orjson.loads(m.msg_id), m.sender, m.ts, body))
    return entries
