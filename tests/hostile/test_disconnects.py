"""Rows 3 and 4 of the hostile-client issue, and every other way a connection ends.

Presence must lose a connection however it ends: an abrupt TCP drop under traffic (row 3), a
frame python-engineio cannot decode (row 4: closed with a close frame and a log line), a
server shutdown, and a server crash (entries left in Redis expire within the presence TTL).
"""

from __future__ import annotations

import asyncio
import json
import signal
import time
from pathlib import Path

import pytest

from servers.common.config import DEFAULT_SECRET
from servers.common.tokens import make_token
from tests.hostile.conftest import PRESENCE_TTL_S, Server, start
from tests.hostile.raw import Chat, open_sio

pytestmark = pytest.mark.integration


def token(user: str) -> str:
    return make_token(user, DEFAULT_SECRET, ttl=300, now=time.time())


async def send_steadily(chat: Chat, room: str, rate: float, stop: asyncio.Event) -> int:
    """Messages into ``room`` at ``rate`` without waiting for their acks (open loop)."""
    sent = 0
    loop = asyncio.get_running_loop()
    start = loop.time()
    while not stop.is_set():
        sent += 1
        msg = {"room": room, "id": sent, "ts": 1.0, "body": "x" * 1024}
        if chat.contender == "sio":
            await chat.conn.send("42" + json.dumps(["msg", msg]))
        else:
            await chat.conn.send(json.dumps({"type": "msg", **msg}))
        await asyncio.sleep(max(0.0, start + sent / rate - loop.time()))
    return sent


async def test_abrupt_disconnects_under_traffic_leave_no_ghost(server: Server) -> None:
    """Row 3: thirty readers of a room at up to 400 msgs/s drop their TCP connections at once."""
    room = "busy"
    sender = await Chat.open(server.contender, server.url, server.token("sender"), max_queue=None)
    watcher = await Chat.open(server.contender, server.url, server.token("watcher"), max_queue=None)
    readers = [  # each reads everything the server sends (an unbounded client-side queue)
        await Chat.open(server.contender, server.url, server.token(f"r{n}"), max_queue=None)
        for n in range(30)
    ]
    stop = asyncio.Event()
    try:
        for chat in [sender, watcher, *readers]:
            assert (await chat.request("join", room=room))["ok"]
        traffic = asyncio.create_task(send_steadily(sender, room, 400, stop))
        await asyncio.sleep(1.0)
        for chat in readers:
            chat.conn.abort()
        await asyncio.sleep(0.5)
        stop.set()
        assert await traffic > 300
        ghosts_gone = await watcher.wait_presence(room, ["sender", "watcher"], within=1.0)
        print(f"{server.contender}-{server.backend}: ghosts gone after {ghosts_gone:.2f} s")
    finally:
        stop.set()
        await asyncio.gather(sender.close(), watcher.close())


@pytest.mark.parametrize("frame", ["", "x", "bxx="], ids=["empty", "x", "broken-base64"])
async def test_undecodable_engineio_frame_closes_cleanly(sio_server: Server, frame: str) -> None:
    """Row 4: close frame 1002, a log line naming the cause, and no ghost."""
    watcher = await Chat.open("sio", sio_server.url, sio_server.token("watcher"))
    victim = Chat("sio", await open_sio(sio_server.url, sio_server.token("broken")))
    try:
        assert (await watcher.request("join", room="r4"))["ok"]
        assert (await victim.request("join", room="r4"))["ok"]
        await victim.conn.send(frame)
        assert await victim.conn.close_code() == 1002
        await watcher.wait_presence("r4", ["watcher"], within=1.0)
        assert "closing a WebSocket (1002)" in sio_server.log()
    finally:
        await watcher.close()


@pytest.mark.parametrize("contender", ["sio", "channels"])
@pytest.mark.parametrize("how", [signal.SIGTERM, signal.SIGKILL], ids=["shutdown", "crash"])
async def test_presence_of_a_stopped_instance_goes(
    request: pytest.FixtureRequest, tmp_path: Path, prefix: str, contender: str, how: int
) -> None:
    """Shutdown removes its entries at once; a crash's entries expire within the TTL."""
    group = start(request, contender, "redis", tmp_path, prefix, instances=2)
    try:
        doomed = await Chat.open(contender, group.urls[0], token("doomed"))
        witness = await Chat.open(contender, group.urls[1], token("witness"))
        for chat in (doomed, witness):
            assert (await chat.request("join", room="lobby"))["ok"]
        assert await witness.presence("lobby") == ["doomed", "witness"]
        group.kill(0, how)
        bound = 1.0 if how == signal.SIGTERM else PRESENCE_TTL_S + 1.0
        gone = await witness.wait_presence("lobby", ["witness"], within=bound)
        print(f"{contender} {signal.Signals(how).name}: presence gone after {gone:.2f} s")
        await witness.close()
    finally:
        group.stop()
