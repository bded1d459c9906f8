"""Django settings of the Channels chat server: no ORM, no HTTP views, only the channel layer.

The PostgreSQL backplane is the exception that needs the ORM: channels_postgres removes group
members through it (``.using("channels_postgres")``) and keeps its tables in migrations, which
the launcher applies once before the servers start (servers/launch/backplane.py).
"""

from __future__ import annotations

import os
from typing import Any

from servers.common.brokers import require_broker
from servers.common.config import ServerConfig
from servers.common.redis_pool import pool_options
from servers.idiomatic.settings import APPS as IDIOMATIC_APPS
from servers.idiomatic.settings import URLCONF as IDIOMATIC_URLCONF
from servers.idiomatic.settings import database as idiomatic_database
from servers.idiomatic.settings import postgres_connection

CHAT = ServerConfig.from_env(os.environ)
require_broker(CHAT)  # a backplane that is down: one clear error, not a layer retrying forever

SECRET_KEY = CHAT.secret
DEBUG = False
ALLOWED_HOSTS = ["*"]


def postgres_database(config: ServerConfig) -> dict[str, Any]:
    """Django's connection settings for ``config.postgres_url``. channels_postgres hands its
    layer CONFIG to Django's ``DatabaseWrapper``, which needs PASSWORD and TIME_ZONE present
    (else ``KeyError``, which ``get_channel_layer()`` swallows into ``None``)."""
    return {**postgres_connection(config.postgres_url), "TIME_ZONE": None, "OPTIONS": {}}


INSTALLED_APPS = ["channels"]
DATABASES: dict[str, Any] = {}
if CHAT.backend == "postgres":
    INSTALLED_APPS.append("channels_postgres")
    DATABASES["default"] = DATABASES["channels_postgres"] = postgres_database(CHAT)
if CHAT.profile == "idiomatic":  # the Django project both servers share (servers/idiomatic/)
    INSTALLED_APPS += IDIOMATIC_APPS
    DATABASES["default"] = idiomatic_database(CHAT.db_url)
    ROOT_URLCONF = IDIOMATIC_URLCONF
USE_TZ = True
ASGI_APPLICATION = "servers.channels.asgi.application"
LOGGING_CONFIG = None


def channel_layers(config: ServerConfig) -> dict[str, Any]:
    """The layer for the configured backend, its pool sized like every other Redis pool."""
    if config.backend == "memory":
        return {
            "default": {
                "BACKEND": "channels.layers.InMemoryChannelLayer",
                "CONFIG": {"capacity": config.channel_capacity},
            }
        }
    if config.backend == "rabbitmq":
        # Library defaults: vhost "asgi" (absent: the layer retries forever), local_capacity
        # (the AMQP prefetch, one budget per process) and remote_capacity (x-max-length of the
        # process's queue, overflow silently dropped) 100 each: all three replaced.
        return {
            "default": {
                "BACKEND": "channels_rabbitmq.core.RabbitmqChannelLayer",
                "CONFIG": {
                    "host": config.rabbitmq_url,
                    "local_capacity": config.amqp_prefetch,
                    "remote_capacity": config.channel_capacity,
                    "groups_exchange": f"{config.redis_prefix}.groups",
                },
            }
        }
    if config.backend == "postgres":
        size = config.postgres_pool_size  # psycopg_pool's default 4 (min_size, max_size None)
        return {
            "default": {
                "BACKEND": "servers.channels.postgres_layer.PostgresChannelLayer",
                "CONFIG": {
                    **postgres_database(config),
                    "prefix": config.redis_prefix,  # group_key is a varchar(100)
                    "PSYCOPG_OPTIONS": {"min_size": size, "max_size": size},
                },
            }
        }
    host = {"address": config.redis_url, **pool_options(config)}
    if config.channels_layer == "pubsub":
        # The pub/sub layer builds a plain pool (no waiting) and publishes under a lock on one
        # connection per shard, so the pool never runs dry; it gets the same size and timeout.
        del host["timeout"]
        return {
            "default": {
                "BACKEND": "channels_redis.pubsub.RedisPubSubChannelLayer",
                "CONFIG": {"hosts": [host], "prefix": f"{config.redis_prefix}:asgi"},
            }
        }
    return {
        "default": {
            "BACKEND": "servers.channels.layers.RedisChannelLayer",
            "CONFIG": {
                "hosts": [host],
                "prefix": f"{config.redis_prefix}:asgi",
                "capacity": config.channel_capacity,
            },
        }
    }


CHANNEL_LAYERS = channel_layers(CHAT)
