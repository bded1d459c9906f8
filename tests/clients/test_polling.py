"""The long-polling transport against a scripted Engine.IO server (aiohttp, on loopback)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any

import pytest
from aiohttp import web

from loadgen.clients.base import ConnectRefused
from loadgen.clients.polling import PollingTransport, open_polling
from loadgen.clients.polling_payload import MAX_PACKETS, SEPARATOR, encode_binary
from tests.conftest import TIMEOUT

pytestmark = pytest.mark.integration
OPEN = b'0{"sid":"s1","upgrades":[],"pingInterval":25000,"pingTimeout":20000,"maxPayload":1000}'


@dataclass
class FakeEngineIO:
    """Answers the handshake, hands out scripted long-poll payloads, records every POST."""

    polls: asyncio.Queue[tuple[int, bytes]] = field(default_factory=asyncio.Queue)
    posts: list[bytes] = field(default_factory=list)
    post_delay: float = 0.0
    in_flight: int = 0
    max_in_flight: int = 0
    origins: list[str | None] = field(default_factory=list)
    posted: asyncio.Event = field(default_factory=asyncio.Event)
    url: str = ""

    async def wait_posts(self, n: int) -> None:
        async with asyncio.timeout(TIMEOUT):
            while len(self.posts) < n:
                self.posted.clear()
                await self.posted.wait()

    async def handle(self, request: web.Request) -> web.Response:
        self.origins.append(request.headers.get("Origin"))
        if request.headers.get("Origin") == "http://evil.example":
            return web.Response(status=400, text='"not an accepted origin"')
        if "sid" not in request.query:
            return web.Response(body=OPEN)
        if request.method == "POST":
            self.in_flight += 1
            self.max_in_flight = max(self.max_in_flight, self.in_flight)
            try:
                self.posts.append(await request.read())
                self.posted.set()
                await asyncio.sleep(self.post_delay)
            finally:
                self.in_flight -= 1
            return web.Response(text="ok")
        status, body = await self.polls.get()
        return web.Response(status=status, body=body)


class Sink:
    def __init__(self) -> None:
        self.frames: list[tuple[str, bytes, float]] = []
        self.closed: list[str] = []
        self.got = asyncio.Event()
        self.gone = asyncio.Event()

    def on_text(self, data: bytes, received: float) -> None:
        self.frames.append(("text", data, received))
        self.got.set()

    def on_binary(self, data: bytes, received: float) -> None:
        self.frames.append(("binary", data, received))
        self.got.set()

    def on_closed(self, reason: str) -> None:
        self.closed.append(reason)
        self.gone.set()

    async def wait_frames(self, n: int) -> None:
        async with asyncio.timeout(TIMEOUT):
            while len(self.frames) < n:
                self.got.clear()
                await self.got.wait()


@pytest.fixture
async def server() -> AsyncIterator[FakeEngineIO]:
    fake = FakeEngineIO()
    app = web.Application()
    app.router.add_route("*", "/socket.io/", fake.handle)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = runner.addresses[0][1]
    fake.url = f"http://127.0.0.1:{port}"
    try:
        yield fake
    finally:
        for _ in range(4):  # release any long-poll still waiting
            fake.polls.put_nowait((200, b"6"))
        await runner.cleanup()


async def opened(server: FakeEngineIO, **kw: Any) -> tuple[PollingTransport, Sink]:
    sink = Sink()
    transport = await open_polling(server.url, sink, origin=kw.pop("origin", None), **kw)
    assert isinstance(transport, PollingTransport)
    await sink.wait_frames(1)
    return transport, sink


async def test_handshake_hands_the_open_packet_to_the_sink(server: FakeEngineIO) -> None:
    transport, sink = await opened(server, origin="http://allowed.example")
    assert sink.frames[0][:2] == ("text", OPEN)
    assert server.origins[0] == "http://allowed.example"
    await transport.close()


async def test_refused_handshake_is_connect_refused(server: FakeEngineIO) -> None:
    with pytest.raises(ConnectRefused) as refused:
        await open_polling(server.url, Sink(), origin="http://evil.example")
    assert refused.value.code == "forbidden_origin" and refused.value.status == 400


async def test_long_poll_delivers_text_and_binary_packets_with_one_receive_time(
    server: FakeEngineIO,
) -> None:
    transport, sink = await opened(server)
    payload = b'451-["msg",{"_placeholder":true,"num":0}]' + SEPARATOR + encode_binary(b"\xff")
    server.polls.put_nowait((200, payload + SEPARATOR + b"2"))
    await sink.wait_frames(4)
    kinds = [(kind, data) for kind, data, _ in sink.frames[1:]]
    assert kinds == [
        ("text", b'451-["msg",{"_placeholder":true,"num":0}]'),
        ("binary", b"\xff"),
        ("text", b"2"),
    ]
    assert len({received for _, _, received in sink.frames[1:]}) == 1
    await transport.close()


async def test_sends_of_one_iteration_share_a_post_and_one_post_is_in_flight(
    server: FakeEngineIO,
) -> None:
    server.post_delay = 0.05
    transport, _ = await opened(server)
    transport.send_text(b"40{}")
    transport.send_binary(b"\x00")
    await server.wait_posts(1)
    for i in range(MAX_PACKETS + 4):  # queued while the first POST is in flight
        transport.send_text(b"4%d" % i)
    await server.wait_posts(3)
    assert server.posts[0] == b"40{}\x1ebAA=="
    assert len(server.posts[1].split(SEPARATOR)) == MAX_PACKETS
    assert server.posts[2] == b"416\x1e417\x1e418\x1e419"
    assert server.max_in_flight == 1 and transport.posts == 3
    await transport.close()


async def test_posts_respect_the_servers_max_payload(server: FakeEngineIO) -> None:
    transport, _ = await opened(server)  # maxPayload 1000 in OPEN
    for _ in range(3):
        transport.send_text(b"4" + b"x" * 400)
    await server.wait_posts(2)
    assert [len(body) for body in server.posts] == [803, 401]
    await transport.close()


async def test_close_posts_what_is_queued_and_a_close_packet(server: FakeEngineIO) -> None:
    transport, sink = await opened(server)
    transport.send_text(b"41")
    await transport.close()
    assert server.posts[-1] == b"41\x1e1"
    assert sink.closed == ["closed by client"]
    await transport.close()  # twice is harmless
    assert sink.closed == ["closed by client"]


async def test_server_close_packet_ends_the_session(server: FakeEngineIO) -> None:
    transport, sink = await opened(server)
    server.polls.put_nowait((200, b"1"))
    await asyncio.wait_for(sink.gone.wait(), TIMEOUT)
    assert sink.frames[-1][:2] == ("text", b"1")
    assert sink.closed == ["closed by server (Engine.IO close)"]
    await transport.close()
    assert len(sink.closed) == 1


async def test_refused_long_poll_ends_the_session(server: FakeEngineIO) -> None:
    _, sink = await opened(server)
    server.polls.put_nowait((400, b'"Invalid session"'))
    await asyncio.wait_for(sink.gone.wait(), TIMEOUT)
    assert sink.closed == ["closed by server (long-poll: HTTP 400)"]
