"""The Engine.IO / Socket.IO packet codec, without a network."""

from __future__ import annotations

import orjson
import pytest

from loadgen.clients import sio_packets as sp


def test_event_with_ack_id_in_default_namespace() -> None:
    assert sp.encode(sp.EVENT, ["join", {"room": "r"}], ack_id=12) == [b'4212["join",{"room":"r"}]']


def test_event_in_custom_namespace() -> None:
    frames = sp.encode(sp.EVENT, ["msg", 1], namespace="/chat", ack_id=3)
    assert frames == [b'42/chat,3["msg",1]']


def test_connect_and_disconnect_packets() -> None:
    assert sp.encode(sp.CONNECT, {"token": "t"}) == [b'40{"token":"t"}']
    assert sp.encode(sp.CONNECT, {"token": "t"}, namespace="/a") == [b'40/a,{"token":"t"}']
    assert sp.encode(sp.DISCONNECT) == [b"41"]


def test_binary_event_puts_placeholders_and_attachments() -> None:
    frames = sp.encode(sp.EVENT, ["msg", {"body": b"\x00\x01", "x": [b"\xff"]}], ack_id=5)
    placeholders = b'{"body":{"_placeholder":true,"num":0},"x":[{"_placeholder":true,"num":1}]}'
    assert frames[0] == b'452-5["msg",' + placeholders + b"]"
    assert frames[1:] == [b"\x00\x01", b"\xff"]


def test_binary_ack_type() -> None:
    frames = sp.encode(sp.ACK, [b"ab"], ack_id=9)
    assert frames == [b'461-9[{"_placeholder":true,"num":0}]', b"ab"]


def test_decode_event_without_ack() -> None:
    packet = sp.decode(b'42["msg",{"room":"r","body":"hi"}]')
    assert (packet.type, packet.namespace, packet.id) == (sp.EVENT, "/", None)
    assert packet.data == ["msg", {"room": "r", "body": "hi"}]


def test_decode_ack_in_namespace() -> None:
    packet = sp.decode(b'43/chat,17[{"ok":true}]')
    assert (packet.type, packet.namespace, packet.id, packet.data) == (
        sp.ACK,
        "/chat",
        17,
        [{"ok": True}],
    )


def test_decode_namespace_without_data() -> None:
    packet = sp.decode(b"41/chat")
    assert (packet.type, packet.namespace, packet.data) == (sp.DISCONNECT, "/chat", None)
    packet = sp.decode(b"41/chat,")
    assert (packet.type, packet.namespace, packet.data) == (sp.DISCONNECT, "/chat", None)


def test_binary_event_round_trip() -> None:
    data = ["msg", {"room": "r", "body": b"\x00bin", "more": [b"a", {"deep": b"b"}]}]
    text, *attachments = sp.encode(sp.EVENT, data, namespace="/n", ack_id=4)
    packet = sp.decode(text)
    assert (packet.type, packet.attachments, packet.id) == (sp.BINARY_EVENT, 3, 4)
    packet.buffers.extend(attachments)
    done = sp.complete(packet)
    assert (done.type, done.data, done.namespace) == (sp.EVENT, data, "/n")


def test_reconstruct_rejects_missing_attachment() -> None:
    with pytest.raises(sp.PacketError):
        sp.reconstruct({"_placeholder": True, "num": 2}, [b"only one"])


def test_deconstruct_leaves_plain_data_alone() -> None:
    buffers: list[bytes] = []
    data = {"a": [1, "x", None, {"b": 2.5}]}
    assert sp.deconstruct(data, buffers) == data and buffers == []


@pytest.mark.parametrize("frame", [b"", b"4", b"49[]", b"2", b'45["msg"]', b'42["unterminated'])
def test_decode_rejects_malformed_packets(frame: bytes) -> None:
    with pytest.raises(sp.PacketError):
        sp.decode(frame)


def test_decode_open_packet() -> None:
    info = {"sid": "abc", "upgrades": [], "pingInterval": 25000, "pingTimeout": 20000}
    assert sp.decode_open(b"0" + orjson.dumps(info)) == info
    with pytest.raises(sp.PacketError):
        sp.decode_open(b'0{"no":"sid"}')
    with pytest.raises(sp.PacketError):
        sp.decode_open(b"40")


def test_ack_value_and_connect_error() -> None:
    assert sp.ack_value([{"ok": True}]) == {"ok": True}
    assert sp.ack_value([1, 2]) == [1, 2]
    assert sp.ack_value({"ok": True}) == {"ok": True}
    refused = {"message": "unauthorized", "data": {"code": "unauthorized", "message": "expired"}}
    assert sp.connect_error(refused) == ("unauthorized", "expired")
    assert sp.connect_error({"message": "Unable to connect"}) == (
        "Unable to connect",
        "Unable to connect",
    )
    assert sp.connect_error("nope") == ("unauthorized", "nope")
