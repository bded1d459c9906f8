"""uvicorn's httptools protocol with a request-head timeout and a request-head size limit.

uvicorn has neither: a connection that never completes its request head (half-open, or one
byte at a time) is held forever, and a head the WebSocket parser cannot take (a line over
8 KiB) is never answered. Both uvicorn contenders run with this protocol (``--http
servers.launch.guarded_http:GuardedHttpToolsProtocol``); the limits come from
``BENCH_ASGI_HEAD_TIMEOUT_S`` and ``BENCH_ASGI_MAX_HEAD_BYTES``, set by the launcher from
``AsgiSettings`` and recorded in results with the other ASGI settings.
"""

from __future__ import annotations

import asyncio
import logging
import os
from typing import Any

from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

from servers.launch.specs import HEAD_TIMEOUT_ENV, MAX_HEAD_BYTES_ENV

log = logging.getLogger("servers.launch.guarded_http")


def _reply(status: str, reason: str) -> bytes:
    body = reason.encode()
    head = (
        f"HTTP/1.1 {status}\r\ncontent-type: text/plain\r\n"
        f"content-length: {len(body)}\r\nconnection: close\r\n\r\n"
    )
    return head.encode() + body


class GuardedHttpToolsProtocol(HttpToolsProtocol):
    """Closes a connection whose request head is late (408) or too large (431)."""

    head_timeout = float(os.environ.get(HEAD_TIMEOUT_ENV, "10"))
    max_head_bytes = int(os.environ.get(MAX_HEAD_BYTES_ENV, "8192"))

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._head_bytes = 0
        self._head_done = False
        self._tail = b""  # the last bytes seen, for a head end split across reads
        self._head_timer: asyncio.TimerHandle | None = None

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        self._start_head_timer()

    def connection_lost(self, exc: Exception | None) -> None:
        self._stop_head_timer()
        super().connection_lost(exc)

    def data_received(self, data: bytes) -> None:
        if not self._head_done:
            self._head_bytes += self._head_part(data)
            if self._head_bytes > self.max_head_bytes:
                self._refuse("431 Request Header Fields Too Large", "request head too large")
                return
            if self._head_timer is None:
                self._start_head_timer()
        super().data_received(data)

    def _head_part(self, data: bytes) -> int:
        """How many bytes of ``data`` belong to the request head (its body is not counted)."""
        seen = self._tail + data
        end = seen.find(b"\r\n\r\n")
        self._tail = data[-3:]
        return len(data) if end < 0 else max(0, end + 4 - (len(seen) - len(data)))

    def on_headers_complete(self) -> None:
        self._head_done = True
        self._stop_head_timer()
        super().on_headers_complete()

    def on_message_complete(self) -> None:
        super().on_message_complete()
        self._head_done = False  # a keep-alive connection's next request has a head to come
        self._head_bytes = 0
        self._tail = b""

    def _start_head_timer(self) -> None:
        self._head_timer = self.loop.call_later(self.head_timeout, self._head_late)

    def _stop_head_timer(self) -> None:
        if self._head_timer is not None:
            self._head_timer.cancel()
            self._head_timer = None

    def _head_late(self) -> None:
        self._head_timer = None
        if not self._head_done and not self.transport.is_closing():
            self._refuse("408 Request Timeout", f"no request head within {self.head_timeout} s")

    def _refuse(self, status: str, reason: str) -> None:
        log.warning("connection from %s refused: %s (%s)", self.client, status, reason)
        self._stop_head_timer()
        self._head_done = True
        self.transport.write(_reply(status, reason))
        self.transport.close()
