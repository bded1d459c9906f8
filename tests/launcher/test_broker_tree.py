"""A private broker: its process tree followed across a restart (a broker_restart fault),
and gone with a harness killed by SIGKILL."""

from __future__ import annotations

import signal
import subprocess
import sys
import time
from pathlib import Path

import psutil
import pytest

from loadgen.measure.broker_procs import broker_trees
from servers.launch.redis import RedisServer, ping

ROOT = Path(__file__).resolve().parents[2]

pytestmark = pytest.mark.integration


def test_a_restarted_broker_is_sampled_again_under_its_new_process() -> None:
    with RedisServer() as redis:
        tree = broker_trees({"redis": redis.url})["redis"]
        first = tree.root.pid
        time.sleep(0.05)
        cpu, memory = tree.sample(0.05)
        assert cpu is not None and memory is not None and memory > 0
        assert not tree.relocate()  # still running: nothing to follow
        redis.restart()
        assert tree.sample(0.05) == (None, None)  # gone
        assert tree.relocate()
        assert tree.root.pid != first
        time.sleep(0.05)
        cpu, memory = tree.sample(0.05)
        assert cpu is not None and memory is not None and memory > 0


HARNESS = """
import sys, time
from servers.launch.redis import RedisServer
redis = RedisServer().start()
print(redis.port, redis.process.pid, flush=True)
time.sleep(60)
"""


def test_a_private_broker_dies_with_a_harness_killed_by_sigkill() -> None:
    harness = subprocess.Popen(
        [sys.executable, "-c", HARNESS], stdout=subprocess.PIPE, text=True, cwd=ROOT
    )
    try:
        assert harness.stdout is not None
        port, pid = (int(v) for v in harness.stdout.readline().split())
        assert ping(f"redis://127.0.0.1:{port}/0")
        harness.send_signal(signal.SIGKILL)  # no atexit, no handler: PR_SET_PDEATHSIG alone
        harness.wait(timeout=10)
        deadline = time.monotonic() + 10
        while psutil.pid_exists(pid) and psutil.Process(pid).status() != "zombie":
            assert time.monotonic() < deadline, "the private redis-server outlived its harness"
            time.sleep(0.05)
        assert not ping(f"redis://127.0.0.1:{port}/0")
    finally:
        harness.kill()
        harness.wait()
