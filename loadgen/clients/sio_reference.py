"""python-socketio's own ``AsyncClient`` behind the :class:`ChatClient` interface.

The reference against which the fast client's figures are cross-checked: stock settings
(WebSocket transport only, no reconnection), nothing tuned. Its limits, which it keeps on
purpose: the receive time is taken when python-socketio dispatches the event (after its
parsing), and an open-loop send is one task per message, since ``emit`` is a coroutine.
"""

from __future__ import annotations

import asyncio
from time import monotonic
from typing import Any

import socketio

from loadgen.clients.base import (
    FORBIDDEN_ORIGIN,
    UNAUTHORIZED,
    AckCallback,
    Body,
    ClientClosed,
    CloseCallback,
    ConnectRefused,
    ErrorCallback,
    MessageCallback,
    Reply,
    RequestMethods,
    noop_close,
    noop_error,
    noop_message,
)
from loadgen.clients.sio_packets import ack_value, connect_error


class SioReferenceClient(RequestMethods):
    """One ``socketio.AsyncClient`` connection, with the :class:`ChatClient` interface."""

    def __init__(self, *, namespace: str = "/") -> None:
        self.namespace = namespace
        self.on_message: MessageCallback = noop_message
        self.on_error: ErrorCallback = noop_error
        self.on_close: CloseCallback = noop_close
        self.connected = False
        self.user: str | None = None
        self._sio = socketio.AsyncClient(reconnection=False)
        self._tasks: set[asyncio.Task[Any]] = set()
        self._refusal: Any = None
        self._sio.on("msg", self._on_msg, namespace=namespace)
        self._sio.on("error", self._on_error, namespace=namespace)
        self._sio.on("connect_error", self._on_connect_error, namespace=namespace)
        self._sio.on("disconnect", self._on_disconnect, namespace=namespace)

    async def connect(
        self,
        base_url: str,
        token: str,
        *,
        origin: str | None = None,
        timeout: float = 10,  # noqa: ASYNC109 (the interface's name)
    ) -> None:
        self.user = token.split(".", 1)[0]
        headers = {"Origin": origin} if origin is not None else {}
        try:
            await self._sio.connect(
                base_url,
                headers=headers,
                auth={"token": token},
                transports=["websocket"],
                namespaces=[self.namespace],
                wait_timeout=timeout,
            )
        except socketio.exceptions.ConnectionError as exc:
            http = getattr(self._sio.eio, "http", None)  # python-socketio leaves it open
            if http is not None:
                await http.close()
            raise self._refused(exc, origin) from None
        self.connected = True

    def _refused(self, exc: Exception, origin: str | None) -> ConnectRefused:
        if isinstance(self._refusal, dict):  # a CONNECT_ERROR from the server
            return ConnectRefused(*connect_error(self._refusal))
        # A refused handshake: python-socketio says "Connection error", not the status.
        return ConnectRefused(FORBIDDEN_ORIGIN if origin else UNAUTHORIZED, str(exc))

    async def close(self) -> None:
        self.connected = False
        await self._sio.disconnect()

    def send_nowait(
        self,
        room: str,
        msg_id: str | int,
        ts: float,
        body: Body,
        on_ack: AckCallback | None = None,
    ) -> None:
        if not self.connected:
            raise ClientClosed("not connected")
        data = {"room": room, "id": msg_id, "ts": ts, "body": body}
        callback = None if on_ack is None else _ack_callback(on_ack)
        task = asyncio.get_running_loop().create_task(
            self._sio.emit("msg", data, namespace=self.namespace, callback=callback)
        )
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def request(self, kind: str, data: object, *, ack: bool = True) -> Reply | None:
        if not ack:
            await self._sio.emit(kind, data, namespace=self.namespace)
            return None
        return await self._call(kind, data)

    async def send_raw(self, frame: str | bytes) -> None:
        ws = getattr(self._sio.eio, "ws", None)  # the aiohttp WebSocket under Engine.IO
        if ws is None or not self.connected:
            raise ClientClosed("not connected")
        if isinstance(frame, str):
            await ws.send_str(frame)
        else:
            await ws.send_bytes(frame)

    async def _call(self, kind: str, data: object) -> Reply:
        if not self.connected:
            raise ClientClosed("not connected")
        try:
            reply = await self._sio.call(kind, data, namespace=self.namespace)
        except socketio.exceptions.BadNamespaceError:
            raise ClientClosed("not connected") from None
        return reply  # type: ignore[no-any-return]

    async def _on_msg(self, data: dict[str, Any]) -> None:
        self.on_message(data, monotonic())

    async def _on_error(self, data: dict[str, Any]) -> None:
        self.on_error(data)

    async def _on_connect_error(self, data: Any = None) -> None:
        self._refusal = data

    async def _on_disconnect(self, reason: Any = None) -> None:
        if self.connected:
            self.connected = False
            self.on_close(str(reason or "closed by server"))


def _ack_callback(on_ack: AckCallback) -> Any:
    def callback(*args: Any) -> None:
        on_ack(ack_value(list(args)), monotonic())

    return callback
