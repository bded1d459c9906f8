"""Server configuration, read once from ``BENCH_*`` environment variables.

Both servers read the same settings through :meth:`ServerConfig.from_env`, and the launcher
writes them with :meth:`ServerConfig.to_env`, so a setting cannot reach one contender and not
the other.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Literal

Backend = Literal["memory", "redis", "rabbitmq", "postgres"]
ChannelsLayer = Literal["core", "pubsub"]
# equal: plain SQL storage and HMAC tokens on both; idiomatic: the Django project of
# servers/idiomatic/ (ORM token lookup and messages), Python frameworks only (docs/idiomatic.md).
Profile = Literal["equal", "idiomatic"]
BACKENDS: tuple[Backend, ...] = ("memory", "redis", "rabbitmq", "postgres")
# The backplanes a message crosses between instances; every one but memory is a shared server.
SHARED_BACKENDS: tuple[Backend, ...] = ("redis", "rabbitmq", "postgres")
DEFAULT_RABBITMQ_URL = "amqp://guest:guest@127.0.0.1:5672/"
DEFAULT_POSTGRES_URL = "postgresql://postgres@127.0.0.1:5432/test"
# Which contender ships a backplane for which broker (issue 11's matrix). python-socketio has no
# PostgreSQL manager, the Node reference no RabbitMQ adapter, and the plain-websockets reference
# server fans out through Redis only.
# Contenders are named by framework first (sio, sio-hypercorn...; channels, channels-daphne...).
_ALL = frozenset(BACKENDS)
SUPPORTED_BACKENDS: dict[str, frozenset[str]] = {
    "sio": frozenset({"memory", "redis", "rabbitmq"}),
    "channels": _ALL,
    "sio-node": frozenset({"memory", "redis", "postgres"}),
    "reference": frozenset({"memory", "redis"}),
}
_MISSING = {
    ("sio", "postgres"): "python-socketio ships no PostgreSQL client manager",
    ("sio-node", "rabbitmq"): "the Node reference has no RabbitMQ adapter in this harness",
}

DEFAULT_SECRET = "bench-dev-secret-not-for-production"
DEFAULT_MAX_BODY_BYTES = 64 * 1024
# Every Redis connection pool in a server process (python-socketio's manager, channels-redis,
# the presence client) gets exactly this many connections. redis-py's default (100) made
# python-socketio's manager drop publishes under 100 busy clients, so it is never left implicit.
DEFAULT_REDIS_POOL_SIZE = 1000
# Queue capacity of both Channels layers (library default 100). channels-redis's core layer
# counts it per *process* for consumer channels (they share one "specific" queue), and
# group_send drops over-capacity messages silently: with 1000, 500 busy clients on two
# instances lost half their deliveries. Loss still shows in results if this is exceeded.
DEFAULT_CHANNEL_CAPACITY = 100_000
# Connections of every PostgreSQL backplane pool (channels_postgres's psycopg pool, the Node
# postgres adapter's pg.Pool), set equally: channels_postgres's own default is 4, pg's 10.
DEFAULT_POSTGRES_POOL_SIZE = 10


def framework(contender: str) -> str:
    """The key of :data:`SUPPORTED_BACKENDS` for ``contender`` (its ASGI server left out)."""
    if contender == "sio-node" or contender == "reference":
        return contender
    return contender.split("-", 1)[0]


def backend_unsupported(contender: str, backend: str) -> str | None:
    """Why ``contender`` cannot run on ``backend`` ("not applicable"), or None when it can."""
    family = framework(contender)
    if backend not in BACKENDS or backend in SUPPORTED_BACKENDS.get(family, _ALL):
        return None
    reason = _MISSING.get((family, backend), f"{contender} has no {backend} backplane")
    return f"{contender} on --backend {backend} is not applicable: {reason}"


class ConfigError(ValueError):
    """A ``BENCH_*`` variable holds a value the servers cannot use."""


@dataclass(frozen=True)
class ServerConfig:
    """Everything a chat server process needs to know, identical for every contender."""

    backend: Backend = "memory"
    channels_layer: ChannelsLayer = "core"
    redis_url: str = "redis://127.0.0.1:6379/0"
    redis_pool_size: int = DEFAULT_REDIS_POOL_SIZE
    redis_prefix: str = "bench"
    # Read timeout of every Redis connection, set explicitly and equally: redis-py 8's default
    # (5 s) equals channels-redis's 5 s BZPOPMIN, so an idle consumer's read raced its own
    # timeout and the consumer died with "Timeout reading from" under load.
    redis_socket_timeout: float = 30.0
    redis_pool_wait_s: float = 10.0  # how long a caller waits for a free pooled connection
    rabbitmq_url: str = DEFAULT_RABBITMQ_URL
    postgres_url: str = DEFAULT_POSTGRES_URL  # the backplane's database (not persistence's)
    postgres_pool_size: int = DEFAULT_POSTGRES_POOL_SIZE
    channel_capacity: int = DEFAULT_CHANNEL_CAPACITY
    persistence: bool = False
    db_url: str = "sqlite:///bench-chat.sqlite3"
    max_body_bytes: int = DEFAULT_MAX_BODY_BYTES
    allowed_origins: tuple[str, ...] = ("http://localhost", "http://127.0.0.1")
    secret: str = DEFAULT_SECRET
    ws_per_message_deflate: bool = False
    delay_ms: float = 0.0  # artificial per-message delay, to inject a known slowdown
    # How long a presence entry outlives the server that wrote it (Redis backend): live servers
    # refresh theirs every third of it, so a crashed process's users vanish within this time.
    presence_ttl_s: float = 30.0
    # The slow-reader policy, the same on every contender (servers/common/send_queue.py): a
    # connection whose outgoing frames wait unsent over this many bytes, or longer than this
    # many seconds, is cut off (close 1008) and leaves its rooms and presence.
    send_queue_bytes: int = 4 * 1024 * 1024
    send_queue_seconds: float = 10.0
    # The IoT-dashboard bridge (docs/iot.md): empty, no bridge; else the broker whose
    # devices/+/telemetry messages each server forwards to the room a message names, at this QoS.
    mqtt_url: str = ""
    mqtt_qos: int = 0
    # Prometheus text exposition at GET /metrics (servers/common/metrics.py); off by default.
    metrics: bool = False
    profile: Profile = "equal"  # BENCH_PROFILE

    @property
    def amqp_prefetch(self) -> int:
        """Unacknowledged AMQP deliveries per consumer, for both RabbitMQ backplanes: the
        channel capacity, capped at 65535 (``prefetch_count`` is an unsigned short)."""
        return min(self.channel_capacity, 65535)

    @property
    def frame_limit_bytes(self) -> int:
        """Transport cap on one WebSocket frame; larger frames close the connection on both."""
        return 4 * self.max_body_bytes + 64 * 1024

    @classmethod
    def from_env(cls, env: Mapping[str, str]) -> ServerConfig:
        kwargs: dict[str, object] = {}
        for field in dataclasses.fields(cls):
            raw = env.get(_env_name(field.name))
            if raw is None:
                continue
            kwargs[field.name] = _parse(field.name, field.type, raw)
        config = cls(**kwargs)  # type: ignore[arg-type]
        config.check()
        return config

    def to_env(self) -> dict[str, str]:
        env: dict[str, str] = {}
        for field in dataclasses.fields(self):
            value = getattr(self, field.name)
            if isinstance(value, bool):
                text = "1" if value else "0"
            elif isinstance(value, tuple):
                text = ",".join(value)
            else:
                text = str(value)
            env[_env_name(field.name)] = text
        return env

    def check(self) -> None:
        if self.backend not in BACKENDS:
            raise ConfigError(
                f"BENCH_BACKEND must be one of {', '.join(BACKENDS)}, not {self.backend!r}"
            )
        if self.channels_layer not in ("core", "pubsub"):
            raise ConfigError(
                f"BENCH_CHANNELS_LAYER must be core or pubsub, not {self.channels_layer!r}"
            )
        if self.channels_layer == "pubsub" and self.backend in ("rabbitmq", "postgres"):
            raise ConfigError("BENCH_CHANNELS_LAYER=pubsub is a Redis layer: use it with redis")
        if min(self.redis_pool_size, self.postgres_pool_size, self.channel_capacity) < 1:
            raise ConfigError("pool sizes and channel capacity must be positive")
        if self.profile not in ("equal", "idiomatic"):
            raise ConfigError(f"BENCH_PROFILE must be equal or idiomatic, not {self.profile!r}")
        if self.max_body_bytes < 1:
            raise ConfigError("the body limit must be positive")
        if self.presence_ttl_s <= 0 or self.send_queue_bytes < 1 or self.send_queue_seconds <= 0:
            raise ConfigError("presence TTL and send queue limits must be positive")
        bad_url = bool(self.mqtt_url) and not self.mqtt_url.startswith("mqtt://")
        if self.mqtt_qos not in (0, 1) or bad_url:
            raise ConfigError("BENCH_MQTT_QOS must be 0 or 1 and BENCH_MQTT_URL mqtt://HOST:PORT")
        if not self.rabbitmq_url.startswith(("amqp://", "amqps://")):
            raise ConfigError(f"BENCH_RABBITMQ_URL must be amqp://..., not {self.rabbitmq_url!r}")
        if not self.postgres_url.startswith(("postgresql://", "postgres://")):
            raise ConfigError(
                f"BENCH_POSTGRES_URL must be postgresql://..., not {self.postgres_url!r}"
            )
        if not self.db_url.startswith(("sqlite:///", "postgresql://", "postgres://")):
            raise ConfigError(
                f"BENCH_DB_URL must be sqlite:///PATH or postgresql://..., not {self.db_url!r}"
            )

    def describe(self) -> dict[str, object]:
        """The settings a report shows (the secret left out)."""
        data = dataclasses.asdict(self)
        data.pop("secret")
        data["allowed_origins"] = list(self.allowed_origins)
        data["frame_limit_bytes"] = self.frame_limit_bytes
        return data


def _env_name(field: str) -> str:
    return "BENCH_" + field.upper()


def _parse(name: str, kind: object, raw: str) -> object:
    text = str(kind)
    try:
        if text == "bool":
            if raw.lower() in ("1", "true", "yes", "on"):
                return True
            if raw.lower() in ("0", "false", "no", "off", ""):
                return False
            raise ValueError(raw)
        if text == "int":
            return int(raw)
        if text == "float":
            return float(raw)
        if text.startswith("tuple"):
            return tuple(part.strip() for part in raw.split(",") if part.strip())
    except ValueError:
        raise ConfigError(f"{_env_name(name)}={raw!r} is not a valid {text}") from None
    return raw
