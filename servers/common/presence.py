"""Who is online in each room: in-process for one instance, in Redis for several.

A user may hold several connections; presence counts connections per user and lists a user
while at least one of them is in the room.
"""

from __future__ import annotations

from collections import Counter
from typing import Any, Protocol

import redis.asyncio as aioredis

from servers.common import redis_pool
from servers.common.config import ServerConfig

# Decrement and drop the field at zero, atomically (two instances may race on one room).
_LEAVE_SCRIPT = """
local n = redis.call('HINCRBY', KEYS[1], ARGV[1], -1)
if n <= 0 then redis.call('HDEL', KEYS[1], ARGV[1]) end
return n
"""


class Presence(Protocol):
    async def add(self, room: str, user: str) -> None: ...
    async def remove(self, room: str, user: str) -> None: ...
    async def members(self, room: str) -> list[str]: ...
    async def close(self) -> None: ...


class MemoryPresence:
    """Presence of a single server instance."""

    def __init__(self) -> None:
        self._rooms: dict[str, Counter[str]] = {}

    async def add(self, room: str, user: str) -> None:
        self._rooms.setdefault(room, Counter())[user] += 1

    async def remove(self, room: str, user: str) -> None:
        counts = self._rooms.get(room)
        if counts is None:
            return
        counts[user] -= 1
        if counts[user] <= 0:
            del counts[user]
        if not counts:
            del self._rooms[room]

    async def members(self, room: str) -> list[str]:
        return sorted(self._rooms.get(room, ()))

    async def close(self) -> None:
        self._rooms.clear()


class RedisPresence:
    """Presence shared by every instance through one Redis hash per room."""

    def __init__(self, url: str, pool_options: dict[str, Any], prefix: str) -> None:
        self._redis = aioredis.Redis(connection_pool=redis_pool.make_pool(url, pool_options))
        self._prefix = f"{prefix}:presence:"
        self._leave = self._redis.register_script(_LEAVE_SCRIPT)

    async def add(self, room: str, user: str) -> None:
        await self._redis.hincrby(self._prefix + room, user, 1)

    async def remove(self, room: str, user: str) -> None:
        await self._leave(keys=[self._prefix + room], args=[user])

    async def members(self, room: str) -> list[str]:
        counts = await self._redis.hgetall(self._prefix + room)
        return sorted(
            user.decode() if isinstance(user, bytes) else user
            for user, n in counts.items()
            if int(n) > 0
        )

    async def close(self) -> None:
        await self._redis.aclose()


def make_presence(config: ServerConfig) -> Presence:
    if config.backend == "redis":
        return RedisPresence(config.redis_url, redis_pool.pool_options(config), config.redis_prefix)
    return MemoryPresence()
