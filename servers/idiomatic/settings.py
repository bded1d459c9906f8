"""Django settings of the idiomatic profile, the same for both Python servers.

:func:`database` is what both servers put in ``DATABASES["default"]`` (the Channels server
from servers/channels/settings.py, the python-socketio server and the launcher's migrations
through this module as ``DJANGO_SETTINGS_MODULE``): the persistence database of ``db_url``,
SQLite by default, PostgreSQL by URL, with the same connection settings on both.
"""

from __future__ import annotations

import os
from typing import Any
from urllib.parse import unquote, urlsplit

from servers.common.config import ServerConfig

APPS = ["django.contrib.contenttypes", "django.contrib.auth", "servers.idiomatic"]
URLCONF = "servers.idiomatic.urls"


def postgres_connection(postgres_url: str) -> dict[str, Any]:
    """Django's connection keys for a ``postgresql://`` URL (this profile's database and the
    Channels PostgreSQL layer's, servers/channels/settings.py)."""
    url = urlsplit(postgres_url)
    return {
        "ENGINE": "django.db.backends.postgresql",
        "NAME": url.path.lstrip("/") or "postgres",
        "USER": unquote(url.username or ""),
        "PASSWORD": unquote(url.password or ""),
        "HOST": url.hostname or "127.0.0.1",
        "PORT": str(url.port or 5432),
    }


def database(db_url: str) -> dict[str, Any]:
    """``DATABASES["default"]`` for ``db_url``. Connections persist (``CONN_MAX_AGE=None``) on
    both servers: with Django's default 0, Channels' ``database_sync_to_async`` (which calls
    ``close_old_connections`` around every call) would reconnect for every query, while plain
    ``sync_to_async`` would keep its connection: one side crippled by a default."""
    common: dict[str, Any] = {"CONN_MAX_AGE": None, "CONN_HEALTH_CHECKS": False}
    if db_url.startswith(("postgresql://", "postgres://")):
        return {**postgres_connection(db_url), **common}
    return {
        "ENGINE": "django.db.backends.sqlite3",
        "NAME": db_url.removeprefix("sqlite:///"),
        # The equal profile's store sets the same pragmas (servers/common/storage.py).
        "OPTIONS": {
            "timeout": 10.0,
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        },
        **common,
    }


CHAT = ServerConfig.from_env(os.environ)
SECRET_KEY = CHAT.secret
DEBUG = False
ALLOWED_HOSTS = ["*"]
INSTALLED_APPS = list(APPS)
DATABASES = {"default": database(CHAT.db_url)}
ROOT_URLCONF = URLCONF
USE_TZ = True
LOGGING_CONFIG = None
