"""Engine.IO v4 and Socket.IO v5 packets over a WebSocket: the pure codec (no I/O).

One Engine.IO packet is one WebSocket frame: a text frame is a type digit and its data
(``0`` open, ``1`` close, ``2`` ping, ``3`` pong, ``4`` message, ``6`` noop); a binary frame
is one attachment of the Socket.IO packet before it, sent raw. A Socket.IO packet inside an
Engine.IO message is ``<type>[<attachments>-][<namespace>,][<ack id>][<JSON>]`` with the types
below; binary values travel as attachments, replaced in the JSON by
``{"_placeholder": true, "num": n}``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import orjson

# Engine.IO packet types, as the first byte of a text frame.
EIO_OPEN = ord("0")
EIO_CLOSE = ord("1")
EIO_PING = ord("2")
EIO_PONG = ord("3")
EIO_MESSAGE = ord("4")
EIO_NOOP = ord("6")
PONG_FRAME = b"3"
CLOSE_FRAME = b"1"

# Socket.IO packet types.
CONNECT = 0
DISCONNECT = 1
EVENT = 2
ACK = 3
CONNECT_ERROR = 4
BINARY_EVENT = 5
BINARY_ACK = 6

_BINARY_OF = {EVENT: BINARY_EVENT, ACK: BINARY_ACK}
_DASH = ord("-")
_COMMA = ord(",")
_SLASH = ord("/")
_ZERO, _NINE = ord("0"), ord("9")


class PacketError(ValueError):
    """A frame that is not a well-formed Engine.IO / Socket.IO packet."""


@dataclass(slots=True)
class Packet:
    """One decoded Socket.IO packet; ``attachments`` binary frames follow it when > 0."""

    type: int
    namespace: str = "/"
    id: int | None = None
    data: Any = None
    attachments: int = 0
    buffers: list[bytes] = field(default_factory=list)


def namespace_prefix(namespace: str) -> bytes:
    """What a packet carries between its type and its ack id: empty for ``/``."""
    return b"" if namespace == "/" else namespace.encode() + b","


def deconstruct(data: Any, buffers: list[bytes]) -> Any:
    """Replace every ``bytes`` in ``data`` by a placeholder, appending it to ``buffers``."""
    if isinstance(data, bytes | bytearray | memoryview):
        buffers.append(bytes(data))
        return {"_placeholder": True, "num": len(buffers) - 1}
    if isinstance(data, list | tuple):
        return [deconstruct(item, buffers) for item in data]
    if isinstance(data, dict):
        return {key: deconstruct(value, buffers) for key, value in data.items()}
    return data


def reconstruct(data: Any, buffers: list[bytes]) -> Any:
    """Put the attachments back where their placeholders stand."""
    if isinstance(data, list):
        return [reconstruct(item, buffers) for item in data]
    if isinstance(data, dict):
        if data.get("_placeholder") is True and isinstance(data.get("num"), int):
            num = data["num"]
            if not 0 <= num < len(buffers):
                raise PacketError(f"attachment placeholder {num} of {len(buffers)}")
            return buffers[num]
        return {key: reconstruct(value, buffers) for key, value in data.items()}
    return data


def encode(
    kind: int, data: Any = None, *, namespace: str = "/", ack_id: int | None = None
) -> list[bytes]:
    """Encode one Socket.IO packet as Engine.IO frames: the text frame, then attachments.

    ``EVENT`` and ``ACK`` holding ``bytes`` become ``BINARY_EVENT`` / ``BINARY_ACK``.
    """
    buffers: list[bytes] = []
    if kind in _BINARY_OF:
        data = deconstruct(data, buffers)
        if buffers:
            kind = _BINARY_OF[kind]
    head = b"4%d" % kind
    if buffers:
        head += b"%d-" % len(buffers)
    head += namespace_prefix(namespace)
    if ack_id is not None:
        head += b"%d" % ack_id
    text = head if data is None else head + orjson.dumps(data)
    return [text, *buffers]


def decode(frame: bytes) -> Packet:
    """Decode the text frame of an Engine.IO message (``4...``) into a Socket.IO packet.

    Attachments, if ``attachments > 0``, are the next binary frames: append them to
    ``buffers`` and call :func:`complete`.
    """
    if len(frame) < 2 or frame[0] != EIO_MESSAGE or not _ZERO <= frame[1] <= _ZERO + 6:
        raise PacketError(f"not a Socket.IO packet: {bytes(frame[:32])!r}")
    packet = Packet(frame[1] - _ZERO)
    pos, end = 2, len(frame)
    if packet.type in (BINARY_EVENT, BINARY_ACK):
        dash = frame.find(b"-", pos)
        if dash < 0 or not frame[pos:dash].isdigit():
            raise PacketError("binary packet without its attachment count")
        packet.attachments, pos = int(frame[pos:dash]), dash + 1
    if pos < end and frame[pos] == _SLASH:
        comma = frame.find(b",", pos)
        stop = end if comma < 0 else comma
        packet.namespace = frame[pos:stop].decode()
        pos = end if comma < 0 else comma + 1
    start = pos
    while pos < end and _ZERO <= frame[pos] <= _NINE:
        pos += 1
    if pos > start:
        packet.id = int(frame[start:pos])
    if pos < end:
        try:
            packet.data = orjson.loads(frame[pos:])
        except orjson.JSONDecodeError as exc:
            raise PacketError(f"bad JSON in packet: {exc}") from None
    return packet


def complete(packet: Packet) -> Packet:
    """Replace placeholders once every attachment has arrived."""
    packet.data = reconstruct(packet.data, packet.buffers)
    packet.type = EVENT if packet.type == BINARY_EVENT else ACK
    packet.attachments = 0
    packet.buffers = []
    return packet


def decode_open(frame: bytes) -> dict[str, Any]:
    """The Engine.IO open packet (``0{...}``): sid, pingInterval, pingTimeout, maxPayload."""
    if not frame or frame[0] != EIO_OPEN:
        raise PacketError(f"expected the Engine.IO open packet, got {bytes(frame[:32])!r}")
    data = orjson.loads(frame[1:])
    if not isinstance(data, dict) or "sid" not in data:
        raise PacketError("Engine.IO open packet without a sid")
    return data


def ack_value(args: Any) -> Any:
    """What an ack callback receives: the one argument of an ack, else the argument list."""
    if not isinstance(args, list):
        return args
    return args[0] if len(args) == 1 else args


def connect_error(data: Any) -> tuple[str, str]:
    """(code, message) of a ``CONNECT_ERROR``: ``{"message", "data": {"code", "message"}}``."""
    if not isinstance(data, dict):
        return "unauthorized", str(data)
    detail = data.get("data")
    if not isinstance(detail, dict):
        detail = {}
    code = detail.get("code") or data.get("message") or "unauthorized"
    return str(code), str(detail.get("message") or data.get("message") or "")
