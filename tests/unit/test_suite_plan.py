"""The main job's pure parts: the stepped loads, its exit status, the calibration headline."""

from __future__ import annotations

from typing import Any

import pytest

from commands.suite import LEVELS, stepped, suite_exit
from loadgen.calibrate.model import Calibration, ContenderCapacity
from loadgen.scenario.errors import validate
from loadgen.scenario.resolve import apply_overrides, with_capacity
from report.calibration import build_headline, headline_markdown, headline_text

CALIBRATION = Calibration(
    (ContenderCapacity("sio", 900.0, "knee", "served"),
     ContenderCapacity("channels", 300.0, "knee", "latency")),
    "test ramp", "echo", "redis",
)  # fmt: skip


def resolved(name: str, members: int) -> Any:
    data = {"name": name, "rooms": {"count": 1, "members_per_room": members},
            "connections": {"count": members}, "traffic": {"total_rate": 10}}  # fmt: skip
    return with_capacity(validate(apply_overrides(data, stepped(LEVELS, 3.0, 1.0)), name),
                         CALIBRATION)  # fmt: skip


def test_every_scenario_gets_the_same_deliveries_per_second_at_each_level() -> None:
    for name, members in (("echo", 1), ("room", 10), ("fanout", 200)):
        scenario = resolved(name, members)
        steady = [p for p in scenario.phases if p.kind == "steady"]
        assert [p.name for p in steady] == ["at-25pct", "at-50pct", "at-75pct"]
        rates = [scenario.traffic.total_rate * (p.rate_multiplier or 1.0) for p in steady]
        deliveries = [rate * members for rate in rates]
        assert deliveries == pytest.approx([75.0, 150.0, 225.0])  # of channels' 300 msgs/s


def document(status: str = "complete", valid: bool = True, passed: bool = True) -> dict[str, Any]:
    run = {"validity": {"valid": valid}, "expectations": [{"passed": passed}]}
    return {"status": status, "runs": [run]}


@pytest.mark.parametrize(
    ("documents", "strict", "code"),
    [
        ([document()], False, 0),
        ([document(passed=False)], False, 0),  # a failed expectation is a finding
        ([document(passed=False)], True, 1),
        ([document(valid=False)], False, 1),  # an invalid run is not a comparison
        ([document(), document(status="partial")], False, 1),
    ],
)
def test_suite_exit(documents: list[dict[str, Any]], strict: bool, code: int) -> None:
    assert suite_exit(documents, strict) == code


def test_headline_names_the_ratio_and_the_loads() -> None:
    text = headline_text(CALIBRATION.as_dict())
    assert "sio 900 msgs/s, channels 300 msgs/s" in text and "3.0x" in text
    doc = {"scenario": resolved("fanout", 200).model_dump(mode="json")}
    lines = "\n".join(headline_markdown(build_headline([doc])))
    assert "75% of the calibrated 300 msgs/s of channels" in lines
    assert "at-75pct: 1.125" in lines


def test_calibration_round_trips_through_its_dict() -> None:
    again = Calibration.from_dict(CALIBRATION.as_dict())
    assert again == CALIBRATION
    assert again.weaker.contender == "channels" and again.ratio == pytest.approx(3.0)
