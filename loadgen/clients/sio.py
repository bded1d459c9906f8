"""The fast Socket.IO client: Engine.IO v4 / Socket.IO v5 over a bare WebSocket or long-polling.

``transport="websocket"`` (default) opens a WebSocket straight away; ``transport="polling"``
stays on HTTP long-polling (:mod:`loadgen.clients.polling`), the fallback, and never upgrades.
Both feed the same code below, one Engine.IO packet at a time. The hot path -- open-loop
``send_nowait`` and the receipt of deliveries and acks -- uses pre-built packet prefixes,
orjson, and callbacks keyed by ack id: no future and no task per message. Anything off the hot
path (binary attachments, other namespaces, server events other than ``msg``, Engine.IO
control packets) goes through the pure codec in :mod:`loadgen.clients.sio_packets`.
"""

from __future__ import annotations

import asyncio
from typing import Any

import orjson

from loadgen.clients import sio_packets as sp
from loadgen.clients.base import AckCallback, Body, ConnectRefused
from loadgen.clients.core import ClientCore, http_to_ws
from loadgen.clients.transports import DEFAULT_LIBRARY, open_transport

_dumps = orjson.dumps
_loads = orjson.loads
_MSG = "msg"
SOCKETIO_PATH = "/socket.io/?EIO=4&transport=websocket"
TRANSPORTS = ("websocket", "polling")


class SioClient(ClientCore):
    """One Socket.IO connection to one namespace, with the :class:`ChatClient` interface.

    ``library`` and ``coalesce`` apply to the WebSocket transport; long-polling always runs on
    aiohttp and always batches (one POST in flight).
    """

    def __init__(
        self,
        *,
        namespace: str = "/",
        transport: str = "websocket",
        library: str = DEFAULT_LIBRARY,
        coalesce: bool = True,
    ) -> None:
        if transport not in TRANSPORTS:
            raise ValueError(f"unknown Socket.IO transport {transport!r}; choose from {TRANSPORTS}")
        super().__init__(library=library, coalesce=coalesce)
        self.namespace = namespace
        self.transport_name = transport
        self.sid: str | None = None
        ns = sp.namespace_prefix(namespace)
        self._event_prefix = b"42" + ns  # EVENT: 42[/ns,][ack id][...]
        self._delivery_prefix = self._event_prefix + b"["  # an EVENT without ack id
        self._ack_prefix = b"43" + ns  # ACK: 43[/ns,]<ack id>[...]
        self._prefix_len = len(self._event_prefix)
        self._partial: sp.Packet | None = None  # a binary packet waiting for attachments
        self._handshake: asyncio.Future[Any] | None = None

    async def connect(
        self,
        base_url: str,
        token: str,
        *,
        origin: str | None = None,
        timeout: float = 10,  # noqa: ASYNC109 (the interface's name)
    ) -> None:
        self.user = token.split(".", 1)[0]
        loop = asyncio.get_running_loop()
        self._handshake = loop.create_future()
        async with asyncio.timeout(timeout):
            if self.transport_name == "polling":
                from loadgen.clients.polling import open_polling  # aiohttp: imported when used

                transport = await open_polling(base_url, self, origin=origin)
            else:
                url = http_to_ws(base_url) + SOCKETIO_PATH
                transport = await open_transport(
                    self.library, url, self, origin=origin, coalesce=self.coalesce
                )
            self._opened(transport)
            try:
                await self._wait(self._handshake)  # the Engine.IO open packet
                self._handshake = loop.create_future()
                self._send_frames(sp.encode(sp.CONNECT, {"token": token}, namespace=self.namespace))
                self.sid = (await self._wait(self._handshake)).get("sid")
            except BaseException:
                await transport.close()
                raise
        self.connected = True

    def send_nowait(
        self,
        room: str,
        msg_id: str | int,
        ts: float,
        body: Body,
        on_ack: AckCallback | None = None,
    ) -> None:
        data = {"room": room, "id": msg_id, "ts": ts, "body": body}
        if body.__class__ is bytes:
            self._emit(_MSG, data, on_ack)
        elif on_ack is None:
            self._send_text(self._event_prefix + _dumps([_MSG, data]))
        else:
            ack_id = self._next_id = self._next_id + 1
            self._pending[ack_id] = on_ack
            self._send_text(b"%b%d%b" % (self._event_prefix, ack_id, _dumps([_MSG, data])))

    def _emit(self, kind: str, data: object, on_ack: AckCallback | None) -> None:
        self._require()
        ack_id = None if on_ack is None else self._new_id(on_ack)
        self._send_frames(
            sp.encode(sp.EVENT, [kind, data], namespace=self.namespace, ack_id=ack_id)
        )

    def _send_frames(self, frames: list[bytes]) -> None:
        transport = self._require()
        transport.send_text(frames[0])
        for attachment in frames[1:]:
            transport.send_binary(attachment)

    def _goodbye(self) -> None:
        self._send_frames(sp.encode(sp.DISCONNECT, namespace=self.namespace))

    # --- receiving (FrameSink) --------------------------------------------------------------

    def on_text(self, data: bytes, received: float) -> None:
        n = self._prefix_len
        if data.startswith(self._delivery_prefix):
            event = _loads(data[n:])
            if event[0] == _MSG:
                self.on_message(event[1], received)
                return
        elif data.startswith(self._ack_prefix):
            bracket = data.find(b"[", n)
            try:
                ack_id = int(data[n:bracket])
            except ValueError:  # another namespace's packet, or no ack id: the slow path
                pass
            else:
                on_ack = self._pending.pop(ack_id, None)
                if on_ack is not None:
                    args = _loads(data[bracket:])
                    on_ack(args[0] if len(args) == 1 else args, received)
                return
        self._on_other(data, received)

    def on_binary(self, data: bytes, received: float) -> None:
        packet = self._partial
        if packet is None:
            self.on_error({"code": "protocol", "message": "binary frame without a packet"})
            return
        packet.buffers.append(bytes(data))
        if len(packet.buffers) == packet.attachments:
            self._partial = None
            self._on_packet(sp.complete(packet), received)

    def _on_other(self, data: bytes, received: float) -> None:
        kind = data[0] if data else -1
        if kind == sp.EIO_PING:
            self._send_text(sp.PONG_FRAME)
        elif kind == sp.EIO_OPEN:
            if self._handshake is not None and not self._handshake.done():
                self._handshake.set_result(sp.decode_open(data))
        elif kind == sp.EIO_MESSAGE:
            packet = sp.decode(data)
            if packet.attachments:
                self._partial = packet
            else:
                self._on_packet(packet, received)
        elif kind == sp.EIO_CLOSE:
            self._drop("closed by server (Engine.IO close)")

    def _on_packet(self, packet: sp.Packet, received: float) -> None:
        if packet.namespace != self.namespace:
            return
        if packet.type == sp.EVENT and isinstance(packet.data, list) and packet.data:
            name, args = packet.data[0], packet.data[1:]
            if name == _MSG and args:
                self.on_message(args[0], received)
            elif name == "error" and args:
                self.on_error(args[0])
            if packet.id is not None:  # the server wants an ack: send an empty one
                self._send_frames(sp.encode(sp.ACK, [], namespace=self.namespace, ack_id=packet.id))
        elif packet.type == sp.ACK and packet.id is not None:
            on_ack = self._pending.pop(packet.id, None)
            if on_ack is not None:
                on_ack(sp.ack_value(packet.data), received)
        elif packet.type in (sp.CONNECT, sp.CONNECT_ERROR):
            self._on_connect_reply(packet)
        elif packet.type == sp.DISCONNECT:
            self._drop("disconnected by server")

    def _on_connect_reply(self, packet: sp.Packet) -> None:
        handshake = self._handshake
        if handshake is None or handshake.done():
            return
        if packet.type == sp.CONNECT:
            handshake.set_result(packet.data if isinstance(packet.data, dict) else {})
            return
        code, message = sp.connect_error(packet.data)
        handshake.set_exception(ConnectRefused(code, message))
