"""The HTTP sessions under the long-polling transport: aiohttp (HTTP/1.1) and httpx (HTTP/2).

One session per Engine.IO client, as a browser tab has. Over ``http://`` it is aiohttp, HTTP/1.1:
the long-poll ``GET`` and a ``POST`` in flight together take two TCP connections from its
keep-alive pool. Over ``https://`` it is httpx with ``http2=True``: TLS with ALPN offering
``h2`` then ``http/1.1``, and where the server picks h2 both requests are streams of one
connection. The per-run self-signed certificate is not verified (loopback benchmark).

Both raise :class:`TransportLost` (an ``OSError``) for a network failure, named after the
library's own exception, so the transport above handles one kind.
"""

from __future__ import annotations

from typing import Any, Protocol


class TransportLost(ConnectionError):
    """The HTTP library failed to reach the server or lost it; the message names its error."""


class HttpSession(Protocol):
    http_version: str  # of the last response: "HTTP/1.1" or "HTTP/2"

    async def get(self, url: str, limit_s: float) -> tuple[int, bytes]: ...
    async def post(
        self, url: str, body: bytes, headers: dict[str, str], limit_s: float
    ) -> tuple[int, bytes]: ...
    async def close(self) -> None: ...


def open_session(base_url: str, headers: dict[str, str]) -> HttpSession:
    """httpx over HTTP/2 for an ``https://`` URL, else aiohttp (HTTP/1.1)."""
    if base_url.startswith(("https://", "wss://")):
        return HttpxSession(headers)
    return AiohttpSession(headers)


class AiohttpSession:
    def __init__(self, headers: dict[str, str]) -> None:
        import aiohttp

        self._aiohttp = aiohttp
        self._session = aiohttp.ClientSession(headers=headers)
        self._urls: dict[str, Any] = {}  # str -> yarl.URL, built once per URL
        self._timeouts: dict[float, Any] = {}
        self.http_version = "HTTP/1.1"

    async def get(self, url: str, limit_s: float) -> tuple[int, bytes]:
        try:
            response = await self._session.get(self._url(url), timeout=self._timeout(limit_s))
            async with response:
                return response.status, await response.read()
        except self._aiohttp.ClientError as exc:
            raise TransportLost(type(exc).__name__) from exc

    async def post(
        self, url: str, body: bytes, headers: dict[str, str], limit_s: float
    ) -> tuple[int, bytes]:
        try:
            response = await self._session.post(
                self._url(url),
                data=body,
                headers=headers,
                timeout=self._timeout(limit_s),
            )
            async with response:
                return response.status, await response.read()
        except self._aiohttp.ClientError as exc:
            raise TransportLost(type(exc).__name__) from exc

    async def close(self) -> None:
        await self._session.close()

    def _url(self, url: str) -> Any:
        if url not in self._urls:
            from yarl import URL

            self._urls[url] = URL(url, encoded=True)  # the sid is URL-safe: no re-quoting
        return self._urls[url]

    def _timeout(self, seconds: float) -> Any:
        if seconds not in self._timeouts:
            self._timeouts[seconds] = self._aiohttp.ClientTimeout(total=seconds)
        return self._timeouts[seconds]


class HttpxSession:
    def __init__(self, headers: dict[str, str]) -> None:
        import httpx

        from servers.launch.tls import client_context

        self._httpx = httpx
        self._client = httpx.AsyncClient(
            http2=True, verify=client_context(), headers=headers, timeout=None
        )
        self.http_version = "HTTP/2"

    async def get(self, url: str, limit_s: float) -> tuple[int, bytes]:
        try:
            response = await self._client.get(url, timeout=limit_s)
        except self._httpx.TransportError as exc:
            raise TransportLost(type(exc).__name__) from exc
        self.http_version = response.http_version
        return response.status_code, response.content

    async def post(
        self, url: str, body: bytes, headers: dict[str, str], limit_s: float
    ) -> tuple[int, bytes]:
        try:
            response = await self._client.post(url, content=body, headers=headers, timeout=limit_s)
        except self._httpx.TransportError as exc:
            raise TransportLost(type(exc).__name__) from exc
        self.http_version = response.http_version
        return response.status_code, response.content

    async def close(self) -> None:
        await self._client.aclose()
