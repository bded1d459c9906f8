"""Every shipped scenario validates, fits a small machine and has a smoke variant."""

from __future__ import annotations

from pathlib import Path

import pytest

from loadgen.plan.build import build_plan
from loadgen.scenario.load import load_scenario, scenario_hash

# scenarios/robustness.yaml drives `bench robustness`, not `bench run`: its own model
# (loadgen/robustness/model.py) is checked in tests/unit/test_robustness.py.
SCENARIOS = sorted(
    p for p in (Path(__file__).parents[2] / "scenarios").glob("*.yaml") if p.stem != "robustness"
)
REQUIRED = {"echo", "room-chat", "fanout", "connect-storm", "binary", "history", "cross-instance"}


def test_required_scenarios_ship() -> None:
    assert {path.stem for path in SCENARIOS} >= REQUIRED


@pytest.mark.parametrize("path", SCENARIOS, ids=lambda p: p.stem)
def test_validates_and_plans(path: Path) -> None:
    scenario = load_scenario(path)
    assert scenario.name == path.stem
    assert scenario.description
    per_run = scenario.connections.ramp_up_s + scenario.duration_s + scenario.drain_s
    assert per_run * scenario.repetitions < 45  # well under a minute per contender
    assert scenario.connections.count <= 300
    plan = build_plan(scenario)
    assert plan.total_sends > 0
    assert len(scenario_hash(scenario)) == 64


@pytest.mark.parametrize("path", SCENARIOS, ids=lambda p: p.stem)
def test_smoke_variant_is_small(path: Path) -> None:
    scenario = load_scenario(path, cli={"smoke": True})
    assert scenario.connections.count <= 20
    assert scenario.repetitions == 1
    assert scenario.connections.ramp_up_s + scenario.duration_s + scenario.drain_s <= 7
    assert build_plan(scenario).total_sends > 0


def test_scenario_specifics() -> None:
    by_name = {p.stem: load_scenario(p) for p in SCENARIOS}
    assert by_name["echo"].rooms.members_per_room == 1
    assert by_name["fanout"].rooms.count == 1
    assert by_name["binary"].traffic.body == "binary"
    assert by_name["history"].persistence.enabled
    assert by_name["history"].traffic.mix.history > 0
    cross = by_name["cross-instance"]
    assert cross.instances == 2 and cross.backend.kind == "redis"
    assert by_name["connect-storm"].connections.ramp_up_s > 0
