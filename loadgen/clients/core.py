"""What the fast clients share: the request methods, the ack table, and the end of a connection.

A subclass speaks one wire protocol: it opens the transport (``connect``), sends one request
(``_emit``), sends a message on the hot path (``send_nowait``) and parses frames (``on_text``,
``on_binary``); this class turns that into the awaitable :class:`ChatClient` methods.
"""

from __future__ import annotations

import asyncio
from abc import ABC, abstractmethod
from collections.abc import Callable
from typing import Any, TypeVar

from loadgen.clients.base import (
    AckCallback,
    ClientClosed,
    CloseCallback,
    ErrorCallback,
    MessageCallback,
    Reply,
    RequestMethods,
    noop_close,
    noop_error,
    noop_message,
)
from loadgen.clients.transports import DEFAULT_LIBRARY, Transport

T = TypeVar("T")


def _closed_send(_data: bytes) -> None:
    raise ClientClosed("not connected")


def http_to_ws(base_url: str) -> str:
    """``http://h:p`` -> ``ws://h:p`` (``https`` -> ``wss``); ``ws(s)://`` kept."""
    url = base_url.rstrip("/")
    return "ws" + url[4:] if url.startswith("http") else url


class ClientCore(RequestMethods, ABC):
    """Request/ack bookkeeping and connection state, common to the sio and Channels clients."""

    def __init__(self, *, library: str = DEFAULT_LIBRARY, coalesce: bool = True) -> None:
        self.library = library
        self.coalesce = coalesce  # batch the writes of one loop iteration (framing.py)
        self.on_message: MessageCallback = noop_message
        self.on_error: ErrorCallback = noop_error
        self.on_close: CloseCallback = noop_close
        self.connected = False
        self.user: str | None = None
        self._transport: Transport | None = None
        # the transport's, bound once: the hot path's sender
        self._send_text: Callable[[bytes], None] = _closed_send
        self._next_id = 0
        self._pending: dict[Any, AckCallback] = {}  # ack id (sio) or ref (Channels) -> callback
        self._waiting: set[asyncio.Future[Any]] = set()  # awaited by _call or connect
        self._close_reason: str | None = None
        self._closing: asyncio.Task[None] | None = None

    # --- requests, built on the subclass's _emit ------------------------------------------

    async def request(self, kind: str, data: object, *, ack: bool = True) -> Reply | None:
        if not ack:
            self._emit(kind, data, None)
            return None
        return await self._call(kind, data)

    async def send_raw(self, frame: str | bytes) -> None:
        transport = self._require()
        if isinstance(frame, str):
            transport.send_text(frame.encode())
        else:
            transport.send_binary(frame)

    @abstractmethod
    def _emit(self, kind: str, data: object, on_ack: AckCallback | None) -> None:
        """Send one request of the subclass's wire protocol (ack wanted when ``on_ack``)."""

    async def _call(self, kind: str, data: object) -> Reply:
        future: asyncio.Future[Reply] = asyncio.get_running_loop().create_future()

        def resolve(reply: Reply, _received: float) -> None:
            if not future.done():
                future.set_result(reply)

        self._emit(kind, data, resolve)
        return await self._wait(future)

    async def _wait(self, future: asyncio.Future[T]) -> T:
        """Await ``future``; it fails with ClientClosed if the connection ends first."""
        self._waiting.add(future)
        try:
            return await future
        finally:
            self._waiting.discard(future)

    def _new_id(self, on_ack: AckCallback) -> int:
        ack_id = self._next_id = self._next_id + 1
        self._pending[ack_id] = on_ack
        return ack_id

    def _require(self) -> Transport:
        if self._transport is None:
            raise ClientClosed("not connected")
        return self._transport

    # --- the end of a connection --------------------------------------------------------------

    def _opened(self, transport: Transport) -> None:
        self._transport, self._send_text = transport, transport.send_text
        self._close_reason = None

    async def close(self) -> None:
        transport = self._transport
        if transport is None:
            return
        if self.connected:
            self.connected = False
            self._goodbye()
        await transport.close()

    def _goodbye(self) -> None:
        """Send what the protocol sends before a deliberate close (nothing by default)."""

    def _drop(self, reason: str) -> None:
        """Close at the server's request (a close or disconnect packet)."""
        if self._transport is not None and self._close_reason is None:
            self._close_reason = reason
            self._closing = asyncio.get_running_loop().create_task(self._transport.close())

    def on_closed(self, reason: str) -> None:
        """FrameSink: the transport is gone; fail what waits, tell the user if it was a drop."""
        reason = self._close_reason or reason
        was_open = self.connected
        self.connected = False
        self._transport = None
        self._send_text = _closed_send
        self._pending.clear()
        for future in self._waiting:
            if not future.done():
                future.set_exception(ClientClosed(reason))
        if was_open:
            self.on_close(reason)
