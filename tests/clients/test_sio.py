"""The fast Socket.IO client's handling of the wire, on a fake transport (no network)."""

from __future__ import annotations

import asyncio
from typing import Any

import orjson
import pytest

from loadgen.clients import sio_packets as sp
from loadgen.clients.base import ClientClosed
from loadgen.clients.sio import SioClient
from tests.clients.fakes import FakeTransport


def opened(namespace: str = "/") -> tuple[SioClient, FakeTransport, dict[str, list[Any]]]:
    client = SioClient(namespace=namespace)
    transport = FakeTransport()
    client._opened(transport)
    client.connected = True
    seen: dict[str, list[Any]] = {"msg": [], "error": [], "close": []}
    client.on_message = lambda data, t: seen["msg"].append((data, t))
    client.on_error = seen["error"].append
    client.on_close = seen["close"].append
    return client, transport, seen


async def test_ping_is_answered_with_pong() -> None:
    client, transport, _ = opened()
    client.on_text(b"2", 1.0)
    assert transport.text == [b"3"]


async def test_send_nowait_encodes_event_with_ack_id_and_matches_acks() -> None:
    client, transport, _ = opened()
    acks: list[tuple[Any, float]] = []
    for i in range(3):
        client.send_nowait("r", i, 1.5, "hi", lambda reply, t: acks.append((reply, t)))
    assert transport.text[0] == b'421["msg",{"room":"r","id":0,"ts":1.5,"body":"hi"}]'
    assert transport.text[2].startswith(b'423["msg"')
    client.on_text(b'432[{"ok":true,"id":1}]', 7.0)
    client.on_text(b'433[{"ok":true,"id":2}]', 8.0)
    client.on_text(b'431[{"ok":true,"id":0}]', 9.0)
    client.on_text(b'431[{"ok":true,"id":0}]', 9.5)  # a duplicate ack is dropped
    assert acks == [
        ({"ok": True, "id": 1}, 7.0),
        ({"ok": True, "id": 2}, 8.0),
        ({"ok": True, "id": 0}, 9.0),
    ]


async def test_send_nowait_without_callback_asks_no_ack() -> None:
    client, transport, _ = opened()
    client.send_nowait("r", "a", 1.0, "x")
    assert transport.text == [b'42["msg",{"room":"r","id":"a","ts":1.0,"body":"x"}]']


async def test_delivery_reaches_on_message_with_receive_time() -> None:
    client, _, seen = opened()
    delivery = {"room": "r", "id": 1, "ts": 2.0, "from": "bob", "body": "yo"}
    client.on_text(b'42["msg",' + orjson.dumps(delivery) + b"]", 3.25)
    assert seen["msg"] == [(delivery, 3.25)]


async def test_binary_send_and_binary_delivery() -> None:
    client, transport, seen = opened()
    client.send_nowait("r", 1, 1.0, b"\x00\xff", lambda _reply, _t: None)
    assert transport.text == [
        b'451-1["msg",{"room":"r","id":1,"ts":1.0,"body":{"_placeholder":true,"num":0}}]'
    ]
    assert transport.binary == [b"\x00\xff"]
    client.on_text(b'451-["msg",{"room":"r","body":{"_placeholder":true,"num":0}}]', 1.0)
    assert seen["msg"] == []  # waits for its attachment
    client.on_binary(b"\x01\x02", 2.0)
    assert seen["msg"] == [({"room": "r", "body": b"\x01\x02"}, 2.0)]


async def test_error_event_reaches_on_error() -> None:
    client, _, seen = opened()
    client.on_text(b'42["error",{"code":"bad_request","message":"m"}]', 1.0)
    assert seen["error"] == [{"code": "bad_request", "message": "m"}]


async def test_custom_namespace_prefixes_and_ignores_other_namespaces() -> None:
    client, transport, seen = opened("/chat")
    got: list[Any] = []
    client.send_nowait("r", 1, 1.0, "x", lambda reply, _t: got.append(reply))
    assert transport.text[0].startswith(b'42/chat,1["msg"')
    client.on_text(b'42["msg",{"id":"other-namespace"}]', 1.0)
    client.on_text(b'43/chat,1[{"ok":true}]', 1.0)
    client.on_text(b'42/chat,["msg",{"id":"mine"}]', 1.0)
    assert got == [{"ok": True}]
    assert [data for data, _ in seen["msg"]] == [{"id": "mine"}]


async def test_server_asking_an_ack_gets_one() -> None:
    client, transport, seen = opened()
    client.on_text(b'425["msg",{"id":1}]', 1.0)
    assert seen["msg"] == [({"id": 1}, 1.0)]
    assert transport.text == [b"435[]"]


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


async def test_deliberate_close_sends_disconnect_and_is_not_a_drop() -> None:
    client, transport, seen = opened()
    await client.close()
    assert transport.text == sp.encode(sp.DISCONNECT) and transport.closed
    client.on_closed("closed by client")
    assert seen["close"] == []
