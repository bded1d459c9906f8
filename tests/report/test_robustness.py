"""Robustness results (``bench robustness``) in reports: one table per probe, contenders side
by side, in the Markdown and the HTML; the loader reads them and refuses unknown kinds."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from documents.robustness import KIND
from report import fields
from report.html import render_html
from report.loading import InputError, load_for_report
from report.markdown import render_markdown
from report.robustness import render_markdown as robustness_markdown
from report.summary import build_report
from tests.report.conftest import ECHO, ROOT, load
from tests.report.test_commands import bench, write

SAMPLE = ROOT / "docs" / "sample" / "robustness.json"


def test_the_report_reads_the_owners_kind() -> None:
    assert fields.ROBUSTNESS_KIND == KIND


def test_markdown_and_html_hold_the_section_with_both_contenders() -> None:
    report = build_report([(SAMPLE.name, load(SAMPLE))])
    (section,) = report.sections
    assert section.title == "Robustness" and section.slug == "robustness"
    assert section.tables[0][0] == "Slow consumer (members that stop reading)"
    md = render_markdown(report)
    assert "## Robustness" in md
    assert "| figure | python-socketio | Channels (uvicorn) |" in md
    assert "| healthy connect p99 ms | 6.19 | 3.22 |" in md  # sio, then channels
    assert "| others latency p50 ms | 0.95 | 1.94 |" in md
    assert "Each contender ran the identical plan" not in md  # no runs, no run method
    page = render_html(report, {})
    assert '<section id="robustness">' in page and "<h3>Half-open connection flood</h3>" in page
    assert '<th class="num">python-socketio</th><th class="num">Channels (uvicorn)</th>' in page
    assert '<td>healthy connect p99 ms</td><td class="num">6.19</td>' in page
    assert '<td class="num">3.22</td>' in page


def test_bench_robustness_prints_the_same_tables() -> None:
    doc = load(SAMPLE)
    text = robustness_markdown(doc)
    section = build_report([(SAMPLE.name, doc)]).sections[0]
    assert text.startswith("## Robustness\n\nLimits in force: frame_limit_bytes 327680")
    for caption, _ in section.tables:
        assert f"### {caption}" in text
    assert "| healthy connect p99 ms | 6.19 | 3.22 |" in text


def test_loader_reads_a_robustness_result_beside_results(tmp_path: Path) -> None:
    named = load_for_report([ECHO, SAMPLE])
    assert [fields.kind(d) for _, d in named] == [fields.RESULT_KIND, KIND]
    report = build_report(named)
    assert [s.slug for s in report.sections] == [fields.scenario_name(named[0][1]), "robustness"]
    result = bench("report", ECHO, SAMPLE, "--out", tmp_path)
    assert result.exit_code == 0, result.output
    assert "| others latency p99 ms | 3.36 | 5.95 |" in (tmp_path / "report.md").read_text()
    assert "<h2>Robustness</h2>" in (tmp_path / "report.html").read_text()


def test_loader_refuses_bad_robustness_results_and_unknown_kinds(tmp_path: Path) -> None:
    doc = load(SAMPLE)
    newer = write(tmp_path / "newer.json", dict(doc, version=99))
    with pytest.raises(InputError, match="version 99 is newer than this harness understands"):
        load_for_report([newer])
    empty = write(tmp_path / "empty.json", dict(doc, contenders={}))
    with pytest.raises(InputError, match="holds no contenders"):
        load_for_report([empty])
    unknown = write(tmp_path / "unknown.json", dict(doc, kind="something-else"))
    with pytest.raises(InputError, match="kind 'something-else' is not one bench report reads"):
        load_for_report([unknown])
    result = bench("report", unknown, "--out", tmp_path / "out")
    assert result.exit_code == 2 and str(unknown) in result.stderr
    assert json.loads(SAMPLE.read_text()) == doc  # the sample is untouched
