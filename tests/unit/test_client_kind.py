"""Which client drives which contender (``loadgen.run.runner.client_kind``), without a network."""

from __future__ import annotations

import pytest

from loadgen.run.runner import RunError, RunOptions, client_kind
from loadgen.scenario.load import Scenario


def scenario(transport: str = "websocket", contenders: list[str] | None = None) -> Scenario:
    return Scenario.model_validate(
        {
            "name": "t",
            "contenders": contenders or ["sio"],
            "connections": {"count": 2, "transport": transport},
            "rooms": {"count": 1, "members_per_room": 2},
            "traffic": {"total_rate": 1},
            "phases": [{"name": "s", "kind": "steady", "duration_s": 1}],
        }
    )


def test_websocket_scenarios_use_each_contenders_client() -> None:
    both = scenario(contenders=["sio", "channels"])
    assert client_kind(both, RunOptions(), "sio") == "sio"
    assert client_kind(both, RunOptions(), "channels") == "channels"
    assert client_kind(both, RunOptions(client="sio-reference"), "sio") == "sio-reference"
    assert client_kind(both, RunOptions(client="sio-reference"), "channels") == "channels"


def test_polling_scenarios_use_the_long_polling_client() -> None:
    assert client_kind(scenario("polling"), RunOptions(), "sio") == "sio-polling"
    assert client_kind(scenario("polling"), RunOptions(client="sio-polling"), "sio") == (
        "sio-polling"
    )


def test_a_client_without_polling_is_refused_for_a_polling_scenario() -> None:
    with pytest.raises(RunError):
        client_kind(scenario("polling"), RunOptions(client="sio-reference"), "sio")
