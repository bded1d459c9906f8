"""The pure part of ``bench check --base``: labels, order, whether the base needs its own
virtualenv, the calibration ramp."""

from __future__ import annotations

import pytest

from loadgen.abtest.model import (
    ab_scenario,
    dependency_key,
    label,
    next_rate,
    run_order,
    split_label,
    step_passes,
    sustained,
    venv_reason,
)
from loadgen.scenario.load import load_scenario
from tests.report.conftest import ROOT

PYPROJECT = """
[project]
name = "x"
requires-python = ">=3.11"
dependencies = [
    "Django>=5.0,<6", "python_socketio >= 5.11", "uvloop>=0.19; sys_platform != 'win32'",
]
"""


def files(pyproject: str | None, **locks: str) -> dict[str, str | None]:
    return {"pyproject.toml": pyproject, **{k.replace("_", "."): v for k, v in locks.items()}}


def test_labels_name_the_side() -> None:
    assert label("sio", "base") == "sio@base"
    assert split_label("channels-daphne@HEAD") == ("channels-daphne", "HEAD")
    assert split_label("sio") == ("sio", None)


def test_both_sides_of_a_contender_run_back_to_back_alternating_which_goes_first() -> None:
    order = run_order(["sio", "channels"], ("base", "HEAD"), 2)
    assert order == [
        ("sio", "base", 0), ("sio", "HEAD", 0), ("channels", "base", 0), ("channels", "HEAD", 0),
        ("sio", "HEAD", 1), ("sio", "base", 1), ("channels", "HEAD", 1), ("channels", "base", 1),
    ]  # fmt: skip


def test_same_dependencies_written_differently_share_the_virtualenv() -> None:
    reordered = PYPROJECT.replace(
        '"Django>=5.0,<6", "python_socketio >= 5.11"', '"python-socketio>=5.11", "django>=5.0,<6"'
    )
    assert dependency_key(PYPROJECT) == dependency_key(reordered)
    assert venv_reason(files(PYPROJECT), files(reordered)) is None


def test_a_dependency_bump_gets_its_own_virtualenv() -> None:
    bumped = PYPROJECT.replace("Django>=5.0,<6", "Django>=5.1,<6")
    assert venv_reason(files(PYPROJECT), files(bumped)) == "pyproject.toml dependencies differ"
    newer_python = PYPROJECT.replace(">=3.11", ">=3.12")
    assert venv_reason(files(PYPROJECT), files(newer_python)) is not None


def test_a_changed_lock_file_or_a_missing_pyproject_gets_its_own_virtualenv() -> None:
    assert venv_reason(files(PYPROJECT, uv_lock="a"), files(PYPROJECT, uv_lock="b")) == (
        "uv.lock differs"
    )
    assert venv_reason(files(None), files(PYPROJECT)) is not None
    assert venv_reason(files("not [toml"), files(PYPROJECT)) is not None


def test_the_ramp_doubles_while_steps_pass_and_stops_after_the_first_failure() -> None:
    history: list[tuple[float, bool]] = []
    rates = []
    while (rate := next_rate(history, start=50, max_steps=5)) is not None:
        rates.append(rate)
        history.append((rate, rate <= 100))
    assert rates == [50, 100, 200]
    assert sustained(history) == 100


def test_the_ramp_halves_while_steps_fail_and_is_bounded() -> None:
    history = [(100.0, False), (50.0, False)]
    assert next_rate(history, start=100, max_steps=3) == 25
    assert next_rate([*history, (25.0, True)], start=100, max_steps=5) is None
    assert next_rate([*history, (25.0, False)], start=100, max_steps=3) is None
    assert sustained([*history, (25.0, False)]) is None


def test_a_later_contender_never_goes_above_the_ceiling() -> None:
    assert next_rate([(100.0, True)], start=100, ceiling=100) is None
    assert next_rate([(100.0, False)], start=100, ceiling=100) == 50


@pytest.mark.parametrize(
    ("summary", "valid", "passes"),
    [
        ({"p99_ms": 10.0, "served_ratio": 1.0, "loss": 0, "errors": 0, "saturated": 0}, True, True),
        ({"p99_ms": 10.0}, True, True),  # a schema-1 result: no served ratio
        ({"p99_ms": 10.0}, False, False),  # the load generator fell behind
        ({"p99_ms": 500.0}, True, False),
        ({"p99_ms": 10.0, "saturated": 1}, True, False),
        ({"p99_ms": 10.0, "served_ratio": 0.5}, True, False),
        ({"p99_ms": 10.0, "loss": 3}, True, False),
        ({"p99_ms": None}, True, False),
    ],
)
def test_a_step_passes_only_when_it_kept_up(
    summary: dict[str, float | None], valid: bool, passes: bool
) -> None:
    assert step_passes(summary, valid) is passes


def test_the_ab_scenario_keeps_the_shape_at_the_calibrated_rate() -> None:
    original = load_scenario(ROOT / "scenarios" / "ci-short.yaml")
    ab = ab_scenario(original, 40.0, warmup_s=1.0, measured_s=3.0, repetitions=2)
    assert ab.traffic.total_rate == 40.0
    assert ab.rooms == original.rooms and ab.connections.count == original.connections.count
    assert [(p.kind, p.duration_s) for p in ab.phases] == [("warmup", 1.0), ("steady", 3.0)]
    assert ab.repetitions == 2 and ab.expectations == () and ab.faults == ()
