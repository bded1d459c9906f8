"""Shared fixtures: a real Redis, a real PostgreSQL, one timeout unit, isolation prefixes."""

from __future__ import annotations

import fcntl
import os
import signal
import tempfile
import uuid
from collections.abc import Generator, Iterator
from pathlib import Path
from typing import Any

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
        server.close()  # and its files


@pytest.fixture(scope="session")
def postgres_url() -> str:
    try:
        import psycopg

        psycopg.connect(POSTGRES_URL, connect_timeout=3).close()
    except Exception as exc:
        unavailable(f"PostgreSQL at {POSTGRES_URL} is not reachable: {exc}")
    return POSTGRES_URL


def pytest_configure(config: pytest.Config) -> None:
    """Ctrl-C as from a terminal for every process the tests start: a suite started in the
    background (``make test &``, a CI runner) inherits SIGINT ignored, every bench it starts would
    too, and the tests that stop a run with Ctrl-C then waited out their timeouts (seen: the
    capacity search kept waiting for a quiet machine). A Python handler is reset to the default
    in children, an ignored signal is not."""
    del config
    if signal.getsignal(signal.SIGINT) is signal.SIG_IGN:
        signal.signal(signal.SIGINT, signal.default_int_handler)


@pytest.fixture
def prefix() -> str:
    """A Redis key prefix no other test shares."""
    return "t" + uuid.uuid4().hex[:10]


# --- parallel runs (`make test` runs pytest-xdist with 2 workers) ------------------------------
# The pure tests and the functional server tests run two at a time. Three markers keep the
# measurements as they were when everything ran one test at a time:
#   alone: a timing measurement (a capacity within 5 %, a 2 ms p50 regression) that runs with
#          no other test beside it;
#   heavy: a test that loads both cores (hundreds of busy clients) and so never runs beside a
#          timed one;
#   timed: every whole run (tests/run), hostile-client test and slow or re-tried test (TIMING):
#          these may run beside each other and beside the pure tests, never beside a heavy one;
#          whole runs never beside another whole run (one xdist group: WHOLE_RUNS below).
# Done with flock(2) on files shared by the workers of one session: a readers-writer lock whose
# writers (alone, heavy) go first once they wait. Without xdist (a plain `pytest`) nothing waits.
ALONE = pytest.mark.alone
HEAVY = pytest.mark.heavy
TIMED_DIRS = ("tests/run/", "tests/hostile/")
# Rough seconds per module, from `--durations` on this 2-core machine: within each kind the longest
# modules are handed out first (modules stay whole on one worker: --dist loadscope) so that no long
# one is left to run last beside an idle worker. A module not listed counts 0.1 s per test.
MODULE_SECONDS = {
    "tests/run/test_capacity.py": 125,
    "tests/contract/test_cross_instance.py": 170,
    "tests/run/test_bench_run.py": 110,
    "tests/run/test_faults.py": 110,
    "tests/report/test_check_slowdown.py": 95,
    "tests/run/test_check_base.py": 90,
    "tests/run/test_overload.py": 85,
    "tests/run/test_calibrate.py": 85,
    "tests/run/test_remote_workers.py": 40,
    "tests/run/test_backplanes.py": 20,
    "tests/hostile/test_robustness_run.py": 40,
    "tests/contract/test_chat_contract.py": 40,
    "tests/hostile/test_slow_reader.py": 30,
    "tests/hostile/test_findings.py": 30,
    "tests/hostile/test_disconnects.py": 25,
    "tests/hostile/test_http_limits.py": 25,
    "tests/contract/test_persistence_postgres.py": 20,
    "tests/run/test_polling_run.py": 17,
    "tests/contract/test_polling_contract.py": 15,
    "tests/launcher/test_launcher.py": 15,
    "tests/clients/test_live.py": 15,
    "tests/interop/test_node_client.py": 15,
}


def _module(item: pytest.Item) -> str:
    return item.nodeid.split("::", 1)[0]


# Every whole run (tests/run) is one xdist work unit: one worker runs them one after another
# while the other takes the remaining modules. Two whole runs side by side pinned both load
# generators to CPU 0 and both servers to CPU 1 (loadgen/run/runner.py: pinning), and a smoke
# run was judged load-generator bound (sent 37-153 ms late). (xdist's own `--dist loadgroup`
# does not group under pytest 9.2: it renames `item._nodeid`, which pytest no longer reads.)
WHOLE_RUNS = "tests/run/"
# The modules with a heavy test join that unit, after the whole runs (heavy sorts after timed):
# on the other worker a heavy test waited for the whole run in progress (up to a minute, the
# fault runs) and then held the whole-run worker as long again; run in between whole runs it
# waits for nothing, and by then the other worker is on the free modules that may run beside it.
# The locks below still keep heavy and timed apart; a heavy module not listed only costs time.
HEAVY_MODULES = (
    "tests/contract/test_cross_instance.py",
    "tests/hostile/test_slow_reader.py",
    "tests/report/test_html_chromium.py",
)


def pytest_xdist_make_scheduler(config: pytest.Config, log: Any) -> Any:
    """Under ``--dist loadscope``: modules stay whole; tests/run and the heavy modules are
    one unit."""
    if config.getvalue("dist") != "loadscope":
        return None
    from xdist.scheduler import LoadScopeScheduling

    class WholeRunsTogether(LoadScopeScheduling):  # type: ignore[misc]
        def _split_scope(self, nodeid: str) -> str:
            if nodeid.startswith(WHOLE_RUNS) or nodeid.split("::", 1)[0] in HEAVY_MODULES:
                return WHOLE_RUNS
            scope: str = super()._split_scope(nodeid)
            return scope

    return WholeRunsTogether(config, log)


KINDS = ("alone", "timed", "heavy", "free")  # also the order the modules are handed out in


def _kind(item: pytest.Item) -> str:
    if item.get_closest_marker("alone"):
        return "alone"
    if item.get_closest_marker("heavy"):
        return "heavy"
    timed = item.get_closest_marker("slow") or item.get_closest_marker("flaky")
    return "timed" if timed or _module(item).startswith(TIMED_DIRS) else "free"


@pytest.hookimpl(trylast=True)
def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Under xdist, the order the modules are handed out in: those with a test that runs alone
    first (the other worker waits anyway), then the timed ones (they pair up), then the heavy
    one beside the free ones (pure and functional tests); longest first within each; each
    module's tests in their own order."""
    if not os.environ.get("PYTEST_XDIST_WORKER"):
        return
    counts: dict[str, int] = {}
    first: dict[str, int] = {}
    rank: dict[str, int] = {}
    for index, item in enumerate(items):
        module = _module(item)
        counts[module] = counts.get(module, 0) + 1
        first.setdefault(module, index)
        rank[module] = min(rank.get(module, len(KINDS)), KINDS.index(_kind(item)))
    cost = {m: MODULE_SECONDS.get(m, 0.1 * n) for m, n in counts.items()}
    items.sort(key=lambda it: (rank[_module(it)], -cost[_module(it)], first[_module(it)]))


def _turns(item: pytest.Item) -> list[tuple[str, int, bool]]:
    """(lock file, flock mode, held through the test) in the one order every worker takes."""
    kind = _kind(item)
    if kind == "alone":
        return [("gate", fcntl.LOCK_EX, True), ("run", fcntl.LOCK_EX, True)]
    turns = [("gate", fcntl.LOCK_EX, False), ("run", fcntl.LOCK_SH, True)]
    if kind == "heavy":
        turns += [("cpu-gate", fcntl.LOCK_EX, True), ("cpu", fcntl.LOCK_EX, True)]
    elif kind == "timed":
        turns += [("cpu-gate", fcntl.LOCK_EX, False), ("cpu", fcntl.LOCK_SH, True)]
    return turns


@pytest.hookimpl(wrapper=True)
def pytest_runtest_protocol(item: pytest.Item) -> Generator[None, object, object]:
    """Set-up, call (with its reruns) and teardown of one test, in its turn among the workers."""
    run_id = os.environ.get("PYTEST_XDIST_TESTRUNUID")
    if not run_id:
        return (yield)
    where = Path(tempfile.gettempdir()) / f"bench-tests-{run_id}"
    where.mkdir(exist_ok=True)
    held: list[int] = []
    try:
        for name, mode, keep in _turns(item):
            fd = os.open(where / name, os.O_RDWR | os.O_CREAT, 0o600)
            fcntl.flock(fd, mode)
            if keep:
                held.append(fd)
            else:
                fcntl.flock(fd, fcntl.LOCK_UN)
                os.close(fd)
        return (yield)
    finally:
        for fd in reversed(held):
            fcntl.flock(fd, fcntl.LOCK_UN)
            os.close(fd)
