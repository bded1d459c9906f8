"""Checks of decoded Socket.IO packets before python-socketio dispatches them (pure).

python-socketio trusts a packet's shape: an EVENT whose data is not a list starting with an
event name raises inside the library (no reply), an attachment count it cannot meet buffers
attachments without bound, and a placeholder it cannot resolve wedges the connection. These
checks refuse such packets first, so the server can answer them with the contract's
``bad_request`` and keep the connection.
"""

from __future__ import annotations

import binascii
from base64 import b64decode
from typing import Any

from socketio import packet

from servers.common import protocol
from servers.common.protocol import ChatError

# Attachments one Socket.IO packet may announce. The contract sends one (a binary body); a few
# more are allowed for clients that attach several buffers. python-socketio's own cap is a
# 10-digit count (9,999,999,999).
MAX_ATTACHMENTS = 16
# Nesting depth searched for attachment placeholders; deeper data is refused.
MAX_DEPTH = 32

EVENT_TYPES = (packet.EVENT, packet.BINARY_EVENT)
BINARY_TYPES = (packet.BINARY_EVENT, packet.BINARY_ACK)


def bad(message: str) -> ChatError:
    return ChatError(protocol.BAD_REQUEST, message)


def check_packet(pkt: packet.Packet) -> None:
    """Raise ``ChatError`` when a decoded packet is not one the server can dispatch safely."""
    if pkt.packet_type in (packet.CONNECT, packet.DISCONNECT):
        return  # python-socketio answers a namespace it does not serve (CONNECT_ERROR)
    if pkt.namespace not in (None, "/"):
        raise bad(f"unknown namespace {str(pkt.namespace)[:64]!r}")
    if pkt.packet_type in EVENT_TYPES:
        data = pkt.data
        if not isinstance(data, list) or not data or not isinstance(data[0], str):
            raise bad("an event must be a JSON array starting with the event name")
    if pkt.packet_type in BINARY_TYPES:
        check_placeholders(pkt.data, pkt.attachment_count)


def check_placeholders(data: Any, count: int) -> None:
    """Refuse attachment counts out of range and placeholders that name no attachment."""
    if not 1 <= count <= MAX_ATTACHMENTS:
        raise bad(f"a binary packet must announce 1 to {MAX_ATTACHMENTS} attachments")
    stack: list[tuple[Any, int]] = [(data, 0)]
    while stack:
        item, depth = stack.pop()
        if depth > MAX_DEPTH:
            raise bad(f"binary packet data nested deeper than {MAX_DEPTH}")
        if isinstance(item, list):
            stack.extend((value, depth + 1) for value in item)
        elif isinstance(item, dict):
            if item.get("_placeholder"):
                num = item.get("num")
                if isinstance(num, bool) or not isinstance(num, int) or not 0 <= num < count:
                    raise bad(f"attachment placeholder {num!r} is not in 0..{count - 1}")
            else:
                stack.extend((value, depth + 1) for value in item.values())


def check_attachment(data: object, buffered: int, limit: int) -> int:
    """Bytes buffered for a packet once ``data`` is added; raise when over ``limit``."""
    if not isinstance(data, bytes):
        raise bad("a binary attachment was announced but a text packet came")
    total = buffered + len(data)
    if total > limit:
        raise ChatError(
            protocol.TOO_LARGE, f"binary attachments of {total} bytes are over the {limit} limit"
        )
    return total


def engineio_frame_fault(frame: str) -> str | None:
    """Why python-engineio would raise on this WebSocket text frame, or None when it decodes.

    python-engineio decodes a frame outside its error handling: an empty frame, an unknown
    packet type (``x``) or broken base64 ends the ASGI task without a close frame.
    """
    if not frame:
        return "empty text frame (not an Engine.IO packet)"
    kind = frame[0]
    if kind == "b":
        try:
            b64decode(frame[1:])
        except (binascii.Error, ValueError):
            return "Engine.IO binary packet with broken base64"
        return None
    if kind not in "0123456":
        return f"unknown Engine.IO packet type {kind!r}"
    return None
