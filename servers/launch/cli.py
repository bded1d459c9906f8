"""What ``bench serve`` and ``bench token`` do (the CLI module only parses options)."""

from __future__ import annotations

import dataclasses
import os
import signal
import sys
import time
from pathlib import Path

from servers.common.config import ConfigError, ServerConfig
from servers.common.tokens import make_token
from servers.launch.backplane import backplane_problem, with_broker_urls
from servers.launch.process import ServerDiedError, ServerStartError, start_servers
from servers.launch.specs import CONTENDERS, AsgiSettings


def _exit_on_sigterm() -> None:
    """Turn SIGTERM into SystemExit so that context managers and atexit stop the servers.

    SIGINT is made to raise KeyboardInterrupt even when it was inherited as ignored (a shell
    script's ``bench serve ... &`` starts it so), like the ASGI servers it runs.
    """

    def handler(signum: int, _frame: object) -> None:
        raise SystemExit(128 + signum)

    signal.signal(signal.SIGTERM, handler)
    signal.signal(signal.SIGINT, signal.default_int_handler)


def serve(
    contender: str,
    *,
    port: int,
    host: str = "127.0.0.1",
    backend: str,
    redis_url: str | None,
    instances: int,
    rabbitmq_url: str | None = None,
    postgres_url: str | None = None,
    channels_layer: str,
    persistence: bool,
    db_url: str | None,
    deflate: bool,
    log_dir: Path | None,
) -> int:
    if contender not in CONTENDERS:
        print(f"error: unknown contender {contender!r}; choose from {', '.join(CONTENDERS)}",
              file=sys.stderr)  # fmt: skip
        return 2
    try:
        config = dataclasses.replace(
            ServerConfig.from_env(os.environ),
            backend=backend,  # type: ignore[arg-type]
            channels_layer=channels_layer,  # type: ignore[arg-type]
            persistence=persistence,
        )
        if deflate:
            config = dataclasses.replace(config, ws_per_message_deflate=True)
        if redis_url:
            config = dataclasses.replace(config, redis_url=redis_url)
        config = with_broker_urls(config, rabbitmq_url, postgres_url)
        if db_url:
            config = dataclasses.replace(config, db_url=db_url)
        config.check()
    except ConfigError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    if instances > 1 and backend == "memory":
        print("error: --instances > 1 needs a shared --backend (redis, rabbitmq, postgres)",
              file=sys.stderr)  # fmt: skip
        return 2
    problem = backplane_problem(contender, config)
    if problem is not None:
        print(f"error: {problem}", file=sys.stderr)
        return 2
    _exit_on_sigterm()
    asgi = AsgiSettings()
    try:
        group = start_servers(
            contender,
            config,
            instances=instances,
            base_port=port,
            host=host,
            asgi=asgi,
            log_dir=log_dir,
        )
    except (ServerStartError, OSError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    with group:
        try:  # from the first listen line on, Ctrl-C is a clean stop (tests send it right after)
            for server in group.servers:
                print(f"{server.describe()} (pid {server.pid}, log {server.log_path})", flush=True)
            print(f"backend: {config.backend}; press Ctrl-C to stop", flush=True)
            while True:
                group.check_alive()
                time.sleep(0.5)
        except KeyboardInterrupt:
            print("stopping", flush=True)
        except ServerDiedError as exc:
            print(f"error: {exc}", file=sys.stderr)
            return 1
    return 0


def token(user: str, ttl: float) -> int:
    config = ServerConfig.from_env(os.environ)
    try:
        print(make_token(user, config.secret, ttl=ttl, now=time.time()))
    except ValueError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    return 0
