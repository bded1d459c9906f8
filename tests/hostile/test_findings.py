"""What stays as it is, measured: a framework's own weakness (row 7) and the documented design.

Row 7 is Channels' in-memory layer: every receive and group_send walks every group membership
of the process (``InMemoryChannelLayer._clean_expired``), so one connection in thousands of
rooms slows every message. No setting changes it; docs/findings.md has the reproduction. The
test measures it on both servers, so a fixed release shows up here as a failed expectation.
"""

from __future__ import annotations

import asyncio
import statistics
import time
from pathlib import Path

import pytest

from tests.conftest import TIMING
from tests.hostile.conftest import HEAD_TIMEOUT_S, Server, start
from tests.hostile.raw import Chat, read_until_closed, tcp_connect

pytestmark = pytest.mark.integration

ROOMS = 3000


async def round_trip_p50(chat: Chat, room: str, count: int = 150) -> float:
    times = []
    for n in range(count):
        start = time.perf_counter()
        assert (await chat.request("msg", room=room, id=n, ts=1.0, body="x"))["ok"]
        times.append(time.perf_counter() - start)
    return statistics.median(times) * 1000


@TIMING
async def test_memberships_slow_unrelated_rooms_on_channels_memory_layer(server: Server) -> None:
    if server.backend != "memory":
        pytest.skip("row 7 is the in-memory layer's")
    probe = await Chat.open(server.contender, server.url, server.token("probe"))
    joiner = await Chat.open(server.contender, server.url, server.token("joiner"))
    try:
        assert (await probe.request("join", room="quiet"))["ok"]
        before = await round_trip_p50(probe, "quiet")
        for n in range(ROOMS):
            assert (await joiner.request("join", room=f"room-{n}"))["ok"]
        after = await round_trip_p50(probe, "quiet")
        print(
            f"{server.contender}: quiet room p50 {before:.2f} -> {after:.2f} ms with {ROOMS} rooms"
        )
        if server.contender == "channels":
            assert after > 2 * before  # the finding: still there in this Channels release
        else:
            assert after < 2 * before + 0.5
    finally:
        await asyncio.gather(probe.close(), joiner.close())


async def test_token_is_checked_at_connect_only(server: Server) -> None:
    """By design (docs/protocol.md): a token that expires later does not end the connection."""
    chat = await Chat.open(server.contender, server.url, server.token("short", ttl=1.5))
    try:
        await asyncio.sleep(2.0)
        assert (await chat.request("join", room="anyone-may-join"))["ok"]
    finally:
        await chat.close()


def test_daphne_holds_a_silent_connection(
    request: pytest.FixtureRequest, tmp_path: Path, prefix: str
) -> None:
    """Finding E: Daphne has no request-head timeout (Twisted's idle timeout is 12 hours).

    The uvicorn contenders close such a connection after the head timeout (2 s in these tests,
    test_http_limits.py); Daphne still holds it after twice that.
    """
    group = start(request, "channels-daphne", "memory", tmp_path, prefix)
    try:
        spec = group.servers[0].spec
        sock = tcp_connect(spec.host, spec.port)
        _, closed = read_until_closed(sock, 2 * HEAD_TIMEOUT_S)
        sock.close()
        assert not closed, "Daphne closed a silent connection: update docs/findings.md (E)"
    finally:
        group.stop()
