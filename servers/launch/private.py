"""A broker of the harness's own on a free port: started, awaited, stopped and restarted alike.

Each private server (``redis-server``, ``mosquitto``, RabbitMQ, PostgreSQL) says only what is
its own: the command, its environment, the files it needs once (:meth:`prepare`), and how to
tell it is ready. This base starts it in a session of its own with its output in
``<dir>/<name>.log``, waits until it is ready (a child that exits says so at once, with its
log), and stops it with its own signal, then SIGKILL to its whole process group when it does
not stop in time. Its files live in a temporary directory that :meth:`close` removes.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import subprocess
import tempfile
import time
from abc import ABC, abstractmethod
from pathlib import Path
from typing import Any, ClassVar, Self

from servers.launch.orphans import on_main_thread
from servers.launch.ports import free_port
from servers.launch.process import child_setup


class PrivateServerError(RuntimeError):
    """A private server is not installed, or did not start."""


class PrivateServer(ABC):
    """One child process serving on ``host:port``; subclasses say how."""

    name: ClassVar[str]  # the program, also the log file's and the directory's name
    error: ClassVar[type[RuntimeError]] = PrivateServerError
    stop_signal: ClassVar[signal.Signals] = signal.SIGTERM
    start_timeout_s: ClassVar[float] = 10.0
    stop_timeout_s: ClassVar[float] = 5.0

    def __init__(self, port: int = 0, host: str = "127.0.0.1") -> None:
        self.host = host
        self.port = port or free_port(host)
        self.dir = Path(tempfile.mkdtemp(prefix=f"bench-{self.name}-"))
        self.log_path = self.dir / f"{self.name}.log"
        self.process: subprocess.Popen[bytes] | None = None
        self.boot_s: float | None = None  # how long the last start took until ready
        # The CPUs it may run on (a run's server CPUs: the load generator's core stays its own);
        # None: any.
        self.cpus: tuple[int, ...] | None = None
        self._prepared = False

    @property
    @abstractmethod
    def url(self) -> str:
        """Where clients reach it (``redis://``, ``amqp://``, ``mqtt://``, ``postgresql://``)."""

    @abstractmethod
    def command(self) -> list[str]:
        """The child's argv."""

    @abstractmethod
    def ready(self) -> bool:
        """True once the server answers a client of its protocol."""

    def environment(self) -> dict[str, str] | None:
        """The child's environment; None: the harness's own."""
        return None

    def prepare(self) -> None:  # noqa: B027 (a hook: nothing by default)
        """Once, before the first start: write configuration, create a data directory."""

    def popen_options(self) -> dict[str, Any]:
        """More :class:`subprocess.Popen` arguments (another user, for example)."""
        return {}

    def start(self, timeout: float | None = None) -> Self:
        if not self._prepared:
            self.prepare()
            self._prepared = True
        began = time.monotonic()
        deadline = began + (timeout or self.start_timeout_s)
        options = self.popen_options()
        # a harness killed with SIGKILL takes its broker along (from the main thread only)
        options.setdefault("preexec_fn", child_setup(self.cpus, on_main_thread()))
        with open(self.log_path, "ab") as log:
            self.process = subprocess.Popen(
                self.command(), env=self.environment(), cwd=self.dir, stdin=subprocess.DEVNULL,
                stdout=log, stderr=subprocess.STDOUT, start_new_session=True, **options,
            )  # fmt: skip
        while not self.ready():
            exited = self.process.poll() is not None
            if exited or time.monotonic() > deadline:
                waited = time.monotonic() - began
                why = "exited" if exited else f"was not ready after {waited:.0f} s"
                self.stop()
                raise self.error(
                    f"{self.name} on port {self.port} {why} (log {self.log_path}):\n{self.tail()}"
                )
            time.sleep(0.05)
        self.boot_s = time.monotonic() - began
        return self

    def tail(self, lines: int = 20) -> str:
        text = self.log_path.read_text(errors="replace") if self.log_path.exists() else ""
        return "\n".join(text.splitlines()[-lines:])

    def stop(self) -> None:
        process, self.process = self.process, None
        if process is None:
            return
        if process.poll() is None:
            process.send_signal(self.stop_signal)
            try:
                process.wait(timeout=self.stop_timeout_s)
                return
            except subprocess.TimeoutExpired:
                pass
            # Still ours (not reaped), so is its group: take every child along.
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGKILL)
        process.wait()

    def restart(self) -> None:
        self.stop()
        self.start()

    def close(self) -> None:
        """Stop it and remove its files."""
        self.stop()
        shutil.rmtree(self.dir, ignore_errors=True)

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(self, *_: object) -> None:
        self.close()
