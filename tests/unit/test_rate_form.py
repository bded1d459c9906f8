"""A rate stated as a share of calibrated capacity: validation, resolution, what is recorded."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from loadgen.calibrate.model import Calibration, ContenderCapacity
from loadgen.plan.build import build_plan
from loadgen.scenario.errors import validate
from loadgen.scenario.load import ScenarioError, load_scenario
from loadgen.scenario.resolve import apply_overrides, dump, needs_capacity, with_capacity

CALIBRATION = Calibration(
    capacities=(
        ContenderCapacity("sio", 1200.0, "knee", "served"),
        ContenderCapacity("channels", 200.0, "knee", "served"),
    ),
    method="test ramp",
    shape="echo",
    backend="redis",
)


def scenario_data(**traffic: Any) -> dict[str, Any]:
    return {
        "name": "shared",
        "connections": {"count": 100},
        "rooms": {"count": 10, "members_per_room": 10},
        "traffic": traffic,
    }


def problems(data: dict[str, Any]) -> list[tuple[str, str]]:
    with pytest.raises(ScenarioError) as caught:
        validate(data, "shared.yaml")
    return caught.value.problems


def test_a_fraction_alone_is_valid_and_unresolved() -> None:
    scenario = validate(scenario_data(capacity_fraction=0.5), "shared.yaml")
    assert needs_capacity(scenario)
    with pytest.raises(ValueError, match=r"capacity_fraction 0\.5: resolve it"):
        build_plan(scenario)


@pytest.mark.parametrize(
    ("traffic", "path", "words"),
    [
        ({"capacity_fraction": 0.5, "total_rate": 10}, "traffic.capacity_fraction", "exactly one"),
        ({"capacity_fraction": 0.5, "rate_per_connection": 1}, "traffic.capacity_fraction", "and"),
        ({}, "traffic.rate_per_connection", "none is set"),
        ({"capacity_fraction": 0}, "traffic.capacity_fraction", "greater than 0"),
        ({"capacity_fraction": 5}, "traffic.capacity_fraction", "less than or equal to 4"),
        ({"capacity_fraction": "50%"}, "traffic.capacity_fraction", ""),
    ],
)
def test_rate_form_errors_name_the_field(traffic: dict[str, Any], path: str, words: str) -> None:
    found = problems(scenario_data(**traffic))
    assert any(p == path and words in message for p, message in found), found


def test_resolved_from_needs_a_total_rate() -> None:
    source = {"capacity_fraction": 0.5, "capacity_msgs_per_s": 100.0, "basis": "channels",
              "deliveries_per_operation": 1.0}  # fmt: skip
    found = problems(scenario_data(capacity_fraction=0.5, resolved_from=source))
    assert any(p == "traffic.resolved_from" for p, _ in found), found


def test_resolution_takes_the_weaker_capacity_per_delivery() -> None:
    scenario = validate(scenario_data(capacity_fraction=0.5), "shared.yaml")
    resolved = with_capacity(scenario, CALIBRATION)
    # 50 % of channels' 200 msgs/s = 100 deliveries/s; each message reaches 10 members.
    assert resolved.traffic.total_rate == pytest.approx(10.0)
    assert resolved.traffic.capacity_fraction is None
    source = resolved.traffic.resolved_from
    assert source is not None
    assert (source.basis, source.capacity_msgs_per_s, source.capacity_fraction) == (
        "channels", 200.0, 0.5,
    )  # fmt: skip
    assert source.capacities == {"sio": 1200.0, "channels": 200.0}
    assert source.ratio == pytest.approx(6.0)
    assert build_plan(resolved).duration_s > 0
    assert validate(dump(resolved), "again") == resolved  # the result's scenario loads back


def test_requests_without_deliveries_count_as_one() -> None:
    data = scenario_data(capacity_fraction=1.0, mix={"msg": 0.5, "presence": 0.5})
    scenario = validate(data, "shared.yaml")
    assert scenario.deliveries_per_operation == pytest.approx(5.5)


def test_absolute_rates_are_left_alone() -> None:
    scenario = validate(scenario_data(total_rate=42), "shared.yaml")
    assert with_capacity(scenario, CALIBRATION) is scenario


def test_a_given_capacity_is_recorded_as_given() -> None:
    scenario = validate(scenario_data(capacity_fraction=0.25), "shared.yaml")
    resolved = with_capacity(scenario, Calibration.given_capacity(400.0))
    assert resolved.traffic.total_rate == pytest.approx(10.0)
    assert resolved.traffic.resolved_from is not None
    assert resolved.traffic.resolved_from.basis == "given"


def test_an_override_of_one_rate_form_drops_the_others() -> None:
    data = scenario_data(capacity_fraction=0.5)
    assert validate(apply_overrides(data, {"traffic.total_rate": 50}), "x").traffic.total_rate == 50
    data = scenario_data(total_rate=50)
    changed = validate(apply_overrides(data, {"traffic.capacity_fraction": 0.5}), "x")
    assert changed.traffic.capacity_fraction == 0.5 and changed.traffic.total_rate is None


def test_bench_validate_accepts_a_fraction_file(tmp_path: Path) -> None:
    path = tmp_path / "frac.yaml"
    path.write_text("name: frac\ntraffic:\n  capacity_fraction: 0.5\n")
    assert load_scenario(path).traffic.capacity_fraction == 0.5
