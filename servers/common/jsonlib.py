"""The one JSON library of both servers (orjson), shaped as python-socketio expects."""

from __future__ import annotations

from typing import Any

import orjson

JSONDecodeError = orjson.JSONDecodeError


def dumps(obj: Any, **_: Any) -> str:
    """Serialize to text; keyword arguments such as ``separators`` are accepted and ignored."""
    return orjson.dumps(obj).decode()


def dumps_bytes(obj: Any) -> bytes:
    return orjson.dumps(obj)


def loads(data: str | bytes, **_: Any) -> Any:
    return orjson.loads(data)
