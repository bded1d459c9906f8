"""The chat contract again, on the sio server, with the Socket.IO client on long-polling.

The test functions are those of ``test_chat_contract.py`` (imported, not copied); the module's
own ``running`` fixture replaces the conftest one: the sio deployments only (memory and Redis),
each handing out the ``sio-polling`` client kind.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.contract.conftest import Deployment, Running, deploy
from tests.contract.test_chat_contract import *  # noqa: F403 (the suite, re-run here)

POLLING_DEPLOYMENTS = [Deployment("sio"), Deployment("sio", "redis")]


class PollingRunning(Running):
    """A sio deployment whose test clients speak Engine.IO long-polling."""

    @property
    def client_kind(self) -> str:
        return "sio-polling"


@pytest.fixture(scope="module", params=POLLING_DEPLOYMENTS, ids=lambda d: f"{d}-polling")
def running(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Running]:
    tmp = tmp_path_factory.mktemp(f"{request.param}-polling")
    for deployed in deploy(request, request.param, tmp):
        yield PollingRunning(deployed.deployment, deployed.config, deployed.group)


async def test_the_clients_here_really_poll(running: Running) -> None:
    from loadgen.clients.polling import PollingTransport
    from loadgen.clients.sio import SioClient
    from tests.contract.conftest import peers

    async with peers(running, "alice") as (alice,):
        assert isinstance(alice.client, SioClient)
        assert isinstance(alice.client._transport, PollingTransport)
        assert (await alice.client.join("polling-room"))["ok"] is True
