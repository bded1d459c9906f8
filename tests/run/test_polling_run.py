"""``bench run scenarios/polling.yaml``: the sio server driven over long-polling, end to end."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import TIMING
from tests.run.test_bench_run import bench, result_of

pytestmark = [pytest.mark.integration, pytest.mark.slow, TIMING]


def test_polling_smoke_measures_sio_only_with_no_loss(tmp_path: Path) -> None:
    proc = bench("run", "scenarios/polling.yaml", "--smoke", "--out", str(tmp_path))
    output, _ = proc.communicate(timeout=120)
    assert proc.returncode == 0, output
    doc = result_of(output)
    assert doc["status"] == "complete"
    assert doc["scenario"]["connections"]["transport"] == "polling"
    assert doc["settings"]["transport"] == "polling"
    assert "Channels" not in doc["settings"]["backend_note"]
    assert [run["contender"] for run in doc["runs"]] == ["sio"]  # Channels: not applicable
    overall = doc["runs"][0]["overall"]
    assert overall["loss"] == 0 and overall["errors"] == 0
    assert overall["deliveries"] == overall["expected"] > 0
    assert doc["runs"][0]["validity"]["valid"], doc["runs"][0]["validity"]
