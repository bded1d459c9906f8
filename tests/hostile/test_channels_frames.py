"""Row 2 of the hostile-client issue: Channels frames whose shape broke the consumer.

A ``type`` that is a list or an object, or a ``ref`` nested too deep to encode in the reply,
gets ``bad_request`` (the reply's ``ref`` null when the ref itself is refused); the connection
stays usable and its presence goes when it closes.
"""

from __future__ import annotations

import json

import pytest

from tests.hostile.conftest import PRESENCE_TTL_S, Server
from tests.hostile.raw import Chat, channels_reply, open_channels

pytestmark = pytest.mark.integration

DEEP = "[" * 300 + "]" * 300


@pytest.mark.parametrize(
    ("frame", "ref"),
    [
        ('{"type":["join"],"ref":1,"room":"r"}', 1),
        ('{"type":{"join":1},"ref":1,"room":"r"}', 1),
        ('{"type":7,"ref":1,"room":"r"}', 1),
        ('{"type":"join","room":"r","ref":' + DEEP + "}", None),
        ('{"type":"join","room":"r","ref":{"a":1}}', None),
        ('{"type":"join","room":"r","ref":"' + "x" * 200 + '"}', None),
        ('{"type":"msg","ref":1,"room":"r","id":[1],"ts":1,"body":"x"}', 1),
        ("[" * 2000 + "]" * 2000, None),
    ],
    ids=[
        "type-list",
        "type-object",
        "type-number",
        "ref-deep",
        "ref-object",
        "ref-long",
        "id-list",
        "deep-array",
    ],
)
async def test_bad_shape_gets_bad_request(channels_server: Server, frame: str, ref: object) -> None:
    chat = Chat("channels", await open_channels(channels_server.url, channels_server.token("u")))
    watcher = await Chat.open("channels", channels_server.url, channels_server.token("w"))
    try:
        assert (await chat.request("join", room="r"))["ok"]
        assert (await watcher.request("join", room="r"))["ok"]
        await chat.conn.send(frame)
        reply = await channels_reply(chat.conn)
        assert (reply["type"], reply["code"], reply["ref"]) == ("error", "bad_request", ref)
        assert await chat.presence("r") == ["u", "w"]  # usable
        await chat.close()
        # and its presence goes with it, well before any expiry could take it
        assert await watcher.wait_presence("r", ["w"], within=PRESENCE_TTL_S / 2) >= 0
    finally:
        await watcher.close()


async def test_binary_frame_with_bad_header_gets_bad_request(channels_server: Server) -> None:
    chat = await Chat.open("channels", channels_server.url, channels_server.token("b"))
    try:
        header = json.dumps({"type": ["msg"], "ref": 3, "room": "r"}).encode()
        await chat.conn.send(len(header).to_bytes(4, "big") + header + b"body")
        reply = await channels_reply(chat.conn)
        assert (reply["code"], reply["ref"]) == ("bad_request", 3)
        await chat.conn.send(b"\x00\x00\xff\xff{}")  # header length past the end
        assert (await channels_reply(chat.conn))["code"] == "bad_request"
        assert (await chat.request("join", room="r"))["ok"]
    finally:
        await chat.close()
