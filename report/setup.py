"""The setup tables of a report: the run's environment, scenario and server settings (pure)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from loadgen.measure.environment import fingerprint
from report.fields import Document
from report.tables import Table


def _phases(scenario: dict[str, Any]) -> str:
    parts = []
    for p in scenario.get("phases", []):
        if p["kind"] == "ramp":
            rate = f" x{p['from_multiplier']:g}→x{p['to_multiplier']:g}"
        else:
            rate = (
                f" x{p['rate_multiplier']:g}" if p.get("rate_multiplier") not in (None, 1) else ""
            )
        parts.append(f"{p['name']} ({p['kind']}) {p['duration_s']:g} s{rate}")
    return ", ".join(parts)


def traffic_text(scenario: dict[str, Any]) -> str:
    t = scenario["traffic"]
    rate = (
        f"{t['total_rate']:g} ops/s in total"
        if t.get("total_rate") is not None
        else f"{t['rate_per_connection']:g} ops/s per sender"
    )
    mix = ", ".join(f"{k} {v:g}" for k, v in t.get("mix", {}).items() if v)
    return (
        f"{t['mode']}-loop, {t['arrival']}, {rate}, senders {t['senders']}, "
        f"{t['message_bytes']} B {t['body']} bodies, mix {mix}"
    )


def setup_table(names: Sequence[str], docs: Sequence[Document]) -> Table:
    doc = docs[0]
    s = doc["scenario"]
    settings = doc.get("settings", {})
    server = settings.get("server", {})
    asgi = settings.get("asgi", {})
    pool = settings.get("redis_pool")
    rows = [
        ("result files", ", ".join(names)),
        ("runs", ", ".join(f"{d['run_id']} ({d['status']})" for d in docs)),
        ("scenario hash", doc["scenario_hash"][:16]),
        ("connections", f"{s['connections']['count']} ({s['connections']['transport']}), "
                        f"ramp-up {s['connections']['ramp_up_s']:g} s"),
        ("rooms", f"{s['rooms']['count']} x {s['rooms']['members_per_room']} members "
                  f"({s['rooms']['assignment']})"),
        ("traffic", traffic_text(s)),
        ("phases", _phases(s) + f"; drain {s['drain_s']:g} s"),
        ("repetitions", f"{s['repetitions']} per contender, alternated"),
        ("backend", settings.get("backend_note") or s["backend"]["kind"]),
        ("instances", str(s.get("instances", 1))),
        ("persistence", "on" if s.get("persistence", {}).get("enabled") else "off"),
        ("profile", profile_text(s)),
        ("ASGI server (uvicorn)", ", ".join(f"{k}={v}" for k, v in asgi.items())),
        ("server settings", ", ".join(
            f"{k}={server[k]}" for k in (
                "redis_pool_size", "redis_socket_timeout", "redis_pool_wait_s", "channel_capacity",
                "max_body_bytes", "frame_limit_bytes", "ws_per_message_deflate",
            ) if k in server)),
        ("Redis pool", ", ".join(f"{k}={v}" for k, v in pool.items()) if pool else "none"),
        ("load generator", f"client {settings.get('client')}, {settings.get('workers')} "
                           "worker process(es)"),
        ("CPU pinning", pinning_text(doc)),
    ]  # fmt: skip
    return Table.of(["setting", "value"], rows, numeric_from=2)


def profile_text(scenario: dict[str, Any]) -> str:
    """The servers' profile: results written before profiles existed ran the equal one."""
    profile = str(scenario.get("profile", "equal"))
    if profile == "idiomatic":
        return "idiomatic: Django's ORM and tables for tokens and messages (docs/idiomatic.md)"
    return f"{profile}: the same plain SQL storage and HMAC token on both servers"


def pinning_text(doc: Document) -> str:
    pin = doc["environment"].get("pinning") or {}
    if not pin.get("servers"):
        return "none"
    return f"servers on CPUs {pin['servers']}, load generator on CPUs {pin['loadgen']}"


Row = Callable[[dict[str, Any], list[str]], str]
_ENVIRONMENT_ROWS: tuple[tuple[str, Row], ...] = (
    ("results", lambda _e, n: ", ".join(n)),
    ("host", lambda e, _n: str(e.get("host"))),
    ("CPU", lambda e, _n: f"{e.get('cpu_model')} x {e.get('cpu_count')}"),
    ("memory", lambda e, _n: f"{(e.get('memory_bytes') or 0) / 2**30:.1f} GiB"),
    ("OS", lambda e, _n: str(e.get("os"))),
    ("Python", lambda e, _n: f"{e.get('python')} ({e.get('python_implementation')})"),
    ("packages", lambda e, _n: ", ".join(f"{k} {v}" for k, v in e.get("packages", {}).items())),
    (
        "npm packages (sio-node)",
        lambda e, _n: (
            ", ".join(f"{k} {v}" for k, v in (e.get("npm_packages") or {}).items()) or "-"
        ),
    ),
    ("git commit", lambda e, _n: str(e.get("git_commit"))),
    ("fingerprint", lambda _e, _n: ""),
)


def environment_table(named: Sequence[tuple[str, Document]]) -> Table:
    """One column per distinct environment (by fingerprint)."""
    columns: dict[str, tuple[list[str], dict[str, Any]]] = {}
    for name, doc in named:
        if not isinstance(doc.get("environment"), dict):
            continue  # a scale-out summary records none (its results do)
        key = fingerprint(doc["environment"])
        columns.setdefault(key, ([], doc["environment"]))[0].append(name)
    keys = list(columns)
    rows = []
    for field, get in _ENVIRONMENT_ROWS:
        row = [field]
        for k in keys:
            names, env = columns[k]
            row.append(k if field == "fingerprint" else get(env, names))
        rows.append(row)
    headers = ["", *(f"environment {i + 1}" for i in range(len(keys)))]
    return Table.of(headers, rows, numeric_from=len(headers))
