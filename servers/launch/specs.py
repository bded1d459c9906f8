"""How each contender is started: command, environment, port and readiness probe (pure)."""

from __future__ import annotations

import sys
from dataclasses import asdict, dataclass, field
from pathlib import Path

from servers.common.config import ServerConfig
from servers.common.health import HEALTH_PATH

# uvicorn's httptools protocol with the request-head limits of AsgiSettings, passed in these.
HEAD_TIMEOUT_ENV = "BENCH_ASGI_HEAD_TIMEOUT_S"
MAX_HEAD_BYTES_ENV = "BENCH_ASGI_MAX_HEAD_BYTES"
GUARDED_HTTPTOOLS = "servers.launch.guarded_http:GuardedHttpToolsProtocol"

CONTENDERS = ("sio", "channels", "channels-daphne", "reference", "sio-node")
# The official Node.js Socket.IO server, an opt-in reference contender (servers/sio-node/).
SIO_NODE_SERVER = Path(__file__).resolve().parents[1] / "sio-node" / "server.js"

_APPS = {
    "sio": "servers.sio.asgi:application",
    "channels": "servers.channels.asgi:application",
    "channels-daphne": "servers.channels.asgi:application",
    "reference": "servers.reference",  # a module run with -m, not an ASGI app
    "sio-node": str(SIO_NODE_SERVER),  # a Node.js script, not an ASGI app
}
_SERVERS = {
    "sio": "uvicorn",
    "channels": "uvicorn",
    "channels-daphne": "daphne",
    "reference": "websockets",
    "sio-node": "node",
}


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

    @property
    def base_url(self) -> str:
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
    if contender not in _APPS:
        raise UnknownContenderError(contender)
    asgi = asgi or AsgiSettings()
    app = _APPS[contender]
    if _SERVERS[contender] == "uvicorn":
        argv = _uvicorn_argv(python, app, host, port, config, asgi)
    elif _SERVERS[contender] == "daphne":
        argv = _daphne_argv(python, app, host, port, config, asgi)
    elif _SERVERS[contender] == "node":
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
        contender, instance, host, port, argv, env, asgi_server=_SERVERS[contender], cwd=cwd
    )


def _uvicorn_argv(
    python: str, app: str, host: str, port: int, config: ServerConfig, asgi: AsgiSettings
) -> tuple[str, ...]:
    return (
        python,
        "-m",
        "uvicorn",
        app,
        "--host",
        host,
        "--port",
        str(port),
        "--loop",
        asgi.loop,
        "--http",
        GUARDED_HTTPTOOLS if asgi.http == "httptools" else asgi.http,
        "--ws",
        asgi.ws,
        "--ws-max-size",
        str(config.frame_limit_bytes),
        "--ws-per-message-deflate",
        str(config.ws_per_message_deflate).lower(),
        "--ws-ping-interval",
        str(asgi.ws_ping_interval),
        "--ws-ping-timeout",
        str(asgi.ws_ping_timeout),
        "--backlog",
        str(asgi.backlog),
        "--timeout-keep-alive",
        str(asgi.timeout_keep_alive_s),
        "--lifespan",
        "off",
        "--no-access-log",
        "--log-level",
        "warning",
    )


def _daphne_argv(
    python: str, app: str, host: str, port: int, config: ServerConfig, asgi: AsgiSettings
) -> tuple[str, ...]:
    # Daphne (Twisted/Autobahn) has no event-loop, parser or deflate switches; it negotiates no
    # per-message deflate. Its frame limits are set to the same transport cap as uvicorn's.
    return (
        python,
        "-m",
        "daphne",
        "-b",
        host,
        "-p",
        str(port),
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


def _node_argv(
    script: str, host: str, port: int, config: ServerConfig, asgi: AsgiSettings
) -> tuple[str, ...]:
    # Settings come from the same BENCH_* environment; the listen backlog follows the uvicorn
    # contenders' (Engine.IO pings keep their defaults), per-message deflate the ServerConfig.
    argv = ("node", script, "--host", host, "--port", str(port), "--backlog", str(asgi.backlog))
    return (*argv, "--deflate") if config.ws_per_message_deflate else argv
