"""The reconnection policy: a client the server closes right after answering its rejoin is
tried again, not counted as back (a whole run then lost its deliveries until the end)."""

from __future__ import annotations

import asyncio
import random
from typing import Any

from loadgen.clients.base import ClientClosed
from loadgen.clients.reconnect import ReconnectPolicy, reconnect

FAST = ReconnectPolicy(base_s=0.001, max_s=0.001, connect_timeout_s=1.0)


class Client:
    """Connects and answers joins; the first ``drops`` sessions are closed by the 'server'
    in the loop turn after their last join's reply, as a real transport's close arrives."""

    def __init__(self, drops: int) -> None:
        self.drops = drops
        self.connected = False
        self.sessions = 0

    async def connect(self, base_url: str, token: str, **_: Any) -> None:
        del base_url, token
        self.sessions += 1
        self.connected = True

    async def join(self, room: str) -> dict[str, Any]:
        if not self.connected:
            raise ClientClosed("not connected")
        if self.sessions <= self.drops:
            asyncio.get_running_loop().call_soon(self._closed_by_server)
        return {"ok": True, "room": room}

    def _closed_by_server(self) -> None:
        self.connected = False

    async def close(self) -> None:
        self.connected = False


def back(client: Client) -> bool:
    return asyncio.run(
        reconnect(client, "ws://x", "t", ["r"], FAST, random.Random(1), lambda: False)  # type: ignore[arg-type]
    )


def test_a_client_closed_right_after_its_rejoin_is_tried_again() -> None:
    client = Client(drops=2)
    assert back(client)
    assert client.sessions == 3 and client.connected  # back only once it stayed connected


def test_a_client_that_stays_connected_is_back_at_once() -> None:
    client = Client(drops=0)
    assert back(client)
    assert client.sessions == 1 and client.connected
