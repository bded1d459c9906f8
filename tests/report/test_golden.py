"""Report tables, compare and check verdicts from real result fixtures, against golden files."""

from __future__ import annotations

import json
from typing import Any

from report.check import check, check_json, render_check
from report.compare import compare, comparison_json, render_comparison
from report.markdown import render_markdown
from report.summary import build_report
from tests.report.conftest import CI_BASE, CI_SAME, CI_SLOW, assert_golden, load


def _json(data: dict[str, Any]) -> str:
    return json.dumps(data, indent=1, sort_keys=True) + "\n"


def test_report_markdown(named: list[tuple[str, dict[str, Any]]]) -> None:
    assert_golden("report.md", render_markdown(build_report(named)))


def test_compare_two_unchanged_runs() -> None:
    result = compare([(CI_BASE.name, load(CI_BASE))], [(CI_SAME.name, load(CI_SAME))])
    assert_golden("compare-same.md", render_comparison(result))
    assert_golden("compare-same.json", _json(comparison_json(result)))


def test_compare_catches_the_slowed_contender() -> None:
    result = compare([(CI_BASE.name, load(CI_BASE))], [(CI_SLOW.name, load(CI_SLOW))])
    assert_golden("compare-slow.md", render_comparison(result))
    sio_p50 = next(r for r in result.rows if r.contender == "sio" and r.metric == "p50_ms")
    assert sio_p50.result.verdict == "worse"


def test_check_passes_an_unchanged_run() -> None:
    result = check([load(CI_BASE)], [load(CI_SAME)])
    assert_golden("check-same.md", render_check(result))
    assert_golden("check-same.json", _json(check_json(result)))
    assert not result.failed


def test_check_fails_the_injected_slowdown() -> None:
    result = check([load(CI_BASE)], [load(CI_SLOW)])
    assert_golden("check-slow.md", render_check(result))
    assert_golden("check-slow.json", _json(check_json(result)))
    assert result.failed
    regressed = {(r.contender, r.metric) for r in result.rows if r.status == "regressed"}
    assert ("sio", "p50_ms") in regressed
    assert all(contender == "sio" for contender, _ in regressed)
