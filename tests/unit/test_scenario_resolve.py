"""Config precedence (CLI > BENCH_* env > file > defaults), presets and the scenario hash."""

from __future__ import annotations

import pytest

from loadgen.scenario.load import (
    ScenarioError,
    canonical_json,
    dump,
    env_overrides,
    load_scenario_text,
    parse_yaml,
    resolve,
    scenario_hash,
    smoke,
    with_duration,
)

FILE = """
name: t
seed: 3
backend: {kind: memory}
connections: {count: 200, ramp_up_s: 4}
rooms: {count: 20, members_per_room: 10}
traffic: {total_rate: 400, senders: 50}
phases:
  - {name: warmup, kind: warmup, duration_s: 3}
  - {name: steady, kind: steady, duration_s: 10}
  - {name: climb, kind: ramp, duration_s: 30, from_multiplier: 1, to_multiplier: 3}
repetitions: 3
drain_s: 5
"""


def data() -> dict[str, object]:
    return parse_yaml(FILE, "f.yaml")


def test_defaults_then_file() -> None:
    scenario = resolve(data())
    assert scenario.seed == 3
    assert scenario.drain_s == 5
    assert scenario.instances == 1  # a default


def test_env_over_file() -> None:
    scenario = resolve(data(), env={"BENCH_SEED": "9", "BENCH_CONTENDERS": "sio, channels"})
    assert scenario.seed == 9
    assert scenario.contenders == ("sio", "channels")


def test_cli_over_env() -> None:
    scenario = resolve(data(), env={"BENCH_SEED": "9"}, cli={"seed": 11})
    assert scenario.seed == 11


def test_env_generic_path_and_types() -> None:
    env = {
        "BENCH_SCENARIO__TRAFFIC__MESSAGE_BYTES": "512",
        "BENCH_SCENARIO__PERSISTENCE__ENABLED": "true",
        "BENCH_SECRET": "not a scenario setting",
        "HOME": "/root",
    }
    assert env_overrides(env) == {"traffic.message_bytes": 512, "persistence.enabled": True}
    scenario = resolve(data(), env=env)
    assert scenario.traffic.message_bytes == 512
    assert scenario.persistence.enabled


def test_exclusive_rates_override_each_other() -> None:
    scenario = resolve(data(), cli={"traffic.rate_per_connection": 2})
    assert scenario.traffic.rate_per_connection == 2
    assert scenario.traffic.total_rate is None


def test_instances_and_backend_together() -> None:
    scenario = resolve(data(), env={"BENCH_BACKEND": "redis"}, cli={"instances": 2})
    assert scenario.instances == 2 and scenario.backend.kind == "redis"


def test_bad_override_names_overrides() -> None:
    with pytest.raises(ScenarioError) as info:
        resolve(data(), cli={"traffic.speed": 3}, source="f.yaml")
    assert info.value.source == "f.yaml (with overrides of traffic.speed)"
    assert info.value.problems[0][0] == "traffic.speed"
    assert info.value.problems[0][1].startswith("unknown key 'speed'")


def test_bad_duration() -> None:
    with pytest.raises(ScenarioError) as info:
        resolve(data(), cli={"duration": -1}, source="f.yaml")
    assert info.value.problems == [("duration", "should be seconds > 0, not -1")]


def test_smoke_preset() -> None:
    full = resolve(data())
    quick = smoke(full)
    assert quick.connections.count == 20
    assert quick.connections.ramp_up_s == 1.0
    assert quick.rooms.members_per_room == 10 and quick.rooms.count == 2
    assert quick.traffic.senders == 5
    assert quick.sender_rate == pytest.approx(full.sender_rate)
    assert [p.duration_s for p in quick.phases] == [0.5, 2.0, 2.0]
    assert quick.drain_s == 1.0 and quick.repetitions == 1
    assert quick.phases[2].multipliers() == (1.0, 3.0)


def test_smoke_keeps_a_minimum_rate() -> None:
    fan = load_scenario_text(
        "name: f\nconnections: {count: 200}\nrooms: {count: 1, members_per_room: 200}\n"
        "traffic: {total_rate: 10, senders: 5}\n"
    )
    quick = smoke(fan)
    assert quick.senders == 1
    assert quick.traffic.total_rate == 10
    assert quick.rooms.members_per_room == 20


def test_smoke_from_env_and_explicit_override_wins() -> None:
    scenario = resolve(data(), env={"BENCH_SMOKE": "1"}, cli={"connections.count": 40})
    assert scenario.connections.count == 40
    assert scenario.phases[1].duration_s == 2.0
    assert resolve(data(), env={"BENCH_SMOKE": "0"}).connections.count == 200


def test_with_duration_scales_measured_phases() -> None:
    scenario = with_duration(resolve(data()), 8)
    assert [p.duration_s for p in scenario.phases] == [3, 2, 6]
    assert resolve(data(), cli={"duration": 8}) == scenario
    with pytest.raises(ValueError, match="seconds > 0"):
        with_duration(scenario, 0)


def test_hash_is_stable_and_canonical() -> None:
    scenario = resolve(data())
    again = resolve(parse_yaml(FILE.replace("seed: 3\n", "") + "seed: 3\n", "g.yaml"))
    assert scenario_hash(scenario) == scenario_hash(again)
    assert len(scenario_hash(scenario)) == 64
    assert canonical_json(scenario).startswith('{"backend":{')


def test_hash_ignores_description_but_not_settings() -> None:
    base = resolve(data())
    described = resolve({**data(), "description": "words"})
    assert scenario_hash(base) == scenario_hash(described)
    assert scenario_hash(base) != scenario_hash(resolve(data(), cli={"seed": 4}))


def test_dump_round_trips() -> None:
    scenario = load_scenario_text(FILE + "expectations: ['p99_ms < 50', 'loss_pct <= 0.5']\n")
    data_out = dump(scenario)
    assert data_out["expectations"] == ["p99_ms < 50", "loss_pct <= 0.5"]
    assert resolve(data_out) == scenario


def test_run_order_alternates_contenders() -> None:
    scenario = resolve(data(), cli={"contenders": ["sio", "channels"], "repetitions": 2})
    assert scenario.run_order() == [("sio", 0), ("channels", 0), ("sio", 1), ("channels", 1)]
