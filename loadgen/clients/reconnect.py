"""The one reconnection policy of both client adapters (Socket.IO client's defaults).

The official Socket.IO client reconnects after a drop with exponential backoff: 1 s, doubling
up to 5 s, each delay randomized by +/-50 %, forever; the application then joins its rooms
again (rooms are server state that a new session does not keep). The Channels client has no
such built-in, so the load generator applies exactly this policy to both.
"""

from __future__ import annotations

import asyncio
import random
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from loadgen.clients.base import ChatClient, ClientClosed, ConnectRefused


@dataclass(frozen=True)
class ReconnectPolicy:
    base_s: float = 1.0  # socket.io-client reconnectionDelay
    max_s: float = 5.0  # reconnectionDelayMax
    randomization: float = 0.5  # randomizationFactor
    connect_timeout_s: float = 10.0

    def delay(self, attempt: int, rng: random.Random) -> float:
        """Seconds to wait before attempt ``attempt`` (0-based)."""
        delay: float = min(self.base_s * (2**attempt), self.max_s)
        return delay * (1 + self.randomization * (2 * rng.random() - 1))


async def reconnect(
    client: ChatClient,
    url: str,
    token: str,
    rooms: Sequence[str],
    policy: ReconnectPolicy,
    rng: random.Random,
    give_up: Callable[[], bool],
) -> bool:
    """Reconnect and rejoin ``rooms``; True once back, False when ``give_up()`` says stop."""
    attempt = 0
    while not give_up():
        await asyncio.sleep(policy.delay(attempt, rng))
        if give_up():
            return False
        try:
            # Connecting and rejoining must both finish in time: a server that accepts the
            # connection but never answers the join (its layer is still broken) is a failure.
            await asyncio.wait_for(
                _connect_and_join(client, url, token, rooms), policy.connect_timeout_s
            )
            # A drop between the last join's reply and this line (wait_for returns some loop
            # turns after the joins end) reached the user's close callback while this attempt
            # still counted as running, so nothing else retries it: the client stayed dead for
            # the rest of the run and its deliveries counted as lost (seen on sio while RabbitMQ
            # restarted: the server closed a client 0.3 ms after answering its rejoin).
            if not client.connected:
                raise ClientClosed("closed right after rejoining")
            return True
        except (ConnectRefused, ClientClosed, OSError, TimeoutError):
            attempt += 1
            await client.close()
    return False


async def _connect_and_join(client: ChatClient, url: str, token: str, rooms: Sequence[str]) -> None:
    await client.connect(url, token)
    for room in rooms:
        reply = await client.join(room)
        if not reply.get("ok"):
            raise ClientClosed(f"rejoin refused: {reply}")
