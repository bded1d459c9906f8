"""The aiohttp transport: one reader task per connection."""

from __future__ import annotations

import asyncio
import contextlib
from time import monotonic
from typing import Any

from loadgen.clients.base import refusal_for_status
from loadgen.clients.framing import FrameWriter
from loadgen.clients.transports import MAX_FRAME, FrameSink, Transport, wss_context


async def open_aiohttp(
    url: str, sink: FrameSink, headers: dict[str, str], origin: str | None, coalesce: bool
) -> Transport:
    import aiohttp

    session = aiohttp.ClientSession()
    try:
        ws = await session.ws_connect(
            url, headers=headers, autoping=True, max_msg_size=MAX_FRAME, decode_text=False,
            ssl=wss_context(url) or True,
        )  # fmt: skip
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
