"""The slow-reader policy's queue, driven by a fake ASGI server (no sockets)."""

from __future__ import annotations

import asyncio
from typing import Any

from servers.common.send_queue import SLOW_READER_CLOSE, SendQueue


class FakeServer:
    """An ASGI server side whose transport can be stalled."""

    def __init__(self) -> None:
        self.sent: list[dict[str, Any]] = []
        self.writable = asyncio.Event()
        self.writable.set()
        self.incoming: asyncio.Queue[dict[str, Any]] = asyncio.Queue()

    async def send(self, message: dict[str, Any]) -> None:
        await self.writable.wait()
        self.sent.append(message)

    async def receive(self) -> dict[str, Any]:
        return await self.incoming.get()


def text(n: int, size: int = 10) -> dict[str, Any]:
    return {"type": "websocket.send", "text": str(n).ljust(size)}


async def test_frames_go_out_in_order_after_the_handshake() -> None:
    server = FakeServer()
    queue = SendQueue(server.send, server.receive, max_bytes=1000, max_seconds=5)
    await queue.send({"type": "websocket.accept"})
    assert server.sent == [{"type": "websocket.accept"}]  # straight through
    for n in range(5):
        await queue.send(text(n))
    await queue.aclose()
    assert [m["text"].strip() for m in server.sent[1:]] == ["0", "1", "2", "3", "4"]


async def test_a_stalled_reader_is_cut_off_at_the_byte_limit() -> None:
    server = FakeServer()
    queue = SendQueue(server.send, server.receive, max_bytes=100, max_seconds=60)
    await queue.send({"type": "websocket.accept"})
    server.writable.clear()  # the client stops reading
    for n in range(20):
        await queue.send(text(n))  # never blocks the application
    assert await asyncio.wait_for(queue.receive(), 1) == {
        "type": "websocket.disconnect",
        "code": SLOW_READER_CLOSE,
    }
    assert queue.done and queue.queued_bytes == 0
    await queue.send(text(99))  # dropped after the cut
    assert queue.queued_bytes == 0
    await queue.aclose()


async def test_a_frame_waiting_too_long_cuts_the_reader_off() -> None:
    server = FakeServer()
    queue = SendQueue(server.send, server.receive, max_bytes=10**6, max_seconds=0.05)
    await queue.send({"type": "websocket.accept"})
    server.writable.clear()
    await queue.send(text(1))
    await asyncio.sleep(0.1)
    await queue.send(text(2))
    assert (await asyncio.wait_for(queue.receive(), 1))["code"] == SLOW_READER_CLOSE
    await queue.aclose()


async def test_the_clients_own_events_pass_through() -> None:
    server = FakeServer()
    queue = SendQueue(server.send, server.receive, max_bytes=100, max_seconds=5)
    server.incoming.put_nowait({"type": "websocket.receive", "text": "hi"})
    assert await queue.receive() == {"type": "websocket.receive", "text": "hi"}
    await queue.aclose()
