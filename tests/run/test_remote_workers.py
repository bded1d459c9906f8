"""``bench worker`` processes meeting a coordinator through Redis merge like local workers."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import TIMING
from tests.run.test_bench_run import ROOT, bench, result_of

pytestmark = [pytest.mark.integration, pytest.mark.slow, TIMING]
SHORTER = {"BENCH_SCENARIO__CONNECTIONS__RAMP_UP_S": "0.3", "BENCH_SCENARIO__DRAIN_S": "0.5"}


def counts(doc: dict) -> list[tuple[str, int, int, int, int]]:
    return [
        (
            run["contender"],
            run["overall"]["acked"],
            run["overall"]["deliveries"],
            run["overall"]["expected"],
            run["connected"],
        )
        for run in doc["runs"]
    ]


def test_three_bench_workers_give_the_same_counts_as_one_local_worker(
    tmp_path: Path, redis_url: str
) -> None:
    coordinator = redis_url.rsplit("/", 1)[0] + "/3"
    command = [sys.executable, "-m", "bench", "worker", "--coordinator", coordinator]
    workers = [
        subprocess.Popen(command, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        for _ in range(3)
    ]
    try:
        # One contender: the coordinator and the workers hand out, run and merge a plan the
        # same way whichever client a worker drives (channels took the same path, twice the
        # time). Shorter ramp and drain: 20 connections, deliveries of a few ms.
        args = ["run", "scenarios/room-chat.yaml", "--smoke", "--contender", "sio",
                "--repetitions", "1", "--out", str(tmp_path)]  # fmt: skip
        remote = bench(*args, "--workers", "3", "--coordinator", coordinator, env=SHORTER)
        remote_out, _ = remote.communicate(timeout=180)
        # exit 1 may only mean a noisy machine flagged a run loadgen_bound; counts are the point
        assert remote.returncode in (0, 1), remote_out
        local = bench(*args, "--workers", "1", env=SHORTER)
        local_out, _ = local.communicate(timeout=180)
        assert local.returncode in (0, 1), local_out
    finally:
        for w in workers:
            w.kill()
            w.wait()
    remote_doc, local_doc = result_of(remote_out), result_of(local_out)
    assert remote_doc["status"] == local_doc["status"] == "complete"
    assert remote_doc["settings"]["workers"] == 3 and remote_doc["settings"]["remote_workers"]
    assert counts(remote_doc) == counts(local_doc)
    assert [run["contender"] for run in remote_doc["runs"]] == ["sio"]
    for run in remote_doc["runs"]:
        assert run["workers"] == 3 and run["overall"]["loss"] == 0
        assert run["overall"]["deliveries"] == run["overall"]["expected"] > 0
