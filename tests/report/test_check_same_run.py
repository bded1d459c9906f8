"""``bench check --base``'s judgement (pure): one result holding both trees' runs, labelled
``contender@base`` / ``contender@HEAD``, judged side against side without a reference. Built
from real results: the unchanged tree's runs against themselves, and a tree whose sio was
slowed by 2 ms per message (``ci-short-slow.json``)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from report.check import check_same_run, render_check, split_sides
from tests.report.conftest import CI_BASE, CI_SAME, CI_SLOW, RESULTS

# A real `bench check --base HEAD` result on an unchanged tree (sio and channels, 2 x 4 s per
# side at a calibrated 12.5 msgs/s), trimmed with tests/fixtures/trim.py.
AB_SAME = RESULTS / "check-ab-same.json"


def same_run(base: Path, current: Path, tag: str = "HEAD") -> dict[str, Any]:
    """The runs of ``base`` as ``@base`` and those of ``current`` as ``@tag``, interleaved."""
    doc: dict[str, Any] = json.loads(base.read_text())
    cur = json.loads(current.read_text())
    runs = []
    for a, b in zip(doc["runs"], cur["runs"], strict=True):
        runs += [{**a, "contender": f"{a['contender']}@base"},
                 {**b, "contender": f"{b['contender']}@{tag}"}]  # fmt: skip
    return {**doc, "runs": runs}


def statuses(document: dict[str, Any]) -> dict[tuple[str, str], str]:
    tag = document.get("ab", {}).get("current", {}).get("tag", "HEAD")
    result = check_same_run(document, base_tag="base", current_tag=tag, tolerance=0.20)
    assert result.relative_to is None and result.same_run
    return {(r.contender, r.metric): r.status for r in result.rows}


def test_split_sides_gives_each_side_its_runs_under_the_bare_name() -> None:
    document = same_run(CI_BASE, CI_SAME)
    base, current = split_sides(document, "base", "HEAD")
    assert [r["contender"] for r in base["runs"]] == [r["contender"] for r in current["runs"]]
    assert {r["contender"] for r in base["runs"]} == {"sio", "channels", "reference"}
    assert len(base["runs"]) == len(current["runs"]) == 6
    assert split_sides(document, "other", "HEAD")[0]["runs"] == []


def test_an_unchanged_tree_measured_in_one_run_passes() -> None:
    found = statuses(json.loads(AB_SAME.read_text()))
    metrics = ("p50_ms", "p99_ms", "deliveries_per_s", "loss_pct")
    assert set(found) == {(c, m) for c in ("sio", "channels") for m in metrics}
    assert "regressed" not in found.values() and "missing" not in found.values(), found


def test_a_slowed_contender_regresses_and_only_that_one() -> None:
    found = statuses(same_run(CI_BASE, CI_SLOW))
    assert found[("sio", "p50_ms")] == "regressed"
    assert all(status != "regressed" for (c, _), status in found.items() if c != "sio"), found


def test_a_side_missing_from_the_run_fails() -> None:
    document = same_run(CI_BASE, CI_SAME, tag="other")
    result = check_same_run(document, base_tag="base", current_tag="HEAD")
    assert result.failed


def test_the_markdown_says_it_is_a_same_run_comparison() -> None:
    result = check_same_run(same_run(CI_BASE, CI_SAME), base_tag="base", current_tag="HEAD",
                            described="`main` vs the current tree")  # fmt: skip
    text = render_check(result)
    assert "Same run: `main` vs the current tree" in text
    assert "| contender | metric | base | current |" in text


def test_p99_can_have_a_tolerance_of_its_own() -> None:
    document = same_run(CI_BASE, CI_SLOW)
    strict = check_same_run(document, base_tag="base", current_tag="HEAD", tolerance=0.20)
    loose = check_same_run(document, base_tag="base", current_tag="HEAD", tolerance=0.20,
                           tail_tolerance=100.0)  # fmt: skip
    assert [r.status for r in loose.rows if r.metric == "p99_ms"] == ["ok"] * 3
    others = [(r.contender, r.metric, r.status) for r in strict.rows if r.metric != "p99_ms"]
    assert others == [(r.contender, r.metric, r.status) for r in loose.rows if r.metric != "p99_ms"]
    assert "(10000% for p99)" in render_check(loose)
