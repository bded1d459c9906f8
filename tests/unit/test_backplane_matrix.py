"""The backplane matrix (docs/backplanes.md): one vocabulary, inapplicable pairs refused."""

from __future__ import annotations

import pytest

from loadgen.scenario.load import ScenarioError, load_scenario_text
from servers.common.brokers import broker_url, redacted
from servers.common.config import BACKENDS, ConfigError, ServerConfig, backend_unsupported

MINIMAL = "name: t\ntraffic: {rate_per_connection: 1.0}\n"


@pytest.mark.parametrize(
    ("contender", "backend"),
    [
        ("sio", "postgres"),
        ("sio-hypercorn", "postgres"),
        ("sio-node", "rabbitmq"),
        ("reference", "rabbitmq"),
        ("reference", "postgres"),
    ],
)
def test_pairs_without_a_backplane_are_not_applicable(contender: str, backend: str) -> None:
    reason = backend_unsupported(contender, backend)
    assert reason is not None
    assert reason.startswith(f"{contender} on --backend {backend} is not applicable: ")


def test_the_issue_matrix_is_supported() -> None:
    for contender in ("channels", "channels-daphne"):
        assert [b for b in BACKENDS if backend_unsupported(contender, b)] == []
    assert [b for b in BACKENDS if backend_unsupported("sio", b)] == ["postgres"]
    assert [b for b in BACKENDS if backend_unsupported("sio-node", b)] == ["rabbitmq"]
    assert backend_unsupported("sio", "postgres") == (
        "sio on --backend postgres is not applicable: "
        "python-socketio ships no PostgreSQL client manager"
    )


def test_scenario_refuses_an_inapplicable_contender_with_the_reason() -> None:
    with pytest.raises(ScenarioError) as info:
        load_scenario_text(MINIMAL + "backend: {kind: postgres}\n")  # default contenders: sio...
    assert "contenders[0]" in str(info.value)
    assert "python-socketio ships no PostgreSQL client manager" in str(info.value)
    ok = load_scenario_text(
        MINIMAL + "backend: {kind: postgres}\ncontenders: [channels]\ninstances: 2\n"
    )
    assert ok.backend.kind == "postgres" and ok.instances == 2


def test_rabbitmq_scenario_with_two_instances_loads() -> None:
    scenario = load_scenario_text(MINIMAL + "backend: {kind: rabbitmq}\ninstances: 2\n")
    assert scenario.backend.kind == "rabbitmq"


def test_pubsub_layer_is_refused_on_another_broker() -> None:
    with pytest.raises(ScenarioError, match="pubsub layer is a Redis layer"):
        load_scenario_text(MINIMAL + "backend: {kind: rabbitmq, channels_layer: pubsub}\n")
    with pytest.raises(ConfigError, match="pubsub is a Redis layer"):
        ServerConfig(backend="postgres", channels_layer="pubsub").check()


def test_config_round_trips_the_broker_settings() -> None:
    config = ServerConfig(
        backend="rabbitmq", rabbitmq_url="amqp://u:p@h:5672/", postgres_pool_size=7
    )
    again = ServerConfig.from_env(config.to_env())
    assert (again.backend, again.rabbitmq_url, again.postgres_pool_size) == (
        "rabbitmq", "amqp://u:p@h:5672/", 7,
    )  # fmt: skip
    assert broker_url(again) == "amqp://u:p@h:5672/"
    assert broker_url(ServerConfig()) is None


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({"BENCH_BACKEND": "kafka"}, "one of memory, redis, rabbitmq, postgres"),
        ({"BENCH_RABBITMQ_URL": "http://x"}, "BENCH_RABBITMQ_URL must be amqp://"),
        ({"BENCH_POSTGRES_URL": "sqlite:///x"}, "BENCH_POSTGRES_URL must be postgresql://"),
        ({"BENCH_POSTGRES_POOL_SIZE": "0"}, "pool sizes"),
    ],
)
def test_bad_broker_settings_are_refused(env: dict[str, str], message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        ServerConfig.from_env(env)


def test_passwords_are_kept_out_of_messages() -> None:
    assert redacted("amqp://guest:guest@127.0.0.1:5672/") == "amqp://guest:***@127.0.0.1:5672/"
    assert redacted("postgresql://postgres@h/test") == "postgresql://postgres@h/test"


def test_the_redis_layers_do_not_import_channels_postgres() -> None:
    """channels_postgres defines Django models, which raise unless it is an installed app: the
    module of the Redis layers must not import it (it broke every Channels-on-Redis run)."""
    import subprocess
    import sys

    code = "import sys, servers.channels.layers; print('channels_postgres' in sys.modules)"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert done.stdout.strip() == "False", done.stderr
