"""``bench scale``'s summary file: versioned, carrying the environment, written atomically; an
old unversioned summary still loads in the report. (No servers: the runs are stand-ins.)"""

from __future__ import annotations

import io
import json
import os
from pathlib import Path
from typing import Any

import pytest

from commands import scale as scale_command
from documents import scale as scale_doc
from loadgen.run.runner import RunOptions
from report.loading import load_for_report
from report.summary import build_report

ROOT = Path(__file__).resolve().parents[2]
OLD = ROOT / "tests" / "fixtures" / "results" / "scale-out.json"


def fake_result(instances: int) -> dict[str, Any]:
    overall = {"msgs_per_s": 30.0 * instances, "deliveries_per_s": 300.0 * instances,
               "p50_ms": 1.0, "p99_ms": 2.0, "loss": 0, "server_cpu_pct": 5.0}  # fmt: skip
    run = {"contender": "sio", "overall": overall, "servers": [{"cpus": [1]}],
           "validity": {"valid": True}, "expectations": []}  # fmt: skip
    return {"run_id": f"scale-out-20250101T000000Z-{instances:06x}", "status": "complete",
            "scenario": {"name": "scale-out"}, "runs": [run]}  # fmt: skip


@pytest.fixture
def summary(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    async def run_scenario(scenario: Any, _source: str, options: RunOptions) -> Any:
        doc = fake_result(scenario.instances)
        return options.out_dir / f"{doc['run_id']}.json", doc

    monkeypatch.setattr(scale_command, "run_scenario", run_scenario)
    out = io.StringIO()
    options = RunOptions(out_dir=tmp_path, progress=None)
    status = scale_command.scale(ROOT / "scenarios" / "scale-out.yaml", [1, 2], {}, options, out)
    assert status == 0, out.getvalue()
    (line,) = [x for x in out.getvalue().splitlines() if x.startswith("scale summary: ")]
    return Path(line.removeprefix("scale summary: "))


def test_a_new_summary_is_versioned_and_carries_the_environment(summary: Path) -> None:
    raw = json.loads(summary.read_text())
    assert raw["kind"] == scale_doc.KIND
    assert raw["schema_version"] == scale_doc.SCHEMA_VERSION == 2
    assert raw["environment"]["python"] and raw["environment"]["cpu_count"]
    assert raw["created"]
    assert [(r["instances"], r["msgs_per_s"]) for r in raw["rows"]] == [(1, 30.0), (2, 60.0)]
    assert raw["results"][0].startswith("scale-out-")
    assert os.listdir(summary.parent) == [summary.name]  # the atomic write left no temp file


def test_new_and_old_summaries_load_in_the_report(summary: Path) -> None:
    named = load_for_report([summary, OLD])
    assert "schema_version" not in named[1][1]  # today's unversioned file: version 1
    assert scale_doc.FORMAT.version_of(named[1][1]) == 1
    sections = build_report(named).sections
    assert [s.title for s in sections][:1] == ["scale-out of scale-out: 1 to 2 instances"]
