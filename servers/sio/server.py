"""python-socketio's server hardened against hostile clients, with no change to the contract.

``ChatServer`` checks every decoded Socket.IO packet before python-socketio dispatches it, caps
binary attachments, and answers what it refuses with the contract's error reply (the ack when
the packet asked for one, else an ``error`` event). ``ChatEngineServer`` closes, with a close
frame and a log line, a WebSocket whose frame python-engineio cannot decode, and answers a
long-polling POST over ``maxPayload`` at once.
"""

from __future__ import annotations

import contextvars
import logging
from typing import Any
from urllib.parse import parse_qs

import engineio
import socketio
from engineio.async_drivers import asgi as eio_asgi
from socketio import packet

from servers.common import protocol
from servers.common.protocol import ChatError
from servers.sio.packets import (
    BINARY_TYPES,
    bad,
    check_attachment,
    check_packet,
    engineio_frame_fault,
)

log = logging.getLogger("servers.sio")
# Whether the event being handled asked for an ack: errors go to the ack when it did, else
# to an ``error`` event. python-socketio does not expose this, so the server records it.
ACK_REQUESTED: contextvars.ContextVar[bool] = contextvars.ContextVar("ack", default=True)
RESERVED_EVENTS = frozenset({"connect", "connect_error", "disconnect", "*"})
_UNREBUILDABLE = (ValueError, IndexError, KeyError, TypeError, RecursionError)


class ChatServer(socketio.AsyncServer):  # type: ignore[misc]
    def __init__(self, *args: Any, attachment_limit: int, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.attachment_limit = attachment_limit
        self._attachment_bytes: dict[str, int] = {}

    def _engineio_server_class(self) -> type[engineio.AsyncServer]:
        return ChatEngineServer

    async def refuse(self, eio_sid: str, ack_id: int | None, error: ChatError) -> None:
        """The contract's error reply to a packet the server will not dispatch."""
        if ack_id is not None:
            reply = self.packet_class(packet.ACK, namespace="/", id=ack_id, data=[error.payload()])
            await self._send_packet(eio_sid, reply)
            return
        sid = self.manager.sid_from_eio_sid(eio_sid, "/")
        if sid is not None:
            await self.emit("error", {"code": error.code, "message": error.message}, to=sid)

    async def _handle_event_internal(
        self, server: Any, sid: str, eio_sid: str, data: Any, namespace: str, id: Any
    ) -> None:
        ACK_REQUESTED.set(id is not None)
        if data[0] in RESERVED_EVENTS:
            # An EVENT named like a lifecycle event would run that handler (a client could
            # "disconnect" itself server-side and wedge its connection): refuse it instead.
            await self.refuse(eio_sid, id, bad(f"event name {data[0]!r} is reserved"))
            return
        await super()._handle_event_internal(server, sid, eio_sid, data, namespace, id)

    async def _handle_eio_message(self, eio_sid: str, data: Any) -> None:
        pending = self._binary_packet.get(eio_sid)
        if pending is not None and await self._add_attachment(eio_sid, pending, data):
            return
        if not isinstance(data, str):
            # Engine.IO decodes "4null", "4true"...: JSON, not a Socket.IO packet (4true would
            # read as DISCONNECT); bytes here are an attachment nothing announced.
            what = "binary data" if isinstance(data, bytes) else f"JSON {type(data).__name__}"
            await self.refuse(eio_sid, None, bad(f"{what} is not a Socket.IO packet"))
            return
        try:
            pkt = self.packet_class(encoded_packet=data)
        except (ValueError, TypeError) as exc:
            await self.refuse(eio_sid, None, bad(f"malformed packet: {exc}"))
            return
        try:
            check_packet(pkt)
        except ChatError as exc:
            await self.refuse(eio_sid, pkt.id, exc)
            return
        await self._dispatch(eio_sid, pkt)

    async def _dispatch(self, eio_sid: str, pkt: Any) -> None:
        """python-socketio's own dispatch, on a packet already decoded and checked."""
        kind = pkt.packet_type
        if kind == packet.CONNECT:
            await self._handle_connect(eio_sid, pkt.namespace, pkt.data)
        elif kind == packet.DISCONNECT:
            await self._handle_disconnect(eio_sid, pkt.namespace, self.reason.CLIENT_DISCONNECT)
        elif kind == packet.EVENT:
            await self._handle_event(eio_sid, pkt.namespace, pkt.id, pkt.data)
        elif kind == packet.ACK:
            await self._handle_ack(eio_sid, pkt.namespace, pkt.id, pkt.data)
        elif kind in BINARY_TYPES:
            if self.manager.sid_from_eio_sid(eio_sid, "/") is None:
                log.warning("binary packet before CONNECT from %s: ignored", eio_sid)
                return
            self._binary_packet[eio_sid] = pkt
            self._attachment_bytes[eio_sid] = 0
        else:
            await self.refuse(eio_sid, pkt.id, bad(f"unexpected packet type {kind!r}"))

    async def _add_attachment(self, eio_sid: str, pending: Any, data: Any) -> bool:
        """Add ``data`` to the packet awaiting attachments; False when ``data`` is a new packet."""
        try:
            buffered = self._attachment_bytes.get(eio_sid, 0)
            self._attachment_bytes[eio_sid] = check_attachment(
                data, buffered, self.attachment_limit
            )
            complete = pending.add_attachment(data)
        except ChatError as exc:
            self._drop_pending(eio_sid)
            await self.refuse(eio_sid, pending.id, exc)
            return isinstance(data, bytes)
        except _UNREBUILDABLE as exc:
            self._drop_pending(eio_sid)
            await self.refuse(eio_sid, pending.id, bad(f"binary packet cannot be rebuilt: {exc}"))
            return True
        if complete:
            self._drop_pending(eio_sid)
            if pending.packet_type == packet.BINARY_EVENT:
                await self._handle_event(eio_sid, pending.namespace, pending.id, pending.data)
            else:
                await self._handle_ack(eio_sid, pending.namespace, pending.id, pending.data)
        return True

    def _drop_pending(self, eio_sid: str) -> None:
        self._binary_packet.pop(eio_sid, None)
        self._attachment_bytes.pop(eio_sid, None)

    async def _handle_eio_connect(self, eio_sid: str, environ: Any) -> Any:
        result = await super()._handle_eio_connect(eio_sid, environ)  # starts the manager
        wait_bound = getattr(self.manager, "wait_bound", None)
        if wait_bound is not None:  # RabbitMQ: no client in a room before its queue listens
            await wait_bound()
        return result

    async def _handle_eio_disconnect(self, eio_sid: str, reason: Any) -> None:
        self._attachment_bytes.pop(eio_sid, None)
        await super()._handle_eio_disconnect(eio_sid, reason)


class CheckedWebSocket(eio_asgi.WebSocket):  # type: ignore[misc]
    """python-engineio's ASGI WebSocket, closing (1002) on a frame Engine.IO cannot decode."""

    async def wait(self) -> Any:
        data = await super().wait()
        fault = engineio_frame_fault(data) if isinstance(data, str) else None
        if fault is not None:
            log.warning("closing a WebSocket (1002): %s", fault)
            await self.asgi_send({"type": "websocket.close", "code": 1002, "reason": fault})
            raise OSError(fault)  # ends python-engineio's read loop: the socket closes
        return data


class ChatEngineServer(engineio.AsyncServer):  # type: ignore[misc]
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        drivers: dict[str, Any] = self.__dict__["_async"]
        self._async = {**drivers, "websocket": CheckedWebSocket}

    async def handle_request(self, *args: Any, **kwargs: Any) -> Any:
        scope, _receive, send = args
        if scope.get("type") == "http" and scope.get("method") == "POST":
            length = _content_length(scope)
            if length > self.max_http_buffer_size:
                await self._refuse_post(scope, send, length)
                return None
        return await super().handle_request(*args, **kwargs)

    async def _refuse_post(self, scope: dict[str, Any], send: Any, length: int) -> None:
        """413 at once and the session closed (python-engineio waits for a poll first)."""
        query = parse_qs(scope.get("query_string", b"").decode("latin-1"))
        sid = query.get("sid", [""])[0]
        limit = self.max_http_buffer_size
        log.warning(
            "long-polling POST of %d bytes over maxPayload (%d): session closed", length, limit
        )
        socket = self.sockets.pop(sid, None)
        if socket is not None:
            await socket.close(wait=False, abort=False, reason=self.reason.TRANSPORT_ERROR)
        body = f"{protocol.TOO_LARGE}: POST of {length} bytes is over maxPayload {limit}".encode()
        headers = [(b"content-type", b"text/plain"), (b"content-length", str(len(body)).encode())]
        await send({"type": "http.response.start", "status": 413, "headers": headers})
        await send({"type": "http.response.body", "body": body})


def _content_length(scope: dict[str, Any]) -> int:
    for name, value in scope.get("headers", ()):
        if name.lower() == b"content-length":
            try:
                return int(value)
            except ValueError:
                return 0
    return 0
