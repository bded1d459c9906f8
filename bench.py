"""The ``bench`` command line: every command parses its options and delegates."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

app = typer.Typer(
    add_completion=False,
    no_args_is_help=True,
    help="Compare python-socketio and Django Channels on equivalent chat servers.",
)


@app.command()
def serve(
    contender: Annotated[str, typer.Argument(help="sio, channels or channels-daphne")],
    port: Annotated[
        int, typer.Option(help="instance K listens on PORT+K; 0 picks free ports")
    ] = 8000,
    host: Annotated[str, typer.Option(help="address to listen on (0.0.0.0 in a container)")] = (
        "127.0.0.1"
    ),
    backend: Annotated[str, typer.Option(help="memory or redis")] = "memory",
    redis_url: Annotated[str | None, typer.Option(help="Redis for the redis backend")] = None,
    instances: Annotated[int, typer.Option(min=1)] = 1,
    channels_layer: Annotated[str, typer.Option(help="core or pubsub (Channels only)")] = "core",
    persistence: Annotated[bool, typer.Option(help="store every msg; history reads it")] = False,
    db_url: Annotated[str | None, typer.Option(help="sqlite:///PATH or postgresql://...")] = None,
    deflate: Annotated[bool, typer.Option(help="per-message deflate, for every contender")] = False,
    log_dir: Annotated[Path | None, typer.Option(help="where instance logs go")] = None,
) -> None:
    """Run servers by hand, print where they listen, stop them all on Ctrl-C."""
    from servers.launch.cli import serve as run_serve

    raise typer.Exit(
        run_serve(
            contender,
            port=port,
            host=host,
            backend=backend,
            redis_url=redis_url,
            instances=instances,
            channels_layer=channels_layer,
            persistence=persistence,
            db_url=db_url,
            deflate=deflate,
            log_dir=log_dir,
        )
    )


@app.command()
def token(
    user: Annotated[str, typer.Argument(help="user name: letters, digits, - and _")],
    ttl: Annotated[float, typer.Option(help="seconds until it expires")] = 3600.0,
) -> None:
    """Print a valid token for USER (secret from BENCH_SECRET, else the dev default)."""
    from servers.launch.cli import token as make

    raise typer.Exit(make(user, ttl))


if __name__ == "__main__":
    app()
