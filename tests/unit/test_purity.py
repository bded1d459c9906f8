"""The pure modules of the load generator import no event loop, no sockets and no plotting.

They are imported in a fresh interpreter, so that what an earlier test imported does not hide
an import; the WebSocket, HTTP and Socket.IO libraries are the ones :mod:`loadgen.clients`
uses.
"""

from __future__ import annotations

import subprocess
import sys

PURE = (
    "loadgen.scenario.base", "loadgen.scenario.traffic", "loadgen.scenario.timeline",
    "loadgen.scenario.model", "loadgen.scenario.load", "loadgen.scenario.errors",
    "loadgen.scenario.resolve", "loadgen.scenario.expectations",
    "loadgen.plan.model", "loadgen.plan.build", "loadgen.plan.arrivals",
    "loadgen.scenario.devices", "loadgen.plan.devices", "servers.common.telemetry",
    "loadgen.measure.accounting", "loadgen.measure.stats", "loadgen.measure.timeseries",
    "loadgen.measure.served", "loadgen.measure.saturation", "loadgen.measure.phase",
    "loadgen.measure.record", "loadgen.measure.serverlogs", "loadgen.measure.exposition",
    "loadgen.capacity.model", "loadgen.capacity.search", "loadgen.capacity.votes",
    "loadgen.capacity.step",
    "loadgen.capacity.conclusion", "loadgen.capacity.request",
    "loadgen.calibrate.model", "loadgen.calibrate.knee",
    "loadgen.faults.steps",
    "loadgen.run.samples", "loadgen.run.outcome", "loadgen.run.worker_result",
)  # fmt: skip

FORBIDDEN = (
    "asyncio", "uvloop", "websockets", "picows", "aiohttp", "yarl", "socketio", "engineio",
    "redis", "psutil", "matplotlib",
)  # fmt: skip


def test_pure_modules_import_no_event_loop_no_sockets_and_no_plotting() -> None:
    code = (
        "import sys\n"
        f"for name in {PURE!r}: __import__(name)\n"
        f"print(sorted(m for m in sys.modules if m.split('.')[0] in {FORBIDDEN!r}))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
