"""The settings block of a result: the backplane in words, delays, client."""

from __future__ import annotations

from loadgen.run.settings import backend_note, run_settings
from loadgen.scenario.load import Scenario, load_scenario_text
from servers.common.config import ServerConfig
from servers.launch import AsgiSettings


def scenario(backend: str) -> Scenario:
    return load_scenario_text(f"name: s\ntraffic: {{total_rate: 10}}\nbackend: {backend}\n")


def test_the_backplane_in_words_names_the_channels_layer_only_with_channels() -> None:
    redis = scenario("{kind: redis, channels_layer: pubsub}")
    url = "redis://127.0.0.1:6379/0"
    assert backend_note(redis, url, ["sio", "channels"]) == (
        f"redis backend ({url}); Channels layer: pubsub"
    )
    assert backend_note(redis, url, ["sio"]) == f"redis backend ({url})"
    assert "presence in Redis" in backend_note(scenario("{kind: rabbitmq}"), url, ["channels"])
    memory = backend_note(scenario("{kind: memory}"), None, ["sio", "channels"])
    assert "InMemoryChannelLayer" in memory and "no Redis involved" in memory
    assert "InMemoryChannelLayer" not in backend_note(scenario("{kind: memory}"), None, ["sio"])


def test_settings_keep_the_injected_delays_and_the_client() -> None:
    settings = run_settings(
        scenario("{kind: memory}"), ServerConfig(), AsgiSettings(), None, ["sio", "channels"],
        client=None, workers=2, remote=False, delays={"channels": 2.0},
    )  # fmt: skip
    assert settings["injected_delay_ms"] == {"channels": 2.0}
    assert settings["client"] == "fast" and settings["workers"] == 2
    assert settings["redis_pool"] is None  # no Redis, no pool
    assert settings["asgi"] == AsgiSettings().describe()
