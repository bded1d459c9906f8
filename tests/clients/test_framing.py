"""Client frames: masked per RFC 6455, batched once per loop iteration."""

from __future__ import annotations

import asyncio

import pytest

from loadgen.clients.framing import BINARY, TEXT, CorkedWriter, FrameWriter, encode_frame


def parse_all(data: bytes) -> list[tuple[int, bytes]]:
    """Parse client frames as a server does (RFC 6455 5.2): [(first byte, unmasked payload)]."""
    frames, pos = [], 0
    while pos < len(data):
        first, second = data[pos], data[pos + 1]
        assert second & 0x80, "client frames must be masked"
        size, pos = second & 0x7F, pos + 2
        if size == 126:
            size, pos = int.from_bytes(data[pos : pos + 2], "big"), pos + 2
        elif size == 127:
            size, pos = int.from_bytes(data[pos : pos + 8], "big"), pos + 8
        mask, pos = data[pos : pos + 4], pos + 4
        payload = bytes(b ^ mask[i % 4] for i, b in enumerate(data[pos : pos + size]))
        frames.append((first, payload))
        pos += size
    return frames


@pytest.mark.parametrize("size", [0, 1, 125, 126, 65535, 65536, 200_000])
def test_encode_frame_is_parsed_back_at_every_length_boundary(size: int) -> None:
    data = bytes(i % 251 for i in range(size))
    assert parse_all(encode_frame(BINARY, data, b"\x01\x02\x03\x04")) == [(BINARY, data)]


class Recorder:
    def __init__(self) -> None:
        self.writes: list[bytes] = []
        self.closing = False

    def write(self, data: bytes) -> None:
        self.writes.append(data)

    def is_closing(self) -> bool:
        return self.closing


async def test_writer_batches_one_loop_iteration_into_one_write() -> None:
    transport = Recorder()
    writer = FrameWriter(transport)
    writer.send_text(b'42["msg",1]')
    writer.send_binary(b"\x00" * 300)
    writer.send_text(b"x" * 70_000)
    assert transport.writes == []
    await asyncio.sleep(0)
    assert len(transport.writes) == 1
    frames = parse_all(transport.writes[0])
    assert frames == [(TEXT, b'42["msg",1]'), (BINARY, b"\x00" * 300), (TEXT, b"x" * 70_000)]
    writer.send_text(b"next")
    await asyncio.sleep(0)
    assert len(transport.writes) == 2


async def test_writer_masks_every_frame_with_a_fresh_key() -> None:
    transport = Recorder()
    writer = FrameWriter(transport)
    for _ in range(20):
        writer.send_text(b"same payload")
    writer.flush()
    keys = {transport.writes[0][i * 18 + 2 : i * 18 + 6] for i in range(20)}
    assert len(keys) > 1
    assert [first for first, _ in parse_all(transport.writes[0])] == [TEXT] * 20


async def test_writer_drops_frames_once_the_transport_is_closing() -> None:
    transport = Recorder()
    writer = FrameWriter(transport)
    writer.send_text(b"late")
    transport.closing = True
    await asyncio.sleep(0)
    assert transport.writes == []


def test_corked_writer_sends_at_once_unless_corked_then_in_one_write() -> None:
    transport = Recorder()
    direct: list[tuple[str, bytes]] = []
    writer = CorkedWriter(
        transport, lambda d: direct.append(("text", d)), lambda d: direct.append(("bin", d))
    )
    writer.send_text(b"now")
    writer.send_binary(b"\x00now")
    assert direct == [("text", b"now"), ("bin", b"\x00now")] and transport.writes == []
    writer.corked = True
    writer.send_text(b"a")
    writer.send_binary(b"b" * 200)
    assert transport.writes == []
    writer.uncork()
    assert not writer.corked and len(transport.writes) == 1
    assert parse_all(transport.writes[0]) == [(TEXT, b"a"), (BINARY, b"b" * 200)]
    writer.uncork()
    assert len(transport.writes) == 1 and len(direct) == 2
