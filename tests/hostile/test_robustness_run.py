"""The robustness probes end to end, on both servers, scaled down to seconds."""

from __future__ import annotations

from pathlib import Path

import pytest

from loadgen.robustness.model import RobustnessScenario
from loadgen.robustness.runner import run
from report.robustness import render_markdown

pytestmark = [pytest.mark.integration, pytest.mark.slow]

SMALL = {
    "name": "robustness-small",
    "limits": {"send_queue_bytes": 524288, "send_queue_seconds": 3, "head_timeout_s": 2},
    "probes": {
        "slow_consumer": {"readers": 2, "rate": 200, "duration_s": 8},
        "disconnect_churn": {"readers": 10, "rounds": 1, "wait_s": 3},
        "half_open_flood": {"connections": 100, "hold_s": 4, "healthy_connects": 5},
        "malformed_storm": {"clients": 2, "rate": 50, "duration_s": 2},
    },
}


def test_both_frameworks_hold_up_and_the_figures_are_side_by_side(tmp_path: Path) -> None:
    doc = run(RobustnessScenario.model_validate(SMALL), tmp_path)
    for name in ("sio", "channels"):
        figures = doc["contenders"][name]
        slow = figures["slow_consumer"]
        assert slow["cut_off_after_s"] is not None, (name, slow)
        delivered, expected = slow["others_delivered"].split("/")
        assert delivered == expected, (name, slow)
        churn = figures["disconnect_churn"]
        assert churn["ghost_lifetime_max_s"] < 1.0 and churn["ghosts_left_after_3_s"] == 0
        flood = figures["half_open_flood"]
        assert flood["still_open_after_4_s"] == 0 and flood["healthy_connect_failures"] == 0
        storm = figures["malformed_storm"]
        assert storm["connections_lost"] == 0
        assert storm["error_replies"] == storm["malformed_sent"]
    text = render_markdown(doc)
    assert "| figure | python-socketio | Channels (uvicorn) |" in text
    assert doc["settings"]["send_queue_bytes"] == 524288
