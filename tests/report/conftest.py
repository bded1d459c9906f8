"""Result fixtures (real harness output, trimmed) and golden files for the report package.

``UPDATE_GOLDEN=1 pytest tests/report`` rewrites the golden files from the current code;
review the diff before committing it.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[2]
RESULTS = ROOT / "tests" / "fixtures" / "results"
GOLDEN = Path(__file__).resolve().parent / "golden"
UPDATE = os.environ.get("UPDATE_GOLDEN") == "1"

ECHO = RESULTS / "echo-smoke.json"
ROOM_CHAT = RESULTS / "room-chat-redis.json"
CI_BASE = RESULTS / "ci-short-base.json"
CI_SAME = RESULTS / "ci-short-same.json"
CI_SLOW = RESULTS / "ci-short-slow.json"
CAPACITY = RESULTS / "capacity-rate.json"
FAULT_KILL = RESULTS / "fault-kill.json"
FAULT_REDIS = RESULTS / "fault-redis.json"
POLLING = RESULTS / "polling-smoke.json"
ROOM_CHAT_NODE = RESULTS / "room-chat-node.json"
SCALE = RESULTS / "scale-out.json"


def assert_golden(name: str, actual: str) -> None:
    path = GOLDEN / name
    if UPDATE:
        path.write_text(actual)
        return
    assert path.exists(), f"{path} is missing: run with UPDATE_GOLDEN=1 once and review it"
    expected = path.read_text()
    assert actual == expected, f"{name} differs from its golden file (UPDATE_GOLDEN=1 updates it)"


def load(path: Path) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(path.read_text())
    return data


@pytest.fixture
def named() -> list[tuple[str, dict[str, Any]]]:
    return [(p.name, load(p)) for p in (ECHO, ROOM_CHAT)]
