"""The one interface of the load generator's chat clients, and the types they share.

Every client speaks the chat contract of ``docs/protocol.md`` and hands back the same,
normalized replies: ``{"ok": True, ...}`` on success, ``{"error": {"code", "message"}}`` on
failure. Clients never compute statistics: they call the user's callbacks with what arrived and
when (``time.monotonic()`` taken as the frame arrived, before parsing).
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable
from typing import Any, Protocol

Body = str | bytes
Reply = dict[str, Any]
AckCallback = Callable[[Reply, float], None]
MessageCallback = Callable[[dict[str, Any], float], None]
ErrorCallback = Callable[[dict[str, Any]], None]
CloseCallback = Callable[[str], None]

UNAUTHORIZED = "unauthorized"
FORBIDDEN_ORIGIN = "forbidden_origin"


class ConnectRefused(Exception):
    """The server refused the connection.

    Attributes:
        code: ``"unauthorized"``, ``"forbidden_origin"``, or ``"http_<status>"`` when a refused
            handshake says no more than its HTTP status.
        status: the HTTP status of a refused handshake, ``None`` for a Socket.IO
            ``CONNECT_ERROR`` (the handshake itself succeeded).
    """

    def __init__(self, code: str, message: str = "", status: int | None = None) -> None:
        super().__init__(f"{code}: {message}" if message else code)
        self.code = code
        self.message = message
        self.status = status


class ClientClosed(Exception):
    """The connection is closed (or was never opened): the request cannot complete."""


def refusal_for_status(status: int, origin: str | None, body: str = "") -> ConnectRefused:
    """Name a refused WebSocket handshake.

    Both servers check the ``Origin`` before the token, and a handshake refusal is the only way
    either refuses an origin (sio: HTTP 400, Channels: HTTP 403). Channels also refuses a bad
    token with 403, so a 403/400 is read as ``forbidden_origin`` when an ``Origin`` was sent and
    as ``unauthorized`` otherwise; other statuses keep their number.
    """
    if status in (400, 403):
        code = FORBIDDEN_ORIGIN if origin is not None else UNAUTHORIZED
        if status == 400 and origin is None:
            code = "http_400"
    else:
        code = f"http_{status}"
    return ConnectRefused(code, body or f"handshake refused with HTTP {status}", status)


def noop_message(data: dict[str, Any], received: float) -> None:
    """Default ``on_message``: drop the delivery."""


def noop_error(data: dict[str, Any]) -> None:
    """Default ``on_error``: drop the error."""


def noop_close(reason: str) -> None:
    """Default ``on_close``."""


class RequestMethods(ABC):
    """The contract's requests, written once for every client: each is one ``_call``."""

    @abstractmethod
    async def _call(self, kind: str, data: object) -> Reply:
        """Send one request of ``kind`` and wait for its reply (each transport's own)."""

    async def join(self, room: str) -> Reply:
        return await self._call("join", {"room": room})

    async def leave(self, room: str) -> Reply:
        return await self._call("leave", {"room": room})

    async def history(self, room: str, limit: int = 50) -> Reply:
        return await self._call("history", {"room": room, "limit": limit})

    async def presence(self, room: str) -> Reply:
        return await self._call("presence", {"room": room})

    async def send(self, room: str, msg_id: str | int, ts: float, body: Body) -> Reply:
        return await self._call("msg", {"room": room, "id": msg_id, "ts": ts, "body": body})


class ChatClient(Protocol):
    """One connection to a chat server.

    Callbacks are plain attributes, set by the user before ``connect``:
    ``on_message(delivery, received)`` for each room delivery ``{room, id, ts, from, body}``,
    ``on_error(error)`` for error events that answer no request, ``on_close(reason)`` when the
    connection drops.
    """

    on_message: MessageCallback
    on_error: ErrorCallback
    on_close: CloseCallback
    connected: bool
    user: str | None

    async def connect(
        self,
        base_url: str,
        token: str,
        *,
        origin: str | None = None,
        timeout: float = 10,  # noqa: ASYNC109 (the interface's name)
    ) -> None:
        """Open the connection; raise :class:`ConnectRefused` when the server says no."""
        ...

    async def join(self, room: str) -> Reply: ...

    async def leave(self, room: str) -> Reply: ...

    async def send(self, room: str, msg_id: str | int, ts: float, body: Body) -> Reply:
        """Send a message and wait for its ack."""
        ...

    def send_nowait(
        self,
        room: str,
        msg_id: str | int,
        ts: float,
        body: Body,
        on_ack: AckCallback | None = None,
    ) -> None:
        """Send a message without waiting (open loop); ``on_ack(reply, received)`` later.

        With ``on_ack=None`` no ack is wanted; an error then reaches ``on_error``.
        """
        ...

    async def history(self, room: str, limit: int = 50) -> Reply: ...

    async def presence(self, room: str) -> Reply: ...

    async def request(self, kind: str, data: object, *, ack: bool = True) -> Reply | None:
        """Send any request (malformed ones too); return its reply, ``None`` if ``ack=False``."""
        ...

    async def send_raw(self, frame: str | bytes) -> None:
        """Send one raw WebSocket frame (text for ``str``, binary for ``bytes``)."""
        ...

    async def close(self) -> None: ...
