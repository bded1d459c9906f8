"""Shared fixtures: a real Redis, a real PostgreSQL, one timeout unit, isolation prefixes."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator

import pytest

from servers.launch.redis import RedisServer, RedisUnavailableError, ping

IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")
# One timeout unit for every wait in the tests; slow machines scale it up.
TIMEOUT = 5.0 * float(os.environ.get("BENCH_TEST_TIMEOUT_SCALE", "1"))
# Whole-run measurements on a 2-core machine shared with other processes (latency bounds,
# loadgen validity, recovery times, a capacity within 15 %) can be thrown by a neighbour's
# burst: such a test gets up to two more tries. A real failure fails all three.
TIMING = pytest.mark.flaky(reruns=2, reruns_delay=2)
POSTGRES_URL = os.environ.get(
    "BENCH_TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/test"
)


def unavailable(reason: str) -> None:
    """Skip locally; in CI a missing real service is a failure, never a silent skip."""
    if IN_CI:
        pytest.fail(f"{reason} (CI=true: a missing service fails the run)")
    pytest.skip(reason)


@pytest.fixture(scope="session")
def redis_url() -> Iterator[str]:
    """``REDIS_URL`` when given, else a private ``redis-server`` on a free port."""
    given = os.environ.get("REDIS_URL")
    if given:
        if not ping(given):
            unavailable(f"REDIS_URL={given} does not answer PING")
        yield given
        return
    try:
        server = RedisServer().start()
    except RedisUnavailableError as exc:
        unavailable(str(exc))
        return
    try:
        yield server.url
    finally:
        server.stop()


@pytest.fixture(scope="session")
def postgres_url() -> str:
    try:
        import psycopg

        psycopg.connect(POSTGRES_URL, connect_timeout=3).close()
    except Exception as exc:
        unavailable(f"PostgreSQL at {POSTGRES_URL} is not reachable: {exc}")
    return POSTGRES_URL


@pytest.fixture
def prefix() -> str:
    """A Redis key prefix no other test shares."""
    return "t" + uuid.uuid4().hex[:10]
