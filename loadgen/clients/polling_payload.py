"""Engine.IO v4 long-polling payloads: the pure codec (no I/O).

Over HTTP long-polling, one request or response body carries several Engine.IO packets
separated by the record separator ``\\x1e``. A text packet is written as it would be in a
WebSocket text frame (``4...``, ``2``, ``3``); a binary packet (a Socket.IO attachment) as ``b``
followed by its base64. :class:`Outbox` holds the packets a client has queued and cuts them
into POST bodies the server accepts.
"""

from __future__ import annotations

import base64
import binascii
from collections import deque

from loadgen.clients.sio_packets import PacketError

SEPARATOR = b"\x1e"
BINARY_PREFIX = ord("b")
# python-engineio's server refuses a POST of more packets (``Payload.max_decode_packets``):
# it logs the error and drops the whole body.
MAX_PACKETS = 16
DEFAULT_MAX_BYTES = 1_000_000  # Engine.IO's default ``maxPayload``, used until the server says


def encode_binary(data: bytes) -> bytes:
    """One binary packet as it travels in a payload: ``b<base64>``."""
    return b"b" + base64.b64encode(data)


def decode_payload(body: bytes) -> list[tuple[bool, bytes]]:
    """The packets of one payload, in order: ``(is_binary, data)``.

    Text packets keep their type digit (``b"4..."``), as a WebSocket text frame would;
    binary packets come back as their raw bytes. An empty body holds no packet.
    """
    if not body:
        return []
    packets: list[tuple[bool, bytes]] = []
    for part in body.split(SEPARATOR):
        if not part:
            raise PacketError("empty packet in a polling payload")
        if part[0] == BINARY_PREFIX:
            try:
                packets.append((True, base64.b64decode(part[1:], validate=True)))
            except binascii.Error as exc:
                raise PacketError(f"bad base64 in a binary packet: {exc}") from None
        else:
            packets.append((False, part))
    return packets


class Outbox:
    """Encoded packets waiting for the next POST.

    :meth:`take` returns the next body: the oldest packets, in order, as many as fit in
    ``max_packets`` and ``max_bytes`` (the server's ``maxPayload``), and never fewer than one,
    so an oversized packet still leaves (alone) and the server answers it as it would a
    WebSocket frame over its limit.
    """

    __slots__ = ("_packets", "max_bytes", "max_packets")

    def __init__(self, max_packets: int = MAX_PACKETS, max_bytes: int = DEFAULT_MAX_BYTES) -> None:
        if max_packets < 1 or max_bytes < 1:
            raise ValueError("an Outbox needs room for at least one packet")
        self.max_packets = max_packets
        self.max_bytes = max_bytes
        self._packets: deque[bytes] = deque()

    def add(self, packet: bytes) -> None:
        self._packets.append(packet)

    def __len__(self) -> int:
        return len(self._packets)

    def take(self) -> bytes:
        """The next POST body (``b""`` when nothing waits)."""
        packets = self._packets
        if not packets:
            return b""
        batch = [packets.popleft()]
        size = len(batch[0])
        while packets and len(batch) < self.max_packets:
            size += 1 + len(packets[0])
            if size > self.max_bytes:
                break
            batch.append(packets.popleft())
        return batch[0] if len(batch) == 1 else SEPARATOR.join(batch)
