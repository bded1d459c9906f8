"""The Channels client's handling of the wire, on a fake transport (no network)."""

from __future__ import annotations

import asyncio
from typing import Any

import orjson
import pytest

from loadgen.clients.base import ClientClosed
from loadgen.clients.channels import ChannelsClient
from servers.common.protocol import encode_binary_frame, split_binary_frame
from tests.clients.fakes import FakeTransport


def opened() -> tuple[ChannelsClient, FakeTransport, dict[str, list[Any]]]:
    client = ChannelsClient()
    transport = FakeTransport()
    client._opened(transport)
    client.connected = True
    seen: dict[str, list[Any]] = {"msg": [], "error": [], "close": []}
    client.on_message = lambda data, t: seen["msg"].append((data, t))
    client.on_error = seen["error"].append
    client.on_close = seen["close"].append
    return client, transport, seen


async def test_send_nowait_encodes_frame_with_ref_and_matches_acks() -> None:
    client, transport, _ = opened()
    acks: list[tuple[Any, float]] = []
    for i in range(3):
        client.send_nowait("r", i, 1.5, "hi", lambda reply, t: acks.append((reply, t)))
    assert orjson.loads(transport.text[0]) == {
        "type": "msg",
        "ref": 1,
        "room": "r",
        "id": 0,
        "ts": 1.5,
        "body": "hi",
    }
    client.on_text(b'{"type":"ack","ref":2,"ok":true,"id":1}', 7.0)
    client.on_text(b'{"type":"ack","ref":3,"ok":true,"id":2}', 8.0)
    client.on_text(b'{"type":"ack","ref":1,"ok":true,"id":0}', 9.0)
    client.on_text(b'{"type":"ack","ref":1,"ok":true,"id":0}', 9.5)  # duplicate: dropped
    assert acks == [
        ({"ok": True, "id": 1}, 7.0),
        ({"ok": True, "id": 2}, 8.0),
        ({"ok": True, "id": 0}, 9.0),
    ]


async def test_send_nowait_without_callback_asks_no_ack() -> None:
    client, transport, _ = opened()
    client.send_nowait("r", "a", 1.0, "x")
    assert orjson.loads(transport.text[0]) == {
        "type": "msg",
        "room": "r",
        "id": "a",
        "ts": 1.0,
        "body": "x",
    }


async def test_delivery_reaches_on_message_with_receive_time() -> None:
    client, _, seen = opened()
    delivery = {"room": "r", "id": 1, "ts": 2.0, "from": "bob", "body": "yo"}
    client.on_text(orjson.dumps({"type": "msg", **delivery}), 3.25)
    assert seen["msg"] == [(delivery, 3.25)]


async def test_binary_send_and_binary_delivery() -> None:
    client, transport, seen = opened()
    client.send_nowait("r", 1, 1.0, b"\x00\xff", lambda _reply, _t: None)
    header, body = split_binary_frame(transport.binary[0])
    assert orjson.loads(header) == {"type": "msg", "ref": 1, "room": "r", "id": 1, "ts": 1.0}
    assert body == b"\x00\xff" and transport.text == []
    head = {"type": "msg", "room": "r", "id": 1, "ts": 1.0, "from": "bob"}
    client.on_binary(encode_binary_frame(orjson.dumps(head), b"\x01\x02"), 2.0)
    assert seen["msg"] == [
        ({"room": "r", "id": 1, "ts": 1.0, "from": "bob", "body": b"\x01\x02"}, 2.0)
    ]


async def test_error_frame_is_normalized_for_its_request_else_goes_to_on_error() -> None:
    client, _, seen = opened()
    replies: list[Any] = []
    client.send_nowait("r", 1, 1.0, "x", lambda reply, _t: replies.append(reply))
    client.on_text(b'{"type":"error","ref":1,"code":"not_member","message":"m"}', 1.0)
    client.on_text(b'{"type":"error","ref":null,"code":"bad_request","message":"b"}', 1.0)
    client.on_text(b'{"type":"error","ref":[1],"code":"bad_request","message":"c"}', 1.0)
    assert replies == [{"error": {"code": "not_member", "message": "m"}}]
    assert seen["error"] == [
        {"code": "bad_request", "message": "b"},
        {"code": "bad_request", "message": "c"},
    ]


async def test_request_with_non_object_data_and_unknown_kind() -> None:
    client, transport, _ = opened()
    await client.request("join", "not-an-object", ack=False)
    await client.request("launch", {"room": "r"}, ack=False)
    assert [orjson.loads(t) for t in transport.text] == [
        {"type": "join", "data": "not-an-object"},
        {"type": "launch", "room": "r"},
    ]


async def test_bad_binary_frame_goes_to_on_error() -> None:
    client, _, seen = opened()
    client.on_binary(b"\x00\x00", 1.0)
    assert seen["error"][0]["code"] == "protocol" and seen["msg"] == []


async def test_close_fails_waiting_requests_and_reports_a_drop() -> None:
    client, _, seen = opened()
    pending = asyncio.ensure_future(client.join("r"))
    await asyncio.sleep(0)
    client.on_closed("closed by server (1006)")
    with pytest.raises(ClientClosed):
        await pending
    assert seen["close"] == ["closed by server (1006)"]
    assert not client.connected
    with pytest.raises(ClientClosed):
        client.send_nowait("r", 1, 1.0, "x", None)


async def test_deliberate_close_is_not_a_drop() -> None:
    client, transport, seen = opened()
    await client.close()
    assert transport.closed
    client.on_closed("closed by client")
    assert seen["close"] == []
