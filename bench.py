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


@app.command()
def validate(
    files: Annotated[list[Path], typer.Argument(help="scenario files to check")],
) -> None:
    """Check scenario files without running them (exit 2 on any error)."""
    import os

    from loadgen.commands import validate_files

    raise typer.Exit(validate_files(files, env=os.environ))


@app.command()
def run(
    scenarios: Annotated[list[Path], typer.Argument(help="scenario files (scenarios/*.yaml)")],
    contender: Annotated[
        list[str] | None, typer.Option(help="run only these contenders (repeatable)")
    ] = None,
    backend: Annotated[
        str | None, typer.Option(help="memory or redis (overrides the file)")
    ] = None,
    channels_layer: Annotated[str | None, typer.Option(help="core or pubsub")] = None,
    duration: Annotated[float | None, typer.Option(help="seconds of measured phases")] = None,
    smoke: Annotated[bool, typer.Option(help="a quick, small version of each scenario")] = False,
    repetitions: Annotated[int | None, typer.Option(help="runs per contender")] = None,
    workers: Annotated[int | None, typer.Option(help="load-generator processes")] = None,
    out: Annotated[Path, typer.Option(help="where result files go")] = Path("results"),
    redis_url: Annotated[str | None, typer.Option(help="Redis (else REDIS_URL)")] = None,
    client: Annotated[
        str | None, typer.Option(help="sio-reference: drive sio with python-socketio's client")
    ] = None,
    pin: Annotated[
        bool, typer.Option(help="pin servers and load generator to separate CPUs")
    ] = True,
    deflate: Annotated[bool, typer.Option(help="per-message deflate for every contender")] = False,
) -> None:
    """Run scenarios against every contender; print a table; write a result file."""
    from loadgen.run_command import run_files
    from loadgen.runner import RunOptions

    cli: dict[str, object] = {}
    for key, value in (
        ("backend.kind", backend),
        ("backend.channels_layer", channels_layer),
        ("repetitions", repetitions),
        ("duration", duration),
    ):
        if value is not None:
            cli[key] = value
    if smoke:
        cli["smoke"] = True
    options = RunOptions(
        out_dir=out, workers=workers, redis_url=redis_url, client=client, pin=pin,
        deflate=deflate, contenders=tuple(contender or ()),
    )  # fmt: skip
    raise typer.Exit(run_files(scenarios, cli, options))


@app.command()
def suite(
    quick: Annotated[bool, typer.Option(help="short phases, sio and channels only")] = False,
    out: Annotated[Path, typer.Option(help="where results and the report go")] = Path("results"),
    redis_url: Annotated[str | None, typer.Option(help="Redis (else REDIS_URL)")] = None,
    contender: Annotated[list[str] | None, typer.Option(help="only these contenders")] = None,
) -> None:
    """The standard suite (echo, room-chat, fanout) on Redis if reachable, then a report."""
    from loadgen.suite import run_suite

    raise typer.Exit(
        run_suite(quick=quick, out_dir=out, redis_url=redis_url, contenders=tuple(contender or ()))
    )


if __name__ == "__main__":
    app()
