"""The chat contract again, on the other ASGI servers: sio on Daphne, both frameworks on Hypercorn.

The test functions are those of ``test_chat_contract.py`` (imported, not copied); the module's
own ``running`` fixture replaces the conftest one. ``sio-hypercorn-h2`` is sio on Hypercorn
reached over TLS (a self-signed certificate made at its start): its WebSocket clients upgrade
an HTTP/1.1 connection (``wss://``, ALPN http/1.1), its long-polling clients speak HTTP/2.
The tests at the end check that the TLS endpoint really negotiates h2.
"""

from __future__ import annotations

import socket
import ssl
from collections.abc import Iterator
from urllib.parse import urlsplit

import pytest

from tests.conftest import TIMEOUT
from tests.contract.conftest import Deployment, Running, deploy, peers
from tests.contract.test_chat_contract import *  # noqa: F403 (the suite, re-run here)

ASGI_DEPLOYMENTS = [
    Deployment("sio-daphne"),
    Deployment("sio-hypercorn"),
    Deployment("channels-hypercorn"),
    Deployment("sio-hypercorn-h2"),
]


@pytest.fixture(scope="module", params=ASGI_DEPLOYMENTS, ids=str)
def running(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Running]:
    yield from deploy(request, request.param, tmp_path_factory.mktemp(str(request.param)))


def test_the_server_is_the_one_named(running: Running) -> None:
    spec = running.group.servers[0].spec
    expected = "daphne" if spec.contender.endswith("daphne") else "hypercorn"
    assert spec.asgi_server == expected
    assert " ".join(spec.argv).count(expected) >= 1
    assert spec.base_url.startswith("https://" if spec.contender.endswith("-h2") else "http://")


class PollingRunning(Running):
    @property
    def client_kind(self) -> str:
        return "sio-polling"


@pytest.fixture(scope="module")
def h2_server(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Running]:
    tmp = tmp_path_factory.mktemp("sio-hypercorn-h2-polling")
    for deployed in deploy(request, Deployment("sio-hypercorn-h2"), tmp):
        yield PollingRunning(deployed.deployment, deployed.config, deployed.group)


def _alpn(url: str, offer: list[str]) -> tuple[str | None, bool]:
    """(the protocol the server selects from ``offer``, whether its certificate verifies)."""
    parts = urlsplit(url)
    context = ssl.create_default_context()
    context.check_hostname, context.verify_mode = False, ssl.CERT_NONE
    context.set_alpn_protocols(offer)
    with (
        socket.create_connection((parts.hostname, parts.port), timeout=TIMEOUT) as raw,
        context.wrap_socket(raw, server_hostname=parts.hostname) as tls,
    ):
        selected = tls.selected_alpn_protocol()
    strict = ssl.create_default_context()
    try:
        with (
            socket.create_connection((parts.hostname, parts.port), timeout=TIMEOUT) as raw,
            strict.wrap_socket(raw, server_hostname=parts.hostname),
        ):
            return selected, True
    except ssl.SSLCertVerificationError:
        return selected, False


def test_the_tls_endpoint_negotiates_h2(h2_server: Running) -> None:
    url = h2_server.group.urls[0]
    assert url.startswith("https://")
    assert _alpn(url, ["h2", "http/1.1"]) == ("h2", False)  # h2, self-signed
    assert _alpn(url, ["http/1.1"])[0] == "http/1.1"  # what the WebSocket clients offer


async def test_httpx_speaks_http2_to_it(h2_server: Running) -> None:
    import httpx

    from servers.launch.tls import client_context

    async with httpx.AsyncClient(http2=True, verify=client_context()) as client:
        response = await client.get(h2_server.group.urls[0] + "/healthz")
    assert response.status_code == 200
    assert response.http_version == "HTTP/2"


async def test_the_polling_client_chats_over_http2(h2_server: Running) -> None:
    from loadgen.clients.polling import PollingTransport

    async with peers(h2_server, "alice", "bob") as (alice, bob):
        transport = alice.client._transport  # type: ignore[attr-defined]
        assert isinstance(transport, PollingTransport)
        assert transport.http_version == "HTTP/2"
        for peer in (alice, bob):
            assert (await peer.client.join("h2-room"))["ok"] is True
        ack = await alice.client.send("h2-room", "m1", 1.0, "over h2")
        assert ack["ok"] is True
        got = await bob.next_delivery()
        assert (got["id"], got["body"]) == ("m1", "over h2")
