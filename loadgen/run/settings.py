"""The ``settings`` block of a result document: what every contender run of it shared."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from loadgen.scenario.load import Scenario
from servers.common.config import ServerConfig
from servers.common.redis_pool import pool_options
from servers.launch import AsgiSettings


def run_settings(
    scenario: Scenario,
    config: ServerConfig,
    asgi: AsgiSettings,
    redis_url: str | None,
    contenders: Sequence[str],
    *,
    client: str | None,
    workers: int,
    remote: bool,
    delays: Mapping[str, float],
) -> dict[str, Any]:
    """Server and ASGI settings, Redis pool, backend in words, client, workers, and the
    per-message delays injected into contenders (``BENCH_DELAY_MS_<CONTENDER>``)."""
    return {
        "server": config.describe(),
        "asgi": asgi.describe(),
        "redis_pool": pool_options(config) if redis_url else None,
        "backend_note": backend_note(scenario, redis_url, contenders),
        "client": client or "fast",
        "transport": scenario.connections.transport,
        "workers": workers,
        "remote_workers": remote,
        "injected_delay_ms": dict(delays),
    }


def backend_note(scenario: Scenario, redis_url: str | None, contenders: Sequence[str]) -> str:
    channels = any(c.startswith("channels") for c in contenders)  # else: name no Channels layer
    if scenario.backend.kind == "redis":
        layer = f"; Channels layer: {scenario.backend.channels_layer}" if channels else ""
        return f"redis backend ({redis_url}){layer}"
    if scenario.backend.kind != "memory":
        return f"{scenario.backend.kind} backend; presence in Redis ({redis_url})"
    layer = " and Channels' InMemoryChannelLayer" if channels else ""
    return (
        "memory backend: one instance per contender, python-socketio's default manager"
        f"{layer}; no Redis involved"
    )
