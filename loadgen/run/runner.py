"""``bench run``: every contender of a scenario, alternated and repeated, into one result file."""

from __future__ import annotations

import dataclasses
import os
import sys
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TextIO

from documents import result as result_doc
from loadgen.clients import client_kind_for
from loadgen.faults.broker import private_broker
from loadgen.faults.steps import expand
from loadgen.measure import environment
from loadgen.measure.record import build_run_record
from loadgen.plan.build import build_plan, partition
from loadgen.run.contender import RunContext, run_contender
from loadgen.run.metrics_http import with_live_figures
from loadgen.run.outcome import RunOutcome
from loadgen.run.progress import Progress
from loadgen.run.server_pool import ServerPool
from loadgen.run.settings import run_settings
from loadgen.scenario.load import Scenario, scenario_hash
from loadgen.scenario.resolve import dump
from servers.common.brokers import broker_problem
from servers.common.config import DEFAULT_POSTGRES_URL, DEFAULT_RABBITMQ_URL, ServerConfig
from servers.common.telemetry import DEFAULT_MQTT_URL
from servers.launch import AsgiSettings
from servers.launch.mqtt_broker import broker_problem as mqtt_problem
from servers.launch.private import PrivateServer, PrivateServerError
from servers.launch.redis import ping

ROOT = Path(__file__).resolve().parents[2]  # the repository (loadgen/run/runner.py)
DEFAULT_REDIS_URL = "redis://127.0.0.1:6379/0"


class RunError(Exception):
    """The run cannot start (bad combination of options, no Redis for a Redis scenario)."""


@dataclass(frozen=True)
class RunOptions:
    out_dir: Path = ROOT / "results"
    workers: int | None = None
    redis_url: str | None = None
    rabbitmq_url: str | None = None  # else RABBITMQ_URL, else the local default
    postgres_url: str | None = None  # else POSTGRES_URL, else the local default
    client: str | None = None  # "sio-reference" to drive sio with python-socketio's client
    library: str | None = None
    pin: bool = True
    deflate: bool = False
    contenders: tuple[str, ...] = ()
    progress: TextIO | None = sys.stderr
    coordinator: str | None = None  # Redis URL: hand the plan to `bench worker`s instead
    mqtt_url: str | None = None  # IoT dashboards' broker: else BENCH_MQTT_URL, else local 1883
    server_pool: ServerPool | None = None  # keep servers running between runs (capacity)
    on_tick: Callable[[str, dict[str, Any]], None] | None = None  # progress, also to a caller
    on_record: Callable[[str, dict[str, Any]], None] | None = None  # each contender run's record
    metrics: bool = False  # every contender serves GET /metrics (servers/common/metrics.py)
    metrics_port: int | None = None  # the load generator's live figures (metrics_http.py)


def pinning(pin: bool) -> tuple[list[int] | None, list[int] | None]:
    """(server CPUs, load-generator CPUs): the load generator on its own core where possible."""
    cpus = sorted(os.sched_getaffinity(0))
    if not pin or len(cpus) < 2:
        return None, None
    share = max(1, len(cpus) // 4)
    return cpus[share:], cpus[:share]


def resolve_redis(scenario: Scenario, options: RunOptions) -> str | None:
    """The Redis of a redis scenario, and of every shared backplane's presence store."""
    if scenario.backend.kind == "memory":
        return None
    url = options.redis_url or os.environ.get("REDIS_URL") or DEFAULT_REDIS_URL
    if not ping(url):
        use = (
            "uses the redis backend"
            if scenario.backend.kind == "redis"
            else (f"keeps presence in Redis (backend {scenario.backend.kind})")
        )
        raise RunError(
            f"scenario {scenario.name!r} {use} but no Redis answers at {url}; "
            "start one, set REDIS_URL or --redis-url, or run with --backend memory"
        )
    return url


def broker_urls(options: RunOptions) -> tuple[str, str]:
    """``(rabbitmq_url, postgres_url)``: the options', else RABBITMQ_URL / POSTGRES_URL, else
    the local defaults."""
    return (
        options.rabbitmq_url or os.environ.get("RABBITMQ_URL") or DEFAULT_RABBITMQ_URL,
        options.postgres_url or os.environ.get("POSTGRES_URL") or DEFAULT_POSTGRES_URL,
    )


def resolve_brokers(scenario: Scenario, options: RunOptions) -> tuple[str, str]:
    """``(rabbitmq_url, postgres_url)`` for the ServerConfig, checked when the backend uses it
    (a broker that is down: a RunError naming the URL and how to start it)."""
    urls = dict(zip(("rabbitmq", "postgres"), broker_urls(options), strict=True))
    kind = scenario.backend.kind
    if kind in urls:
        problem = broker_problem(kind, urls[kind])
        if problem is not None:
            raise RunError(f"scenario {scenario.name!r}: {problem}")
    return urls["rabbitmq"], urls["postgres"]


def resolve_mqtt(scenario: Scenario, options: RunOptions) -> str:
    """The broker of a scenario with devices (checked: down is a RunError naming the URL and
    how to start one); empty without devices, so that no server starts a bridge."""
    if scenario.devices is None:
        return ""
    url = options.mqtt_url or os.environ.get("BENCH_MQTT_URL") or DEFAULT_MQTT_URL
    problem = mqtt_problem(url)
    if problem is not None:
        raise RunError(f"scenario {scenario.name!r} has devices publishing over MQTT but {problem}")
    return url


def contender_delay_ms(env: Mapping[str, str], contender: str) -> float | None:
    """``BENCH_DELAY_MS_<CONTENDER>`` (upper case, ``-`` as ``_``): an artificial per-message
    delay for one contender only, to inject a known slowdown (``bench check`` must catch it)."""
    raw = env.get("BENCH_DELAY_MS_" + contender.upper().replace("-", "_"))
    if raw is None or not raw.strip():
        return None
    try:
        return float(raw)
    except ValueError:
        raise RunError(f"BENCH_DELAY_MS_{contender.upper()}={raw!r} is not a number") from None


def client_kind(scenario: Scenario, options: RunOptions, contender: str) -> str:
    """The client that drives ``contender``: ``--client`` for sio, ``sio-polling`` when the
    scenario asks for the long-polling transport (which the model allows for sio only)."""
    if scenario.connections.transport == "polling":
        if options.client not in (None, "sio-polling"):
            raise RunError(f"--client {options.client} has no polling transport")
        return "sio-polling"
    if options.client and contender == "sio":
        return options.client
    return client_kind_for(contender)


def server_config(
    scenario: Scenario,
    options: RunOptions,
    redis_url: str | None,
    run_dir: Path,
    tag: str,
    contender: str | None = None,
) -> ServerConfig:
    base = ServerConfig.from_env(os.environ)
    delay = contender_delay_ms(os.environ, contender) if contender else None
    if delay is not None:
        base = dataclasses.replace(base, delay_ms=delay)
    db_url = scenario.persistence.db_url or f"sqlite:///{run_dir / 'chat.sqlite3'}"
    rabbitmq_url, postgres_url = broker_urls(options)
    return dataclasses.replace(
        base,
        backend=scenario.backend.kind,
        channels_layer=scenario.backend.channels_layer,
        redis_url=redis_url or base.redis_url,
        rabbitmq_url=rabbitmq_url,
        postgres_url=postgres_url,
        redis_prefix=f"bench-{tag}",
        persistence=scenario.persistence.enabled,
        db_url=db_url,
        ws_per_message_deflate=options.deflate or base.ws_per_message_deflate,
        mqtt_url=resolve_mqtt(scenario, options),
        mqtt_qos=scenario.devices.qos if scenario.devices else 0,
        metrics=options.metrics or base.metrics,
        profile=scenario.profile,
    )


def default_workers(connections: int, loadgen_cpus: list[int] | None) -> int:
    cores = len(loadgen_cpus) if loadgen_cpus else max(1, (os.cpu_count() or 2) // 2)
    return max(1, min(cores, connections // 2000 + 1))


def _say(options: RunOptions, text: str) -> None:
    if options.progress is not None:
        options.progress.write(text + "\n")
        options.progress.flush()


async def run_scenario(
    scenario: Scenario, source: str, options: RunOptions
) -> tuple[Path, dict[str, Any]]:
    """Run every contender of ``scenario``; write and return the result (also when partial)."""
    if options.metrics_port is not None:  # live figures for Prometheus while it runs
        return await with_live_figures(run_scenario, scenario, source, options)
    try:  # a fault restarting the broker needs one this run owns: a private one on free ports
        pins = pinning(options.pin)  # (server CPUs, load-generator CPUs)
        with private_broker(scenario, pins[0]) as own:  # the broker shares the servers' CPUs
            return await _run_scenario(scenario, source, options, own, pins)
    except PrivateServerError as exc:
        raise RunError(f"scenario {scenario.name!r} restarts its broker, but {exc}") from None


async def _run_scenario(
    scenario: Scenario,
    source: str,
    options: RunOptions,
    own: PrivateServer | None,
    pins: tuple[list[int] | None, list[int] | None],
) -> tuple[Path, dict[str, Any]]:
    if own is not None:  # the servers use the run's own broker
        urls = {f"{scenario.backend.kind}_url": own.url}  # redis_url, rabbitmq_url or postgres_url
        options = dataclasses.replace(options, **urls)  # type: ignore[arg-type]
    redis_url = resolve_redis(scenario, options)
    resolve_mqtt(scenario, options)  # a broker that is down: one line, before anything starts
    resolve_brokers(scenario, options)
    plan = build_plan(scenario)
    server_cpus, loadgen_cpus = pins
    workers = options.workers or default_workers(len(plan.connections), loadgen_cpus)
    partitions = [p for p in partition(plan, workers) if p]
    contenders = [
        c for c in scenario.contenders if not options.contenders or c in options.contenders
    ]
    if not contenders:
        raise RunError(f"none of {list(options.contenders)} is a contender of {scenario.name!r}")
    kinds = {c: client_kind(scenario, options, c) for c in contenders}
    asgi = AsgiSettings()
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    run_id = f"{scenario.name}-{stamp}-{uuid.uuid4().hex[:6]}"
    out = options.out_dir / f"{run_id}.json"
    work_dir = options.out_dir / "runs" / run_id
    env = environment.collect(ROOT)
    env["pinning"] = {"servers": server_cpus, "loadgen": loadgen_cpus}
    document = result_doc.new(
        run_id=run_id, environment=env, scenario=dump(scenario), scenario_source=source,
        scenario_hash=scenario_hash(scenario), plan_digest=plan.digest(),
    )  # fmt: skip
    progress = Progress(options.progress, plan)
    order = [(c, rep) for c, rep in scenario.run_order() if c in contenders]
    for position, (contender, rep) in enumerate(order):
        tag = f"{run_id[-6:]}-{contender}-{rep}"
        run_dir = work_dir / f"{position:02d}-{contender}-{rep}"
        run_dir.mkdir(parents=True, exist_ok=True)
        config = server_config(scenario, options, redis_url, run_dir, tag, contender)
        if not document["settings"]:
            document["settings"] = run_settings(
                scenario, config, asgi, redis_url, contenders, client=options.client,
                workers=len(partitions), remote=bool(options.coordinator),
                delays={c: d for c in contenders if (d := contender_delay_ms(os.environ, c))},
            )  # fmt: skip
        kind = kinds[contender]
        _say(options, f"{scenario.name}: {contender} (repetition {rep + 1}/{scenario.repetitions})")
        ctx = RunContext(
            contender=contender, repetition=rep, scenario_data=dump(scenario),
            scenario_source=source, config=config, asgi=asgi, instances=scenario.instances,
            workers=len(partitions), partitions=partitions, client_kind=kind,
            library=options.library, run_dir=run_dir, server_cpus=server_cpus,
            loadgen_cpus=loadgen_cpus, connect_ramp_s=scenario.connections.ramp_up_s,
            duration_s=plan.duration_s, drain_s=plan.drain_s + plan.grace_s, redis_url=redis_url,
            run_id=run_id, coordinator=options.coordinator, broker_server=own,
            faults=expand(scenario.faults, scenario.backend.kind),
            on_tick=progress.also(options.on_tick), server_pool=options.server_pool,
        )  # fmt: skip
        outcome: RunOutcome = await run_contender(ctx)
        progress.end()
        record = build_run_record(scenario, plan, contender, rep, position, outcome)
        if options.on_record is not None:
            options.on_record(contender, record)
        document["runs"].append(record)
        document["partial_reasons"].extend(
            f"{contender}#{rep}: {r}" for r in outcome.partial_reasons
        )
        document["status"] = "partial" if document["partial_reasons"] else "running"
        result_doc.write(out, document)  # after every contender: Ctrl-C keeps what was measured
        if outcome.interrupted:
            break
    if len(document["runs"]) < len(order):
        document["partial_reasons"].append(
            f"only {len(document['runs'])} of {len(order)} contender runs were made"
        )
    document["status"] = "partial" if document["partial_reasons"] else "complete"
    result_doc.write(out, document)
    return out, document
