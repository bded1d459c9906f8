"""Validity warnings are collected and shown first, in Markdown and HTML (pure)."""

from __future__ import annotations

import copy
from typing import Any

from report.html import render_html
from report.markdown import render_markdown
from report.summary import build_report
from tests.report.conftest import CI_SLOW, ECHO, load


def damaged() -> dict[str, Any]:
    doc = copy.deepcopy(load(ECHO))
    doc["status"] = "partial"
    doc["partial_reasons"] = ["channels#0: sio[0] on http://127.0.0.1:1 died at t=3.0s"]
    run = doc["runs"][1]
    run["validity"] = {"valid": False, "reasons": ["loadgen_bound: worker 0 used 97% of a core"]}
    run["expectations"] = [{"expectation": "p99_ms < 1", "passed": False, "actual": 4.2}]
    run["server_logs"] = {"errors": 3, "warnings": 1, "groups": {"ERROR boom #": 3}}
    return doc


def test_partial_invalid_and_failed_runs_are_flagged_before_the_figures() -> None:
    text = render_markdown(build_report([("damaged.json", damaged())]))
    flags = [
        "**INVALID**: partial result (partial): channels#0: sio[0]",
        "**INVALID**: channels repetition 1: loadgen_bound: worker 0 used 97% of a core",
        "**WARNING**: channels repetition 1: expectation failed: p99_ms < 1 (actual 4.2)",
        "**WARNING**: channels repetition 1: the server logged 3 errors and 1 warnings",
        "note: memory backend",
    ]
    for flag in flags:
        assert flag in text, flag
        assert text.index(flag) < text.index("**Verdict**")
    assert "| Channels (uvicorn) | 1/2 |" in text  # one of two runs valid


def test_environment_mismatch_and_injected_delay_are_flagged() -> None:
    other = copy.deepcopy(load(ECHO))
    other["environment"]["python"] = "3.12.0"
    report = build_report([("a.json", load(ECHO)), ("b.json", other), ("slow.json", load(CI_SLOW))])
    text = render_markdown(report)
    assert "**INVALID**: environment mismatch: b.json vs a.json: python: 3.11.7 != 3.12.0" in text
    assert "an artificial per-message delay was injected: sio 2 ms" in text
    html = render_html(report, {})
    assert '<li class="invalid">INVALID: environment mismatch' in html
