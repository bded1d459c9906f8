"""``bench suite --backends``: two backplanes compared end to end, with real brokers (short)."""

from __future__ import annotations

import io
from pathlib import Path

import pytest

from commands.backplanes import BackplaneSettings, run_backplanes
from documents import backplanes as backplanes_doc
from tests.contract.conftest import rabbitmq_url  # noqa: F401 (a fixture)

pytestmark = [pytest.mark.integration, pytest.mark.slow]


def test_two_backplanes_compared_in_quick_mode(
    tmp_path: Path,
    redis_url: str,
    rabbitmq_url: str,  # noqa: F811 (the fixture imported above)
) -> None:
    settings = BackplaneSettings(
        backends=("redis", "rabbitmq"), out_dir=tmp_path, quick=True, contenders=("sio",),
        capacity=800.0, steady_s=2.0, redis_url=redis_url, rabbitmq_url=rabbitmq_url,
    )  # fmt: skip
    out = io.StringIO()
    status = run_backplanes(settings, out)
    text = out.getvalue()
    assert status in (0, 1), text  # 1: a run judged invalid on a loaded machine is a finding
    (path,) = tmp_path.glob("backplanes-*.json")
    doc = backplanes_doc.load(path)
    cells = {c["backend"]: c for c in doc["cells"]}
    assert set(cells) == {"redis", "rabbitmq"} and doc["load"]["deliveries_per_s"] == 400.0
    for backend, c in cells.items():
        assert c["applicable"] and c["capacity"]["given"], c
        latency = c["latency"]
        assert latency["deliveries"] > 0 and latency["lost"] == 0, (backend, latency)
        # rooms of 10 over two instances: about half of the deliveries cross instances
        share = latency["cross_deliveries"] / latency["deliveries"]
        assert 0.3 < share < 0.7, (backend, latency)
        assert latency["cross_p99_ms"] is not None
        assert c["broker"]["sampled"] and c["broker"]["memory_mb"] > 0, (backend, c["broker"])
    report = (tmp_path / path.stem / "report.md").read_text()
    assert "# Backplane comparison" in report and "| RabbitMQ |" in report
    assert (tmp_path / path.stem / "report.html").read_text().startswith("<!DOCTYPE html>")
    assert f"comparison: {path}" in text


def test_suite_runs_under_the_idiomatic_profile_and_the_report_names_it(tmp_path: Path) -> None:
    from commands.suite import SuiteSettings, run_suite
    from documents import result as result_doc

    settings = SuiteSettings(
        quick=True, out_dir=tmp_path, redis_url="redis://127.0.0.1:1", contenders=("sio",),
        capacity=200.0, scenarios=("echo",), levels=(0.25,), profile="idiomatic",
    )  # fmt: skip
    assert run_suite(settings, io.StringIO()) in (0, 1)  # 1: judged invalid on a loaded machine
    (result,) = tmp_path.glob("echo-*.json")
    doc = result_doc.load(result)
    assert doc["scenario"]["profile"] == "idiomatic"
    assert doc["settings"]["server"]["profile"] == "idiomatic"
    run = doc["runs"][0]
    assert run["connected"] == run["connections"] > 0  # every client's token was seeded
    (page,) = tmp_path.glob("report-*/report.html")
    text = page.read_text()
    assert "(profile idiomatic)" in text and "idiomatic: Django&#x27;s ORM" in text
