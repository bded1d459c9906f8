"""Shared fixtures: a real Redis, a real PostgreSQL, one timeout unit, isolation prefixes."""

from __future__ import annotations

import fcntl
import os
import signal
import tempfile
import time
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


# --- parallel runs (`make test` runs pytest-xdist with 3 workers) ------------------------------
# Most of the suite's time is waiting (servers starting, fixed-length runs, reconnect backoffs,
# brokers booting): a suite run on 2 workers used a third of the machine's CPU time. Three
# workers run the pure and functional tests beside two lanes of whole runs. Three markers keep
# the measurements as they were when everything ran one test at a time:
#   alone: a timing measurement (a 2 ms p50 regression against a stored baseline) that runs with
#          no other test beside it;
#   heavy: a test that loads both cores (hundreds of busy clients) and so never runs beside a
#          timed one;
#   timed: every whole run (tests/run), hostile-client test and slow or re-tried test (TIMING):
#          these may run beside each other and beside the pure tests, never beside a heavy one.
# The whole runs whose figures tolerate a busy neighbour (TOLERANT: fault recoveries counted in
# seconds of backoff) may also run beside a heavy test.
# Done with flock(2) on files shared by the workers of one session: a readers-writer lock whose
# writers (alone, heavy) go first once they wait. Without xdist (a plain `pytest`) nothing waits.
ALONE = pytest.mark.alone
HEAVY = pytest.mark.heavy
TIMED_DIRS = ("tests/run/", "tests/hostile/")
TOLERANT = ("tests/run/test_faults.py", "tests/run/test_broker_faults.py")
# Rough seconds per module, from a 3-worker `make test` on this 2-core machine: within each kind
# the longest are handed out first (modules stay whole on one worker: --dist loadscope) so that
# no long one is left to run last beside idle workers. A module not listed counts 0.1 s per test.
MODULE_SECONDS = {
    "tests/report/test_check_slowdown.py": 75,
    "tests/run/test_capacity.py": 85,
    "tests/run/test_calibrate.py": 75,
    "tests/run/test_check_base.py": 75,
    "tests/run/test_bench_run.py": 90,
    "tests/run/test_faults.py": 100,
    "tests/run/test_broker_faults.py": 105,
    "tests/run/test_overload.py": 70,
    "tests/run/test_remote_workers.py": 15,
    "tests/run/test_backplanes.py": 30,
    "tests/run/test_polling_run.py": 13,
    "tests/contract/test_cross_instance.py": 62,
    "tests/report/test_html_chromium.py": 35,
    "tests/contract/test_chat_contract.py": 36,
    "tests/hostile/test_robustness_run.py": 35,
    "tests/launcher/test_launcher.py": 29,
    "tests/hostile/test_slow_reader.py": 26,
    "tests/contract/test_asgi_servers.py": 26,
    "tests/hostile/test_findings.py": 25,
    "tests/idiomatic/test_seeding.py": 25,
    "tests/iot/test_iot_run.py": 24,
    "tests/hostile/test_disconnects.py": 23,
    "tests/metrics/test_run_metrics.py": 22,
    "tests/contract/test_backplanes.py": 21,
    "tests/clients/test_live.py": 15,
    "tests/contract/test_polling_contract.py": 14,
    "tests/hostile/test_http_limits.py": 13,
    "tests/iot/test_bridges.py": 13,
    "tests/interop/test_node_client.py": 9,
}


def _module(item: pytest.Item) -> str:
    return item.nodeid.split("::", 1)[0]


# The whole runs (tests/run) go in two lanes, each one xdist work unit: a worker runs a lane's
# modules one after another, so at most two whole runs run side by side, one per lane, while the
# third worker takes the remaining modules. Both load generators then share CPU 0 and both
# servers CPU 1 (loadgen/run/runner.py: pinning); the runs here offer tens of messages per
# second, a few percent of a core. The lanes hold about the same seconds: RUN_LANE_B below, the
# rest in lane A. (xdist's own `--dist loadgroup` does not group under pytest 9.2: it renames
# `item._nodeid`, which pytest no longer reads.)
WHOLE_RUNS = "tests/run/"
RUN_LANE_B = (
    "tests/run/test_capacity.py",
    "tests/run/test_calibrate.py",
    *TOLERANT,
)


def pytest_xdist_make_scheduler(config: pytest.Config, log: Any) -> Any:
    """Under ``--dist loadscope``: modules stay whole; tests/run is two units (lanes)."""
    if config.getvalue("dist") != "loadscope":
        return None
    from xdist.scheduler import LoadScopeScheduling

    class WholeRunsInLanes(LoadScopeScheduling):  # type: ignore[misc]
        def _split_scope(self, nodeid: str) -> str:
            module = nodeid.split("::", 1)[0]
            if module.startswith(WHOLE_RUNS):
                return WHOLE_RUNS + ("lane-b" if module in RUN_LANE_B else "lane-a")
            scope: str = super()._split_scope(nodeid)
            return scope

    return WholeRunsInLanes(config, log)


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
    first (the other workers wait anyway), then the timed ones (the two lanes of whole runs
    first), then the heavy ones beside the free ones (pure and functional tests); longest first
    within each; each module's tests in their own order. A lane's modules: the timed ones
    before the tolerant ones, which may then run beside a heavy test."""
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
    _ALONE_FIRST["pending"] = KINDS.index("alone") in rank.values()
    cost = {m: MODULE_SECONDS.get(m, 0.1 * n) for m, n in counts.items()}
    lane = {m: 1 for m in counts if m.startswith(WHOLE_RUNS)}  # the lanes before other timed

    def key(item: pytest.Item) -> tuple[int, int, int, float, int]:
        module = _module(item)
        return (rank[module], -lane.get(module, 0), module in TOLERANT, -cost[module],
                first[module])  # fmt: skip

    items.sort(key=key)


def _turns(item: pytest.Item) -> list[tuple[str, int, bool]]:
    """(lock file, flock mode, held through the test) in the one order every worker takes."""
    kind = _kind(item)
    if kind == "alone":
        return [("gate", fcntl.LOCK_EX, True), ("run", fcntl.LOCK_EX, True)]
    turns = [("gate", fcntl.LOCK_EX, False), ("run", fcntl.LOCK_SH, True)]
    if kind == "timed" and _module(item) in TOLERANT:
        return turns
    if kind == "heavy":
        turns += [("cpu-gate", fcntl.LOCK_EX, True), ("cpu", fcntl.LOCK_EX, True)]
    elif kind == "timed":
        turns += [("cpu-gate", fcntl.LOCK_EX, False), ("cpu", fcntl.LOCK_SH, True)]
    return turns


# The locks an alone or heavy test took, kept until this worker leaves the module: released in
# between, a waiting timed test took the turn, and the next alone test waited a minute for it (a
# heavy module of five heavy tests waited for a whole run before each). The module's other tests
# run in that turn too.
EXCLUSIVE = ("alone", "heavy")
_HELD_EXCLUSIVE: list[int] = []
# Whether this session runs a test alone, and whether this worker still has to let it go first.
_ALONE_FIRST = {"pending": False}
ALONE_FIRST_WAIT_S = 60.0


def _after_the_alone_tests_began(where: Path) -> None:
    """A worker's first test waits (up to a minute) until the tests that run alone, handed out
    first, have taken their locks: started at the same moment, a timed test on another worker
    could take the lock first and keep them, and every worker, waiting for its whole length."""
    if not _ALONE_FIRST["pending"]:
        return
    _ALONE_FIRST["pending"] = False
    deadline = time.monotonic() + ALONE_FIRST_WAIT_S
    while not (where / "alone-began").exists() and time.monotonic() < deadline:
        time.sleep(0.05)


def _take(where: Path, turns: list[tuple[str, int, bool]], held: list[int]) -> None:
    for name, mode, keep in turns:
        fd = os.open(where / name, os.O_RDWR | os.O_CREAT, 0o600)
        fcntl.flock(fd, mode)
        if keep:
            held.append(fd)
        else:
            fcntl.flock(fd, fcntl.LOCK_UN)
            os.close(fd)


def _release(held: list[int]) -> None:
    for fd in reversed(held):
        fcntl.flock(fd, fcntl.LOCK_UN)
        os.close(fd)
    held.clear()


@pytest.hookimpl(wrapper=True)
def pytest_runtest_protocol(
    item: pytest.Item, nextitem: pytest.Item | None
) -> Generator[None, object, object]:
    """Set-up, call (with its reruns) and teardown of one test, in its turn among the workers."""
    run_id = os.environ.get("PYTEST_XDIST_TESTRUNUID")
    if not run_id:
        return (yield)
    where = Path(tempfile.gettempdir()) / f"bench-tests-{run_id}"
    where.mkdir(exist_ok=True)
    kind = _kind(item)
    held: list[int] = []
    try:
        if _HELD_EXCLUSIVE:
            pass  # an exclusive turn taken earlier in this module
        elif kind in EXCLUSIVE:
            _take(where, _turns(item), _HELD_EXCLUSIVE)
        else:
            _after_the_alone_tests_began(where)
            _take(where, _turns(item), held)
        if kind == "alone":
            (where / "alone-began").touch()
            _ALONE_FIRST["pending"] = False
        return (yield)
    finally:
        _release(held)
        if nextitem is None or _module(nextitem) != _module(item):
            _release(_HELD_EXCLUSIVE)
