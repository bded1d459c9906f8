"""WebSocket transports under the chat clients: picows (default), aiohttp and websockets.

A transport delivers whole data frames to a :class:`FrameSink` as ``bytes`` (text frames are
not decoded) with ``time.monotonic()`` taken as each frame arrived, and sends frames without
awaiting. The library does the handshake, the parsing of incoming frames and the control
frames; data frames are batched by :mod:`loadgen.clients.framing` (picows: the frames sent
while one read buffer is dispatched; the others: the frames of one loop iteration) unless
``coalesce=False``, which leaves each frame to the library (one write per frame). All three
expose the same :class:`Transport`, so a client picks one by name and the benchmark can compare
them; each lives in its own module (``transport_picows``, ``transport_aiohttp``,
``transport_websockets``), opened through :func:`open_transport` here.
"""

from __future__ import annotations

import ssl
from typing import Protocol

from loadgen.clients.base import ConnectRefused

LIBRARIES = ("picows", "aiohttp", "websockets")
DEFAULT_LIBRARY = "picows"
MAX_FRAME = 16 * 1024 * 1024


def wss_context(url: str) -> ssl.SSLContext | None:
    """For a ``wss://`` URL, a TLS context offering ALPN http/1.1 only (the WebSocket upgrade is
    HTTP/1.1; RFC 8441 WebSockets over HTTP/2 is not what these clients speak) that does not
    verify the per-run self-signed certificate; None for ``ws://``."""
    if not url.startswith("wss://"):
        return None
    from servers.launch.tls import client_context

    return client_context(alpn=("http/1.1",))


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
    # Each library's module is imported when first used, so only the chosen library loads.
    if library == "picows":
        from loadgen.clients.transport_picows import open_picows

        return await open_picows(url, sink, headers, origin, coalesce)
    if library == "aiohttp":
        from loadgen.clients.transport_aiohttp import open_aiohttp

        return await open_aiohttp(url, sink, headers, origin, coalesce)
    if library == "websockets":
        from loadgen.clients.transport_websockets import open_websockets

        return await open_websockets(url, sink, headers, origin, coalesce)
    raise ValueError(f"unknown WebSocket library {library!r}; choose from {LIBRARIES}")


__all__ = ["DEFAULT_LIBRARY", "LIBRARIES", "ConnectRefused", "open_transport", "wss_context"]
