"""Every validation error path of scenario files, with its message checked."""

from __future__ import annotations

import textwrap

import pytest

from loadgen.scenario.load import ScenarioError, load_scenario, load_scenario_text

MINIMAL = """
name: t
traffic:
  total_rate: 100
"""


def problems(text: str, source: str = "s.yaml") -> list[tuple[str, str]]:
    with pytest.raises(ScenarioError) as info:
        load_scenario_text(textwrap.dedent(text), source)
    assert info.value.source == source
    return info.value.problems


def only(text: str) -> tuple[str, str]:
    found = problems(text)
    assert len(found) == 1, found
    return found[0]


def test_minimal_scenario_gets_defaults() -> None:
    scenario = load_scenario_text(MINIMAL)
    assert scenario.contenders == ("sio", "channels", "channels-daphne")
    assert scenario.backend.kind == "memory"
    assert scenario.instances == 1
    assert [p.kind for p in scenario.phases] == ["warmup", "steady"]
    assert scenario.traffic.mode == "open"
    assert scenario.senders == 100


def test_message_names_file_path_and_problem() -> None:
    with pytest.raises(ScenarioError) as info:
        load_scenario_text(MINIMAL + "  rate: 5\n", "scenarios/x.yaml")
    text = str(info.value)
    assert text.startswith("scenarios/x.yaml: traffic.rate: unknown key 'rate'")
    assert "did you mean rate_per_connection or total_rate?" in text
    assert "allowed: mode, arrival, rate_per_connection, total_rate" in text


def test_unknown_top_level_key() -> None:
    path, message = only(MINIMAL + "colour: blue\n")
    assert path == "colour"
    assert message.startswith("unknown key 'colour'")
    assert "(allowed: name, description, contenders" in message


def test_unknown_key_in_list_item() -> None:
    path, message = only(
        MINIMAL + "phases:\n  - {name: s, kind: steady, duration_s: 1, speed: 2}\n"
    )
    assert path == "phases[0].speed"
    assert "unknown key 'speed'" in message
    assert "rate_multiplier" in message


def test_wrong_type() -> None:
    assert only(MINIMAL + "connections: {count: '100'}\n") == (
        "connections.count",
        "should be an integer (got '100')",
    )
    assert only(MINIMAL + "connections: {count: 1.5}\n")[1] == "should be an integer (got 1.5)"
    assert only(MINIMAL + "persistence: {enabled: 'yes'}\n") == (
        "persistence.enabled",
        "should be true or false (got 'yes')",
    )
    assert only(MINIMAL + "contenders: sio\n") == ("contenders", "should be a list (got 'sio')")
    assert only(MINIMAL + "rooms: 5\n") == ("rooms", "should be a mapping of keys (got 5)")


def test_bool_is_not_a_number() -> None:
    assert only(MINIMAL + "instances: true\n") == (
        "instances",
        "should be an integer (got True)",
    )


def test_out_of_range() -> None:
    path, message = only(MINIMAL + "connections: {count: 0}\n")
    assert path == "connections.count"
    assert "greater than or equal to 1" in message and "(got 0)" in message
    path, message = only(MINIMAL.replace("100", "-5"))
    assert path == "traffic.total_rate" and "greater than 0" in message


def test_bad_choice() -> None:
    assert only(MINIMAL + "backend: {kind: etcd}\n") == (
        "backend.kind",
        "should be 'memory', 'redis', 'rabbitmq' or 'postgres' (got 'etcd')",
    )


def test_missing_field() -> None:
    assert only("traffic: {total_rate: 5}\n") == ("name", "required field is missing")
    assert only("name: t\n") == ("traffic", "required field is missing")
    found = problems(MINIMAL + "phases:\n  - {name: s}\n")
    assert ("phases[0].kind", "required field is missing") in found
    assert ("phases[0].duration_s", "required field is missing") in found


def test_several_errors_listed() -> None:
    found = problems(
        """
        name: T!
        traffic: {total_rate: 5, colour: red}
        connections: {count: many}
        """
    )
    assert [path for path, _ in found] == ["name", "connections.count", "traffic.colour"]


def test_bad_expectation() -> None:
    path, message = only(MINIMAL + "expectations: ['p99_ms < 50', 'p98_ms < 50']\n")
    assert path == "expectations[1]"
    assert message.startswith("unknown metric 'p98_ms' in 'p98_ms < 50'; known metrics: p50_ms")
    path, message = only(MINIMAL + "expectations: ['loss ==']\n")
    assert (path, message) == (
        "expectations[0]",
        "cannot parse 'loss ==': write METRIC OP NUMBER, for example 'p99_ms < 50'",
    )
    path, message = only(MINIMAL + "expectations: ['p99_ms ~ 5']\n")
    assert "cannot parse" in message
    assert only(MINIMAL + "expectations: [5]\n") == (
        "expectations[0]",
        "an expectation is a string such as 'p99_ms < 50'",
    )


def test_unknown_contender() -> None:
    assert only(MINIMAL + "contenders: [sio, tornado]\n") == (
        "contenders[1]",
        "should be 'sio', 'channels', 'channels-daphne', 'reference', 'sio-node', 'sio-daphne', "
        "'sio-hypercorn', 'channels-hypercorn' or 'sio-hypercorn-h2' (got 'tornado')",
    )


def test_contender_twice() -> None:
    assert only(MINIMAL + "contenders: [sio, sio]\n") == (
        "contenders[1]",
        "'sio' is listed twice",
    )


def test_empty_contenders() -> None:
    assert only(MINIMAL + "contenders: []\n") == ("contenders", "should not be empty")


def test_instances_need_redis() -> None:
    assert only(MINIMAL + "instances: 2\n") == (
        "instances",
        "2 instances share state through a backplane: set backend.kind: redis, rabbitmq or "
        "postgres",
    )
    load_scenario_text(MINIMAL + "instances: 2\nbackend: {kind: redis}\n")


def test_pubsub_layer_needs_redis() -> None:
    assert only(MINIMAL + "backend: {channels_layer: pubsub}\n") == (
        "backend.channels_layer",
        "the pubsub layer is a Redis layer: it needs kind: redis, not memory",
    )


def test_rate_both_or_neither() -> None:
    both = MINIMAL + "  rate_per_connection: 2\n"
    assert only(both) == (
        "traffic.total_rate",
        "set exactly one of rate_per_connection, total_rate, capacity_fraction "
        "(rate_per_connection and total_rate are set)",
    )
    assert only("name: t\ntraffic: {message_bytes: 10}\n") == (
        "traffic.rate_per_connection",
        "set exactly one of rate_per_connection, total_rate, capacity_fraction (none is set)",
    )


def test_window_only_closed_loop() -> None:
    assert only(MINIMAL + "  window: 4\n") == (
        "traffic.window",
        "window applies to mode: closed only",
    )
    scenario = load_scenario_text(MINIMAL + "  mode: closed\n  window: 4\n")
    assert scenario.traffic.closed_window == 4


def test_senders_forms() -> None:
    assert load_scenario_text(MINIMAL + "  senders: 5\n").senders == 5
    assert load_scenario_text(MINIMAL + "  senders: '25%'\n").senders == 25
    path, message = only(MINIMAL + "  senders: 0.5\n")
    assert path == "traffic.senders"
    assert message.startswith("should be a count of connections (integer >= 1), a percentage")
    assert only(MINIMAL + "  senders: 101\n") == (
        "traffic.senders",
        "101 senders but only 100 connections are in a room",
    )


def test_members_per_room_over_connections() -> None:
    text = MINIMAL + "connections: {count: 5}\nrooms: {count: 1, members_per_room: 6}\n"
    assert only(text) == ("rooms.members_per_room", "6 members per room but only 5 connections")


def test_history_needs_persistence() -> None:
    assert only(MINIMAL + "  mix: {msg: 1, history: 1}\n") == (
        "traffic.mix.history",
        "history reads stored messages: set persistence.enabled: true",
    )


def test_mix_needs_a_weight() -> None:
    assert only(MINIMAL + "  mix: {msg: 0}\n") == (
        "traffic.mix",
        "at least one weight of msg, history, presence, churn must be > 0",
    )


def test_polling_is_sio_only() -> None:
    assert only(MINIMAL + "connections: {transport: polling}\n") == (
        "connections.transport",
        "only sio has a polling transport: set contenders: [sio] (or sio-<server>)",
    )
    load_scenario_text(MINIMAL + "connections: {transport: polling}\ncontenders: [sio]\n")


def test_bad_db_url() -> None:
    path, message = only(MINIMAL + "persistence: {enabled: true, db_url: 'mysql://x'}\n")
    assert path == "persistence.db_url"
    assert message == "should be sqlite:///PATH or postgresql://..., not 'mysql://x'"


def phases(body: str) -> str:
    return MINIMAL + "phases:\n" + textwrap.indent(textwrap.dedent(body), "  ")


def test_warmup_only_first() -> None:
    text = phases(
        """
        - {name: s, kind: steady, duration_s: 1}
        - {name: w, kind: warmup, duration_s: 1}
        """
    )
    assert only(text) == ("phases[1].kind", "only the first phase may be a warmup")


def test_only_warmup() -> None:
    text = phases("- {name: w, kind: warmup, duration_s: 1}\n")
    assert only(text) == ("phases", "needs at least one steady or ramp phase after the warmup")


def test_phase_names_unique() -> None:
    text = phases(
        """
        - {name: s, kind: steady, duration_s: 1}
        - {name: s, kind: steady, duration_s: 1}
        """
    )
    assert only(text) == ("phases[1].name", "phase name 's' is used twice")


def test_ramp_multipliers() -> None:
    found = problems(phases("- {name: r, kind: ramp, duration_s: 1, rate_multiplier: 2}\n"))
    assert found == [
        ("phases[0].rate_multiplier", "a ramp uses from_multiplier/to_multiplier"),
        ("phases[0].from_multiplier", "a ramp needs from_multiplier and to_multiplier"),
        ("phases[0].to_multiplier", "a ramp needs from_multiplier and to_multiplier"),
    ]
    assert only(phases("- {name: s, kind: steady, duration_s: 1, to_multiplier: 2}\n")) == (
        "phases[0].to_multiplier",
        "only a ramp has to_multiplier; use rate_multiplier",
    )


def test_phase_duration_positive() -> None:
    path, message = only(phases("- {name: s, kind: steady, duration_s: 0}\n"))
    assert path == "phases[0].duration_s" and "greater than 0" in message


def test_malformed_yaml() -> None:
    path, message = only("name: t\ntraffic: [\n")
    assert path.startswith("line ")
    assert message.startswith("malformed YAML: ")
    path, message = only("name: t\ntraffic:\n  total_rate: 1\n  total_rate: 2\n")
    assert (path, message) == (
        "line 4, column 3",
        "malformed YAML: key 'total_rate' is given twice",
    )


def test_empty_file() -> None:
    assert only("") == ("", "the file is empty: a scenario needs at least 'name' and 'traffic'")
    assert only("# only a comment\n")[1].startswith("the file is empty")


def test_top_level_not_a_mapping() -> None:
    assert only("- a\n- b\n") == (
        "",
        "the top level should be a mapping of keys (name, traffic, ...), not a list",
    )
    assert only("hello\n")[1].endswith("not the scalar 'hello'")


def test_missing_file(tmp_path: object) -> None:
    path = f"{tmp_path}/nope.yaml"
    with pytest.raises(ScenarioError) as info:
        load_scenario(path)
    assert str(info.value).startswith(f"{path}: cannot read the file: ")


def test_models_are_frozen() -> None:
    scenario = load_scenario_text(MINIMAL)
    with pytest.raises(Exception, match="frozen"):
        scenario.seed = 5  # type: ignore[misc, unused-ignore]
