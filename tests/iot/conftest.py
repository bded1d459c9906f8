"""A private Mosquitto for the IoT-dashboard tests (a real broker on a free port)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from servers.launch.mqtt_broker import MosquittoServer, MqttUnavailableError
from tests.conftest import unavailable


@pytest.fixture(scope="session")
def mqtt_url() -> Iterator[str]:
    """A private ``mosquitto`` on a free port (fails, not skips, under CI when it is missing)."""
    try:
        broker = MosquittoServer().start()
    except MqttUnavailableError as exc:
        unavailable(str(exc))
        return
    try:
        yield broker.url
    finally:
        broker.close()  # and its files
