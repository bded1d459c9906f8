"""Who is online in each room: in-process (memory backend), else in Redis (every backplane).

Presence holds one entry per connection and room; a user is listed while at least one of its
connections is in the room. Removing an entry twice is harmless, so every way a connection
ends (close, drop, crash of its handler, server shutdown) may remove it without counting.

In Redis each room is a sorted set ``{prefix}:presence:{room}`` of ``"{conn} {user}"`` scored by
the entry's expiry time (unix seconds). A live server refreshes its entries every third of the
TTL; what a dead process leaves behind stops being listed after at most ``presence_ttl_s`` and
is deleted by the next refresh of that room (the whole key expires when nobody refreshes it).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from typing import Any, Protocol

import redis.asyncio as aioredis

from servers.common import redis_pool
from servers.common.config import SHARED_BACKENDS, ServerConfig

log = logging.getLogger("servers.presence")


class Presence(Protocol):
    async def add(self, room: str, user: str, conn: str) -> None: ...
    async def remove(self, room: str, user: str, conn: str) -> None: ...
    async def members(self, room: str) -> list[str]: ...
    async def close(self) -> None: ...


class MemoryPresence:
    """Presence of a single server instance."""

    def __init__(self) -> None:
        self._rooms: dict[str, dict[str, str]] = {}  # room -> conn -> user

    async def add(self, room: str, user: str, conn: str) -> None:
        self._rooms.setdefault(room, {})[conn] = user

    async def remove(self, room: str, _user: str, conn: str) -> None:
        conns = self._rooms.get(room)
        if conns is None:
            return
        conns.pop(conn, None)
        if not conns:
            del self._rooms[room]

    async def members(self, room: str) -> list[str]:
        return sorted(set(self._rooms.get(room, {}).values()))

    async def close(self) -> None:
        self._rooms.clear()


def _text(value: object) -> str:
    return value.decode() if isinstance(value, bytes) else str(value)


def entry(conn: str, user: str) -> str:
    return f"{conn} {user}"


class RedisPresence:
    """Presence shared by every instance through one Redis sorted set per room, with a TTL."""

    def __init__(self, url: str, pool_options: dict[str, Any], prefix: str, ttl: float) -> None:
        self._redis = aioredis.Redis(connection_pool=redis_pool.make_pool(url, pool_options))
        self._prefix = f"{prefix}:presence:"
        self.ttl = ttl
        self._held: dict[str, set[str]] = {}  # room -> entries of this process
        self._refresher: asyncio.Task[None] | None = None

    async def add(self, room: str, user: str, conn: str) -> None:
        self._held.setdefault(room, set()).add(entry(conn, user))
        key = self._prefix + room
        async with self._redis.pipeline(transaction=False) as pipe:
            pipe.zadd(key, {entry(conn, user): time.time() + self.ttl})
            pipe.pexpire(key, int(self.ttl * 1000))
            await pipe.execute()
        if self._refresher is None:
            self._refresher = asyncio.create_task(self._refresh_forever())

    async def remove(self, room: str, user: str, conn: str) -> None:
        held = self._held.get(room)
        if held is not None:
            held.discard(entry(conn, user))
            if not held:
                del self._held[room]
        await self._redis.zrem(self._prefix + room, entry(conn, user))

    async def members(self, room: str) -> list[str]:
        live = await self._redis.zrangebyscore(self._prefix + room, time.time(), "+inf")
        users = {_text(e).split(" ", 1)[1] for e in live}
        return sorted(users)

    async def refresh(self) -> None:
        """Push back the expiry of every entry this process holds; drop the expired ones."""
        now = time.time()
        async with self._redis.pipeline(transaction=False) as pipe:
            for room, held in list(self._held.items()):
                key = self._prefix + room
                pipe.zremrangebyscore(key, "-inf", now)
                pipe.zadd(key, dict.fromkeys(held, now + self.ttl))
                pipe.pexpire(key, int(self.ttl * 1000))
            await pipe.execute()

    async def _refresh_forever(self) -> None:
        while True:
            await asyncio.sleep(self.ttl / 3)
            try:
                await self.refresh()
            except Exception as exc:  # Redis down: entries expire, the next refresh restores
                log.warning("presence refresh failed: %s", exc)

    async def close(self) -> None:
        """Remove this process's entries (a clean shutdown leaves nothing to expire)."""
        if self._refresher is not None:
            self._refresher.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._refresher
        async with self._redis.pipeline(transaction=False) as pipe:
            for room, held in self._held.items():
                pipe.zrem(self._prefix + room, *held)
            await pipe.execute()
        self._held.clear()
        await self._redis.aclose()


def make_presence(config: ServerConfig) -> Presence:
    # Every shared backplane keeps presence in the same Redis (docs/backplanes.md): instances
    # must agree on who is online, and the backplanes are compared on messages alone.
    if config.backend in SHARED_BACKENDS:
        options = redis_pool.pool_options(config)
        return RedisPresence(config.redis_url, options, config.redis_prefix, config.presence_ttl_s)
    return MemoryPresence()
