"""Django settings of the Channels chat server: no ORM, no HTTP views, only the channel layer."""

from __future__ import annotations

import os
from typing import Any

from servers.common.config import ServerConfig
from servers.common.redis_pool import pool_options
from servers.idiomatic.settings import APPS as IDIOMATIC_APPS
from servers.idiomatic.settings import URLCONF as IDIOMATIC_URLCONF
from servers.idiomatic.settings import database as idiomatic_database

CHAT = ServerConfig.from_env(os.environ)

SECRET_KEY = CHAT.secret
DEBUG = False
ALLOWED_HOSTS = ["*"]
INSTALLED_APPS = ["channels"]
DATABASES: dict[str, Any] = {}
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
