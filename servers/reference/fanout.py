"""Who gets a room's frames: members in this process, and with Redis, members elsewhere.

Memory backend: a dict of rooms. Redis backend: every message is published once to the room's
channel and each instance delivers what it receives to its own members (one pattern
subscription per process), the plain pub/sub path both frameworks' Redis managers build on.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Iterable

import redis.asyncio as aioredis
from websockets.asyncio.server import ServerConnection, broadcast

from servers.common.config import ServerConfig
from servers.common.redis_pool import make_pool, pool_options

Frame = str | bytes
_TEXT, _BINARY = b"t", b"b"


class Rooms:
    """Members of each room in this process, and the users behind them (for presence)."""

    def __init__(self) -> None:
        self.members: dict[str, dict[ServerConnection, str]] = {}

    def add(self, room: str, ws: ServerConnection, user: str) -> None:
        self.members.setdefault(room, {})[ws] = user

    def remove(self, room: str, ws: ServerConnection) -> None:
        members = self.members.get(room)
        if members is not None:
            members.pop(ws, None)
            if not members:
                del self.members[room]

    def users(self, room: str) -> list[str]:
        return sorted(set(self.members.get(room, {}).values()))

    def deliver(self, room: str, frame: Frame) -> None:
        members: Iterable[ServerConnection] = self.members.get(room, {})
        broadcast(members, frame)


class Fanout:
    """In-process fan-out (memory backend)."""

    def __init__(self, rooms: Rooms) -> None:
        self.rooms = rooms

    async def start(self) -> None:
        return None

    async def publish(self, room: str, frame: Frame) -> None:
        self.rooms.deliver(room, frame)

    async def close(self) -> None:
        return None


class RedisFanout(Fanout):
    """Publish each frame once to ``<prefix>:room:<room>``; deliver what arrives locally."""

    def __init__(self, rooms: Rooms, config: ServerConfig) -> None:
        super().__init__(rooms)
        self.prefix = f"{config.redis_prefix}:room:"
        self.redis = aioredis.Redis(
            connection_pool=make_pool(config.redis_url, pool_options(config))
        )
        self.pubsub = self.redis.pubsub()
        self._task: asyncio.Task[None] | None = None

    async def start(self) -> None:
        await self.pubsub.psubscribe(self.prefix + "*")
        self._task = asyncio.get_running_loop().create_task(self._listen())

    async def publish(self, room: str, frame: Frame) -> None:
        data = _TEXT + frame.encode() if isinstance(frame, str) else _BINARY + frame
        await self.redis.publish(self.prefix + room, data)

    async def _listen(self) -> None:
        async for message in self.pubsub.listen():
            if message["type"] != "pmessage":
                continue
            room = message["channel"].decode()[len(self.prefix) :]
            data: bytes = message["data"]
            frame: Frame = data[1:].decode() if data[:1] == _TEXT else data[1:]
            self.rooms.deliver(room, frame)

    async def close(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
        await self.pubsub.aclose()  # type: ignore[no-untyped-call]
        await self.redis.aclose()


def make_fanout(rooms: Rooms, config: ServerConfig) -> Fanout:
    return RedisFanout(rooms, config) if config.backend == "redis" else Fanout(rooms)
