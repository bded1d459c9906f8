"""Checks of decoded Socket.IO packets and Engine.IO frames (pure, no server)."""

from __future__ import annotations

import pytest
from socketio import packet

from servers.common.protocol import ChatError
from servers.sio.packets import (
    MAX_ATTACHMENTS,
    check_attachment,
    check_packet,
    check_placeholders,
    engineio_frame_fault,
)


def decoded(message: str) -> packet.Packet:
    """The Socket.IO packet inside an Engine.IO message (``4`` + packet)."""
    assert message.startswith("4")
    return packet.Packet(encoded_packet=message[1:])


@pytest.mark.parametrize(
    "text", ["421[]", "42", '421{"a":1}', "421[[1],{}]", '42/other,["join"]', "421[7]"]
)
def test_malformed_events_are_refused(text: str) -> None:
    with pytest.raises(ChatError) as refused:
        check_packet(decoded(text))
    assert refused.value.code == "bad_request"


@pytest.mark.parametrize("text", ['421["join",{"room":"r"}]', "40", '40/other,{"token":"t"}', "41"])
def test_well_formed_packets_pass(text: str) -> None:
    check_packet(decoded(text))


@pytest.mark.parametrize(
    ("count", "num"), [(0, 0), (MAX_ATTACHMENTS + 1, 0), (1, 1), (1, -1), (1, "0"), (1, True)]
)
def test_attachment_counts_and_placeholders_out_of_range(count: int, num: object) -> None:
    with pytest.raises(ChatError):
        check_placeholders(["msg", {"body": {"_placeholder": True, "num": num}}], count)


def test_placeholders_nested_too_deep_are_refused() -> None:
    data: object = {"_placeholder": True, "num": 0}
    for _ in range(40):
        data = [data]
    with pytest.raises(ChatError, match="deeper"):
        check_placeholders(data, 1)


def test_buffered_attachment_bytes_are_capped() -> None:
    assert check_attachment(b"x" * 10, 5, 20) == 15
    with pytest.raises(ChatError) as over:
        check_attachment(b"x" * 10, 15, 20)
    assert over.value.code == "too_large"
    with pytest.raises(ChatError):
        check_attachment("text", 0, 20)


@pytest.mark.parametrize(
    ("frame", "fault"),
    [
        ("", "empty"),
        ("x", "unknown"),
        ("7", "unknown"),
        ("bxx=", "base64"),
        ("2", None),
        ("42[]", None),
        ("bAAE=", None),
    ],
)
def test_engineio_frames_python_engineio_cannot_decode(frame: str, fault: str | None) -> None:
    found = engineio_frame_fault(frame)
    assert (found is None) if fault is None else (fault in str(found))
