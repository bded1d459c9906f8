"""Expectations: parsing, serialization and evaluation against a summary."""

from __future__ import annotations

import math

import pytest

from loadgen.scenario.expectations import KNOWN_METRICS, Expectation, evaluate, parse_expectation


@pytest.mark.parametrize(
    ("text", "parsed"),
    [
        ("p99_ms < 50", ("p99_ms", "<", 50.0)),
        ("loss==0", ("loss", "==", 0.0)),
        ("  msgs_per_s >= 1e3 ", ("msgs_per_s", ">=", 1000.0)),
        ("loss_pct <= .5", ("loss_pct", "<=", 0.5)),
        ("errors != 3", ("errors", "!=", 3.0)),
        ("mean_ms > -1", ("mean_ms", ">", -1.0)),
    ],
)
def test_parse(text: str, parsed: tuple[str, str, float]) -> None:
    assert parse_expectation(text) == parsed


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("p99 < 50", "unknown metric 'p99'"),
        ("p99_ms < fast", "cannot parse"),
        ("p99_ms = 5", "cannot parse"),
        ("< 5", "cannot parse"),
        ("p99_ms < 5 ms", "cannot parse"),
    ],
)
def test_parse_errors(text: str, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        parse_expectation(text)


def test_model_round_trips_as_text() -> None:
    expectation = Expectation.model_validate("p99_ms<50.5")
    assert str(expectation) == "p99_ms < 50.5"
    dumped: object = expectation.model_dump()
    assert dumped == "p99_ms < 50.5"
    assert str(Expectation.model_validate("loss == 0.0")) == "loss == 0"
    assert Expectation.model_validate(str(expectation)) == expectation
    with pytest.raises(ValueError, match="unknown metric"):
        Expectation(metric="speed", op="<", value=1)


def test_evaluate() -> None:
    expectations = [
        Expectation.model_validate(text)
        for text in (
            "p99_ms < 50",
            "loss == 0",
            "msgs_per_s >= 1000",
            "errors == 0",
            "dropped == 0",
        )
    ]
    summary = {"p99_ms": 12.5, "loss": 3, "msgs_per_s": 1000.0, "errors": math.nan}
    results = evaluate(expectations, summary)
    assert [(str(e), passed, actual) for e, passed, actual in results] == [
        ("p99_ms < 50", True, 12.5),
        ("loss == 0", False, 3.0),
        ("msgs_per_s >= 1000", True, 1000.0),
        ("errors == 0", False, None),  # not measured: fails
        ("dropped == 0", False, None),  # missing: fails
    ]


def test_known_metrics_are_documented() -> None:
    assert all(description for description in KNOWN_METRICS.values())
    assert {"p99_ms", "loss", "msgs_per_s", "errors"} <= set(KNOWN_METRICS)
