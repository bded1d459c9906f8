"""The backplane broker's processes, and their CPU and memory once a second.

A broker on this machine is found from its URL: Redis says its own ``process_id``; PostgreSQL's
postmaster is the parent of the backend serving our connection; RabbitMQ is the ``beam.smp``
process listening on the URL's port. A broker on another host is not sampled.

The brokers here are machine-wide: what is sampled is the whole broker (every connection's
work, not only the run's), which is why a comparison measures each broker idle just before it
(:func:`tree_cpu_percent` over an idle second) and states both. CPU is the process tree's:
PostgreSQL forks a backend per connection, so the postmaster and every child count, a child
born between two samples with all its CPU time, one gone before a sample with what it had at
the previous one. Memory is the root's RSS plus each child's RSS less its shared pages
(PostgreSQL's shared buffers appear in every backend's RSS: counted once, in the root's).
"""

from __future__ import annotations

import contextlib
from collections.abc import Mapping
from dataclasses import dataclass, field
from urllib.parse import urlsplit

import psutil

LOCAL_HOSTS = ("127.0.0.1", "localhost", "::1", "")


def tree_cpu_percent(
    before: Mapping[int, float], after: Mapping[int, float], seconds: float
) -> float | None:
    """Percent of one core used by a process tree between two readings of each process's CPU
    seconds (pid -> user + system); a pid new in ``after`` counts all its time."""
    if seconds <= 0 or not after:
        return None
    used = sum(max(0.0, t - before.get(pid, 0.0)) for pid, t in after.items())
    return round(100.0 * used / seconds, 2)


@dataclass
class BrokerTree:
    """One broker's process tree, read by :meth:`read`."""

    root: psutil.Process
    cpu_s: dict[int, float] = field(default_factory=dict)  # the previous reading
    backend: str | None = None  # with url: where to find the broker again after a restart
    url: str | None = None

    def read(self) -> tuple[dict[int, float], float]:
        """(CPU seconds per pid, memory bytes) of the tree now."""
        procs = [self.root]
        with contextlib.suppress(psutil.Error):
            procs += self.root.children(recursive=True)
        cpu: dict[int, float] = {}
        memory = 0.0
        for proc in procs:
            try:
                times, mem = proc.cpu_times(), proc.memory_info()
            except psutil.Error:
                continue
            cpu[proc.pid] = times.user + times.system
            shared = 0 if proc is self.root else getattr(mem, "shared", 0)
            memory += max(0, mem.rss - shared)
        return cpu, memory

    def prime(self) -> None:
        self.cpu_s, _ = self.read()

    def relocate(self) -> bool:
        """After the broker went away (a ``broker_restart`` fault): follow its new process,
        primed, when one runs at the same URL. Blocking (a connect, or a process scan)."""
        if self.root.is_running() or self.backend is None:
            return False
        root = locate(self.backend, self.url)
        if root is None:
            return False
        self.root = root
        self.prime()
        return True

    def sample(self, seconds: float) -> tuple[float | None, float | None]:
        """(CPU % of one core since the previous reading, memory bytes); None when gone."""
        if not self.root.is_running():
            return None, None
        cpu, memory = self.read()
        percent = tree_cpu_percent(self.cpu_s, cpu, seconds)
        self.cpu_s = cpu
        return percent, memory


def _is_local(url: str) -> bool:
    return (urlsplit(url).hostname or "") in LOCAL_HOSTS


def _redis_pid(url: str) -> int | None:
    import redis

    client = redis.Redis.from_url(url, socket_connect_timeout=2, socket_timeout=2)
    try:
        return int(client.info("server")["process_id"])
    except (redis.RedisError, KeyError, ValueError):
        return None
    finally:
        client.close()


def _postgres_pid(url: str) -> int | None:
    import psycopg

    try:
        with psycopg.connect(url, connect_timeout=2) as conn:
            row = conn.execute("SELECT pg_backend_pid()").fetchone()
        return int(psutil.Process(int(row[0])).ppid()) if row else None
    except (psycopg.Error, psutil.Error):
        return None


def _rabbitmq_pid(url: str) -> int | None:
    port = urlsplit(url).port or 5672
    for proc in psutil.process_iter(["name"]):
        if proc.info["name"] != "beam.smp":
            continue
        with contextlib.suppress(psutil.Error):
            if any(c.laddr and c.laddr.port == port for c in proc.net_connections("tcp")):
                return int(proc.pid)
    return None


LOCATORS = {"redis": _redis_pid, "postgres": _postgres_pid, "rabbitmq": _rabbitmq_pid}


def locate(backend: str, url: str | None) -> psutil.Process | None:
    """The root process of ``backend``'s broker at ``url``, when it runs on this machine."""
    if url is None or backend not in LOCATORS or not _is_local(url):
        return None
    pid = LOCATORS[backend](url)
    if pid is None:
        return None
    try:
        return psutil.Process(pid)
    except psutil.Error:
        return None


def backplane_urls(backend: str, urls: Mapping[str, str | None]) -> dict[str, str | None]:
    """The brokers a run on ``backend`` uses (backend -> URL of ``urls``): its backplane's, and
    Redis, which keeps presence on every shared backplane. None for the memory backend."""
    if backend not in LOCATORS:
        return {}
    return {backend: urls.get(backend), "redis": urls.get("redis")}


def broker_trees(urls: Mapping[str, str | None]) -> dict[str, BrokerTree]:
    """A primed :class:`BrokerTree` for each broker of ``urls`` (backend -> URL) found here."""
    trees: dict[str, BrokerTree] = {}
    for backend, url in urls.items():
        root = locate(backend, url)
        if root is not None:
            trees[backend] = BrokerTree(root, backend=backend, url=url)
            trees[backend].prime()
    return trees
