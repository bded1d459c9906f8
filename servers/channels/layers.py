"""The channel layers that need a change to run the benchmark fairly or correctly.

channels-redis's core layer on the shared pool settings (see servers/common/redis_pool.py):
only the pool class changes, a ``BlockingConnectionPool`` of the same size as every other pool,
where channels-redis builds a plain one that raises "Too many connections" when exhausted. The
pub/sub layer needs no change: it publishes under a lock, one connection per shard.
channels_rabbitmq's layer needs settings only (servers/channels/settings.py);
channels_postgres's needs three race fixes (servers/channels/postgres_layer.py, a module of its
own: channels_postgres imports Django models, which fail unless it is an installed app).
"""

from __future__ import annotations

from typing import Any

import channels_redis.core

from servers.common.redis_pool import make_pool


class RedisChannelLayer(channels_redis.core.RedisChannelLayer):  # type: ignore[misc]
    def create_pool(self, index: int) -> Any:
        host = dict(self.hosts[index])
        return make_pool(host.pop("address"), host)
