"""Run a robustness scenario: each contender started alone, the probes one after another."""

from __future__ import annotations

import asyncio
import time
from pathlib import Path
from typing import Any

from loadgen.robustness import probes
from loadgen.robustness.model import RobustnessScenario, document
from servers.common.config import ServerConfig
from servers.common.tokens import make_token
from servers.launch import AsgiSettings, start_servers


def settings(config: ServerConfig, asgi: AsgiSettings) -> dict[str, Any]:
    """The hostile-client limits in force, recorded beside the figures."""
    return {
        "send_queue_bytes": config.send_queue_bytes,
        "send_queue_seconds": config.send_queue_seconds,
        "presence_ttl_s": config.presence_ttl_s,
        "frame_limit_bytes": config.frame_limit_bytes,
        "head_timeout_s": asgi.head_timeout_s,
        "max_head_bytes": asgi.max_head_bytes,
    }


async def run_contender(
    contender: str,
    scenario: RobustnessScenario,
    config: ServerConfig,
    asgi: AsgiSettings,
    log_dir: Path,
) -> dict[str, Any]:
    group = start_servers(contender, config, asgi=asgi, log_dir=log_dir / contender)
    try:
        spec = group.servers[0].spec

        def token(user: str) -> str:
            return make_token(user, config.secret, ttl=3600, now=time.time())

        target = probes.Target(contender, spec.base_url, group.pids[0], token)
        figures: dict[str, Any] = {}
        steps = scenario.probes
        if steps.slow_consumer:
            figures["slow_consumer"] = await probes.slow_consumer(target, steps.slow_consumer)
        if steps.disconnect_churn:
            churn = steps.disconnect_churn
            figures["disconnect_churn"] = await probes.disconnect_churn(target, churn)
        if steps.half_open_flood:
            flood = steps.half_open_flood
            figures["half_open_flood"] = await probes.half_open_flood(
                target, flood, spec.host, spec.port
            )
        if steps.malformed_storm:
            figures["malformed_storm"] = await probes.malformed_storm(target, steps.malformed_storm)
        group.check_alive()
        return figures
    finally:
        group.stop()


def run(
    scenario: RobustnessScenario, log_dir: Path, redis_url: str | None = None
) -> dict[str, Any]:
    """Every contender of ``scenario`` in turn; the result document."""
    extra: dict[str, Any] = {"redis_url": redis_url} if redis_url else {}
    extra.update(scenario.limits.server())
    config = ServerConfig(backend=scenario.backend, **extra)  # type: ignore[arg-type]
    asgi = AsgiSettings(**scenario.limits.asgi())
    results = {
        contender: asyncio.run(run_contender(contender, scenario, config, asgi, log_dir))
        for contender in scenario.contenders
    }
    return document(scenario, results, settings(config, asgi))
