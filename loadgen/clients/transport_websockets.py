"""The websockets transport: frames taken from its Sans-I/O protocol, before its assembler."""

from __future__ import annotations

from time import monotonic
from typing import Any

from loadgen.clients.base import refusal_for_status
from loadgen.clients.framing import FrameWriter
from loadgen.clients.transports import MAX_FRAME, FrameSink, Transport, wss_context


async def open_websockets(
    url: str, sink: FrameSink, headers: dict[str, str], origin: str | None, coalesce: bool
) -> Transport:
    from websockets.asyncio.client import ClientConnection, connect
    from websockets.exceptions import InvalidStatus
    from websockets.frames import Opcode

    text, binary, cont = Opcode.TEXT, Opcode.BINARY, Opcode.CONT

    class Connection(ClientConnection):
        parts: list[bytes] | None = None
        part_type: Any = None
        reason = "closed by server"

        def process_event(self, event: Any) -> None:
            if self.response is None:
                super().process_event(event)
                return
            received, kind, data = monotonic(), event.opcode, event.data
            if data.__class__ is not bytes:  # websockets may hand out a bytearray
                data = bytes(data)
            if event.fin and kind is text:
                sink.on_text(data, received)
            elif event.fin and kind is binary:
                sink.on_binary(data, received)
            elif kind in (text, binary, cont):
                if kind is not cont:
                    self.parts, self.part_type = [], kind
                if self.parts is not None:
                    self.parts.append(data)
                    if event.fin:
                        data, self.parts = b"".join(self.parts), None
                        handler = sink.on_text if self.part_type is text else sink.on_binary
                        handler(data, received)

        def connection_lost(self, exc: Exception | None) -> None:
            super().connection_lost(exc)
            sink.on_closed(self.reason)

    try:
        ws = await connect(
            url,
            additional_headers=headers,
            create_connection=Connection,
            compression=None,
            max_size=MAX_FRAME,
            ping_interval=None,
            open_timeout=None,
            ssl=wss_context(url),
        )
    except InvalidStatus as exc:
        status = exc.response.status_code
        body = exc.response.body.decode(errors="replace")
        raise refusal_for_status(status, origin, body) from None
    return _WebsocketsTransport(ws, coalesce)


class _WebsocketsTransport:
    __slots__ = ("_protocol", "_transport", "_writer", "_ws", "send_binary", "send_text")

    def __init__(self, ws: Any, coalesce: bool) -> None:
        self._ws, self._protocol, self._transport = ws, ws.protocol, ws.transport
        self._writer = FrameWriter(ws.transport) if coalesce else None
        if self._writer is not None:
            self.send_text, self.send_binary = self._writer.send_text, self._writer.send_binary
        else:  # websockets' Sans-I/O protocol, flushed at once: no coroutine per message
            self.send_text, self.send_binary = self._send_text, self._send_binary

    def _send_text(self, data: bytes) -> None:
        self._protocol.send_text(data)
        self._flush()

    def _send_binary(self, data: bytes) -> None:
        self._protocol.send_binary(data)
        self._flush()

    def _flush(self) -> None:
        write = self._transport.write
        for chunk in self._protocol.data_to_send():
            write(chunk)

    async def close(self) -> None:
        self._ws.reason = "closed by client"
        if self._writer is not None:
            self._writer.flush()
        await self._ws.close()
