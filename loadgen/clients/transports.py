"""WebSocket transports under the chat clients: picows (default), aiohttp and websockets.

A transport delivers whole data frames to a :class:`FrameSink` as ``bytes`` (text frames are
not decoded) with ``time.monotonic()`` taken as each frame arrived, and sends frames without
awaiting. The library does the handshake, the parsing of incoming frames and the control
frames; data frames are batched by :mod:`loadgen.clients.framing` (picows: the frames sent
while one read buffer is dispatched; the others: the frames of one loop iteration) unless
``coalesce=False``, which leaves each frame to the library (one write per frame). All three
expose the same :class:`Transport`, so a client picks one by name and the benchmark can compare
them.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
from collections.abc import Callable
from time import monotonic
from typing import Any, Protocol

from loadgen.clients.base import ConnectRefused, refusal_for_status
from loadgen.clients.framing import CorkedWriter, FrameWriter

LIBRARIES = ("picows", "aiohttp", "websockets")
DEFAULT_LIBRARY = "picows"
MAX_FRAME = 16 * 1024 * 1024


class FrameSink(Protocol):
    def on_text(self, data: bytes, received: float) -> None: ...
    def on_binary(self, data: bytes, received: float) -> None: ...
    def on_closed(self, reason: str) -> None: ...


class Transport(Protocol):
    def send_text(self, data: bytes) -> None: ...
    def send_binary(self, data: bytes) -> None: ...
    async def close(self) -> None: ...


async def open_transport(
    library: str, url: str, sink: FrameSink, *, origin: str | None, coalesce: bool = True
) -> Transport:
    """Open a WebSocket to ``url`` with ``library``; a refused handshake is ConnectRefused.

    The caller bounds the time (``asyncio.timeout``).
    """
    headers = {"Origin": origin} if origin is not None else {}
    if library == "picows":
        return await _open_picows(url, sink, headers, origin, coalesce)
    if library == "aiohttp":
        return await _open_aiohttp(url, sink, headers, origin, coalesce)
    if library == "websockets":
        return await _open_websockets(url, sink, headers, origin, coalesce)
    raise ValueError(f"unknown WebSocket library {library!r}; choose from {LIBRARIES}")


# --- picows: callbacks straight from the protocol (Cython), no reader task --------------------


async def _open_picows(
    url: str, sink: FrameSink, headers: dict[str, str], origin: str | None, coalesce: bool
) -> Transport:
    import picows

    text, binary, cont, close = (
        picows.WSMsgType.TEXT,
        picows.WSMsgType.BINARY,
        picows.WSMsgType.CONTINUATION,
        picows.WSMsgType.CLOSE,
    )
    ok, no_info = picows.WSCloseCode.OK, picows.WSCloseCode.NO_INFO

    class Listener(picows.WSListener):
        transport: Any = None
        parts: list[bytes] | None = None
        part_type: Any = None
        reason = "closed by server"

        writer: CorkedWriter | None = None

        def on_ws_frame(self, transport: Any, frame: Any) -> None:
            received = monotonic()
            writer = self.writer
            if writer is None:
                self._dispatch(transport, frame, received)
                return
            writer.corked = True  # what the callbacks send leaves with the buffer's last frame
            try:
                self._dispatch(transport, frame, received)
            finally:
                if frame.last_in_buffer:
                    writer.uncork()

        def _dispatch(self, transport: Any, frame: Any, received: float) -> None:
            kind = frame.msg_type
            if frame.fin and kind is text:
                sink.on_text(frame.get_payload_as_bytes(), received)
            elif frame.fin and kind is binary:
                sink.on_binary(frame.get_payload_as_bytes(), received)
            elif kind is close:
                code = frame.get_close_code()
                self.reason = f"closed by server ({code.value})"
                # picows writes code 0 for NO_INFO, which peers reject: answer 1000 then.
                transport.send_close(ok if code is no_info else code)
                transport.disconnect()
            elif kind in (text, binary, cont):
                self._fragment(kind, frame, received)

        def _fragment(self, kind: Any, frame: Any, received: float) -> None:
            if kind is not cont:
                self.parts, self.part_type = [], kind
            if self.parts is None:
                return
            self.parts.append(frame.get_payload_as_bytes())
            if frame.fin:
                data, self.parts = b"".join(self.parts), None
                (sink.on_text if self.part_type is text else sink.on_binary)(data, received)

        def on_ws_disconnected(self, transport: Any) -> None:
            sink.on_closed(self.reason)

    try:
        ws, listener = await picows.ws_connect(
            Listener,
            url,
            extra_headers=headers,
            max_frame_size=MAX_FRAME,
            read_buffer_init_size=4096,
            websocket_handshake_timeout=None,
        )
    except picows.WSHandshakeError as exc:
        if exc.response is None:
            raise
        body = (exc.raw_body or b"").decode(errors="replace")
        raise refusal_for_status(int(exc.response.status), origin, body) from None
    return _PicowsTransport(ws, listener, text, binary, coalesce, ok)


class _PicowsTransport:
    __slots__ = ("_close_code", "_listener", "_writer", "_ws", "send_binary", "send_text")

    def __init__(
        self, ws: Any, listener: Any, text: Any, binary: Any, coalesce: bool, close_code: Any
    ) -> None:
        self._ws, self._listener, self._close_code = ws, listener, close_code
        # Bound C calls: one Python frame less per message than a method.
        self.send_text: Callable[[bytes], None] = functools.partial(ws.send, text)
        self.send_binary: Callable[[bytes], None] = functools.partial(ws.send, binary)
        self._writer = None
        if coalesce:
            self._writer = CorkedWriter(ws.underlying_transport, self.send_text, self.send_binary)
            listener.writer = self._writer
            self.send_text, self.send_binary = self._writer.send_text, self._writer.send_binary

    async def close(self) -> None:
        self._listener.reason = "closed by client"
        if self._writer is not None:
            self._writer.uncork()
        if not self._ws.is_disconnected:
            self._ws.send_close(self._close_code)
            self._ws.disconnect()
        await self._ws.wait_disconnected()


# --- aiohttp: one reader task ------------------------------------------------------------


async def _open_aiohttp(
    url: str, sink: FrameSink, headers: dict[str, str], origin: str | None, coalesce: bool
) -> Transport:
    import aiohttp

    session = aiohttp.ClientSession()
    try:
        ws = await session.ws_connect(
            url, headers=headers, autoping=True, max_msg_size=MAX_FRAME, decode_text=False
        )
    except aiohttp.WSServerHandshakeError as exc:
        await session.close()
        raise refusal_for_status(exc.status, origin, exc.message) from None
    except BaseException:
        await session.close()
        raise
    transport = _AiohttpTransport(session, ws, coalesce)
    transport.reader = asyncio.create_task(transport.read(sink))
    return transport


class _AiohttpTransport:
    def __init__(self, session: Any, ws: Any, coalesce: bool) -> None:
        import aiohttp

        self._session, self._ws = session, ws
        self._text, self._binary = aiohttp.WSMsgType.TEXT, aiohttp.WSMsgType.BINARY
        self._writer = FrameWriter(ws._writer.transport) if coalesce else None
        if self._writer is not None:
            self.send_text, self.send_binary = self._writer.send_text, self._writer.send_binary
        else:
            # aiohttp's public send_* are coroutines only for flow control; its writer's
            # frame method is the synchronous part: no task per message.
            write = ws._writer._write_websocket_frame
            self.send_text = lambda data: write(data, self._text, 0)
            self.send_binary = lambda data: write(data, self._binary, 0)
        self.reader: asyncio.Task[None] | None = None
        self.reason = "closed by server"

    async def read(self, sink: FrameSink) -> None:
        text, binary, ws = self._text, self._binary, self._ws
        try:
            while True:
                msg = await ws.receive()
                received = monotonic()
                if msg.type is text:
                    sink.on_text(msg.data, received)
                elif msg.type is binary:
                    sink.on_binary(msg.data, received)
                else:
                    break
        finally:
            await self._session.close()
            sink.on_closed(self.reason)

    async def close(self) -> None:
        self.reason = "closed by client"
        if self._writer is not None:
            self._writer.flush()
        with contextlib.suppress(Exception):
            await self._ws.close()
        if self.reader is not None:
            await asyncio.gather(self.reader, return_exceptions=True)


# --- websockets: frames taken from its Sans-I/O protocol, before its message assembler -------


async def _open_websockets(
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


__all__ = ["DEFAULT_LIBRARY", "LIBRARIES", "ConnectRefused", "open_transport"]
