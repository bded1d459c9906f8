"""deploy/: Prometheus scrapes what compose runs, and Grafana's dashboard asks only for series
the servers and the load generator expose (no Docker needed)."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import yaml
from prometheus_client.parser import text_string_to_metric_families

from loadgen.measure.exposition import LATENCY_BOUNDS_S, LatencyFold, render
from servers.common.metrics import Metrics

REPO = Path(__file__).resolve().parents[2]
DEPLOY = REPO / "deploy"
DASHBOARD = DEPLOY / "grafana" / "dashboards" / "bench-live.json"


def compose() -> dict[str, Any]:
    document = yaml.safe_load((REPO / "docker-compose.yml").read_text())
    assert isinstance(document, dict)
    return document


def exposed_series() -> set[str]:
    """Every sample name the servers and the load generator expose, parsed back."""
    server = Metrics("sio", backplane=True)
    server.handled("msg", 0.0, "bad_request")
    fold = LatencyFold().update(lambda _s: {1000: 3}, 1, 1)
    tick = {"sent": 3, "delivered": 3, "acked": 3, "late": 0, "connected": 1, "latency": fold,
            "errors_by_code": {"not_member": 1}}  # fmt: skip
    loadgen = render({"sio": {"t": 1.0, "workers": [tick], "lost": 0}})
    names = set()
    for text in (server.render(), loadgen):
        for family in text_string_to_metric_families(text):
            names |= {s.name for s in family.samples}
    return names


def test_prometheus_scrapes_every_server_and_the_load_generator_where_compose_runs_them() -> None:
    config = yaml.safe_load((DEPLOY / "prometheus" / "prometheus.yml").read_text())
    jobs = {job["job_name"]: job for job in config["scrape_configs"]}
    services = compose()["services"]
    for name in ("sio", "channels"):
        (sd,) = jobs[name]["dns_sd_configs"]
        command = services[name]["command"]
        assert sd["names"] == [name]
        assert str(sd["port"]) == command[command.index("--port") + 1]
        assert "--metrics" in command
    loadgen = services["loadgen"]["command"]
    port = loadgen[loadgen.index("--metrics-port") + 1]
    assert jobs["loadgen"]["static_configs"] == [{"targets": [f"loadgen:{port}"]}]


def test_monitoring_services_mount_files_kept_in_the_repository() -> None:
    services = compose()["services"]
    for name in ("prometheus", "grafana"):
        assert services[name]["profiles"] == ["monitoring"]
        for volume in services[name]["volumes"]:
            assert (REPO / volume.split(":")[0]).exists(), volume


def test_dashboard_queries_only_exposed_series() -> None:
    dashboard = json.loads(DASHBOARD.read_text())
    exprs = [t["expr"] for p in dashboard["panels"] for t in p.get("targets", [])]
    used = {name for e in exprs for name in re.findall(r"\b((?:loadgen|chat)_[a-z_]+)", e)}
    assert used  # the dashboard does show something
    assert used - exposed_series() == set()
    assert all(
        p["datasource"]["uid"] == "bench-prometheus" for p in dashboard["panels"] if "targets" in p
    )


def test_latency_fold_counts_every_delivery_once() -> None:
    seconds = [{0: 2, 1500: 1}, {1200: 4}, {2000: 1}]
    fold = LatencyFold()
    early = fold.update(seconds.__getitem__, 2, 1)  # second 1 still open: counted, not kept
    late = fold.update(seconds.__getitem__, 3, 3)
    assert early["buckets"][-1] == 7
    assert late["buckets"][-1] == 8
    assert len(late["buckets"]) == len(LATENCY_BOUNDS_S) + 1
    assert late["buckets"] == sorted(late["buckets"])
