"""SLO parsing, the scenario of a step, the words of the result, bad input."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import pytest

from commands.capacity import CapacityRequest, run_capacity
from commands.exit_codes import EXIT_BAD_INPUT
from loadgen.capacity.conclusion import comparison, maximum
from loadgen.capacity.model import STEP_GRACE_S, SloError, parse_slo, scenario_at, unit_of
from loadgen.capacity.search import Conclusion
from loadgen.run.runner import RunOptions
from loadgen.scenario.load import load_scenario, load_scenario_text
from report.capacity_text import render

ROOT = Path(__file__).resolve().parents[2]
SLO = parse_slo("p99_ms<100,loss==0")


def test_slo_parses_into_expectations() -> None:
    assert [str(e) for e in parse_slo("p99_ms<50, loss==0 ,msgs_per_s>=100")] == [
        "p99_ms < 50", "loss == 0", "msgs_per_s >= 100",
    ]  # fmt: skip


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("", "empty"),
        ("p99_ms<50,", "part 2"),
        ("p99_ms<50,lossy==0", "'lossy'"),
        ("p99_ms<50,lossy==0", "part 2"),
        ("p99_ms<<50", "'p99_ms<<50'"),
        ("p99_ms<fifty", "METRIC OP NUMBER"),
    ],
)
def test_slo_errors_name_the_bad_part(text: str, words: str) -> None:
    with pytest.raises(SloError) as caught:
        parse_slo(text)
    assert words in str(caught.value)


CHAT = """
name: chat
description: rooms of 5
connections: {count: 40, ramp_up_s: 2}
rooms: {count: 8, members_per_room: 5}
traffic: {rate_per_connection: 2, senders: 10}
phases:
  - {name: warmup, kind: warmup, duration_s: 3}
  - {name: up, kind: ramp, duration_s: 10, from_multiplier: 1, to_multiplier: 3}
expectations: [errors == 0]
"""


def test_a_rate_step_sets_the_total_rate_and_short_constant_phases() -> None:
    base = load_scenario_text(CHAT)
    step = scenario_at(base, "rate", 120.0, warmup_s=1.0, steady_s=4.0, slo=SLO)
    assert step.traffic.total_rate == 120.0 and step.traffic.rate_per_connection is None
    assert step.senders == 10 and step.sender_rate == 12.0
    assert [(p.kind, p.duration_s, p.multipliers()) for p in step.phases] == [
        ("warmup", 1.0, (1.0, 1.0)), ("steady", 4.0, (1.0, 1.0)),
    ]  # fmt: skip
    assert [str(e) for e in step.expectations] == ["p99_ms < 100", "loss == 0"]
    assert step.repetitions == 1 and step.seed == base.seed and step.rooms == base.rooms


def test_a_connections_step_keeps_room_size_and_sender_rate() -> None:
    base = load_scenario_text(CHAT)
    step = scenario_at(base, "connections", 160, warmup_s=0, steady_s=2.0, slo=SLO)
    assert step.connections.count == 160 and step.connections.ramp_up_s == 8.0
    assert (step.rooms.count, step.rooms.members_per_room) == (32, 5)
    assert step.senders == 40 and step.sender_rate == 2.0
    assert [p.kind for p in step.phases] == ["steady"]


def test_a_load_the_scenario_cannot_express_is_an_error() -> None:
    base = load_scenario_text(CHAT)
    with pytest.raises(ValueError, match="at load 0"):
        scenario_at(base, "rate", 0.0, warmup_s=1, steady_s=1, slo=SLO)


def test_a_step_caps_the_grace_period() -> None:
    base = load_scenario_text(CHAT)
    data = base.model_dump()
    if "grace_s" not in data:
        pytest.skip("this tree's scenarios have no grace period yet")
    step = scenario_at(base, "rate", 50.0, warmup_s=1, steady_s=1, slo=SLO)
    assert step.model_dump()["grace_s"] == min(data["grace_s"], STEP_GRACE_S)


def test_unit_says_msgs_or_ops() -> None:
    base = load_scenario_text(CHAT)
    assert unit_of(base, "rate") == "msgs/s" and unit_of(base, "connections") == "connections"
    assert unit_of(load_scenario(ROOT / "scenarios" / "room-chat.yaml"), "rate") == "ops/s"


def found(load: float, ceiling: float) -> dict[str, Any]:
    return maximum(Conclusion("found", load, ceiling, "fail", 6), "msgs/s")


def test_the_maximum_carries_the_interval_its_spread_and_votes() -> None:
    decided = Conclusion("found", 975.0, 1000.0, "fail", 12, (), "2/2", "2/3")
    entry = maximum(decided, "msgs/s")
    assert entry["load"] == 975.0 and entry["ceiling"] == 1000.0
    assert entry["interval"] == {
        "pass": 975.0, "fail": 1000.0, "spread": 1000.0 / 975.0 - 1, "pass_votes": "2/2",
        "fail_votes": "2/3",
    }  # fmt: skip
    assert entry["text"] == (
        "975 msgs/s (passed in 2/2 runs; 1000 msgs/s failed in 2/3 runs; spread 2.6%)"
    )
    assert maximum(Conclusion("at_least", 300.0, None, None, 4), "msgs/s")["interval"] == {
        "pass": 300.0, "fail": None, "spread": None, "pass_votes": None, "fail_votes": None,
    }  # fmt: skip


def test_comparison_in_plain_words() -> None:
    words = comparison({"sio": found(250, 260), "channels": found(100, 105)}, "msgs/s")
    assert words == "sio sustains 2.50x the load of channels (250 vs 100 msgs/s)"
    close = comparison({"sio": found(100, 105), "channels": found(102, 107)}, "msgs/s")
    assert "about the same" in close


def test_comparison_with_a_lower_bound_or_no_answer() -> None:
    bounded = maximum(Conclusion("loadgen_limited", 300, 400, "unknown", 5), "msgs/s")
    assert "at least 300 msgs/s, limited by the load generator" in bounded["text"]
    words = comparison({"sio": found(250, 260), "channels": bounded}, "msgs/s")
    assert words == "channels sustains at least 1.20x the load of sio (300 vs 250 msgs/s)"
    words = comparison({"sio": found(400, 410), "channels": bounded}, "msgs/s")
    assert "cannot be ranked" in words and "upper bound" in words
    nothing = maximum(Conclusion("none", None, 1, "fail", 5), "msgs/s")
    words = comparison({"sio": found(250, 260), "channels": nothing}, "msgs/s")
    assert "channels has no measured maximum" in words


def test_render_lists_every_step_and_the_maxima() -> None:
    doc = {
        "scenario": {"name": "echo"},
        "search": {"dimension": "rate", "unit": "msgs/s"},
        "slo": ["p99_ms < 100", "loss == 0"],
        "status": "complete",
        "contenders": {
            "sio": {
                "steps": [
                    {"index": 1, "load": 50.0, "outcome": "pass", "p50_ms": 4.0, "p99_ms": 9.0,
                     "msgs_per_s": 50.0, "loss": 0, "valid": True},
                    {"index": 2, "load": 100.0, "outcome": "unknown", "p50_ms": None,
                     "p99_ms": None, "msgs_per_s": None, "loss": None, "valid": False},
                ],
                "maximum": found(50, 100),
                "search_s": 20.0,
            }
        },
        "comparison": "",
    }  # fmt: skip
    first: dict[str, Any] = doc["contenders"]["sio"]["steps"][0]  # type: ignore[index]
    first.update(served_ratio=0.995, server="reused")
    text = render(doc)
    assert "load msgs/s" in text and "unknown" in text and "NO" in text
    assert "99.5%" in text and "reused" in text
    assert "sio: maximum sustainable load 50 msgs/s" in text and "[2 steps, 20 s]" in text


@pytest.mark.parametrize(
    ("changes", "words"),
    [
        ({"slo": "p99_ms<50,lossy==0"}, "'lossy'"),
        ({"dimension": "users"}, "--dimension"),
        ({"scenario": ROOT / "scenarios" / "missing.yaml"}, "cannot read"),
        ({"step_factor": 0.5}, "step factor"),
        ({"start": -5.0}, "start load"),
    ],
)
def test_bad_input_exits_2_before_running_anything(
    changes: dict[str, Any], words: str, tmp_path: Path
) -> None:
    request = CapacityRequest(
        **{"scenario": ROOT / "scenarios" / "echo.yaml", "slo": "p99_ms<50", **changes}
    )
    err = io.StringIO()
    options = RunOptions(out_dir=tmp_path, progress=None)
    assert run_capacity(request, options, out=io.StringIO(), err=err) == EXIT_BAD_INPUT
    assert words in err.getvalue()
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize(("contender", "words"), [("tornado", "unknown contender"),
                                                  ("reference", "not a contender")])  # fmt: skip
def test_an_unknown_contender_exits_2(contender: str, words: str, tmp_path: Path) -> None:
    request = CapacityRequest(scenario=ROOT / "scenarios" / "echo.yaml", slo="p99_ms<50")
    err = io.StringIO()
    options = RunOptions(out_dir=tmp_path, progress=None, contenders=(contender,))
    assert run_capacity(request, options, out=io.StringIO(), err=err) == EXIT_BAD_INPUT
    assert words in err.getvalue()


def test_a_scenario_with_faults_cannot_be_searched() -> None:
    faulty = ROOT / "scenarios" / "fault-kill.yaml"
    if not faulty.exists():
        pytest.skip("no fault scenario in this tree")
    with pytest.raises(ValueError, match="injects faults"):
        scenario_at(load_scenario(faulty), "rate", 10.0, warmup_s=1, steady_s=1, slo=SLO)


def test_busy_pct_is_the_share_of_all_cpus_not_idle() -> None:
    from collections import namedtuple

    from loadgen.capacity.search_run import busy_pct

    times = namedtuple("times", "user system idle iowait")
    assert busy_pct(times(10, 0, 90, 0), times(40, 10, 130, 20)) == 40.0  # 40 of 100 s busy
    assert busy_pct(times(1, 1, 1, 1), times(1, 1, 1, 1)) is None


def test_render_marks_a_disturbed_step_and_says_what_it_means() -> None:
    step = {"index": 1, "load": 50.0, "outcome": "fail", "p50_ms": 4.0, "p99_ms": 9.0,
            "msgs_per_s": 50.0, "loss": 0, "valid": True, "disturbed": True}  # fmt: skip
    doc = {
        "scenario": {"name": "echo"},
        "search": {"dimension": "rate", "unit": "msgs/s"},
        "slo": ["p99_ms < 100"],
        "status": "complete",
        "contenders": {
            "sio": {
                "steps": [step, {**step, "index": 2, "disturbed": False}],
                "maximum": found(50, 100),
            }
        },
    }
    lines = render(doc).splitlines()
    first = next(line for line in lines if line.lstrip().startswith("sio") and " 1 " in line)
    second = next(line for line in lines if line.lstrip().startswith("sio") and " 2 " in line)
    assert "fail *" in first and "fail *" not in second
    assert any(line.startswith("* disturbed (1 step)") for line in lines)
