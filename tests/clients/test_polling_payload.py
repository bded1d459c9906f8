"""Engine.IO long-polling payloads and the POST outbox, without a network."""

from __future__ import annotations

import base64

import pytest

from loadgen.clients.polling_payload import (
    MAX_PACKETS,
    SEPARATOR,
    Outbox,
    decode_payload,
    encode_binary,
)
from loadgen.clients.sio_packets import PacketError


def test_decode_splits_text_packets_on_the_record_separator() -> None:
    body = b'0{"sid":"abc"}\x1e40{"sid":"x"}\x1e2'
    assert decode_payload(body) == [
        (False, b'0{"sid":"abc"}'),
        (False, b'40{"sid":"x"}'),
        (False, b"2"),
    ]


def test_decode_binary_packets_from_base64() -> None:
    body = b'451-["msg",{"_placeholder":true,"num":0}]\x1e' + encode_binary(b"\x00\x1e\xff")
    assert decode_payload(body) == [
        (False, b'451-["msg",{"_placeholder":true,"num":0}]'),
        (True, b"\x00\x1e\xff"),  # a separator byte inside binary data is safe in base64
    ]


def test_decode_empty_body_holds_no_packet() -> None:
    assert decode_payload(b"") == []


@pytest.mark.parametrize("body", [b"4x\x1e\x1e2", b"\x1e", b"b!!not-base64"])
def test_decode_rejects_malformed_payloads(body: bytes) -> None:
    with pytest.raises(PacketError):
        decode_payload(body)


def test_encode_binary_is_b_and_base64() -> None:
    assert encode_binary(b"\x01\x02\x03") == b"b" + base64.b64encode(b"\x01\x02\x03")
    assert encode_binary(b"") == b"b"


def test_outbox_takes_everything_queued_in_order_when_it_fits() -> None:
    outbox = Outbox()
    for packet in (b"40{}", b'421["join",{}]', encode_binary(b"\x00")):
        outbox.add(packet)
    assert len(outbox) == 3
    assert outbox.take() == b'40{}\x1e421["join",{}]\x1ebAA=='
    assert len(outbox) == 0 and outbox.take() == b""


def test_outbox_caps_the_packet_count_of_one_post() -> None:
    outbox = Outbox()
    for i in range(MAX_PACKETS * 2 + 3):
        outbox.add(b"4%d" % i)
    sizes = []
    while outbox:
        sizes.append(len(outbox.take().split(SEPARATOR)))
    assert sizes == [MAX_PACKETS, MAX_PACKETS, 3]


def test_outbox_caps_the_bytes_of_one_post_counting_separators() -> None:
    outbox = Outbox(max_bytes=10)
    for packet in (b"4abc", b"4def", b"4g", b"4h"):  # 4 + 1 + 4 = 9; + 1 + 2 = 12 > 10
        outbox.add(packet)
    assert outbox.take() == b"4abc\x1e4def"
    assert outbox.take() == b"4g\x1e4h"


def test_outbox_sends_an_oversized_packet_alone() -> None:
    outbox = Outbox(max_bytes=4)
    outbox.add(b"4" + b"x" * 10)
    outbox.add(b"2")
    assert outbox.take() == b"4" + b"x" * 10
    assert outbox.take() == b"2"


def test_outbox_refuses_a_size_that_holds_nothing() -> None:
    with pytest.raises(ValueError):
        Outbox(max_packets=0)
