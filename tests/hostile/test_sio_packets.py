"""Rows 1, 8 and 9 of the hostile-client issue: Socket.IO packets python-socketio mishandles.

Every malformed packet gets the contract's ``bad_request`` (through the ack when it carries an
id, else an ``error`` event) and the connection stays usable.
"""

from __future__ import annotations

import asyncio
import json

import pytest

from tests.hostile.conftest import Server
from tests.hostile.raw import Chat, open_sio, sio_reply, sio_request

pytestmark = pytest.mark.integration

PLACEHOLDER = {"_placeholder": True, "num": 0}
MSG = {"room": "r", "id": 1, "ts": 1.0}


async def member(server: Server, user: str) -> Chat:
    chat = Chat("sio", await open_sio(server.url, server.token(user)))
    assert (await chat.request("join", room="r"))["ok"]
    return chat


def error_code(frame: str, ack_id: int | None) -> str:
    """The error code of an ack (``43<id>[...]``) or of an ``error`` event (``42[...]``)."""
    if ack_id is not None:
        assert frame.startswith(f"43{ack_id}["), frame
        return str(json.loads(frame[len(f"43{ack_id}") :])[0]["error"]["code"])
    event, body = json.loads(frame[2:])
    assert event == "error", frame
    return str(body["code"])


@pytest.mark.parametrize(
    ("packet", "ack_id"),
    [
        ("421[]", 1),
        ("42", None),
        ('421{"a":1}', 1),
        ("421[[1],{}]", 1),
        ("4null", None),
        ("4true", None),  # python-socketio would read it as a DISCONNECT
        ('42/other,1["join",{"room":"r"}]', 1),
        ('42["join"', None),
    ],
)
async def test_malformed_packet_gets_bad_request(
    sio_server: Server, packet: str, ack_id: int | None
) -> None:
    chat = await member(sio_server, "fuzz")
    try:
        await chat.conn.send(packet)
        assert error_code(await sio_reply(chat.conn), ack_id) == "bad_request"
        assert await chat.presence("r") == ["fuzz"]  # still connected and usable
    finally:
        await chat.close()


async def test_room_named_like_another_clients_sid_is_an_ordinary_room(sio_server: Server) -> None:
    victim = await member(sio_server, "victim")
    attacker = Chat("sio", await open_sio(sio_server.url, sio_server.token("attacker")))
    try:
        assert victim.conn.sid is not None
        reply = await attacker.request("join", room=victim.conn.sid)
        assert reply == {"ok": True, "room": victim.conn.sid}
        sent = await attacker.request("msg", room=victim.conn.sid, id=1, ts=1.0, body="hi")
        assert sent["ok"]
        await victim.conn.send('429["presence",{"room":"r"}]')
        # the victim's next packet is its own ack: the attacker's message did not reach it
        assert (await sio_reply(victim.conn)).startswith("439[")
    finally:
        await asyncio.gather(victim.close(), attacker.close())


@pytest.mark.parametrize(
    "head",
    [
        "459999999999-1" + json.dumps(["msg", {**MSG, "body": PLACEHOLDER}]),  # row 1
        "450-1" + json.dumps(["msg", {**MSG, "body": PLACEHOLDER}]),  # row 9: count 0
        "451-1" + json.dumps(["msg", {**MSG, "body": {"_placeholder": True, "num": 5}}]),
        "451-1" + json.dumps(["msg", {**MSG, "body": {"_placeholder": True, "num": "0"}}]),
        "4517-1" + json.dumps(["msg", {**MSG, "body": PLACEHOLDER}]),  # over 16 attachments
    ],
    ids=["10-digit-count", "count-0", "index-out-of-range", "index-not-int", "17-attachments"],
)
async def test_lying_attachment_header_is_refused_and_connection_stays(
    sio_server: Server, head: str
) -> None:
    chat = await member(sio_server, "liar")
    try:
        await chat.conn.send(head)
        assert error_code(await sio_reply(chat.conn), 1) == "bad_request"
        # the attachment that follows is not buffered: it is refused on its own
        await chat.conn.send(b"\x00" * 1024)
        assert error_code(await sio_reply(chat.conn), None) == "bad_request"
        # and an honest binary message still goes through
        body = b"\x01\x02"
        await chat.conn.send("451-2" + json.dumps(["msg", {**MSG, "body": PLACEHOLDER}]))
        await chat.conn.send(body)
        while True:
            frame = await sio_reply(chat.conn)
            if frame.startswith("432["):
                assert json.loads(frame[3:])[0]["ok"]
                break
    finally:
        await chat.close()


async def test_buffered_attachments_are_capped(sio_server: Server) -> None:
    """Row 1: attachments buffered past the transport cap (80 KiB here) are refused.

    Each chunk is under the cap on one frame (the issue's 300 KiB frames pass the default
    320 KiB cap); the second one takes the packet over the cap on buffered attachments.
    """
    chat = await member(sio_server, "hoarder")
    try:
        placeholders = [{"_placeholder": True, "num": n} for n in range(16)]
        before = sio_server.rss()
        for _ in range(5):
            await chat.conn.send("4516-1" + json.dumps(["msg", {**MSG, "body": placeholders}]))
            chunk = b"\x00" * (60 * 1024)
            for _ in range(16):
                await chat.conn.send(chunk)
            codes = []
            while len(codes) < 15:
                frame = await sio_reply(chat.conn)
                codes.append(error_code(frame, 1 if frame.startswith("431") else None))
            assert codes[0] == "too_large"  # the frame over the cap: its packet refused
            assert set(codes[1:]) == {"bad_request"}  # the rest: attachments of nothing
        growth = sio_server.rss() - before
        assert growth < 30 * 2**20, f"server RSS grew {growth / 2**20:.0f} MiB"
        assert (await sio_request(chat.conn, 99, "presence", {"room": "r"}))["ok"]
    finally:
        await chat.close()


async def test_issue_reproduction_attachment_flood_keeps_memory_flat(sio_server: Server) -> None:
    """Row 1 as found: a 10-digit attachment count, then a stream of binary frames."""
    chat = await member(sio_server, "flooder")
    try:
        before = sio_server.rss()
        await chat.conn.send("459999999999-1" + json.dumps(["msg", {**MSG, "body": PLACEHOLDER}]))
        assert error_code(await sio_reply(chat.conn), 1) == "bad_request"
        chunk = b"\x00" * (60 * 1024)
        for _ in range(300):  # 18 MiB
            await chat.conn.send(chunk)
        for _ in range(300):
            assert error_code(await sio_reply(chat.conn), None) == "bad_request"
        growth = sio_server.rss() - before
        assert growth < 20 * 2**20, f"server RSS grew {growth / 2**20:.0f} MiB"
    finally:
        await chat.close()
