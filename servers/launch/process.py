"""Start N instances of a contender, wait until each is ready, stop them all (no orphans)."""

from __future__ import annotations

import atexit
import contextlib
import http.client
import os
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from servers.common.config import ServerConfig
from servers.launch import orphans
from servers.launch.ports import free_port
from servers.launch.specs import AsgiSettings, ServerSpec, server_spec

_LIVE: set[ServerGroup] = set()
_LIVE_LOCK = threading.Lock()


class ServerStartError(RuntimeError):
    """A server exited or never became ready; the message carries its last log lines."""


class ServerDiedError(RuntimeError):
    """A server that was ready has exited."""


def child_setup(cpus: Sequence[int] | None, die_with_parent: bool) -> Callable[[], None]:
    def setup() -> None:
        if die_with_parent:  # the harness killed with SIGKILL still takes its servers along
            orphans.die_with_parent()
        if cpus:
            os.sched_setaffinity(0, cpus)

    return setup


@dataclass
class RunningServer:
    spec: ServerSpec
    process: subprocess.Popen[bytes]
    log_path: Path

    @property
    def pid(self) -> int:
        return self.process.pid

    def alive(self) -> bool:
        return self.process.poll() is None

    def tail(self, lines: int = 30) -> str:
        try:
            text = self.log_path.read_text(errors="replace")
        except OSError:
            return "(no log)"
        return "\n".join(text.splitlines()[-lines:]) or "(empty log)"

    def describe(self) -> str:
        return f"{self.spec.contender}[{self.spec.instance}] on {self.spec.base_url}"


class ServerGroup:
    """Running instances of one contender; a context manager that always stops them."""

    def __init__(self, contender: str, log_dir: Path, cpus: Sequence[int] | None) -> None:
        self.contender = contender
        self.log_dir = log_dir
        self.cpus = tuple(cpus) if cpus else None
        self.servers: list[RunningServer] = []
        with _LIVE_LOCK:
            _LIVE.add(self)

    @property
    def urls(self) -> list[str]:
        return [server.spec.base_url for server in self.servers]

    @property
    def pids(self) -> list[int]:
        return [server.pid for server in self.servers]

    def spawn(self, spec: ServerSpec) -> RunningServer:
        log_path = self.log_dir / f"{spec.contender}-{spec.instance}.log"
        die_with_parent = orphans.on_main_thread()
        with open(log_path, "ab") as log:
            process = subprocess.Popen(
                spec.argv,
                env={**os.environ, **spec.env},
                cwd=spec.cwd,
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
                preexec_fn=child_setup(self.cpus, die_with_parent),
            )
        server = RunningServer(spec, process, log_path)
        self.servers.append(server)
        return server

    def check_alive(self) -> None:
        for server in self.servers:
            code = server.process.poll()
            if code is not None:
                raise ServerDiedError(
                    f"{server.describe()} exited with status {code}; last log lines:\n"
                    f"{server.tail()}"
                )

    def kill(self, index: int, sig: int = signal.SIGKILL) -> None:
        """Send ``sig`` to one instance (fault injection: SIGKILL, SIGSTOP, SIGCONT)."""
        os.killpg(self.servers[index].pid, sig)

    def restart(self, index: int, ready_timeout: float = 30.0) -> RunningServer:
        """Start instance ``index`` again on the same port, after it was killed."""
        old = self.servers[index]
        _stop_one(old, grace=1.0)
        self.servers.remove(old)
        server = self.spawn(old.spec)
        self.servers.remove(server)
        self.servers.insert(index, server)
        wait_ready(server, ready_timeout)
        return server

    def wait_ready(self, timeout: float = 30.0) -> None:
        """Return once every instance answers its readiness probe; on a failure stop them all
        and raise :class:`ServerStartError`."""
        try:
            for server in self.servers:
                wait_ready(server, timeout)
        except BaseException:
            self.stop(grace=2.0)
            raise

    def stop(self, grace: float = 5.0) -> None:
        for server in self.servers:
            if server.alive():
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(server.pid, signal.SIGTERM)
        for server in self.servers:
            _stop_one(server, grace)
        with _LIVE_LOCK:
            _LIVE.discard(self)

    def __enter__(self) -> ServerGroup:
        return self

    def __exit__(self, *_: object) -> None:
        self.stop()


def _stop_one(server: RunningServer, grace: float) -> None:
    """SIGTERM, wait up to ``grace`` seconds, then SIGKILL the whole process group."""
    with contextlib.suppress(ProcessLookupError):
        os.killpg(server.pid, signal.SIGTERM)
    with contextlib.suppress(subprocess.TimeoutExpired):
        server.process.wait(timeout=grace)
    with contextlib.suppress(ProcessLookupError):
        os.killpg(server.pid, signal.SIGKILL)  # leftovers in the group, if any
    with contextlib.suppress(subprocess.TimeoutExpired):
        server.process.wait(timeout=grace)


def _probe(host: str, port: int, path: str) -> bool:
    try:
        conn = http.client.HTTPConnection(host, port, timeout=1.0)
        conn.request("GET", path)
        ok = conn.getresponse().status == 200
        conn.close()
        return ok
    except OSError:
        return False


def wait_ready(server: RunningServer, timeout: float) -> None:
    """Poll the readiness probe; fail at once, with the log, if the child exits."""
    deadline = time.monotonic() + timeout
    spec = server.spec
    while True:
        code = server.process.poll()
        if code is not None:
            raise ServerStartError(
                f"{server.describe()} exited with status {code} before it was ready; "
                f"last log lines ({server.log_path}):\n{server.tail()}"
            )
        if _probe(spec.host, spec.port, spec.health_path):
            return
        if time.monotonic() > deadline:
            raise ServerStartError(
                f"{server.describe()} not ready after {timeout:.0f}s; last log lines "
                f"({server.log_path}):\n{server.tail()}"
            )
        time.sleep(0.05)


def start_servers(
    contender: str,
    config: ServerConfig,
    *,
    instances: int = 1,
    base_port: int = 0,
    host: str = "127.0.0.1",
    asgi: AsgiSettings | None = None,
    log_dir: Path | None = None,
    cpus: Sequence[int] | None = None,
    ready_timeout: float = 30.0,
    python: str = sys.executable,
    cwd: str | None = None,
    ready: bool = True,
) -> ServerGroup:
    """Start ``instances`` instances of ``contender`` and return once every one is ready
    (with ``ready=False`` at once: the caller does other work while they start, then calls
    :meth:`ServerGroup.wait_ready`).

    Instance ``k`` listens on ``base_port + k``, or on a free port when ``base_port`` is 0.
    On any failure every instance already started is stopped before the error propagates.
    ``python`` and ``cwd`` start another tree's servers (see :func:`server_spec`).
    """
    if instances > 1 and config.backend == "memory":
        raise ValueError("more than one instance needs a shared backend (memory is per process)")
    from servers.launch.backplane import prepare_backplane

    prepare_backplane(contender, config, python)  # supported, reachable, its tables created
    if config.profile == "idiomatic":  # the Django project's tables (docs/idiomatic.md)
        from servers.idiomatic.harness import migrate, profile_unsupported

        refused = profile_unsupported(contender, config.profile)
        if refused is not None:
            raise ValueError(refused)
        migrate(config, python, cwd)
    if config.persistence and config.db_url:
        from servers.common.storage import ensure_schema

        ensure_schema(config.db_url)
    log_dir = log_dir or Path(tempfile.mkdtemp(prefix=f"bench-{contender}-"))
    log_dir.mkdir(parents=True, exist_ok=True)
    group = ServerGroup(contender, log_dir, cpus)
    try:
        for k in range(instances):
            port = base_port + k if base_port else free_port(host)
            spec = server_spec(
                contender, port=port, config=config, asgi=asgi, instance=k, host=host,
                python=python, cwd=cwd,
            )  # fmt: skip
            group.spawn(spec)
    except BaseException:
        group.stop(grace=2.0)
        raise
    if ready:
        group.wait_ready(ready_timeout)
    return group


def stop_all() -> None:
    """Stop every group still running (at exit, or from a signal handler)."""
    with _LIVE_LOCK:
        groups = list(_LIVE)
    for group in groups:
        group.stop(grace=2.0)


atexit.register(stop_all)
