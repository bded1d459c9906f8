"""The ``bench`` command line: every command parses its options and delegates."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from commands.exit_codes import EXIT_BAD_INPUT

app = typer.Typer(
    add_completion=False,
    no_args_is_help=True,
    help="Compare python-socketio and Django Channels on equivalent chat servers.",
)

ASGI_HELP = (
    "uvicorn, daphne, hypercorn, hypercorn-h2 (Hypercorn over TLS, HTTP/2): run each framework "
    "on each (repeatable; docs/asgi-servers.md)"
)
PROFILE_HELP = "equal (default) or idiomatic: Django's ORM and tables (docs/idiomatic.md)"


def _on_asgi_servers(contender: list[str] | None, servers: list[str]) -> list[str]:
    """``--asgi-server``: each framework of ``--contender`` (default: sio and channels) on each
    server, as contenders (``sio-hypercorn``...); a bad name exits 2."""
    from servers.launch.specs import FRAMEWORKS, on_asgi_servers

    try:
        return on_asgi_servers(contender or FRAMEWORKS, servers)
    except ValueError as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(EXIT_BAD_INPUT) from None


@app.command()
def serve(
    contender: Annotated[str, typer.Argument(help="sio, channels, channels-daphne, sio-node...")],
    port: Annotated[
        int, typer.Option(help="instance K listens on PORT+K; 0 picks free ports")
    ] = 8000,
    host: Annotated[str, typer.Option(help="address to listen on (0.0.0.0 in a container)")] = (
        "127.0.0.1"
    ),
    backend: Annotated[
        str, typer.Option(help="memory, redis, rabbitmq or postgres (docs/backplanes.md)")
    ] = "memory",
    redis_url: Annotated[str | None, typer.Option(help="Redis for the redis backend")] = None,
    rabbitmq_url: Annotated[
        str | None, typer.Option(help="RabbitMQ, rabbitmq backend (else RABBITMQ_URL)")
    ] = None,
    postgres_url: Annotated[
        str | None, typer.Option(help="PostgreSQL, postgres backend (else POSTGRES_URL)")
    ] = None,
    instances: Annotated[int, typer.Option(min=1)] = 1,
    channels_layer: Annotated[str, typer.Option(help="core or pubsub (Channels only)")] = "core",
    persistence: Annotated[bool, typer.Option(help="store every msg; history reads it")] = False,
    db_url: Annotated[str | None, typer.Option(help="sqlite:///PATH or postgresql://...")] = None,
    deflate: Annotated[bool, typer.Option(help="per-message deflate, for every contender")] = False,
    metrics: Annotated[bool, typer.Option(help="GET /metrics on every instance (Prometheus)")] = (
        False
    ),
    log_dir: Annotated[Path | None, typer.Option(help="where instance logs go")] = None,
    profile: Annotated[str, typer.Option(help=PROFILE_HELP)] = "equal",
    asgi_server: Annotated[
        str | None, typer.Option(help="uvicorn, daphne, hypercorn or hypercorn-h2")
    ] = None,
    user: Annotated[
        list[str] | None,
        typer.Option(help="--profile idiomatic: seed this user and print its token (repeatable)"),
    ] = None,
) -> None:
    """Run servers by hand, print where they listen, stop them all on Ctrl-C. Under
    --profile idiomatic, users (alice and bob unless --user) and their tokens are seeded in
    Django's tables and printed; they are removed on stop."""
    import os

    from servers.launch.cli import serve as run_serve

    if metrics:  # ServerConfig.metrics, read from the environment like every BENCH_* setting
        os.environ["BENCH_METRICS"] = "1"
    os.environ["BENCH_PROFILE"] = profile  # ServerConfig.profile (servers/idiomatic/)
    from servers.idiomatic.profiles import profile_unsupported

    if refused := profile_unsupported(contender, profile):  # sio-node, reference: no Django
        typer.echo(f"error: {refused}", err=True)
        raise typer.Exit(EXIT_BAD_INPUT)

    if asgi_server:  # sio + hypercorn -> sio-hypercorn
        contender = _on_asgi_servers([contender], [asgi_server])[0]

    raise typer.Exit(
        run_serve(
            contender,
            port=port,
            host=host,
            backend=backend,
            redis_url=redis_url,
            rabbitmq_url=rabbitmq_url,
            postgres_url=postgres_url,
            instances=instances,
            channels_layer=channels_layer,
            persistence=persistence,
            db_url=db_url,
            deflate=deflate,
            log_dir=log_dir,
            **({"users": tuple(user)} if user else {}),
        )
    )


@app.command()
def token(
    user: Annotated[str, typer.Argument(help="user name: letters, digits, - and _")],
    ttl: Annotated[float, typer.Option(help="seconds until it expires")] = 3600.0,
    profile: Annotated[
        str, typer.Option(help="idiomatic: also store USER and the token in Django's tables")
    ] = "equal",
    db_url: Annotated[
        str | None, typer.Option(help="idiomatic: the servers' database (else BENCH_DB_URL)")
    ] = None,
) -> None:
    """Print a valid token for USER (secret from BENCH_SECRET, else the dev default)."""
    from servers.launch.cli import token as make

    raise typer.Exit(make(user, ttl, profile, db_url))


@app.command()
def validate(
    files: Annotated[list[Path], typer.Argument(help="scenario files to check")],
) -> None:
    """Check scenario files without running them (exit 2 on any error)."""
    import os

    from commands.validate import validate_files

    raise typer.Exit(validate_files(files, env=os.environ))


@app.command()
def run(
    scenarios: Annotated[list[Path], typer.Argument(help="scenario files (scenarios/*.yaml)")],
    contender: Annotated[
        list[str] | None, typer.Option(help="run only these contenders (repeatable)")
    ] = None,
    asgi_server: Annotated[list[str] | None, typer.Option(help=ASGI_HELP)] = None,
    backend: Annotated[
        str | None, typer.Option(help="memory, redis, rabbitmq or postgres (overrides the file)")
    ] = None,
    channels_layer: Annotated[str | None, typer.Option(help="core or pubsub")] = None,
    duration: Annotated[float | None, typer.Option(help="seconds of measured phases")] = None,
    smoke: Annotated[bool, typer.Option(help="a quick, small version of each scenario")] = False,
    repetitions: Annotated[int | None, typer.Option(help="runs per contender")] = None,
    instances: Annotated[int | None, typer.Option(help="server instances per contender")] = None,
    workers: Annotated[int | None, typer.Option(help="load-generator processes")] = None,
    out: Annotated[Path, typer.Option(help="where result files go")] = Path("results"),
    redis_url: Annotated[str | None, typer.Option(help="Redis (else REDIS_URL)")] = None,
    rabbitmq_url: Annotated[
        str | None, typer.Option(help="RabbitMQ, rabbitmq backend (else RABBITMQ_URL)")
    ] = None,
    postgres_url: Annotated[
        str | None, typer.Option(help="PostgreSQL, postgres backend (else POSTGRES_URL)")
    ] = None,
    client: Annotated[
        str | None, typer.Option(help="sio-reference: drive sio with python-socketio's client")
    ] = None,
    pin: Annotated[
        bool, typer.Option(help="pin servers and load generator to separate CPUs")
    ] = True,
    deflate: Annotated[bool, typer.Option(help="per-message deflate for every contender")] = False,
    metrics: Annotated[
        bool, typer.Option(help="every contender serves GET /metrics (Prometheus format)")
    ] = False,
    metrics_port: Annotated[
        int | None, typer.Option(help="serve the load generator's live figures on this port")
    ] = None,
    coordinator: Annotated[
        str | None, typer.Option(help="Redis URL: `bench worker`s there take the plan's shares")
    ] = None,
    capacity: Annotated[
        float | None,
        typer.Option(help="msgs/s a capacity_fraction is a share of (else calibrate first)"),
    ] = None,
    mqtt_url: Annotated[
        str | None, typer.Option(help="MQTT broker for devices (else BENCH_MQTT_URL)")
    ] = None,
    profile: Annotated[
        list[str] | None,
        typer.Option(help=PROFILE_HELP + "; both (given twice): each run, then the profile's cost"),
    ] = None,
) -> None:
    """Run scenarios against every contender; print a table; write a result file.

    A file stating its rate as traffic.capacity_fraction is first calibrated on this machine
    (about a minute), unless --capacity gives the msgs/s it is a share of."""
    from commands.run import run_files
    from loadgen.run.runner import RunOptions

    cli: dict[str, object] = {}
    for key, value in (
        ("backend.kind", backend),
        ("backend.channels_layer", channels_layer),
        ("repetitions", repetitions),
        ("instances", instances),
        ("duration", duration),
    ):
        if value is not None:
            cli[key] = value
    if smoke:
        cli["smoke"] = True
    if contender:  # overrides the scenario's list; opt-in contenders (sio-node) included
        cli["contenders"] = list(contender)
    if asgi_server:  # each framework on each server (servers/launch/specs.py)
        cli["contenders"] = _on_asgi_servers(contender, asgi_server)
    options = RunOptions(
        out_dir=out, workers=workers, redis_url=redis_url, client=client, pin=pin,
        metrics=metrics, metrics_port=metrics_port,
        deflate=deflate, coordinator=coordinator, rabbitmq_url=rabbitmq_url,
        postgres_url=postgres_url,
    )  # fmt: skip
    if mqtt_url:  # IoT dashboards: the broker the devices publish to
        import dataclasses

        options = dataclasses.replace(options, mqtt_url=mqtt_url)
    if profile and len(profile) > 1:  # --profile equal --profile idiomatic: side by side
        from commands.profiles import run_profiles

        raise typer.Exit(run_profiles(scenarios, cli, options, profile, capacity=capacity))
    if profile:
        cli["profile"] = profile[0]
    raise typer.Exit(run_files(scenarios, cli, options, capacity=capacity))


@app.command()
def scale(
    scenario: Annotated[Path, typer.Argument(help="a scenario file (run on a shared backend)")],
    instances: Annotated[str, typer.Option(help="instance counts to try, e.g. 1,2,4")] = "1,2,4",
    backend: Annotated[str, typer.Option(help="redis, rabbitmq or postgres")] = "redis",
    rabbitmq_url: Annotated[
        str | None, typer.Option(help="RabbitMQ, rabbitmq backend (else RABBITMQ_URL)")
    ] = None,
    postgres_url: Annotated[
        str | None, typer.Option(help="PostgreSQL, postgres backend (else POSTGRES_URL)")
    ] = None,
    smoke: Annotated[bool, typer.Option(help="short phases")] = False,
    contender: Annotated[list[str] | None, typer.Option(help="only these contenders")] = None,
    out: Annotated[Path, typer.Option(help="where result files go")] = Path("results"),
) -> None:
    """How throughput and latency change from 1 to K instances per contender."""
    from commands.scale import scale as run_scale
    from loadgen.run.runner import RunOptions

    try:
        counts = [int(k) for k in instances.split(",") if k.strip()]
    except ValueError:
        typer.echo(f"error: --instances wants numbers like 1,2,4, not {instances!r}", err=True)
        raise typer.Exit(EXIT_BAD_INPUT) from None
    if backend == "memory":
        typer.echo("error: scale runs several instances: --backend redis, rabbitmq or postgres",
                   err=True)  # fmt: skip
        raise typer.Exit(EXIT_BAD_INPUT)
    cli: dict[str, object] = (
        {"backend.kind": backend, "smoke": True} if smoke else {"backend.kind": backend}
    )
    options = RunOptions(
        out_dir=out, contenders=tuple(contender or ()), rabbitmq_url=rabbitmq_url,
        postgres_url=postgres_url,
    )  # fmt: skip
    raise typer.Exit(run_scale(scenario, counts, cli, options))


@app.command()
def worker(
    coordinator: Annotated[str, typer.Option(help="the coordinator's Redis, redis://HOST:PORT")],
    once: Annotated[bool, typer.Option(help="exit after one task")] = False,
) -> None:
    """A load-generator worker for runs started elsewhere with --coordinator."""
    from commands.worker import worker as run_worker

    raise typer.Exit(run_worker(coordinator, once=once))


@app.command()
def suite(
    quick: Annotated[bool, typer.Option(help="short steps, sio and channels (+ Node)")] = False,
    out: Annotated[Path, typer.Option(help="where results and the report go")] = Path("results"),
    redis_url: Annotated[str | None, typer.Option(help="Redis (else REDIS_URL)")] = None,
    backend: Annotated[
        str | None,
        typer.Option(
            help="memory, redis, rabbitmq or postgres; default: redis when one answers, else memory"
        ),
    ] = None,
    rabbitmq_url: Annotated[
        str | None, typer.Option(help="RabbitMQ, rabbitmq backend (else RABBITMQ_URL)")
    ] = None,
    postgres_url: Annotated[
        str | None, typer.Option(help="PostgreSQL, postgres backend (else POSTGRES_URL)")
    ] = None,
    contender: Annotated[list[str] | None, typer.Option(help="only these contenders")] = None,
    asgi_server: Annotated[list[str] | None, typer.Option(help=ASGI_HELP)] = None,
    strict: Annotated[bool, typer.Option(help="exit 1 when an expectation failed")] = False,
    capacity: Annotated[
        float | None, typer.Option(help="msgs/s to take the loads' shares of (skips calibrating)")
    ] = None,
    backends: Annotated[
        str | None,
        typer.Option(
            help="redis,rabbitmq,postgres: compare these backplanes per framework instead "
            "(capacity, latency, cross-instance latency, broker CPU/memory; docs/backplanes.md)"
        ),
    ] = None,
    profile: Annotated[str, typer.Option(help=PROFILE_HELP)] = "equal",
) -> None:
    """Calibrate, then the standard suite (echo, room-chat, fanout) at 25/50/75 % of the weaker
    contender's capacity, then a report. Exit 0: compared (failed expectations are findings);
    1: an invalid run (or --strict and a failed expectation); 2: bad input."""
    from commands.suite import SuiteSettings, run_suite

    if asgi_server:
        contender = _on_asgi_servers(contender, asgi_server)
    if backends is not None:  # the backplane comparison (commands/backplanes.py)
        from commands.backplanes import BackplaneSettings, parse_backends, run_backplanes

        try:
            names = parse_backends(backends)
        except ValueError as exc:
            typer.echo(f"error: {exc}", err=True)
            raise typer.Exit(EXIT_BAD_INPUT) from None
        if backend is not None:
            typer.echo("error: give --backend (one backplane) or --backends (a comparison)",
                       err=True)  # fmt: skip
            raise typer.Exit(EXIT_BAD_INPUT)
        plan = BackplaneSettings(
            backends=names, out_dir=out, quick=quick, contenders=tuple(contender or ()),
            capacity=capacity, profile=profile, redis_url=redis_url,
            rabbitmq_url=rabbitmq_url, postgres_url=postgres_url,
        )  # fmt: skip
        raise typer.Exit(run_backplanes(plan))

    settings = SuiteSettings(
        quick=quick, out_dir=out, redis_url=redis_url, contenders=tuple(contender or ()),
        strict=strict, capacity=capacity, backend=backend, rabbitmq_url=rabbitmq_url,
        postgres_url=postgres_url, profile=profile,
    )  # fmt: skip
    raise typer.Exit(run_suite(settings))


@app.command()
def calibrate(
    contender: Annotated[list[str] | None, typer.Option(help="default: sio and channels")] = None,
    backend: Annotated[
        str, typer.Option(help="memory, redis, rabbitmq or postgres (docs/backplanes.md)")
    ] = "memory",
    out: Annotated[Path, typer.Option(help="where ramp results and calibration.json go")] = (
        Path("results")
    ),
    redis_url: Annotated[str | None, typer.Option(help="Redis (else REDIS_URL)")] = None,
    rabbitmq_url: Annotated[
        str | None, typer.Option(help="RabbitMQ, rabbitmq backend (else RABBITMQ_URL)")
    ] = None,
    postgres_url: Annotated[
        str | None, typer.Option(help="PostgreSQL, postgres backend (else POSTGRES_URL)")
    ] = None,
) -> None:
    """Measure each contender's sustainable load on this machine with a fast ramp."""
    from commands.calibrate import calibrate_command
    from loadgen.run.runner import RunOptions

    options = RunOptions(
        out_dir=out, redis_url=redis_url, rabbitmq_url=rabbitmq_url, postgres_url=postgres_url
    )
    raise typer.Exit(calibrate_command(tuple(contender or ()), backend, options))


@app.command()
def report(
    results: Annotated[list[Path], typer.Argument(help="result files (results/*.json)")],
    out: Annotated[Path, typer.Option(help="directory for report.html, report.md and PNGs")] = (
        Path("results/report")
    ),
) -> None:
    """Write a self-contained HTML report, a Markdown summary and PNG plots (2: bad input)."""
    from commands.report import report_command

    raise typer.Exit(report_command(results, out))


@app.command()
def compare(
    files: Annotated[
        list[Path] | None, typer.Argument(help="A B: two result files (or use --a/--b)")
    ] = None,
    a: Annotated[
        list[Path] | None, typer.Option("--a", help="a result file of side A (repeat)")
    ] = (None),
    b: Annotated[
        list[Path] | None, typer.Option("--b", help="a result file of side B (repeat)")
    ] = (None),
    min_effect: Annotated[float, typer.Option(help="smaller relative changes are noise")] = 0.05,
    alpha: Annotated[float, typer.Option(help="significance level of the test")] = 0.05,
    allow_environment_mismatch: Annotated[
        bool, typer.Option(help="compare results of different environments (flagged)")
    ] = False,
    json_out: Annotated[Path | None, typer.Option("--json", help="also write JSON here")] = None,
) -> None:
    """Change from A to B per contender and metric, with significance (Mann-Whitney U)."""
    from commands.report import compare_command

    side_a, side_b = list(a or []), list(b or [])
    if files:
        if len(files) != 2 or side_a or side_b:
            typer.echo("error: give two files A B, or --a/--b (repeatable), not both", err=True)
            raise typer.Exit(EXIT_BAD_INPUT)
        side_a, side_b = [files[0]], [files[1]]
    if not side_a or not side_b:
        typer.echo("error: need result files for both sides: A B, or --a F... --b F...", err=True)
        raise typer.Exit(EXIT_BAD_INPUT)
    raise typer.Exit(
        compare_command(
            side_a,
            side_b,
            min_effect=min_effect,
            alpha=alpha,
            allow_environment_mismatch=allow_environment_mismatch,
            json_path=json_out,
        )
    )


@app.command()
def check(
    files: Annotated[
        list[Path] | None,
        typer.Argument(help="result file(s) of this run; with --base: one scenario file"),
    ] = None,
    baseline: Annotated[
        list[Path] | None,
        typer.Option(help="stored baseline result (repeatable), results/baselines/"),
    ] = None,
    base: Annotated[
        str | None,
        typer.Option(help="GITREF: run that commit's servers and this tree's, interleaved"),
    ] = None,
    tolerance: Annotated[
        float | None, typer.Option(help="relative change allowed (default 0.10; --base 0.20)")
    ] = None,
    reference: Annotated[str, typer.Option(help="contender to judge the others by")] = "reference",
    json_out: Annotated[Path | None, typer.Option("--json", help="also write JSON here")] = None,
    contender: Annotated[list[str] | None, typer.Option(help="--base: only these")] = None,
    repetitions: Annotated[int, typer.Option(min=1, help="--base: A/B pairs per contender")] = 3,
    duration: Annotated[float, typer.Option(help="--base: measured seconds per run")] = 3.0,
    fraction: Annotated[
        float, typer.Option(help="--base: share of the calibrated sustainable load")
    ] = 0.5,
    capacity: Annotated[
        float | None,
        typer.Option(
            help="--base: msgs/s the base sustains, known (e.g. from an earlier "
            "check's JSON): no calibration ramp"
        ),
    ] = None,
    allow_dirty: Annotated[
        bool, typer.Option(help="--base: measure uncommitted changes (labelled @work)")
    ] = False,
    out: Annotated[Path, typer.Option(help="--base: where the result goes")] = Path(
        "results/check"
    ),
    redis_url: Annotated[str | None, typer.Option(help="Redis (else REDIS_URL)")] = None,
) -> None:
    """CI regression gate: exit 1 when a tracked metric regressed significantly beyond tolerance.

    Stored-baseline mode: FILES against --baseline (same runner). A/B mode: --base GITREF
    [SCENARIO] (default scenarios/ci-short.yaml) runs the base commit's servers (git worktree)
    and this tree's in one run, interleaved, at a calibrated load below the knee. Markdown on
    stdout, also appended to $GITHUB_STEP_SUMMARY when set. Exit 2: bad input.
    """
    if base is not None:
        from commands.abtest import DEFAULT_SCENARIO, ABSettings, check_base
        from loadgen.run.runner import RunOptions

        if baseline or (files and len(files) > 1):
            typer.echo("error: --base takes at most one scenario file and no --baseline", err=True)
            raise typer.Exit(EXIT_BAD_INPUT)
        if reference != "reference":  # was ignored: A/B judges each contender by its base
            typer.echo("error: --reference is for stored results, not --base", err=True)
            raise typer.Exit(EXIT_BAD_INPUT)
        settings = ABSettings(
            ref=base, scenario=files[0] if files else DEFAULT_SCENARIO,
            contenders=tuple(contender or ()), repetitions=repetitions, measured_s=duration,
            fraction=fraction, capacity=capacity,
            tolerance=0.20 if tolerance is None else tolerance,
            allow_dirty=allow_dirty, json_path=json_out,
        )  # fmt: skip
        raise typer.Exit(check_base(settings, RunOptions(out_dir=out, redis_url=redis_url)))
    from commands.report import check_command

    if capacity is not None:
        typer.echo("error: --capacity is for --base (it skips its calibration)", err=True)
        raise typer.Exit(EXIT_BAD_INPUT)
    if not files or not baseline:
        typer.echo("error: give result files and --baseline, or --base GITREF", err=True)
        raise typer.Exit(EXIT_BAD_INPUT)
    raise typer.Exit(
        check_command(
            files,
            baseline,
            tolerance=0.10 if tolerance is None else tolerance,
            reference=reference,
            json_path=json_out,
        )
    )


@app.command()
def capacity(
    scenario: Annotated[Path, typer.Argument(help="scenario file (e.g. scenarios/capacity.yaml)")],
    slo: Annotated[str, typer.Option(help="thresholds every step must meet: 'p99_ms<50,loss==0'")],
    contender: Annotated[list[str] | None, typer.Option(help="only these (repeatable)")] = None,
    asgi_server: Annotated[list[str] | None, typer.Option(help=ASGI_HELP)] = None,
    dimension: Annotated[str, typer.Option(help="rate (msgs/s) or connections")] = "rate",
    start: Annotated[float | None, typer.Option(help="first load (default: the file's)")] = None,
    max_load: Annotated[
        float | None, typer.Option("--max", help="never above (default: 64 x start)")
    ] = None,
    min_load: Annotated[
        float | None, typer.Option("--min", help="never below (default: start / 64)")
    ] = None,
    step_factor: Annotated[float, typer.Option(help="geometric step while raising")] = 2.0,
    precision: Annotated[float, typer.Option(help="stop when pass and fail are this close")] = 0.05,
    confirm: Annotated[int, typer.Option(help="re-runs of a failing load (majority)")] = 1,
    warmup: Annotated[float, typer.Option(help="warm-up seconds of each step")] = 2.0,
    step_duration: Annotated[float, typer.Option(help="measured seconds of each step")] = 5.0,
    max_steps: Annotated[int, typer.Option(help="steps per contender at most")] = 30,
    backend: Annotated[
        str | None, typer.Option(help="memory, redis, rabbitmq or postgres (docs/backplanes.md)")
    ] = None,
    workers: Annotated[int | None, typer.Option(help="load-generator processes")] = None,
    out: Annotated[Path, typer.Option(help="where result files go")] = Path("results"),
    redis_url: Annotated[str | None, typer.Option(help="Redis (else REDIS_URL)")] = None,
    rabbitmq_url: Annotated[
        str | None, typer.Option(help="RabbitMQ, rabbitmq backend (else RABBITMQ_URL)")
    ] = None,
    postgres_url: Annotated[
        str | None, typer.Option(help="PostgreSQL, postgres backend (else POSTGRES_URL)")
    ] = None,
    pin: Annotated[bool, typer.Option(help="separate CPUs for servers and load generator")] = True,
    profile: Annotated[str | None, typer.Option(help=PROFILE_HELP)] = None,
    mqtt_url: Annotated[
        str | None, typer.Option(help="MQTT broker for devices (else BENCH_MQTT_URL)")
    ] = None,
) -> None:
    """Find each contender's maximum sustainable load under an SLO (steps, then bisection)."""
    from commands.capacity import CapacityRequest, run_capacity
    from loadgen.run.runner import RunOptions

    cli: dict[str, object] = {"backend.kind": backend} if backend else {}
    if profile:  # the scenario's profile field (docs/idiomatic.md)
        cli["profile"] = profile
    if asgi_server:  # the scenario's contenders become these
        contender = cli["contenders"] = _on_asgi_servers(contender, asgi_server)

    request = CapacityRequest(
        scenario=scenario, slo=slo, dimension=dimension, start=start, max_load=max_load,
        min_load=min_load, step_factor=step_factor, precision=precision, confirm=confirm,
        warmup_s=warmup, step_s=step_duration, max_steps=max_steps,
        cli=cli,
    )  # fmt: skip
    options = RunOptions(
        out_dir=out,
        workers=workers,
        redis_url=redis_url,
        rabbitmq_url=rabbitmq_url,
        postgres_url=postgres_url,
        pin=pin,
        contenders=tuple(contender or ()),
        mqtt_url=mqtt_url,
    )
    raise typer.Exit(run_capacity(request, options))


@app.command()
def robustness(
    scenario: Annotated[Path, typer.Argument(help="e.g. scenarios/robustness.yaml")],
    out: Annotated[Path, typer.Option(help="result file")] = Path("results/robustness.json"),
    contender: Annotated[list[str] | None, typer.Option(help="override the contenders")] = None,
    redis_url: Annotated[str | None, typer.Option(help="Redis (else REDIS_URL)")] = None,
) -> None:
    """Hostile-client probes against each contender; their figures side by side."""
    from commands.robustness import robustness_command

    raise typer.Exit(robustness_command(scenario, out, tuple(contender or ()), redis_url))


if __name__ == "__main__":
    app()
