"""Before any server starts: the backplane's broker answers, and its tables exist.

channels_postgres keeps its groups and messages in tables created by Django migrations, and the
Node postgres adapter needs its attachments table: both are created here, once, by the
launcher, because two instances starting together would race to create them.
"""

from __future__ import annotations

import dataclasses
import os
import subprocess
import sys

import psycopg

from servers.common.brokers import (
    BrokerUnavailableError,
    broker_problem,
    broker_url,
    require_broker,
)
from servers.common.config import ServerConfig, backend_unsupported

# @socket.io/postgres-adapter's table for payloads over 8000 bytes (its README's statement).
NODE_ATTACHMENTS = """CREATE TABLE IF NOT EXISTS socket_io_attachments (
    id bigserial UNIQUE, created_at timestamptz DEFAULT NOW(), payload bytea)"""
# channels_postgres deletes delivered rows only 10-20 min after a group_discard: expired rows
# of earlier runs are removed before a run (its own cleanup query, run now).
PRUNE = "DELETE FROM channels_postgres_message WHERE expire < NOW()"
MIGRATION_LOCK = 0x6265_6E63_6821  # any constant: "bench!"
MIGRATE = (
    "import django; django.setup(); from django.core.management import call_command; "
    "call_command('migrate', 'channels_postgres', database='channels_postgres', verbosity=0)"
)


def prepare_backplane(contender: str, config: ServerConfig, python: str = sys.executable) -> None:
    """Refuse an unsupported pair, check the broker, create the tables the servers need."""
    refused = backend_unsupported(contender, config.backend)
    if refused is not None:
        raise ValueError(refused)
    require_broker(config)
    if config.backend != "postgres":
        return
    if contender.startswith("channels"):
        migrate_channels_postgres(config, python)
    elif contender == "sio-node":
        with psycopg.connect(config.postgres_url, autocommit=True) as conn:
            conn.execute(NODE_ATTACHMENTS)


def migrate_channels_postgres(config: ServerConfig, python: str = sys.executable) -> None:
    """``migrate channels_postgres --database channels_postgres``, in a child process (Django
    is set up once per process, and the launcher's must stay free of it)."""
    env = {**os.environ, **config.to_env(), "DJANGO_SETTINGS_MODULE": "servers.channels.settings"}
    with psycopg.connect(config.postgres_url, autocommit=True) as conn:
        # Launchers starting together (compose replicas, parallel tests) migrate one at a time.
        conn.execute("SELECT pg_advisory_lock(%s)", (MIGRATION_LOCK,))
        done = subprocess.run(
            [python, "-c", MIGRATE], env=env, capture_output=True, text=True, timeout=120
        )
        conn.execute(PRUNE if done.returncode == 0 else "SELECT 1")
        conn.execute("SELECT pg_advisory_unlock(%s)", (MIGRATION_LOCK,))
    if done.returncode != 0:
        raise BrokerUnavailableError(
            f"channels_postgres migrations failed on {config.postgres_url}:\n{done.stderr[-2000:]}"
        )


def with_broker_urls(
    config: ServerConfig, rabbitmq_url: str | None, postgres_url: str | None
) -> ServerConfig:
    """``config`` with the broker URLs of the command line, else RABBITMQ_URL / POSTGRES_URL,
    else its own (BENCH_* or the local defaults)."""
    return dataclasses.replace(
        config,
        rabbitmq_url=rabbitmq_url or os.environ.get("RABBITMQ_URL") or config.rabbitmq_url,
        postgres_url=postgres_url or os.environ.get("POSTGRES_URL") or config.postgres_url,
    )


def backplane_problem(contender: str, config: ServerConfig) -> str | None:
    """What stops ``contender`` on ``config``'s backplane (not applicable, broker down), or None.
    Presence of every shared backplane is in Redis, so Redis is checked for them all."""
    refused = backend_unsupported(contender, config.backend)
    if refused is not None:
        return refused
    if config.backend in ("rabbitmq", "postgres"):
        problem = broker_problem("redis", config.redis_url)
        if problem is not None:
            return f"{problem} (presence is kept in Redis for every backplane)"
    url = broker_url(config)
    return None if url is None else broker_problem(config.backend, url)
