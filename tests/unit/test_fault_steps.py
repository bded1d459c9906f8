"""Broker restarts as scenario faults: which broker they restart, what a scenario may ask, and
the recovery entries of a RabbitMQ or PostgreSQL restart (pure)."""

from __future__ import annotations

import textwrap

import pytest

from loadgen.faults.steps import Step, expand, recovery
from loadgen.scenario.load import ScenarioError, load_scenario_text

SCENARIO = """
name: t
contenders: [channels]
backend: {{kind: {kind}}}
traffic: {{total_rate: 10}}
faults:
  - {fault}
"""


def scenario(kind: str, fault: str) -> str:
    return textwrap.dedent(SCENARIO.format(kind=kind, fault=fault))


@pytest.mark.parametrize("kind", ["redis", "rabbitmq", "postgres"])
def test_a_broker_restart_stops_and_starts_the_backends_broker(kind: str) -> None:
    s = load_scenario_text(scenario(kind, "{at_s: 3, action: broker_restart, restart_after_s: 2}"))
    assert expand(s.faults, s.backend.kind) == [Step(3, f"{kind}_stop"), Step(5, f"{kind}_start")]


def test_redis_restart_keeps_its_name_and_meaning() -> None:
    s = load_scenario_text(
        scenario("redis", "{at_s: 3, action: redis_restart, restart_after_s: 1}")
    )
    assert expand(s.faults, "redis") == [Step(3, "redis_stop"), Step(4, "redis_start")]


@pytest.mark.parametrize(
    ("kind", "fault", "message"),
    [
        ("memory", "{at_s: 3, action: broker_restart, restart_after_s: 1}", "needs a broker"),
        ("rabbitmq", "{at_s: 3, action: redis_restart, restart_after_s: 1}", "needs backend"),
        ("postgres", "{at_s: 3, action: broker_restart}", "needs restart_after_s"),
    ],
)
def test_a_broker_restart_that_cannot_be_done_is_refused(
    kind: str, fault: str, message: str
) -> None:
    with pytest.raises(ScenarioError) as info:
        load_scenario_text(scenario(kind, fault), "s.yaml")
    assert any(message in text for _, text in info.value.problems), info.value.problems


def test_recovery_counts_a_rabbitmq_stop_as_a_fault() -> None:
    events = [
        {"t": 3.0, "action": "rabbitmq_stop", "instance": 0},
        {"t": 9.0, "action": "rabbitmq_start", "instance": 0},
    ]
    outages = [[0, 3.2, 4.0], [1, 3.3, None]]  # [client, dropped at, back at]
    assert recovery(events, outages) == [
        {"fault": "rabbitmq_stop", "at_s": 3.0, "dropped": 2, "reconnected": 1,
         "never_back": 1, "all_back_after_s": None},
    ]  # fmt: skip
