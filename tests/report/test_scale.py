"""Scale-out summaries (``bench scale``) in reports: figures per instance count, the change
from the fewest to the most instances, the plot."""

from __future__ import annotations

from pathlib import Path

from report.markdown import render_markdown
from report.scale import scenario_name, series
from report.summary import build_report
from tests.report.conftest import SCALE, assert_golden, load
from tests.report.test_commands import bench, write


def test_scale_report_golden() -> None:
    assert_golden("report-scale.md", render_markdown(build_report([(SCALE.name, load(SCALE))])))


def test_scale_series_and_verdict() -> None:
    doc = load(SCALE)
    assert scenario_name(doc) == "scale-out"
    counts, p99 = series(doc, "sio", "p99_ms")
    assert counts == [1, 2, 4] and len(p99) == 3
    section = build_report([(SCALE.name, doc)]).sections[0]
    assert section.title == "scale-out of scale-out: 1 to 4 instances"
    assert section.verdicts[0].startswith("python-socketio from 1 to 4 instances: deliveries/s")


def test_bench_report_draws_the_scale_plot(tmp_path: Path) -> None:
    result = bench("report", SCALE, "--out", tmp_path)
    assert result.exit_code == 0, result.output
    assert (tmp_path / "scale-scale-out-scale.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    empty = write(tmp_path / "empty.json", {"kind": "sio-vs-channels-bench/scale", "rows": []})
    bad = bench("report", empty, "--out", tmp_path / "x")
    assert bad.exit_code == 2 and str(empty) in bad.stderr
