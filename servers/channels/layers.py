"""channels-redis's core layer on the shared pool settings (see servers/common/redis_pool.py).

Only the pool class changes: a ``BlockingConnectionPool`` of the same size as every other pool,
where channels-redis builds a plain one that raises "Too many connections" when exhausted. The
pub/sub layer needs no change: it publishes under a lock, one connection per shard.
"""

from __future__ import annotations

from typing import Any

import channels_redis.core

from servers.common.redis_pool import make_pool


class RedisChannelLayer(channels_redis.core.RedisChannelLayer):  # type: ignore[misc]
    def create_pool(self, index: int) -> Any:
        host = dict(self.hosts[index])
        return make_pool(host.pop("address"), host)
