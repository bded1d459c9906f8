"""How each contender is started: command, environment, port and readiness probe.

Pure but for one step: a TLS contender's second port is picked free here.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path

from servers.common.config import ServerConfig
from servers.common.health import HEALTH_PATH
from servers.launch.ports import free_port

# uvicorn's httptools protocol with the request-head limits of AsgiSettings, passed in these.
HEAD_TIMEOUT_ENV = "BENCH_ASGI_HEAD_TIMEOUT_S"
MAX_HEAD_BYTES_ENV = "BENCH_ASGI_MAX_HEAD_BYTES"
GUARDED_HTTPTOOLS = "servers.launch.guarded_http:GuardedHttpToolsProtocol"

# A framework on another ASGI server is the contender ``<framework>-<server>`` (uvicorn, the
# default, keeps the bare name): ``channels-daphne`` and its mirrors. ``sio-hypercorn-h2`` is
# sio on Hypercorn reached over TLS, where clients that speak HTTP/2 negotiate it (ALPN h2).
CONTENDERS = (
    "sio", "channels", "channels-daphne", "reference", "sio-node",
    "sio-daphne", "sio-hypercorn", "channels-hypercorn", "sio-hypercorn-h2",
)  # fmt: skip
FRAMEWORKS = ("sio", "channels")
ASGI_SERVERS = ("uvicorn", "daphne", "hypercorn", "hypercorn-h2")
# The official Node.js Socket.IO server, an opt-in reference contender (servers/sio-node/).
SIO_NODE_SERVER = Path(__file__).resolve().parents[1] / "sio-node" / "server.js"
HYPERCORN_MAIN = "servers.launch.hypercorn_main"

# contender -> (framework, deployment): what runs, and on which server. The deployment is an
# ASGI server of ASGI_SERVERS for the Python frameworks; "hypercorn-h2" is Hypercorn reached over
# TLS (its recorded asgi_server is "hypercorn").
_DEPLOYMENTS: dict[str, tuple[str, str]] = {
    "sio": ("sio", "uvicorn"),
    "channels": ("channels", "uvicorn"),
    "channels-daphne": ("channels", "daphne"),
    "reference": ("reference", "websockets"),
    "sio-node": ("sio-node", "node"),
    "sio-daphne": ("sio", "daphne"),
    "sio-hypercorn": ("sio", "hypercorn"),
    "channels-hypercorn": ("channels", "hypercorn"),
    "sio-hypercorn-h2": ("sio", "hypercorn-h2"),
}
_APPS = {
    "sio": "servers.sio.asgi:application",
    "channels": "servers.channels.asgi:application",
    "reference": "servers.reference",  # a module run with -m, not an ASGI app
    "sio-node": str(SIO_NODE_SERVER),  # a Node.js script, not an ASGI app
}


def framework_of(contender: str) -> str:
    """``sio-hypercorn`` -> ``sio``; ``reference`` and ``sio-node`` are their own."""
    return _DEPLOYMENTS[contender][0] if contender in _DEPLOYMENTS else contender


def asgi_server_of(contender: str) -> str:
    """The server recorded in results: uvicorn, daphne, hypercorn, websockets or node."""
    return _DEPLOYMENTS[contender][1].removesuffix("-h2")


def uses_tls(contender: str) -> bool:
    """Whether clients reach ``contender`` over TLS (HTTP/2 where the client speaks it)."""
    return contender in _DEPLOYMENTS and _DEPLOYMENTS[contender][1].endswith("-h2")


def on_asgi_servers(contenders: Sequence[str], servers: Sequence[str]) -> list[str]:
    """Each Python framework of ``contenders`` on each of ``servers``, in that order.

    ``on_asgi_servers(["sio", "channels"], ["uvicorn", "hypercorn"])`` is ``["sio", "channels",
    "sio-hypercorn", "channels-hypercorn"]``; the other contenders (``reference``, ``sio-node``)
    are kept, after. A framework with no deployment on a server is left out (``hypercorn-h2``
    is for sio only: long-polling is the HTTP traffic HTTP/2 changes, and Channels speaks
    WebSocket only). ValueError for an unknown server or when nothing is left.
    """
    for server in servers:
        if server not in ASGI_SERVERS:
            choices = ", ".join(ASGI_SERVERS)
            raise ValueError(f"unknown ASGI server {server!r}; choose from {choices}")
    named = list(dict.fromkeys(framework_of(c) for c in contenders))
    frameworks = [f for f in named if f in FRAMEWORKS]
    by_deployment = {deployment: name for name, deployment in _DEPLOYMENTS.items()}
    chosen = [
        by_deployment[(framework, server)]
        for server in dict.fromkeys(servers)
        for framework in frameworks
        if (framework, server) in by_deployment
    ]
    if not chosen:
        raise ValueError(f"no deployment of {', '.join(named)} on {', '.join(servers)}")
    return [*chosen, *(c for c in named if c not in FRAMEWORKS)]


class UnknownContenderError(ValueError):
    def __init__(self, name: str) -> None:
        super().__init__(f"unknown contender {name!r}; choose from: {', '.join(CONTENDERS)}")


@dataclass(frozen=True)
class AsgiSettings:
    """ASGI server settings, identical for every uvicorn contender and recorded in results.

    Per-message deflate is not here: every contender negotiates it, the reference server and
    Node.js too, so it is one ``ServerConfig`` setting (``ws_per_message_deflate``).
    """

    loop: str = "uvloop"
    http: str = "httptools"
    ws: str = "websockets-sansio"
    ws_ping_interval: float = 20.0
    ws_ping_timeout: float = 20.0
    backlog: int = 4096
    # Hostile-client limits (uvicorn has none of its own for the first two; see
    # servers/launch/guarded_http.py): a request head must arrive complete within
    # head_timeout_s and be at most max_head_bytes (the WebSocket parser's 8 KiB line limit),
    # else 408 / 431 and the connection is closed. An idle keep-alive connection is closed
    # after timeout_keep_alive_s (uvicorn's default, stated).
    head_timeout_s: float = 10.0
    max_head_bytes: int = 8192
    timeout_keep_alive_s: int = 5

    def describe(self) -> dict[str, object]:
        return asdict(self)


@dataclass(frozen=True)
class ServerSpec:
    """One server instance to start: everything the launcher needs, nothing it must guess."""

    contender: str
    instance: int
    host: str
    port: int
    argv: tuple[str, ...]
    env: dict[str, str] = field(default_factory=dict)
    health_path: str = HEALTH_PATH
    asgi_server: str = "uvicorn"
    cwd: str | None = None  # another source tree's servers (bench check --base): run from there
    # A TLS listener beside ``port`` (Hypercorn, HTTP/2 by ALPN): the clients' URL when set;
    # ``port`` stays plain HTTP/1.1 for the readiness probe.
    tls_port: int | None = None

    @property
    def base_url(self) -> str:
        """The URL clients connect to (``https://`` when the contender is reached over TLS)."""
        if self.tls_port is not None:
            return f"https://{self.host}:{self.tls_port}"
        return f"http://{self.host}:{self.port}"


def server_spec(
    contender: str,
    *,
    port: int,
    config: ServerConfig,
    asgi: AsgiSettings | None = None,
    instance: int = 0,
    host: str = "127.0.0.1",
    python: str = sys.executable,
    cwd: str | None = None,
) -> ServerSpec:
    """Describe instance ``instance`` of ``contender`` listening on ``host:port``.

    ``python`` and ``cwd`` run another tree's servers (``bench check --base``): that tree's code
    comes first on the path (its directory is the working directory and ``PYTHONPATH``).
    """
    if contender not in _DEPLOYMENTS:
        raise UnknownContenderError(contender)
    asgi = asgi or AsgiSettings()
    app = _APPS[framework_of(contender)]
    server = asgi_server_of(contender)
    # the one impure step: a free port for the TLS listener, when there is one
    tls_port = free_port(host) if uses_tls(contender) else None
    if server == "uvicorn":
        argv = _uvicorn_argv(python, app, host, port, config, asgi)
    elif server == "daphne":
        argv = _daphne_argv(python, app, host, port, config, asgi)
    elif server == "hypercorn":
        argv = _hypercorn_argv(python, app, host, port, tls_port, config, asgi)
    elif server == "node":
        argv = _node_argv(app, host, port, config, asgi)
    else:  # the reference server reads its settings from the same BENCH_* environment
        argv = (python, "-m", app, "--host", host, "--port", str(port))
    env = config.to_env()
    env[HEAD_TIMEOUT_ENV] = str(asgi.head_timeout_s)
    env[MAX_HEAD_BYTES_ENV] = str(asgi.max_head_bytes)
    env["BENCH_CONTENDER"] = contender
    env["BENCH_INSTANCE"] = str(instance)
    env["PYTHONUNBUFFERED"] = "1"
    if cwd is not None:
        env["PYTHONPATH"] = cwd
    return ServerSpec(
        contender, instance, host, port, argv, env, asgi_server=server, cwd=cwd,
        tls_port=tls_port,
    )  # fmt: skip


def _uvicorn_argv(
    python: str, app: str, host: str, port: int, config: ServerConfig, asgi: AsgiSettings
) -> tuple[str, ...]:
    return (
        python, "-m", "uvicorn", app, "--host", host, "--port", str(port),
        "--loop", asgi.loop,
        "--http", GUARDED_HTTPTOOLS if asgi.http == "httptools" else asgi.http,
        "--ws", asgi.ws,
        "--ws-max-size", str(config.frame_limit_bytes),
        "--ws-per-message-deflate", str(config.ws_per_message_deflate).lower(),
        "--ws-ping-interval", str(asgi.ws_ping_interval),
        "--ws-ping-timeout", str(asgi.ws_ping_timeout),
        "--backlog", str(asgi.backlog),
        "--timeout-keep-alive", str(asgi.timeout_keep_alive_s),
        "--lifespan", "off", "--no-access-log", "--log-level", "warning",
    )  # fmt: skip


def _daphne_argv(
    python: str, app: str, host: str, port: int, config: ServerConfig, asgi: AsgiSettings
) -> tuple[str, ...]:
    # Daphne (Twisted/Autobahn) has no event-loop, parser or deflate switches; it negotiates no
    # per-message deflate. Its frame limits are set to the same transport cap as uvicorn's.
    # Twisted's endpoint string is the only way to give Daphne a listen backlog (-b/-p listen
    # with Twisted's default of 50); the same backlog as uvicorn's and Hypercorn's.
    interface = host.replace(":", "\\:")
    return (
        python,
        "-m",
        "daphne",
        "-e",
        f"tcp:port={port}:interface={interface}:backlog={asgi.backlog}",
        "--websocket-max-message-size",
        str(config.frame_limit_bytes),
        "--websocket-max-frame-size",
        str(config.frame_limit_bytes),
        "--ping-interval",
        str(int(asgi.ws_ping_interval)),
        "--ping-timeout",
        str(int(asgi.ws_ping_timeout)),
        "--no-server-name",
        "-v",
        "1",
        app,
    )


def _hypercorn_argv(
    python: str,
    app: str,
    host: str,
    port: int,
    tls_port: int | None,
    config: ServerConfig,
    asgi: AsgiSettings,
) -> tuple[str, ...]:
    # Hypercorn (h11, h2, wsproto) through servers/launch/hypercorn_main.py: the same event loop,
    # backlog, WebSocket message limit, ping interval, keep-alive and request-head limit as
    # uvicorn. It has no ping timeout and no head timeout, and accepts per-message deflate
    # whenever a client offers it (ours offer it only with --deflate); docs/asgi-servers.md.
    argv = (
        python, "-m", HYPERCORN_MAIN, app, "--host", host, "--port", str(port),
        "--worker-class", asgi.loop, "--backlog", str(asgi.backlog),
        "--ws-max-size", str(config.frame_limit_bytes),
        "--ws-ping-interval", str(asgi.ws_ping_interval),
        "--keep-alive", str(asgi.timeout_keep_alive_s),
        "--max-head-bytes", str(asgi.max_head_bytes),
    )  # fmt: skip
    return argv if tls_port is None else (*argv, "--tls-port", str(tls_port))


def _node_argv(
    script: str, host: str, port: int, config: ServerConfig, asgi: AsgiSettings
) -> tuple[str, ...]:
    # Settings come from the same BENCH_* environment; the listen backlog follows the uvicorn
    # contenders' (Engine.IO pings keep their defaults), per-message deflate the ServerConfig.
    argv = ("node", script, "--host", host, "--port", str(port), "--backlog", str(asgi.backlog))
    return (*argv, "--deflate") if config.ws_per_message_deflate else argv
