"""Run one ASGI app under Hypercorn with the benchmark's settings: ``python -m`` this module.

Hypercorn's own command line has no switch for the WebSocket message limit or the request-head
limit, so the settings are set on its ``Config`` here (see docs/asgi-servers.md for each one
against uvicorn's and Daphne's). The app is served in this process through
``hypercorn.asyncio.serve`` (Hypercorn's own runner serves even one worker from a spawned child,
whose CPU the resource sampler, watching this pid, would miss); uvicorn and Daphne serve theirs
in-process too.

``--tls-port`` adds a TLS listener with a self-signed certificate made now (ALPN ``h2``,
``http/1.1``): HTTP/2 for the clients that ask for it; the plain port stays for the readiness
probe and the HTTP/1.1 clients. The certificate's directory is removed at exit.
"""

from __future__ import annotations

import argparse
import importlib
import shutil
import tempfile
from collections.abc import Awaitable, Callable, MutableMapping
from pathlib import Path
from typing import Any, cast

from servers.launch.tls import ALPN, make_certificate

Scope = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[MutableMapping[str, Any]]]
Send = Callable[[MutableMapping[str, Any]], Awaitable[None]]
App = Callable[[Scope, Receive, Send], Awaitable[None]]


def without_lifespan(app: App) -> App:
    """Answer ASGI lifespan events here, as uvicorn's ``--lifespan off`` leaves them unsent.

    The Channels router raises on a lifespan scope, which Hypercorn logs as a warning
    ("ASGI Framework Lifespan error"); the servers have no startup work of their own.
    """

    async def wrapped(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "lifespan":
            await app(scope, receive, send)
            return
        while True:
            message = await receive()
            if message["type"] == "lifespan.startup":
                await send({"type": "lifespan.startup.complete"})
            elif message["type"] == "lifespan.shutdown":
                await send({"type": "lifespan.shutdown.complete"})
                return

    return wrapped


def parse(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m servers.launch.hypercorn_main")
    parser.add_argument("app", help="module:attribute of the ASGI app")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--tls-port", type=int, default=None)
    parser.add_argument("--worker-class", default="uvloop", choices=("asyncio", "uvloop"))
    parser.add_argument("--backlog", type=int, default=4096)
    parser.add_argument("--ws-max-size", type=int, required=True)
    parser.add_argument("--ws-ping-interval", type=float, default=None)
    parser.add_argument("--keep-alive", type=float, default=5.0)
    parser.add_argument("--max-head-bytes", type=int, default=8192)
    return parser.parse_args(argv)


def config_for(args: argparse.Namespace, cert_dir: Path | None) -> Any:
    """The Hypercorn ``Config`` for ``args`` (a TLS listener when ``cert_dir`` is given)."""
    from hypercorn.config import Config

    config = Config()
    config.application_path = args.app
    config.workers = 1  # serve() below runs it in this process
    config.worker_class = args.worker_class
    config.backlog = args.backlog
    config.websocket_max_message_size = args.ws_max_size
    config.websocket_ping_interval = args.ws_ping_interval or None
    config.keep_alive_timeout = args.keep_alive
    config.h11_max_incomplete_size = args.max_head_bytes
    config.accesslog = None
    config.errorlog = "-"
    config.loglevel = "WARNING"
    plain = f"{args.host}:{args.port}"
    if cert_dir is None:
        config.bind = [plain]
        return config
    cert, key = make_certificate(cert_dir, args.host)
    config.certfile, config.keyfile = str(cert), str(key)
    config.alpn_protocols = list(ALPN)
    config.bind = [f"{args.host}:{args.tls_port}"]
    config.insecure_bind = [plain]
    return config


def main(argv: list[str] | None = None) -> int:
    import asyncio

    from hypercorn.asyncio import serve

    args = parse(argv)
    cert_dir = Path(tempfile.mkdtemp(prefix="bench-tls-")) if args.tls_port else None
    try:
        config = config_for(args, cert_dir)
        module, _, name = args.app.partition(":")
        app = without_lifespan(getattr(importlib.import_module(module), name))
        loop_factory = None
        if args.worker_class == "uvloop":
            import uvloop

            loop_factory = uvloop.new_event_loop
        with asyncio.Runner(loop_factory=loop_factory) as runner:
            runner.run(_serve_until_signal(serve, app, config))
        return 0
    finally:
        if cert_dir is not None:
            shutil.rmtree(cert_dir, ignore_errors=True)


async def _serve_until_signal(serve: Any, app: App, config: Any) -> None:
    """Serve until SIGTERM or SIGINT, then stop gracefully (as Hypercorn's own CLI does)."""
    import asyncio
    import signal

    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(signum, stop.set)

    def report(loop: asyncio.AbstractEventLoop, context: dict[str, Any]) -> None:
        # At shutdown Hypercorn cancels each open connection's task, and asyncio.streams' done
        # callback reports every one as "Exception in callback ... CancelledError": shutdown
        # noise, not a server error (uvicorn closes the same connections silently).
        if stop.is_set() and isinstance(context.get("exception"), asyncio.CancelledError):
            return
        loop.default_exception_handler(context)

    loop.set_exception_handler(report)
    await serve(cast(Any, app), config, mode="asgi", shutdown_trigger=stop.wait)


if __name__ == "__main__":
    raise SystemExit(main())
