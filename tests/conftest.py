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


# --- parallel runs (`make test` runs pytest-xdist with 5 workers) ------------------------------
# Most of the suite's time is waiting (servers starting, fixed-length runs, reconnect backoffs,
# brokers booting): on 2 workers it used a third of the machine's CPU time. Three markers keep
# the measurements as they were when everything ran one test at a time:
#   alone: a measurement that neighbours move, run with no other test beside it: the capacity
#          search (it waits for a quiet machine and re-runs a step while other processes use
#          the CPU) and the stored-baseline check (baseline and current are separate runs a
#          minute apart; beside the whole runs the reference's p99 in the baseline was 4x its
#          current one, and an unchanged tree read "+345 %, regressed");
#   heavy: a test that loads both cores (hundreds of busy clients, a browser) and so never runs
#          beside a timed one;
#   timed: every whole run (tests/run), hostile-client test and slow or re-tried test (TIMING):
#          these may run beside each other and beside the pure tests, never beside a heavy one.
# Done with flock(2) on files shared by the workers of one session: a readers-writer lock whose
# writers (alone, heavy) go first once they wait. Without xdist (a plain `pytest`) nothing waits.
ALONE = pytest.mark.alone
HEAVY = pytest.mark.heavy
TIMED_DIRS = ("tests/run/", "tests/hostile/")
# Rough seconds per module, from a 3- to 5-worker `make test` on this 2-core machine: the
# longest are handed out first within each phase (below). A module not listed counts 0.1 s per
# test.
MODULE_SECONDS = {
    "tests/report/test_check_slowdown.py": 66,
    "tests/run/test_capacity.py": 126,
    "tests/run/test_calibrate.py": 88,
    "tests/run/test_check_base.py": 66,
    "tests/run/test_bench_run.py": 75,
    "tests/run/test_faults.py": 99,
    "tests/run/test_broker_faults.py": 95,
    "tests/run/test_overload.py": 61,
    "tests/run/test_remote_workers.py": 12,
    "tests/run/test_backplanes.py": 26,
    "tests/run/test_polling_run.py": 12,
    "tests/contract/test_cross_instance.py": 39,
    "tests/report/test_html_chromium.py": 22,
    "tests/hostile/test_slow_reader.py": 19,
    "tests/contract/test_chat_contract.py": 36,
    "tests/hostile/test_robustness_run.py": 34,
    "tests/launcher/test_launcher.py": 27,
    "tests/contract/test_asgi_servers.py": 24,
    "tests/hostile/test_findings.py": 17,
    "tests/idiomatic/test_seeding.py": 19,
    "tests/iot/test_iot_run.py": 21,
    "tests/hostile/test_disconnects.py": 19,
    "tests/metrics/test_run_metrics.py": 22,
    "tests/contract/test_backplanes.py": 14,
    "tests/clients/test_live.py": 12,
    "tests/contract/test_polling_contract.py": 14,
    "tests/hostile/test_http_limits.py": 11,
    "tests/iot/test_bridges.py": 12,
    "tests/interop/test_node_client.py": 6,
}


def _module(item: pytest.Item) -> str:
    return item.nodeid.split("::", 1)[0]


# Work units (a worker runs a unit's tests one after another; --dist loadscope):
# - the exclusive unit: the alone modules (the capacity search, the stored-baseline check)
#   first, then the heavy modules; an exclusive turn is held from one test of a kind to the
#   next (below);
# - every other module. At most five whole runs (tests/run) then run side by side, one per
#   worker: their load generators share CPU 0 and their servers CPU 1 (loadgen/run/runner.py:
#   pinning); the runs here offer tens of messages per second, a few percent of a core. (A
#   private RabbitMQ booting again takes the servers' core for seconds, beside whichever runs
#   are on at the time: the fault runs judge losses by outage window and recovery within 15 s,
#   no more sensitive to it than the latency bounds of the others.)
# (xdist's own `--dist loadgroup` does not group under pytest 9.2: it renames `item._nodeid`,
# which pytest no longer reads.)
EXCLUSIVE = "exclusive"
ALONE_MODULES = ("tests/run/test_capacity.py", "tests/report/test_check_slowdown.py")
HEAVY_MODULES = (
    "tests/contract/test_cross_instance.py",
    "tests/report/test_html_chromium.py",
    "tests/hostile/test_slow_reader.py",
)


def _unit(module: str) -> str:
    """The work unit a module belongs to."""
    return EXCLUSIVE if module in ALONE_MODULES or module in HEAVY_MODULES else module


def pytest_xdist_make_scheduler(config: pytest.Config, log: Any) -> Any:
    """Under ``--dist loadscope``: the units of :func:`_unit`, each handed out when the worker
    is down to its last test (xdist hands out the next unit at two tests left: a worker then
    held the next unit through its last two whole runs, a minute, while others sat idle)."""
    if config.getvalue("dist") != "loadscope":
        return None
    from xdist.scheduler import LoadScopeScheduling

    class Units(LoadScopeScheduling):  # type: ignore[misc]
        def _split_scope(self, nodeid: str) -> str:
            return _unit(nodeid.split("::", 1)[0])

        def _reschedule(self, node: Any) -> None:
            # A worker runs a test once it knows the next one (or that none follows): a unit
            # is handed out when one test of its current work is left, not before.
            if node.shutting_down:
                return
            if not self.workqueue:
                node.shutdown()
                return
            if self._pending_of(self.assigned_work[node]) > 1:
                return
            self._assign_work_unit(node)

    return Units(config, log)


def _kind(item: pytest.Item) -> str:
    """alone, heavy, timed or free (above); every test of an exclusive module takes its
    module's turn (the heavy unit's first test, a quick functional one, started beside a whole
    run, and the heavy test after it waited for that)."""
    module = _module(item)
    if module in ALONE_MODULES or item.get_closest_marker("alone"):
        return "alone"
    if module in HEAVY_MODULES or item.get_closest_marker("heavy"):
        return "heavy"
    timed = item.get_closest_marker("slow") or item.get_closest_marker("flaky")
    return "timed" if timed or module.startswith(TIMED_DIRS) else "free"


# The phases the units are handed out in. The critical path is the alone tests, the heavy tests
# and the timed modules, none of which can run beside another kind; so the exclusive unit
# first: its alone tests (nothing runs beside them, so the other workers wait), then its heavy
# tests with free modules beside them (three workers' worth of their length: BESIDE_HEAVY),
# then the rest: the timed modules (whole runs, hostile clients) and the free modules left.
# Within a phase the longest unit first. (With the alone tests a unit of their own, handed out
# after the heavy phase, the second worker to ask took a whole run and the search waited 50 s
# for it; handed out first, the heavy unit started on another worker at the same moment and the
# search waited for all of it.)
EXCLUSIVE_PHASE, BESIDE_HEAVY, REST = range(3)
BESIDE_HEAVY_SHARE = 3.0


@pytest.hookimpl(trylast=True)
def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Under xdist, the order the units are handed out in (the phases above); each unit's
    modules alone ones first, then longest first, each module's tests in their own order."""
    if not os.environ.get("PYTEST_XDIST_WORKER"):
        return
    counts: dict[str, int] = {}
    first: dict[str, int] = {}  # module -> its first item's index
    unit_first: dict[str, int] = {}
    kinds: dict[str, set[str]] = {}
    for index, item in enumerate(items):
        module = _module(item)
        unit = _unit(module)
        counts[module] = counts.get(module, 0) + 1
        first.setdefault(module, index)
        unit_first.setdefault(unit, index)
        kinds.setdefault(unit, set()).add(_kind(item))
    cost = {m: MODULE_SECONDS.get(m, 0.1 * n) for m, n in counts.items()}
    unit_cost: dict[str, float] = {}
    for module, seconds in cost.items():
        unit_cost[_unit(module)] = unit_cost.get(_unit(module), 0.0) + seconds
    phase: dict[str, int] = {}
    for unit in kinds:
        phase[unit] = EXCLUSIVE_PHASE if unit == EXCLUSIVE else REST
    heavy = sum(seconds for module, seconds in cost.items() if module in HEAVY_MODULES)
    beside = BESIDE_HEAVY_SHARE * heavy
    for unit in sorted(kinds, key=lambda u: -unit_cost[u]):
        if beside > 0 and kinds[unit] == {"free"}:
            phase[unit] = BESIDE_HEAVY
            beside -= unit_cost[unit]

    def key(item: pytest.Item) -> tuple[int, float, int, bool, float, int]:
        module = _module(item)
        unit = _unit(module)
        later = module not in ALONE_MODULES
        return (phase[unit], -unit_cost[unit], unit_first[unit], later, -cost[module],
                first[module])  # fmt: skip

    items.sort(key=key)


def _turns(kind: str) -> list[tuple[str, int, bool]]:
    """(lock file, flock mode, held through the test) in the one order every worker takes."""
    if kind == "alone":
        return [("gate", fcntl.LOCK_EX, True), ("run", fcntl.LOCK_EX, True)]
    turns = [("gate", fcntl.LOCK_EX, False), ("run", fcntl.LOCK_SH, True)]
    if kind == "heavy":
        turns += [("cpu-gate", fcntl.LOCK_EX, True), ("cpu", fcntl.LOCK_EX, True)]
    elif kind == "timed":
        turns += [("cpu-gate", fcntl.LOCK_EX, False), ("cpu", fcntl.LOCK_SH, True)]
    return turns


# The locks an alone or heavy test took, kept while this worker's next test is of the same
# kind and of the same module or exclusive unit: released in between, a waiting timed test took
# the turn, and the next alone test waited a minute for it (each of five heavy tests waited for
# a whole run). The unit's other tests of that kind run in that turn too.
EXCLUSIVE_KINDS = ("alone", "heavy")
_HELD_EXCLUSIVE: list[int] = []


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


def _turn(item: pytest.Item) -> tuple[str, str]:
    """What an exclusive turn is held through: the kind, and the unit (the module, or the
    exclusive unit)."""
    return _kind(item), _unit(_module(item))


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
            pass  # an exclusive turn taken earlier in this module (or exclusive unit)
        elif kind in EXCLUSIVE_KINDS:
            _take(where, _turns(kind), _HELD_EXCLUSIVE)
        else:
            _take(where, _turns(kind), held)
        return (yield)
    finally:
        _release(held)
        if nextitem is None or _turn(nextitem) != _turn(item):
            _release(_HELD_EXCLUSIVE)
