"""A private ``redis-server`` on a free port: for tests, and for runs that restart Redis."""

from __future__ import annotations

import shutil

import redis

from servers.launch.private import PrivateServer, PrivateServerError


class RedisUnavailableError(PrivateServerError):
    """No Redis server could be reached or started."""


def ping(url: str, timeout: float = 1.0) -> bool:
    client = redis.Redis.from_url(url, socket_connect_timeout=timeout, socket_timeout=timeout)
    try:
        return bool(client.ping())
    except redis.RedisError:
        return False
    finally:
        client.close()


class RedisServer(PrivateServer):
    """A ``redis-server`` child process that keeps nothing on disk."""

    name = "redis-server"
    error = RedisUnavailableError

    def __init__(self, port: int = 0, host: str = "127.0.0.1", maxclients: int = 20000) -> None:
        binary = shutil.which("redis-server")
        if binary is None:
            raise RedisUnavailableError("redis-server is not on PATH")
        super().__init__(port, host)
        self.binary = binary
        self.maxclients = maxclients

    @property
    def url(self) -> str:
        return f"redis://{self.host}:{self.port}/0"

    def command(self) -> list[str]:
        return [
            self.binary,
            "--port", str(self.port), "--bind", self.host, "--save", "", "--appendonly", "no",
            "--dir", str(self.dir), "--maxclients", str(self.maxclients),
        ]  # fmt: skip

    def ready(self) -> bool:
        return ping(self.url, timeout=0.5)
