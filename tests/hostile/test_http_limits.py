"""Rows 6 and 10 of the hostile-client issue: limits below the chat protocol.

Row 6: a connection that never completes its request head is answered 408 and closed after the
head timeout; a head over the size limit (a 10 KB token) is answered 431 at once. Row 10: a
long-polling POST over ``maxPayload`` is answered 413 at once, its session closed (no ghost),
and a later POST on that session gets 400, not 500.
"""

from __future__ import annotations

import asyncio
import json
import time

import aiohttp
import pytest

from tests.hostile.conftest import HEAD_TIMEOUT_S, Server
from tests.hostile.raw import Chat, read_until_closed, tcp_connect

pytestmark = pytest.mark.integration

UPGRADE = (
    "Upgrade: websocket\r\nConnection: Upgrade\r\n"
    "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n"
)


def path_for(server: Server, token: str) -> str:
    if server.contender == "sio":  # the token travels in CONNECT: a long query instead
        return f"/socket.io/?EIO=4&transport=websocket&pad={token}"
    return f"/ws/chat/?token={token}"


async def test_half_open_connections_are_closed(server: Server) -> None:
    host, port = server.host_port
    before = server.rss()
    socks = [tcp_connect(host, port) for _ in range(200)]
    for sock in socks[::2]:
        sock.sendall(b"GET /ws/chat/ HTTP/1.1\r\nHost: x\r\n")  # a head that never ends
    grown = server.rss() - before
    start = time.monotonic()
    answers = await asyncio.gather(
        *(asyncio.to_thread(read_until_closed, s, HEAD_TIMEOUT_S + 3) for s in socks)
    )
    waited = time.monotonic() - start
    for sock in socks:
        sock.close()
    assert all(closed for _, closed in answers), "a half-open connection was kept"
    assert all(data.startswith(b"HTTP/1.1 408") for data, _ in answers)
    assert waited < HEAD_TIMEOUT_S + 2.5
    print(f"{server.contender}: 200 half-open: +{grown / 2**20:.1f} MiB, closed in {waited:.1f} s")


async def test_oversized_head_is_answered_at_once(server: Server) -> None:
    host, port = server.host_port
    token = "a" * 10_000
    sock = tcp_connect(host, port)
    start = time.monotonic()
    sock.sendall(f"GET {path_for(server, token)} HTTP/1.1\r\nHost: x\r\n{UPGRADE}\r\n".encode())
    data, closed = await asyncio.to_thread(read_until_closed, sock, 3.0)
    sock.close()
    assert data.startswith(b"HTTP/1.1 431") and closed
    assert time.monotonic() - start < 1.0
    # an ordinary connection is untouched
    chat = await Chat.open(server.contender, server.url, server.token("ok"))
    assert (await chat.request("join", room="r"))["ok"]
    await chat.close()


async def test_polling_post_over_max_payload_is_answered_at_once(sio_server: Server) -> None:
    base = sio_server.url + "/socket.io/?EIO=4&transport=polling"
    watcher = await Chat.open("sio", sio_server.url, sio_server.token("watcher"))
    timeout = aiohttp.ClientTimeout(total=10)
    async with aiohttp.ClientSession(timeout=timeout) as http:
        async with http.get(base) as resp:
            sid = json.loads((await resp.text())[1:])["sid"]
        url = f"{base}&sid={sid}"
        async with http.post(url, data="40" + json.dumps({"token": sio_server.token("poller")})):
            pass
        async with http.get(url) as resp:
            assert (await resp.text()).startswith("40")
        async with http.post(url, data='421["join",{"room":"lobby"}]') as resp:
            assert resp.status == 200
        assert (await watcher.request("join", room="lobby"))["ok"]
        assert await watcher.presence("lobby") == ["poller", "watcher"]
        start = time.monotonic()
        big = "4" + "x" * (sio_server.config.frame_limit_bytes + 1)
        async with http.post(url, data=big) as resp:
            assert resp.status == 413
        assert time.monotonic() - start < 1.0
        await watcher.wait_presence("lobby", ["watcher"], within=1.0)
        async with http.post(url, data="") as resp:
            assert resp.status == 400
    await watcher.close()
