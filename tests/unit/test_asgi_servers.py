"""Each framework on each ASGI server: names, mapping, settings made equal, the certificate."""

from __future__ import annotations

import asyncio
import contextlib
import ssl
from pathlib import Path
from typing import Any, get_args

import pytest
from typer.testing import CliRunner

import commands.run
from bench import app
from loadgen.clients import client_kind_for
from loadgen.scenario.load import load_scenario
from loadgen.scenario.model import Contender
from servers.common.config import ServerConfig
from servers.launch.hypercorn_main import config_for, parse, without_lifespan
from servers.launch.specs import (
    ASGI_SERVERS,
    CONTENDERS,
    FRAMEWORKS,
    AsgiSettings,
    asgi_server_of,
    framework_of,
    on_asgi_servers,
    server_spec,
)
from servers.launch.tls import make_certificate

ROOT = Path(__file__).resolve().parents[2]
runner = CliRunner()


def test_every_contender_is_a_scenario_contender_with_a_client() -> None:
    assert set(CONTENDERS) == set(get_args(Contender))
    for name in CONTENDERS:
        assert client_kind_for(name) == ("sio" if framework_of(name) in ("sio", "sio-node") else
                                         "channels")  # fmt: skip


def test_each_framework_on_each_server() -> None:
    everything = on_asgi_servers(FRAMEWORKS, ASGI_SERVERS)
    assert everything == [
        "sio", "channels", "sio-daphne", "channels-daphne", "sio-hypercorn",
        "channels-hypercorn", "sio-hypercorn-h2",
    ]  # fmt: skip
    assert [asgi_server_of(c) for c in everything] == [
        "uvicorn", "uvicorn", "daphne", "daphne", "hypercorn", "hypercorn", "hypercorn",
    ]  # fmt: skip
    # variants name their framework; the non-Python contenders stay, once, after
    assert on_asgi_servers(["channels-daphne", "reference"], ["hypercorn"]) == [
        "channels-hypercorn", "reference",
    ]  # fmt: skip
    assert on_asgi_servers(["sio", "channels"], ["hypercorn-h2"]) == ["sio-hypercorn-h2"]
    with pytest.raises(ValueError, match="unknown ASGI server 'gunicorn'"):
        on_asgi_servers(["sio"], ["gunicorn"])
    with pytest.raises(ValueError, match="no deployment of channels on hypercorn-h2"):
        on_asgi_servers(["channels"], ["hypercorn-h2"])


def _value(argv: tuple[str, ...], flag: str) -> str:
    return argv[argv.index(flag) + 1]


def test_hypercorn_gets_the_settings_uvicorn_gets() -> None:
    config, asgi = ServerConfig(), AsgiSettings()
    uvicorn = server_spec("sio", port=8000, config=config).argv
    hypercorn = server_spec("sio-hypercorn", port=8000, config=config)
    assert hypercorn.asgi_server == "hypercorn" and hypercorn.tls_port is None
    assert hypercorn.base_url == "http://127.0.0.1:8000"
    args = parse(list(hypercorn.argv[3:]))  # python -m servers.launch.hypercorn_main ...
    assert args.app == "servers.sio.asgi:application"
    assert args.backlog == int(_value(uvicorn, "--backlog")) == asgi.backlog
    assert args.ws_max_size == int(_value(uvicorn, "--ws-max-size")) == config.frame_limit_bytes
    assert args.ws_ping_interval == float(_value(uvicorn, "--ws-ping-interval"))
    assert args.keep_alive == float(_value(uvicorn, "--timeout-keep-alive"))
    assert args.worker_class == _value(uvicorn, "--loop") == "uvloop"
    assert args.max_head_bytes == asgi.max_head_bytes
    hc = config_for(args, None)
    assert (hc.backlog, hc.websocket_max_message_size) == (asgi.backlog, config.frame_limit_bytes)
    assert hc.h11_max_incomplete_size == asgi.max_head_bytes
    assert hc.bind == ["127.0.0.1:8000"] and hc.certfile is None
    assert hc.accesslog is None  # as uvicorn's --no-access-log


def test_sio_on_daphne_runs_the_sio_app_with_daphnes_settings() -> None:
    spec = server_spec("sio-daphne", port=8000, config=ServerConfig())
    channels = server_spec("channels-daphne", port=8000, config=ServerConfig())
    assert spec.asgi_server == "daphne"
    assert spec.argv[-1] == "servers.sio.asgi:application"
    assert spec.argv[:-1] == channels.argv[:-1]


def test_the_h2_variant_listens_on_tls_beside_the_plain_port(tmp_path: Path) -> None:
    spec = server_spec("sio-hypercorn-h2", port=8000, config=ServerConfig())
    assert spec.tls_port is not None and spec.tls_port != 8000
    assert spec.base_url == f"https://127.0.0.1:{spec.tls_port}"  # the clients' URL
    assert spec.port == 8000  # the readiness probe's, plain HTTP
    hc = config_for(parse(list(spec.argv[3:])), tmp_path)
    assert hc.bind == [f"127.0.0.1:{spec.tls_port}"]
    assert hc.insecure_bind == ["127.0.0.1:8000"]
    assert hc.alpn_protocols == ["h2", "http/1.1"]
    assert Path(hc.certfile).parent == tmp_path


def test_the_certificate_verifies_for_loopback_against_itself(tmp_path: Path) -> None:
    cert, key = make_certificate(tmp_path)
    assert key.stat().st_mode & 0o077 == 0  # the key is the owner's only
    server = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    server.load_cert_chain(cert, key)
    client = ssl.create_default_context(cafile=str(cert))
    incoming, outgoing = ssl.MemoryBIO(), ssl.MemoryBIO()
    s_in, s_out = ssl.MemoryBIO(), ssl.MemoryBIO()
    c = client.wrap_bio(incoming, outgoing, server_hostname="127.0.0.1")
    s = server.wrap_bio(s_in, s_out, server_side=True)
    for _ in range(10):  # drive the handshake through memory buffers
        for side in (c, s):
            with contextlib.suppress(ssl.SSLWantReadError):
                side.do_handshake()
        s_in.write(outgoing.read())
        incoming.write(s_out.read())
    peer: Any = c.getpeercert()
    assert ("DNS", "localhost") in peer["subjectAltName"]
    assert ("IP Address", "127.0.0.1") in peer["subjectAltName"]


def test_without_lifespan_answers_lifespan_and_passes_the_rest() -> None:
    seen: list[str] = []

    async def app(scope: Any, _receive: Any, _send: Any) -> None:
        seen.append(scope["type"])

    async def main() -> list[dict[str, Any]]:
        inbox = [{"type": "lifespan.startup"}, {"type": "lifespan.shutdown"}]
        sent: list[dict[str, Any]] = []

        async def receive() -> dict[str, Any]:
            return inbox.pop(0)

        async def send(message: Any) -> None:
            sent.append(message)

        wrapped = without_lifespan(app)
        await wrapped({"type": "lifespan"}, receive, send)
        await wrapped({"type": "http"}, receive, send)
        return sent

    sent = asyncio.run(main())
    assert [m["type"] for m in sent] == [
        "lifespan.startup.complete", "lifespan.shutdown.complete",
    ]  # fmt: skip
    assert seen == ["http"]


def test_polling_runs_on_sio_on_any_server() -> None:
    polling = ROOT / "scenarios" / "polling.yaml"
    scenario = load_scenario(polling, cli={"contenders": ["sio-hypercorn-h2", "sio-daphne"]})
    assert scenario.contenders == ("sio-hypercorn-h2", "sio-daphne")


def test_bench_run_asgi_server_picks_the_contenders(monkeypatch: pytest.MonkeyPatch) -> None:
    seen: list[Any] = []

    def run_files(_paths: object, cli: dict[str, Any], *_: object, **__: object) -> int:
        seen.append(cli.get("contenders"))
        return 0

    monkeypatch.setattr(commands.run, "run_files", run_files)
    echo = str(ROOT / "scenarios" / "echo.yaml")
    invoke = runner.invoke
    assert invoke(app, ["run", echo, "--asgi-server", "hypercorn"]).exit_code == 0
    args = [
        "run",
        echo,
        "--contender",
        "sio",
        "--asgi-server",
        "uvicorn",
        "--asgi-server",
        "daphne",
    ]
    assert invoke(app, args).exit_code == 0
    assert invoke(app, ["run", echo]).exit_code == 0
    assert seen == [["sio-hypercorn", "channels-hypercorn"], ["sio", "sio-daphne"], None]
    bad = invoke(app, ["run", echo, "--asgi-server", "gunicorn"])
    assert bad.exit_code == 2 and "unknown ASGI server 'gunicorn'" in bad.output
