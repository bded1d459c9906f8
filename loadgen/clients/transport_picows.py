"""The picows transport: frames straight from the protocol's callbacks (Cython), no reader task.

The coalescing writer corks while one read buffer is dispatched, so what the callbacks send
leaves with the buffer's last frame (see :mod:`loadgen.clients.framing`).
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from time import monotonic
from typing import Any

from loadgen.clients.base import refusal_for_status
from loadgen.clients.framing import CorkedWriter
from loadgen.clients.transports import MAX_FRAME, FrameSink, Transport, wss_context


async def open_picows(
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

        def on_ws_disconnected(self, _transport: Any) -> None:
            sink.on_closed(self.reason)

    try:
        ws, listener = await picows.ws_connect(
            Listener,
            url,
            extra_headers=headers,
            max_frame_size=MAX_FRAME,
            read_buffer_init_size=4096,
            websocket_handshake_timeout=None,
            ssl_context=wss_context(url),
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
