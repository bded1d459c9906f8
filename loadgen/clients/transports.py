"""WebSocket transports under the chat clients: picows (default), aiohttp and websockets.

A transport delivers whole data frames to a :class:`FrameSink` as ``bytes`` (text frames are
not decoded) with ``time.monotonic()`` taken as each frame arrived, and sends frames without
awaiting (the bytes go straight to the socket's buffer). All three expose the same
:class:`Transport`, so a client picks one by name and the benchmark can compare them.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
from time import monotonic
from typing import Any, Protocol

from loadgen.clients.base import ConnectRefused, refusal_for_status

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
    library: str, url: str, sink: FrameSink, *, origin: str | None
) -> Transport:
    """Open a WebSocket to ``url`` with ``library``; a refused handshake is ConnectRefused.

    The caller bounds the time (``asyncio.timeout``).
    """
    headers = {"Origin": origin} if origin is not None else {}
    if library == "picows":
        return await _open_picows(url, sink, headers, origin)
    if library == "aiohttp":
        return await _open_aiohttp(url, sink, headers, origin)
    if library == "websockets":
        return await _open_websockets(url, sink, headers, origin)
    raise ValueError(f"unknown WebSocket library {library!r}; choose from {LIBRARIES}")


# --- picows: callbacks straight from the protocol (Cython), no reader task --------------------


async def _open_picows(
    url: str, sink: FrameSink, headers: dict[str, str], origin: str | None
) -> Transport:
    import picows

    text, binary, cont, close = (
        picows.WSMsgType.TEXT,
        picows.WSMsgType.BINARY,
        picows.WSMsgType.CONTINUATION,
        picows.WSMsgType.CLOSE,
    )

    class Listener(picows.WSListener):  # type: ignore[misc]
        transport: Any = None
        parts: list[bytes] | None = None
        part_type: Any = None
        reason = "closed by server"

        def on_ws_frame(self, transport: Any, frame: Any) -> None:
            received = monotonic()
            kind = frame.msg_type
            if frame.fin and kind is text:
                sink.on_text(frame.get_payload_as_bytes(), received)
            elif frame.fin and kind is binary:
                sink.on_binary(frame.get_payload_as_bytes(), received)
            elif kind is close:
                self.reason = f"closed by server ({frame.get_close_code().value})"
                transport.send_close(frame.get_close_code())
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
    return _PicowsTransport(ws, listener, text, binary)


class _PicowsTransport:
    __slots__ = ("_listener", "_ws", "send_binary", "send_text")

    def __init__(self, ws: Any, listener: Any, text: Any, binary: Any) -> None:
        self._ws, self._listener = ws, listener
        # Bound C calls: one Python frame less per message than a method.
        self.send_text = functools.partial(ws.send, text)
        self.send_binary = functools.partial(ws.send, binary)

    async def close(self) -> None:
        self._listener.reason = "closed by client"
        if not self._ws.is_disconnected:
            self._ws.send_close()
            self._ws.disconnect()
        await self._ws.wait_disconnected()


# --- aiohttp: one reader task; frames written synchronously by aiohttp's frame writer ---------


async def _open_aiohttp(
    url: str, sink: FrameSink, headers: dict[str, str], origin: str | None
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
    transport = _AiohttpTransport(session, ws)
    transport.reader = asyncio.create_task(transport.read(sink))
    return transport


class _AiohttpTransport:
    def __init__(self, session: Any, ws: Any) -> None:
        import aiohttp

        self._session, self._ws = session, ws
        # aiohttp's public send_* are coroutines only for flow control; its writer's frame
        # method is the synchronous part, so open-loop sends need no task per message.
        self._write = ws._writer._write_websocket_frame
        self._text, self._binary = aiohttp.WSMsgType.TEXT, aiohttp.WSMsgType.BINARY
        self.reader: asyncio.Task[None] | None = None
        self.reason = "closed by server"

    def send_text(self, data: bytes) -> None:
        self._write(data, self._text, 0)

    def send_binary(self, data: bytes) -> None:
        self._write(data, self._binary, 0)

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
        with contextlib.suppress(Exception):
            await self._ws.close()
        if self.reader is not None:
            await asyncio.gather(self.reader, return_exceptions=True)


# --- websockets: frames taken from its Sans-I/O protocol, before its message assembler -------


async def _open_websockets(
    url: str, sink: FrameSink, headers: dict[str, str], origin: str | None
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
            received, kind = monotonic(), event.opcode
            if event.fin and kind is text:
                sink.on_text(event.data, received)
            elif event.fin and kind is binary:
                sink.on_binary(event.data, received)
            elif kind in (text, binary, cont):
                if kind is not cont:
                    self.parts, self.part_type = [], kind
                if self.parts is not None:
                    self.parts.append(event.data)
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
    return _WebsocketsTransport(ws)


class _WebsocketsTransport:
    __slots__ = ("_protocol", "_transport", "_ws")

    def __init__(self, ws: Any) -> None:
        self._ws, self._protocol, self._transport = ws, ws.protocol, ws.transport

    def send_text(self, data: bytes) -> None:
        self._protocol.send_text(data)
        self._flush()

    def send_binary(self, data: bytes) -> None:
        self._protocol.send_binary(data)
        self._flush()

    def _flush(self) -> None:
        write = self._transport.write
        for chunk in self._protocol.data_to_send():
            write(chunk)

    async def close(self) -> None:
        self._ws.reason = "closed by client"
        await self._ws.close()


__all__ = ["DEFAULT_LIBRARY", "LIBRARIES", "ConnectRefused", "open_transport"]
