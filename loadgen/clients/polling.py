"""Engine.IO v4 HTTP long-polling under the Socket.IO client, over aiohttp or httpx (HTTP/2).

The fallback transport of Socket.IO (Channels has none). It exposes the same
:class:`~loadgen.clients.transports.Transport` as the WebSocket transports and feeds the same
:class:`~loadgen.clients.transports.FrameSink`, one Engine.IO packet per ``on_text`` /
``on_binary`` call, so the Socket.IO layer above does not know which transport it runs on:

- the handshake ``GET /socket.io/?EIO=4&transport=polling`` answers the open packet (the sid);
  a refusal (a bad ``Origin``: HTTP 400) is :class:`ConnectRefused`, as for a WebSocket;
- one long-poll ``GET ...&sid=SID`` at a time receives the packets the server has queued, all
  stamped with the time the response body arrived;
- the packets sent in one loop iteration leave together in one ``POST`` (``\\x1e``-joined, at
  most :data:`~loadgen.clients.polling_payload.MAX_PACKETS` and ``maxPayload`` bytes), with at
  most one ``POST`` in flight: what is sent meanwhile waits for the next one, as in
  engine.io-client;
- pings (``2``) are answered by the Socket.IO client (``3``), as over a WebSocket;
- ``close`` posts what is still queued plus an Engine.IO close packet (``1``).

The HTTP library keeps its default ``Accept-Encoding: gzip, deflate``, as a browser would, so
the server compresses the larger responses (python-engineio: 1 KiB and up). Over ``http://``
that is aiohttp (HTTP/1.1), over ``https://`` httpx speaking HTTP/2 where the server agrees
(:mod:`loadgen.clients.polling_http`).
"""

from __future__ import annotations

import asyncio
import contextlib
from time import monotonic
from typing import Any

from loadgen.clients.base import refusal_for_status
from loadgen.clients.polling_http import HttpSession, TransportLost, open_session
from loadgen.clients.polling_payload import (
    DEFAULT_MAX_BYTES,
    MAX_PACKETS,
    Outbox,
    decode_payload,
    encode_binary,
)
from loadgen.clients.sio_packets import CLOSE_FRAME, PacketError, decode_open
from loadgen.clients.transports import FrameSink, Transport

POLLING_PATH = "/socket.io/?EIO=4&transport=polling"
GRACE_S = 5.0  # added to the server's pingInterval + pingTimeout for a long-poll's timeout
CLOSE_TIMEOUT_S = 5.0  # how long close() waits for the last POST
HANDSHAKE_TIMEOUT_S = 30.0  # the caller's own bound is usually shorter
_POST_HEADERS = {"Content-Type": "text/plain;charset=UTF-8"}
_NETWORK_ERRORS = (TransportLost, TimeoutError, OSError)


def http_base(base_url: str) -> str:
    """``ws://h:p`` -> ``http://h:p`` (``wss`` -> ``https``); ``http(s)://`` kept."""
    url = base_url.rstrip("/")
    return "http" + url[2:] if url.startswith("ws") else url


async def open_polling(
    base_url: str, sink: FrameSink, *, origin: str | None, max_packets: int = MAX_PACKETS
) -> Transport:
    """Open an Engine.IO session at ``base_url``; a refused handshake is ConnectRefused.

    The open packet (and anything the server queued with it) reaches ``sink`` like every
    later packet. The caller bounds the time (``asyncio.timeout``).
    """
    headers = {"Origin": origin} if origin is not None else {}
    session = open_session(base_url, headers)
    try:
        status, body = await session.get(http_base(base_url) + POLLING_PATH, HANDSHAKE_TIMEOUT_S)
        received = monotonic()
        if status != 200:
            raise refusal_for_status(status, origin, body.decode(errors="replace"))
        packets = decode_payload(body)
        if not packets or packets[0][0]:
            raise PacketError(f"no Engine.IO open packet in the handshake: {body[:64]!r}")
        settings = decode_open(packets[0][1])
    except BaseException:
        await session.close()
        raise
    url = f"{http_base(base_url)}{POLLING_PATH}&sid={settings['sid']}"
    return PollingTransport(session, url, sink, settings, packets, received, max_packets)


class PollingTransport:
    """One Engine.IO session over long-polling: a reader task (GET) and a writer task (POST)."""

    def __init__(
        self,
        session: HttpSession,
        url: str,
        sink: FrameSink,
        settings: dict[str, Any],
        first: list[tuple[bool, bytes]],
        received: float,
        max_packets: int = MAX_PACKETS,
    ) -> None:
        self._session, self._url, self._sink = session, url, sink
        ping_s = (settings.get("pingInterval", 25000) + settings.get("pingTimeout", 20000)) / 1000
        self._timeout = ping_s + GRACE_S
        max_bytes = int(settings.get("maxPayload") or DEFAULT_MAX_BYTES)
        self._outbox = Outbox(max_packets=max_packets, max_bytes=max_bytes)
        self._wake = asyncio.Event()
        self._closing = False  # close() was called: the writer flushes, then stops
        self._server_closed = False  # the server sent its close packet
        self._reason: str | None = None  # set once, when the session ends
        self._finished: asyncio.Task[None] | None = None
        self.posts = 0  # POST requests made
        loop = asyncio.get_running_loop()
        self._reader = loop.create_task(self._read(first, received))
        self._writer = loop.create_task(self._write())

    @property
    def http_version(self) -> str:
        """The HTTP version of the last response: ``HTTP/1.1``, or ``HTTP/2`` over TLS."""
        return self._session.http_version

    def send_text(self, data: bytes) -> None:
        self._outbox.add(data)
        self._wake.set()

    def send_binary(self, data: bytes) -> None:
        self._outbox.add(encode_binary(data))
        self._wake.set()

    async def close(self) -> None:
        if self._reason is None and not self._server_closed:
            if not self._closing:
                self._closing = True
                self.send_text(CLOSE_FRAME)
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(CLOSE_TIMEOUT_S):
                    await asyncio.shield(self._writer)
        self._end("closed by client")  # no-op when the session already ended
        assert self._finished is not None
        await asyncio.shield(self._finished)

    # --- the two loops ---------------------------------------------------------------------

    async def _read(self, first: list[tuple[bool, bytes]], received: float) -> None:
        reason = "closed by server (Engine.IO close)"
        try:
            self._dispatch(first, received)
            while not self._server_closed:
                status, body = await self._session.get(self._url, self._timeout)
                received = monotonic()
                if status != 200:
                    reason = f"closed by server (long-poll: HTTP {status})"
                    break
                self._dispatch(decode_payload(body), received)
        except _NETWORK_ERRORS as exc:
            reason = f"connection lost ({_name(exc)})"
        except PacketError as exc:
            reason = f"protocol error: {exc}"
        except Exception as exc:  # a sink that raised: end the session, as a WebSocket would
            reason = f"transport error: {exc!r}"
        self._end(reason)

    def _dispatch(self, packets: list[tuple[bool, bytes]], received: float) -> None:
        sink = self._sink
        for binary, data in packets:
            if binary:
                sink.on_binary(data, received)
                continue
            if data == CLOSE_FRAME:
                self._server_closed = True
            sink.on_text(data, received)

    async def _write(self) -> None:
        outbox, wake, post = self._outbox, self._wake, self._session.post
        try:
            while True:
                await wake.wait()  # set by a send: wakes next iteration, the batch is complete
                wake.clear()
                while outbox:
                    body = outbox.take()
                    self.posts += 1
                    status, _ = await post(self._url, body, _POST_HEADERS, self._timeout)
                    if status != 200:
                        self._end(f"closed by server (POST: HTTP {status})")
                        return
                if self._closing:
                    return
        except _NETWORK_ERRORS as exc:
            self._end(f"connection lost ({_name(exc)})")

    # --- the end ---------------------------------------------------------------------------

    def _end(self, reason: str) -> None:
        """End the session once: stop both loops, close the HTTP session, tell the sink."""
        if self._reason is not None:
            return
        self._reason = reason
        current = asyncio.current_task()
        for task in (self._reader, self._writer):
            if task is not current:
                task.cancel()
        self._finished = asyncio.get_running_loop().create_task(self._finish())

    async def _finish(self) -> None:
        await asyncio.gather(self._reader, self._writer, return_exceptions=True)
        await self._session.close()
        assert self._reason is not None
        self._sink.on_closed(self._reason)


def _name(exc: BaseException) -> str:
    """The network error's name: the HTTP library's own for a :class:`TransportLost`."""
    return str(exc) if isinstance(exc, TransportLost) else type(exc).__name__
