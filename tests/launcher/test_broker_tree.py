"""The broker's process tree is followed across a restart (a broker_restart fault)."""

from __future__ import annotations

import time

import pytest

from loadgen.measure.broker_procs import broker_trees
from servers.launch.redis import RedisServer

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
