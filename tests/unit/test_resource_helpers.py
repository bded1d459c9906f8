"""A server's helper processes (Channels' mqttasgi beside its ASGI server) are sampled as the
server's, one series each, named after what they run."""

from __future__ import annotations

import subprocess
import sys
import time
from collections.abc import Iterator

import psutil
import pytest

from loadgen.measure.server_procs import helper_label, with_helpers

# A parent that starts a child whose command line names mqttasgi (as the sidecar's does), then
# waits; both are killed by the fixture.
PARENT = (
    "import subprocess, sys, time\n"
    "subprocess.Popen([sys.executable, '-c', 'import time; time.sleep(60)', 'mqttasgi'])\n"
    "time.sleep(60)\n"
)


@pytest.fixture
def server_with_child() -> Iterator[int]:
    parent = subprocess.Popen([sys.executable, "-c", PARENT])
    try:
        deadline = time.monotonic() + 10.0
        while not psutil.Process(parent.pid).children() and time.monotonic() < deadline:
            time.sleep(0.02)
        yield parent.pid
    finally:
        for child in psutil.Process(parent.pid).children(recursive=True):
            child.kill()
        parent.kill()
        parent.wait()


def test_a_servers_child_is_sampled_under_the_servers_name(server_with_child: int) -> None:
    (child,) = psutil.Process(server_with_child).children()
    found = with_helpers({"channels[0]": server_with_child, "loadgen[0]": 2**22 + 1})
    assert found == {
        "channels[0]": server_with_child,
        "channels[0]/mqttasgi": child.pid,
        "loadgen[0]": 2**22 + 1,  # a process that is gone is kept as given (sampled as None)
    }


def test_a_helper_reads_as_mqttasgi_or_its_executable() -> None:
    assert helper_label(["python", "-c", "from mqttasgi.cli import main"], "python") == "mqttasgi"
    assert helper_label(["node", "server.js"], "node") == "node"
