"""Real chat servers for the client tests, started by the project's launcher on free ports."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from servers.common.config import ServerConfig
from servers.launch import ServerGroup, start_servers

ROOT = Path(__file__).resolve().parents[2]
TIMEOUT = 5.0 * float(os.environ.get("BENCH_TEST_TIMEOUT_SCALE", "1"))
APPS = ("sio", "channels")
ALLOWED_ORIGIN = "http://allowed.example"


def start_server(kind: str, tmp: Path) -> ServerGroup:
    """One instance of ``kind`` through the project's launcher (no orphans, logs kept)."""
    config = ServerConfig(
        backend="memory",
        persistence=True,
        db_url=f"sqlite:///{tmp / f'{kind}.sqlite3'}",
        allowed_origins=(ALLOWED_ORIGIN,),
    )
    return start_servers(kind, config, log_dir=tmp, ready_timeout=4 * TIMEOUT)


@pytest.fixture(scope="session")
def server_urls(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, str]]:
    """One sio and one Channels server for the whole session: ``{"sio": url, ...}``."""
    tmp = tmp_path_factory.mktemp("client-servers")
    started: list[ServerGroup] = []
    try:
        for kind in APPS:
            started.append(start_server(kind, tmp))
        yield {group.contender: group.urls[0] for group in started}
    finally:
        for group in started:
            group.stop()
