"""The one way every server process builds a Redis connection pool.

Every pool (python-socketio's manager, channels-redis's core layer, the presence client) is a
``BlockingConnectionPool`` of ``BENCH_REDIS_POOL_SIZE`` connections: when all are busy a caller
waits up to ``BENCH_REDIS_POOL_WAIT_S`` for one. redis-py's plain pool raises "Too many
connections" instead, which python-socketio's manager logs as "Cannot publish to redis...
retrying" and channels-redis turns into a failed ``group_send``; 500 busy clients hit it.
"""

from __future__ import annotations

from typing import Any

import redis.asyncio as aioredis

from servers.common.config import ServerConfig


def pool_options(config: ServerConfig) -> dict[str, Any]:
    """Keyword arguments of ``BlockingConnectionPool.from_url``, recorded in results."""
    return {
        "max_connections": config.redis_pool_size,
        "timeout": config.redis_pool_wait_s,
        "socket_timeout": config.redis_socket_timeout,
    }


def make_pool(url: str, options: dict[str, Any]) -> aioredis.BlockingConnectionPool:
    return aioredis.BlockingConnectionPool.from_url(url, **options)
