"""The private broker of a run whose faults restart its backplane's broker.

The machine's brokers serve other work, so a ``broker_restart`` (or ``redis_restart``) never
touches them: the run starts a broker of the scenario's backend kind on free ports, points the
servers at it, restarts it as the faults say and stops it at the end.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator, Sequence

from loadgen.scenario.model import Scenario
from servers.launch.private import PrivateServer
from servers.launch.private_brokers import PRIVATE_BROKERS


@contextlib.contextmanager
def private_broker(
    scenario: Scenario, cpus: Sequence[int] | None = None
) -> Iterator[PrivateServer | None]:
    """A started private broker of the scenario's backend when one of its faults restarts the
    broker, else None; stopped and removed on the way out (errors and Ctrl-C too). ``cpus``:
    the servers' CPUs, which it shares (a broker booting again beside the load generator made
    it send 150-500 ms late). Raises :class:`~servers.launch.private.PrivateServerError` (not
    installed, did not start)."""
    if not any(f.restarts_broker for f in scenario.faults):
        yield None
        return
    server = PRIVATE_BROKERS[scenario.backend.kind]()
    server.cpus = tuple(cpus) if cpus else None
    with server:
        yield server
