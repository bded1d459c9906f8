"""A private ``redis-server`` on a free port: for tests, and for runs that restart Redis."""

from __future__ import annotations

import shutil
import subprocess
import tempfile
import time
from pathlib import Path

import redis

from servers.launch.process import free_port


class RedisUnavailableError(RuntimeError):
    """No Redis server could be reached or started."""


def ping(url: str, timeout: float = 1.0) -> bool:
    client = redis.Redis.from_url(url, socket_connect_timeout=timeout, socket_timeout=timeout)
    try:
        return bool(client.ping())
    except redis.RedisError:
        return False
    finally:
        client.close()


class RedisServer:
    """A ``redis-server`` child process that keeps nothing on disk."""

    def __init__(self, port: int = 0, host: str = "127.0.0.1", maxclients: int = 20000) -> None:
        binary = shutil.which("redis-server")
        if binary is None:
            raise RedisUnavailableError("redis-server is not on PATH")
        self.binary = binary
        self.host = host
        self.port = port or free_port(host)
        self.maxclients = maxclients
        self.dir = Path(tempfile.mkdtemp(prefix="bench-redis-"))
        self.log_path = self.dir / "redis.log"
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"redis://{self.host}:{self.port}/0"

    def start(self, timeout: float = 10.0) -> RedisServer:
        argv = [
            self.binary,
            "--port", str(self.port), "--bind", self.host, "--save", "", "--appendonly", "no",
            "--dir", str(self.dir), "--maxclients", str(self.maxclients),
            "--logfile", str(self.log_path),
        ]  # fmt: skip
        self.process = subprocess.Popen(argv, stdin=subprocess.DEVNULL, start_new_session=True)
        deadline = time.monotonic() + timeout
        while not ping(self.url, timeout=0.5):
            if self.process.poll() is not None or time.monotonic() > deadline:
                log = self.log_path.read_text() if self.log_path.exists() else ""
                self.stop()
                raise RedisUnavailableError(
                    f"redis-server on port {self.port} did not start:\n{log}"
                )
            time.sleep(0.05)
        return self

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=5)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.process = None

    def restart(self) -> None:
        self.stop()
        self.start()

    def __enter__(self) -> RedisServer:
        return self.start()

    def __exit__(self, *_: object) -> None:
        self.stop()
