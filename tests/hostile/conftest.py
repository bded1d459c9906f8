"""Real servers for the hostile-client tests: each contender on each backend, tight limits.

The limits are the production policy scaled down so every test ends in seconds: presence TTL
3 s, the slow-reader cut at 512 KiB or 3 s, a request head within 2 s.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import psutil
import pytest

from servers.common.config import ServerConfig
from servers.common.tokens import make_token
from servers.launch import AsgiSettings, ServerGroup, start_servers
from tests.conftest import TIMEOUT

pytestmark = pytest.mark.integration

PRESENCE_TTL_S = 3.0
SEND_QUEUE_BYTES = 512 * 1024
SEND_QUEUE_SECONDS = 3.0
HEAD_TIMEOUT_S = 2.0
MAX_BODY_BYTES = 4096

DEPLOYMENTS = [
    ("sio", "memory"),
    ("sio", "redis"),
    ("channels", "memory"),
    ("channels", "redis"),
]


@dataclass
class Server:
    contender: str
    backend: str
    config: ServerConfig
    group: ServerGroup

    @property
    def url(self) -> str:
        return self.group.urls[0]

    @property
    def host_port(self) -> tuple[str, int]:
        spec = self.group.servers[0].spec
        return spec.host, spec.port

    def token(self, user: str, ttl: float = 300.0) -> str:
        return make_token(user, self.config.secret, ttl=ttl, now=time.time())

    def rss(self) -> int:
        return int(psutil.Process(self.group.pids[0]).memory_info().rss)

    def log(self) -> str:
        return self.group.servers[0].log_path.read_text(errors="replace")


def start(
    request: pytest.FixtureRequest,
    contender: str,
    backend: str,
    tmp: Path,
    prefix: str,
    instances: int = 1,
) -> ServerGroup:
    extra: dict[str, object] = {}
    if backend == "redis":
        extra = {"redis_url": request.getfixturevalue("redis_url"), "redis_prefix": prefix}
    config = ServerConfig(
        backend=backend,  # type: ignore[arg-type]
        persistence=False,
        max_body_bytes=MAX_BODY_BYTES,
        presence_ttl_s=PRESENCE_TTL_S,
        send_queue_bytes=SEND_QUEUE_BYTES,
        send_queue_seconds=SEND_QUEUE_SECONDS,
        **extra,  # type: ignore[arg-type]
    )
    asgi = AsgiSettings(head_timeout_s=HEAD_TIMEOUT_S)
    return start_servers(
        contender, config, instances=instances, asgi=asgi, log_dir=tmp, ready_timeout=4 * TIMEOUT
    )


def deploy(request: pytest.FixtureRequest, tmp: Path) -> Iterator[Server]:
    contender, backend = request.param
    prefix = f"h{abs(hash((contender, backend, str(tmp)))) % 10**8}"
    group = start(request, contender, backend, tmp, prefix)
    config = ServerConfig.from_env(group.servers[0].spec.env)
    try:
        yield Server(contender, backend, config, group)
    finally:
        group.stop()


@pytest.fixture(scope="module", params=DEPLOYMENTS, ids=lambda d: f"{d[0]}-{d[1]}")
def server(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Server]:
    yield from deploy(request, tmp_path_factory.mktemp("hostile"))


@pytest.fixture(
    scope="module", params=[d for d in DEPLOYMENTS if d[0] == "sio"], ids=lambda d: f"{d[0]}-{d[1]}"
)
def sio_server(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Server]:
    yield from deploy(request, tmp_path_factory.mktemp("hostile-sio"))


@pytest.fixture(
    scope="module",
    params=[d for d in DEPLOYMENTS if d[0] == "channels"],
    ids=lambda d: f"{d[0]}-{d[1]}",
)
def channels_server(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Server]:
    yield from deploy(request, tmp_path_factory.mktemp("hostile-channels"))
