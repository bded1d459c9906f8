"""A real run with metrics on: the load generator's ``--metrics-port`` and every server's
``/metrics``, scraped over HTTP and parsed with ``prometheus_client``, agree with the result.

The servers stay up after the run in a :class:`ServerPool` (as between capacity steps), so
their counters can be read once every delivery is in.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import subprocess
import sys
import time
import urllib.request
from collections import defaultdict
from pathlib import Path
from typing import Any

import pytest
from prometheus_client.parser import text_string_to_metric_families

from loadgen.run.metrics_http import LiveExporter
from loadgen.run.runner import RunOptions, run_scenario
from loadgen.run.server_pool import ServerPool
from loadgen.scenario.load import load_scenario
from servers.launch import ServerGroup
from servers.launch.ports import free_port
from tests.conftest import TIMEOUT

pytestmark = pytest.mark.integration

ROOT = Path(__file__).resolve().parents[2]
ECHO = ROOT / "scenarios" / "echo.yaml"
CONTENDERS = ["sio", "channels"]


def scrape(url: str) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    """(sample name, sorted labels) -> value, from the text ``prometheus_client`` parses."""
    with urllib.request.urlopen(url, timeout=TIMEOUT) as response:
        text = response.read().decode()
    return {
        (s.name, tuple(sorted(s.labels.items()))): s.value
        for family in text_string_to_metric_families(text)
        for s in family.samples
    }


def total(samples: dict[Any, float], name: str, **labels: str) -> float:
    """The sum of ``name`` over every sample whose labels include ``labels``."""
    return sum(
        v for (n, lab), v in samples.items() if n == name and labels.items() <= dict(lab).items()
    )


def _not_started() -> ServerGroup:
    raise AssertionError("the pool should still hold the run's servers")


async def test_live_figures_and_server_counts_match_the_result(tmp_path: Path) -> None:
    scenario = load_scenario(
        ECHO, cli={"smoke": True, "repetitions": 1, "contenders": CONTENDERS}, env=os.environ
    )
    live: list[dict[Any, float]] = []
    with ServerPool() as pool:
        options = RunOptions(
            out_dir=tmp_path, workers=2, pin=False, progress=None, metrics=True,
            server_pool=pool,
        )  # fmt: skip
        async with LiveExporter(0, host="127.0.0.1") as exporter:
            url = f"http://127.0.0.1:{exporter.port}/metrics"

            async def watch() -> None:  # scrapes while the run goes on, as Prometheus would
                while True:
                    await asyncio.sleep(0.5)
                    live.append(await asyncio.to_thread(scrape, url))

            watcher = asyncio.create_task(watch())
            try:
                _, document = await run_scenario(scenario, str(ECHO), exporter.watching(options))
            finally:
                watcher.cancel()
            final = await asyncio.to_thread(scrape, url)
        servers = {c: pool.take(c, _not_started).group for c in CONTENDERS}
        scraped = {
            c: await asyncio.to_thread(scrape, f"{g.urls[0]}/metrics") for c, g in servers.items()
        }

    assert document["settings"]["server"]["metrics"] is True  # recorded in the result
    assert any(total(s, "loadgen_offered_messages_total") > 0 for s in live), "no live figures"
    for record in document["runs"]:
        contender = record["contender"]
        series = record["timeseries"]
        sent, delivered = sum(series["sent"]), sum(series["delivered"])
        assert sent > 0
        mine = {"contender": contender}
        workers = {dict(lab)["worker"] for (n, lab) in final if n == "loadgen_connected"}
        assert workers == {"0", "1"}
        assert total(final, "loadgen_offered_messages_total", **mine) == sent
        assert total(final, "loadgen_served_deliveries_total", **mine) == delivered
        assert total(final, "loadgen_acks_total", **mine) == sum(series["acked"])
        assert total(final, "loadgen_delivery_latency_seconds_count", **mine) == delivered
        assert total(final, "loadgen_lost_deliveries", **mine) == 0
        server = scraped[contender]
        assert total(server, "chat_messages_received_total", type="msg") == sent
        assert total(server, "chat_messages_sent_total") == delivered  # echo: one recipient
        assert total(server, "chat_acks_total") == sent + record["connected"]  # msgs and joins
        assert total(server, "chat_connections_opened_total") == record["connected"]


def test_bench_run_serves_metrics_port(tmp_path: Path) -> None:
    """The CLI wiring: ``bench run --metrics --metrics-port`` answers scrapes during the run."""
    port = free_port()
    command = [
        sys.executable, "-m", "bench", "run", str(ECHO), "--smoke", "--contender", "sio",
        "--repetitions", "1", "--metrics", "--metrics-port", str(port), "--out", str(tmp_path),
        "--no-pin",
    ]  # fmt: skip
    run = subprocess.Popen(command, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    seen: dict[Any, float] = {}
    try:
        deadline = time.monotonic() + 20 * TIMEOUT
        while time.monotonic() < deadline and run.poll() is None:
            with contextlib.suppress(OSError):
                seen = scrape(f"http://127.0.0.1:{port}/metrics")
            if total(seen, "loadgen_offered_messages_total") > 0:
                break
            time.sleep(0.3)
        assert total(seen, "loadgen_offered_messages_total", contender="sio") > 0
        counts: defaultdict[str, int] = defaultdict(int)
        for name, _ in seen:
            counts[name] += 1
        assert counts["loadgen_delivery_latency_seconds_bucket"] >= 14
    finally:
        run.wait(timeout=120)
    assert run.returncode in (0, 1), run.stderr.read().decode()[-2000:] if run.stderr else ""
