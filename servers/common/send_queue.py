"""A bounded send queue per WebSocket connection: the slow-reader policy of both servers.

Neither framework bounds what waits for a client that does not read: python-engineio queues
packets per socket without limit, and a Channels consumer blocked on a send leaves messages
piling up in the channel layer. This ASGI middleware sits between each server and uvicorn and
gives every WebSocket the same policy: outgoing frames go into one queue per connection, written
in order by one task; when the frames not yet accepted by the transport exceed
``send_queue_bytes``, or the oldest has waited ``send_queue_seconds`` (checked as frames are
queued: a queue that does not grow costs nothing more), the connection is cut off:
its queue is dropped, a close frame (1008) is attempted, and the application receives
``websocket.disconnect`` so it leaves its rooms and presence as on any other disconnect.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections import deque
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

from servers.common.config import ServerConfig

Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
App = Callable[[MutableMapping[str, Any], Receive, Send], Awaitable[None]]

log = logging.getLogger("servers.send_queue")
SLOW_READER_CLOSE = 1008  # policy violation
# Frame types that go through the queue once the handshake is done.
_QUEUED = frozenset({"websocket.send", "websocket.close"})


class SendQueue:
    """The outgoing side of one WebSocket connection, with the slow-reader policy."""

    def __init__(self, send: Send, receive: Receive, max_bytes: int, max_seconds: float) -> None:
        self._send = send
        self._receive = receive
        self.max_bytes = max_bytes
        self.max_seconds = max_seconds
        self._frames: deque[tuple[Message, int, float]] = deque()
        self.queued_bytes = 0
        self._ready = asyncio.Event()  # frames to write
        self._idle = asyncio.Event()  # nothing left to write
        self._writer: asyncio.Task[None] | None = None
        self._cut: asyncio.Future[Message] = asyncio.get_running_loop().create_future()
        self._reading: asyncio.Task[Message] | None = None
        self.done = False  # the connection is over: later frames are dropped
        self._accepted = False  # before the handshake completes, frames go straight through

    async def send(self, message: Message) -> None:
        if message["type"] not in _QUEUED or not self._accepted:
            await self._send(message)
            self._accepted = self._accepted or message["type"] == "websocket.accept"
            return
        if self.done:
            return
        size = _size(message)
        now = time.monotonic()
        self._frames.append((message, size, now))
        self.queued_bytes += size
        if self._writer is None:
            self._writer = asyncio.create_task(self._write())
        self._ready.set()
        self._idle.clear()
        waited = now - self._frames[0][2]
        if self.queued_bytes > self.max_bytes or waited > self.max_seconds:
            self._cut_off(waited)

    async def receive(self) -> Message:
        """The client's next event, or ``websocket.disconnect`` once the policy cut it off."""
        if self._cut.done():
            return self._cut.result()
        if self._reading is None:
            self._reading = asyncio.ensure_future(self._receive())
        await asyncio.wait((self._reading, self._cut), return_when=asyncio.FIRST_COMPLETED)
        if not self._reading.done():
            return self._cut.result()
        reading, self._reading = self._reading, None
        return reading.result()

    def _cut_off(self, waited: float) -> None:
        log.warning(
            "slow reader cut off: %d bytes unsent (limit %d), oldest waiting %.1f s (limit %.1f s)",
            self.queued_bytes,
            self.max_bytes,
            waited,
            self.max_seconds,
        )
        self.done = True
        self._frames.clear()
        self.queued_bytes = 0
        if self._writer is not None:
            self._writer.cancel()
        self._writer = asyncio.create_task(self._close(SLOW_READER_CLOSE, "slow reader"))
        self._cut.set_result({"type": "websocket.disconnect", "code": SLOW_READER_CLOSE})

    async def _close(self, code: int, reason: str) -> None:
        # The transport is not draining, so the close frame may never leave: bounded wait.
        with contextlib.suppress(Exception):
            close = {"type": "websocket.close", "code": code, "reason": reason}
            await asyncio.wait_for(self._send(close), 1.0)

    async def _write(self) -> None:
        while True:
            await self._ready.wait()
            while self._frames:
                message, size, _ = self._frames[0]
                try:
                    await self._send(message)
                except Exception:  # the client is gone: nothing more can be written
                    self.done = True
                    self._frames.clear()
                    self.queued_bytes = 0
                    return
                if self._frames:
                    self._frames.popleft()
                    self.queued_bytes -= size
                if message["type"] == "websocket.close":
                    self.done = True
                    return
            self._ready.clear()
            self._idle.set()

    async def aclose(self) -> None:
        """After the application returns: let queued frames go (bounded), then stop."""
        if self._reading is not None:
            self._reading.cancel()
        writer = self._writer
        if writer is None:
            return
        if not self.done and self._frames:
            with contextlib.suppress(asyncio.TimeoutError):
                await asyncio.wait_for(self._idle.wait(), self.max_seconds)
        writer.cancel()
        with contextlib.suppress(asyncio.CancelledError, Exception):
            await writer


def _size(message: Message) -> int:
    data = message.get("bytes")
    if data is None:
        data = message.get("text") or ""
    return len(data)


def bounded_sends(app: App, config: ServerConfig) -> App:
    """``app`` with the slow-reader policy on every WebSocket connection."""

    async def guarded(scope: MutableMapping[str, Any], receive: Receive, send: Send) -> None:
        if scope["type"] != "websocket":
            await app(scope, receive, send)
            return
        queue = SendQueue(send, receive, config.send_queue_bytes, config.send_queue_seconds)
        try:
            await app(scope, queue.receive, queue.send)
        finally:
            await queue.aclose()

    return guarded
