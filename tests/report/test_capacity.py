"""Capacity searches in reports: the maximum of each contender with its status, the ratio in
plain words, every step, the knee plot's data; mixed with normal results in one report."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

from report import capacity
from report.capacity import KneePoint, knee_line, max_load_text, slo_limit
from report.fields import CAPACITY_KIND
from report.markdown import render_markdown
from report.plotplan import plot_plan
from report.summary import build_report
from tests.report.conftest import CAPACITY, ECHO, assert_golden, load
from tests.report.test_commands import bench, write


def test_capacity_report_golden() -> None:
    assert_golden(
        "report-capacity.md", render_markdown(build_report([(CAPACITY.name, load(CAPACITY))]))
    )


def test_maxima_ratio_and_status_in_plain_words() -> None:
    section = build_report([(CAPACITY.name, load(CAPACITY))]).sections[0]
    assert section.verdicts[0] == (
        "python-socketio sustains 4.59x the load of Channels (uvicorn) (1950 vs 425 msgs/s)."
    )
    maxima = dict(section.tables)["Maximum sustainable load"]
    assert maxima.rows[0][:2] == ("python-socketio", "1950 msgs/s")
    assert maxima.rows[1][:2] == ("Channels (uvicorn)", "425 msgs/s")
    assert maxima.rows[0][4] == "10 / 8 / 2"  # passes / failures / load-generator-bound steps
    # The two steps the load generator could not drive are flagged, never counted.
    flagged = [w.text for w in section.warnings if "not counted: loadgen_bound" in w.text]
    assert [t.split(":")[0] for t in flagged] == [
        "python-socketio step 7 at 1600 msgs/s",
        "python-socketio step 10 at 3200 msgs/s",
    ]


def limited() -> dict[str, Any]:
    """The real search, as if sio's last steps had all been load-generator bound."""
    doc = copy.deepcopy(load(CAPACITY))
    doc["contenders"]["sio"]["maximum"] = {
        "status": "loadgen_limited", "complete": False, "load": 1600.0, "ceiling": 3200.0,
        "ceiling_outcome": "unknown", "non_monotone": [], "unit": "msgs/s",
        "text": "at least 1600 msgs/s, limited by the load generator: at 3200 msgs/s the run "
        "could not measure the server (see the step's reasons)",
    }  # fmt: skip
    return doc


def test_a_load_generator_bound_maximum_reads_at_least() -> None:
    section = build_report([("limited.json", limited())]).sections[0]
    maxima = dict(section.tables)["Maximum sustainable load"]
    assert maxima.rows[0][1] == "at least 1600 msgs/s, limited by the load generator"
    assert maxima.rows[0][2].startswith("limited by the load generator")
    assert section.verdicts[0] == (
        "python-socketio sustains at least 3.76x the load of Channels (uvicorn) "
        "(1600 vs 425 msgs/s)."
    )
    assert any("the maximum is only a lower bound" in w.text for w in section.warnings)


def test_max_load_text_for_every_status() -> None:
    assert max_load_text({"status": "found", "load": 450.0}, "msgs/s") == "450 msgs/s"
    assert max_load_text({"status": "at_least", "load": 6400.0}, "msgs/s") == "at least 6400 msgs/s"
    assert max_load_text({"status": "none", "load": None}, "msgs/s") == "none"
    assert max_load_text({"status": "loadgen_limited", "load": None}, "x") == (
        "unknown, limited by the load generator"
    )
    assert max_load_text({"status": "step_limit", "load": 80.0}, "connections") == (
        "unknown (highest pass 80 connections)"
    )


def test_knee_line_uses_medians_of_measured_steps_only() -> None:
    points = [
        KneePoint(100, 1.0, 5.0, "pass", False),
        KneePoint(200, 2.0, 60.0, "fail", False),
        KneePoint(200, 1.0, 10.0, "pass", False),
        KneePoint(200, 4.0, 20.0, "pass", False),
        KneePoint(400, 50.0, 900.0, "unknown", True),  # the load generator's limit, not drawn
    ]
    assert knee_line(points) == ([100, 200], [1.0, 2.0], [5.0, 20.0])
    real = capacity.knee_points(load(CAPACITY), "sio")
    assert len(real) == 20 and sum(p.loadgen_bound for p in real) == 2


def test_slo_limit() -> None:
    assert slo_limit(load(CAPACITY)) == 50.0
    assert slo_limit({"slo": ["loss == 0"]}) is None
    assert slo_limit({"slo": ["p99_ms <= 12.5"]}) == 12.5


def test_capacity_plots_and_kind_constants_match_the_writer() -> None:
    from documents.capacity import KIND

    assert CAPACITY_KIND == KIND
    section = build_report([(CAPACITY.name, load(CAPACITY))]).sections[0]
    assert [p.filename for p in section.plots] == ["capacity-capacity-knee.png"]
    assert plot_plan([load(ECHO)], "echo")[0].kind == "spectrum-delivery"


def test_bench_report_takes_capacity_results_mixed_with_normal_ones(tmp_path: Path) -> None:
    result = bench("report", ECHO, CAPACITY, "--out", tmp_path)
    assert result.exit_code == 0, result.output
    names = {p.name for p in tmp_path.glob("*.png")}
    assert {"capacity-capacity-knee.png", "echo-timeline.png"} <= names
    markdown = (tmp_path / "report.md").read_text()
    assert markdown.index("## echo") < markdown.index("## capacity of capacity by rate")
    html = (tmp_path / "report.html").read_text()
    assert html.count('<img src="data:image/png;base64,') == len(names)


def test_bad_capacity_files_exit_2_and_compare_refuses_them(tmp_path: Path) -> None:
    newer = write(tmp_path / "newer.json", {**load(CAPACITY), "schema_version": 99})
    result = bench("report", newer, "--out", tmp_path / "out")
    assert result.exit_code == 2
    assert str(newer) in result.stderr and "schema_version 99 is newer" in result.stderr
    broken = write(tmp_path / "broken.json", {**load(CAPACITY), "contenders": []})
    result = bench("report", broken, "--out", tmp_path / "out")
    assert result.exit_code == 2
    assert "'contenders' is missing or not a dict" in result.stderr
    refused = bench("compare", CAPACITY, CAPACITY)
    assert refused.exit_code == 2 and "not a bench result file" in refused.stderr


def schema2() -> dict[str, Any]:
    """The real search as the current harness writes it: the interval with its votes, the
    served ratio of every step, and which steps reused their servers."""
    doc = copy.deepcopy(load(CAPACITY))
    doc["schema_version"] = 2
    doc["search"].update(votes=3, served_ratio_min=0.98, step_grace_s=3.0, reuse_servers=True)
    channels = doc["contenders"]["channels"]
    channels["maximum"]["interval"] = {
        "pass": 425.0, "fail": 437.5, "spread": 437.5 / 425 - 1, "pass_votes": "1/1",
        "fail_votes": "2/3",
    }  # fmt: skip
    for step in channels["steps"]:
        step.update(server="reused", server_why="kept running", served_ratio=0.995)
    channels["steps"][0]["server"] = "started"
    last = channels["steps"][-1]
    last.update(server="restarted", server_why="the step before left a backlog: queued 40")
    last.update(served_ratio=0.9, reasons=["did not keep up: served 90.0% of the offered load"])
    return doc


def test_a_schema_2_search_shows_the_interval_votes_served_ratio_and_servers() -> None:
    section = build_report([("v2.json", schema2())]).sections[0]
    maxima = dict(section.tables)["Maximum sustainable load"]
    assert maxima.rows[1][3] == "425 - 437.5 msgs/s, spread 2.9% (votes 1/1, 2/3)"
    assert maxima.rows[1][5] == "16 of 18"  # steps on reused servers
    assert maxima.rows[0][3] == "1950 - 2000 msgs/s, spread 2.6%"  # no votes recorded
    rows = dict(section.tables)["Every step of the search, in order"].rows
    channels = [r for r in rows if r[0] == "Channels (uvicorn)"]
    assert channels[0][7] == "99.5%" and channels[0][10] == "started"
    assert channels[1][10] == "reused"
    assert channels[-1][10] == "restarted: the step before left a backlog: queued 40"
    assert channels[-1][11] == "did not keep up: served 90.0% of the offered load"
    setup_rows = {row[0]: row[1] for row in section.setup.rows} if section.setup else {}
    assert setup_rows["noise"].startswith("both bounds of the interval decided by a majority of 3")
    assert "at least 98% of the offered load is served" in setup_rows["a step passes"]
    assert setup_rows["each step"].startswith("servers kept running from a step that left no")


def test_a_schema_1_search_still_reads_as_before() -> None:
    section = build_report([(CAPACITY.name, load(CAPACITY))]).sections[0]
    setup_rows = {row[0]: row[1] for row in section.setup.rows} if section.setup else {}
    assert setup_rows["noise"] == "a failing load is re-run, best of 3"
    assert setup_rows["a step passes"] == "the SLO holds"
    assert setup_rows["each step"].startswith("fresh servers")
    rows = dict(section.tables)["Every step of the search, in order"].rows
    assert {r[10] for r in rows} == {"fresh"} and {r[7] for r in rows} == {"-"}


def test_bench_report_reads_a_schema_2_capacity_file(tmp_path: Path) -> None:
    path = write(tmp_path / "v2.json", schema2())
    result = bench("report", path, "--out", tmp_path / "out")
    assert result.exit_code == 0, result.output
    assert "votes 1/1, 2/3" in (tmp_path / "out" / "report.md").read_text()


def test_a_disturbed_step_says_why_in_its_note_whatever_its_outcome() -> None:
    doc = schema2()
    step = doc["contenders"]["sio"]["steps"][0]
    why = "disturbed: other processes used 75% of a core while it ran (more than 40%)"
    step.update(outcome="pass", disturbed=True, reasons=[why])
    rows = dict(build_report([("v2.json", doc)]).sections[0].tables)[
        "Every step of the search, in order"
    ].rows
    assert rows[0][11] == why
    assert all(row[11] == "-" for row in rows[1:] if row[0] == rows[0][0] and row[3] == "pass")
