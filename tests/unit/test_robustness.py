"""The robustness scenario, result document and report section (pure: no servers)."""

from __future__ import annotations

from pathlib import Path

import pytest

from documents import DocumentError
from documents.robustness import load, write
from loadgen.robustness.model import RobustnessFileError, document, load_scenario
from report.robustness import render_markdown

ROOT = Path(__file__).resolve().parents[2]


def test_the_shipped_scenario_has_all_four_probes() -> None:
    scenario = load_scenario(ROOT / "scenarios" / "robustness.yaml")
    assert scenario.contenders == ("sio", "channels")
    probes = scenario.probes
    assert probes.slow_consumer and probes.disconnect_churn
    assert probes.half_open_flood and probes.malformed_storm


def test_unknown_fields_are_refused(tmp_path: Path) -> None:
    path = tmp_path / "bad.yaml"
    path.write_text("name: x\nprobes: {slow_consumer: {readerz: 3}}\n")
    with pytest.raises(RobustnessFileError, match="readerz"):
        load_scenario(path)


def test_result_round_trip_and_kind_check(tmp_path: Path) -> None:
    scenario = load_scenario(ROOT / "scenarios" / "robustness.yaml")
    figures = {"slow_consumer": {"cut_off_after_s": 7.5, "server_rss_growth_mib": 1.0}}
    doc = document(scenario, {"sio": figures, "channels": {}}, {"send_queue_bytes": 4})
    path = tmp_path / "r.json"
    write(path, doc)
    assert load(path) == doc
    path.write_text('{"kind": "result", "version": 1}')
    with pytest.raises(DocumentError, match="not a bench robustness result file"):
        load(path)


def test_section_puts_contenders_side_by_side() -> None:
    scenario = load_scenario(ROOT / "scenarios" / "robustness.yaml")
    doc = document(
        scenario,
        {
            "sio": {"slow_consumer": {"cut_off_after_s": 7.5}, "half_open_flood": {"x": 1}},
            "channels": {"slow_consumer": {"cut_off_after_s": None}},
        },
        {"send_queue_seconds": 10.0},
    )
    text = render_markdown(doc)
    assert "| figure | python-socketio | Channels (uvicorn) |" in text
    assert "| cut off after s | 7.5 | never |" in text
    assert "| x | 1 | - |" in text
    assert "Malformed-frame storm" not in text  # no figures, no table
    assert "send_queue_seconds 10.0" in text
