"""The profile as data: scenario field, refusals, the cost table (pure, no servers)."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest

from loadgen.scenario.load import ScenarioError, load_scenario
from report.profile_cost import profile_of, render_profile_cost
from servers.common.config import ConfigError, ServerConfig

ROOT = Path(__file__).resolve().parents[2]
FIXTURE = ROOT / "tests" / "fixtures" / "results" / "check-ab-same.json"


def test_scenarios_default_to_equal_and_take_the_profile_from_the_cli() -> None:
    path = ROOT / "scenarios" / "history.yaml"
    assert load_scenario(path, cli={}, env={}).profile == "equal"
    assert load_scenario(path, cli={"profile": "idiomatic"}, env={}).profile == "idiomatic"
    assert load_scenario(path, cli={}, env={"BENCH_PROFILE": "idiomatic"}).profile == "idiomatic"


def test_the_node_reference_is_refused_under_idiomatic() -> None:
    path = ROOT / "scenarios" / "connect-storm.yaml"
    cli = {"profile": "idiomatic", "contenders": ["sio", "sio-node"]}
    with pytest.raises(ScenarioError, match="sio-node under --profile idiomatic is not applicable"):
        load_scenario(path, cli=cli, env={})
    assert load_scenario(path, cli={**cli, "profile": "equal"}, env={}).profile == "equal"


def test_server_config_reads_and_checks_the_profile() -> None:
    assert ServerConfig.from_env({}).profile == "equal"
    assert ServerConfig.from_env({"BENCH_PROFILE": "idiomatic"}).profile == "idiomatic"
    assert ServerConfig(profile="idiomatic").to_env()["BENCH_PROFILE"] == "idiomatic"
    with pytest.raises(ConfigError, match="BENCH_PROFILE"):
        ServerConfig.from_env({"BENCH_PROFILE": "orm"})


def _with_profile(doc: dict[str, Any], profile: str, scale: float) -> dict[str, Any]:
    out = copy.deepcopy(doc)
    out["scenario"]["profile"] = profile
    for run in out["runs"]:
        run["connect"]["summary"]["p50_ms"] *= scale
        run["overall"]["ack_p50_ms"] *= scale
    return out


def test_results_of_before_profiles_read_as_equal_and_the_cost_table_shows_ratios() -> None:
    doc = json.loads(FIXTURE.read_text())
    doc["scenario"].pop("profile", None)
    assert profile_of(doc) == "equal"
    for run in doc["runs"]:  # the fixture's runs, made clean so a ratio is printed
        run["status"], run["validity"]["valid"], run["overall"]["saturated"] = "complete", True, 0
    text = render_profile_cost(doc, _with_profile(doc, "idiomatic", 2.0))
    contender = doc["runs"][0]["contender"]
    ratio_row = next(line for line in text.splitlines() if "idiomatic/equal" in line)
    assert ratio_row.split()[0] == contender
    assert ratio_row.split()[2:5:2] == ["x2.00", "x2.00"]  # connect p50, ack p50


def test_no_ratio_against_a_saturated_run() -> None:
    doc = json.loads(FIXTURE.read_text())
    idiomatic = _with_profile(doc, "idiomatic", 1.0)
    idiomatic["runs"][0]["overall"]["saturated"] = 1
    text = render_profile_cost(doc, idiomatic)
    assert "no ratio" in text and "saturated" in text
