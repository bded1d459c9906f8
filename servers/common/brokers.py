"""Is the backplane's broker there? One probe per backend, with an error that says what to do.

Both the bench commands (before anything starts) and the server processes (at import, before
they listen) ask :func:`broker_problem`, so a broker that is down or unreachable is one clear
line naming the URL and how to start it, not a server that hangs retrying (channels_rabbitmq
retries forever, aio-pika's robust connection too) or a test that times out.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
from urllib.parse import urlsplit, urlunsplit

import psycopg
import redis

from servers.common.config import ServerConfig

HOW_TO_START = {
    "redis": "start one (redis-server, or docker compose up -d redis) or set --redis-url/REDIS_URL",
    "rabbitmq": (
        "start one (rabbitmq-server, or docker compose up -d rabbitmq) "
        "or set --rabbitmq-url/RABBITMQ_URL"
    ),
    "postgres": (
        "start one (pg_ctlcluster ... start, or docker compose up -d postgres) "
        "or set --postgres-url/POSTGRES_URL"
    ),
}


class BrokerUnavailableError(RuntimeError):
    """The configured backplane's broker does not answer."""


def redacted(url: str) -> str:
    """``url`` with its password replaced by ``***`` (kept out of logs and messages)."""
    parts = urlsplit(url)
    if parts.password is None:
        return url
    netloc = parts.netloc.replace(f":{parts.password}@", ":***@", 1)
    return urlunsplit(parts._replace(netloc=netloc))


def broker_url(config: ServerConfig) -> str | None:
    """The URL of the broker ``config.backend`` needs, None for the memory backend."""
    return {
        "redis": config.redis_url,
        "rabbitmq": config.rabbitmq_url,
        "postgres": config.postgres_url,
    }.get(config.backend)


def probe_rabbitmq(url: str, timeout: float) -> str | None:
    """None when an AMQP connection opens (vhost included), else why not."""
    import aio_pika

    async def connect() -> None:
        connection = await aio_pika.connect(url, timeout=timeout)
        await connection.close()

    # In a thread of its own: the caller may already run an event loop (a server's import).
    with concurrent.futures.ThreadPoolExecutor(1) as pool:
        try:
            pool.submit(asyncio.run, connect()).result(timeout + 2)
        except Exception as exc:  # any failure is "not there", in its words
            return _amqp_reason(exc)
    return None


def _amqp_reason(exc: BaseException) -> str:
    """The broker's own words when it closed the connection (a missing vhost: "530 NOT_ALLOWED
    - vhost asgi not found"), else the exception's."""
    for arg in exc.args:
        text = getattr(arg, "reply_text", None)
        if text:
            return f"{type(exc).__name__}: {getattr(arg, 'reply_code', '')} {text}".strip()
    return f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__


def probe_postgres(url: str, timeout: float) -> str | None:
    try:
        with psycopg.connect(url, connect_timeout=max(1, round(timeout))) as conn:
            conn.execute("SELECT 1")
    except psycopg.Error as exc:
        return str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
    return None


def probe_redis(url: str, timeout: float) -> str | None:
    client = redis.Redis.from_url(url, socket_connect_timeout=timeout, socket_timeout=timeout)
    try:
        client.ping()
    except redis.RedisError as exc:
        return str(exc) or type(exc).__name__
    finally:
        client.close()
    return None


PROBES = {"redis": probe_redis, "rabbitmq": probe_rabbitmq, "postgres": probe_postgres}


def broker_problem(backend: str, url: str, timeout: float = 3.0) -> str | None:
    """None when ``backend``'s broker answers at ``url``; else the message to show."""
    probe = PROBES.get(backend)
    if probe is None:
        return None
    why = probe(url, timeout)
    if why is None:
        return None
    return (
        f"the {backend} backend's broker does not answer at {redacted(url)} ({why}); "
        + (HOW_TO_START[backend])
    )


def require_broker(config: ServerConfig) -> None:
    """Raise :class:`BrokerUnavailableError` when ``config``'s backplane is not reachable."""
    url = broker_url(config)
    if url is None:
        return
    problem = broker_problem(config.backend, url)
    if problem is not None:
        raise BrokerUnavailableError(problem)
