"""Servers kept running from one run to the next (the steps of a capacity search).

``bench run`` starts fresh servers for every contender run and stops them at its end. A
:class:`ServerPool`, passed in :class:`loadgen.run.runner.RunOptions`, changes one thing: the
servers of a contender outlive its run, and the next run of the same contender (the same
scenario at another load) reuses them, unless the owner :meth:`~ServerPool.discard`\\ s them
in between (the step left a backlog) or one of them exited. The pool's owner closes it in a
``finally`` (also on errors and Ctrl-C); the launcher's exit hook stops whatever is left.

Each run still gets its own server log: a run on reused servers gets the lines they wrote
during that run, copied into its directory (the first run's file is the servers' whole log).
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from servers.launch import ServerGroup


@dataclass
class Lease:
    """The servers of one run: whether they were reused, and where each log stood."""

    group: ServerGroup
    reused: bool
    offsets: dict[Path, int] = field(default_factory=dict)

    def run_logs(self, run_dir: Path) -> list[Path]:
        """Each server's log lines written during this run, as files in ``run_dir``."""
        paths = []
        for server in self.group.servers:
            source = server.log_path
            if not self.reused:
                paths.append(source)
                continue
            target = run_dir / source.name
            with contextlib.suppress(OSError), source.open("rb") as log:
                log.seek(self.offsets.get(source, 0))
                target.write_bytes(log.read())
            paths.append(target)
        return paths


class ServerPool:
    """One running :class:`ServerGroup` per contender, handed from run to run."""

    def __init__(self) -> None:
        self._groups: dict[str, ServerGroup] = {}

    def running(self, contender: str) -> bool:
        """Whether the next run of ``contender`` will reuse running servers."""
        group = self._groups.get(contender)
        return group is not None and all(server.alive() for server in group.servers)

    def take(self, contender: str, start: Callable[[], ServerGroup]) -> Lease:
        """The running servers of ``contender``, or new ones from ``start()``."""
        if self.running(contender):
            group = self._groups[contender]
            offsets = {s.log_path: _size(s.log_path) for s in group.servers}
            return Lease(group, reused=True, offsets=offsets)
        self.discard(contender)
        group = start()
        self._groups[contender] = group
        return Lease(group, reused=False)

    def discard(self, contender: str) -> None:
        """Stop the servers of ``contender``; its next run starts fresh ones."""
        group = self._groups.pop(contender, None)
        if group is not None:
            group.stop()

    def close(self) -> None:
        """Stop every server of the pool."""
        for contender in list(self._groups):
            self.discard(contender)

    def __enter__(self) -> ServerPool:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()


def _size(path: Path) -> int:
    try:
        return path.stat().st_size
    except OSError:
        return 0
