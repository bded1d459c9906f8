"""The backplane comparison (pure): which pairs are not applicable, the cells, the words and
the Markdown/HTML rendering."""

from __future__ import annotations

from typing import Any

import pytest

from commands.backplanes import pairs, parse_backends
from documents import backplanes as backplanes_doc
from report.backplanes import render_html, render_markdown
from report.backplanes_model import cell, not_applicable, verdicts


def _run(p99: float, *, saturated: bool = False, served: float = 500.0) -> dict[str, Any]:
    return {
        "contender": "x",
        "phases": [
            {"kind": "warmup", "start_s": 0.0, "end_s": 1.0},
            {"kind": "steady", "start_s": 1.0, "end_s": 5.0},
        ],
        "overall": {
            "p50_ms": p99 / 4, "p99_ms": p99, "cross_p50_ms": p99 / 3, "cross_p99_ms": p99 * 1.2,
            "offered_deliveries_per_s": 500.0, "served_deliveries_per_s": served,
            "saturated": int(saturated), "lost": 0, "late": 0,
        },
        "validity": {"valid": True},
        "resources": {
            "t": [1.0, 2.0, 3.0, 4.0, 5.0, 6.0],
            "brokers": {
                "redis": {"cpu_percent": [50.0, 10.0, 12.0, 14.0, 16.0, 99.0],
                          "rss_bytes": [2**20] * 5 + [9 * 2**20]},
            },
        },
    }  # fmt: skip


def _doc() -> dict[str, Any]:
    cap = {"msgs_per_s": 1000.0, "bounded": "knee"}
    cells = [
        cell("redis", "sio", cap, _run(8.0), idle_cpu_pct=0.5),
        cell("redis", "channels", {"msgs_per_s": 300.0, "bounded": "knee"}, _run(40.0)),
        cell("rabbitmq", "sio", {"msgs_per_s": 500.0, "bounded": "above"}, _run(24.0)),
        cell(
            "rabbitmq",
            "channels",
            {"msgs_per_s": 250.0, "bounded": "knee"},
            _run(900.0, saturated=True, served=380.0),
        ),
        not_applicable("postgres", "sio", "python-socketio ships no PostgreSQL client manager"),
        cell(
            "postgres",
            "channels",
            {"msgs_per_s": 200.0, "bounded": "knee"},
            None,
            reason="calibration failed: boom",
        ),
    ]
    return backplanes_doc.new(
        backends=["redis", "rabbitmq", "postgres"], contenders=["sio", "channels"], cells=cells,
        load={"fraction": 0.25, "base": "channels on postgres", "base_msgs_per_s": 200.0,
              "deliveries_per_s": 50.0, "msgs_per_s": 5.0, "members_per_room": 10,
              "connections": 100},
        settings={"quick": True, "profile": "equal", "capacity_method": "calibration ramp"},
        results=["results/backplane-redis.json"], environment={},
    )  # fmt: skip


def test_pairs_mark_what_a_framework_does_not_ship_and_the_profile_excludes() -> None:
    found = {
        (b, c): why for b, c, why in pairs(["rabbitmq", "postgres"], ["sio", "sio-node"], "equal")
    }
    assert found[("rabbitmq", "sio")] is None and found[("postgres", "sio-node")] is None
    assert "not applicable" in str(found[("postgres", "sio")])
    assert "not applicable" in str(found[("rabbitmq", "sio-node")])
    idiomatic = {(b, c): why for b, c, why in pairs(["redis"], ["sio", "sio-node"], "idiomatic")}
    assert idiomatic[("redis", "sio")] is None
    assert "Django" in str(idiomatic[("redis", "sio-node")])


@pytest.mark.parametrize(
    ("text", "words"),
    [("redis,memory", "memory"), ("redis,redis", "twice"), (",", "no backplane"),
     ("kafka", "kafka")],
)  # fmt: skip
def test_bad_backend_lists_are_refused_saying_why(text: str, words: str) -> None:
    with pytest.raises(ValueError, match=words):
        parse_backends(text)
    assert parse_backends(" redis, postgres ") == ("redis", "postgres")


def test_broker_figures_cover_the_measured_seconds_only() -> None:
    broker = _doc()["cells"][0]["broker"]
    # samples at 2..5 s cover the steady phase (1-5 s); the 1 s and 6 s samples do not
    assert broker == {"sampled": True, "cpu_pct": 13.0, "memory_mb": 1.0, "idle_cpu_pct": 0.5}


def test_words_say_which_backplane_is_faster_and_by_how_much() -> None:
    said = verdicts(["sio", "channels"], _doc()["cells"])
    assert (
        "sio: highest capacity on Redis, 1,000 msgs/s; RabbitMQ at least 500 "
        "(a lower bound: no ratio)." in said
    )
    capacity = next(w for w in said if w.startswith("channels: highest capacity"))
    assert "RabbitMQ 250 (1.2x less); PostgreSQL 200 (1.5x less)" in capacity
    assert "sio: lowest p99 on Redis, 8.0 ms; RabbitMQ 24.0 ms (3.0x higher)." in said
    saturated = next(w for w in said if w.startswith("channels: lowest p99"))
    assert "RabbitMQ saturated: served 380 of 500 deliveries/s (76 %)" in saturated
    assert "PostgreSQL not measured (calibration failed: boom)" in saturated
    assert any("sio on PostgreSQL: not applicable (python-socketio ships" in w for w in said)
    assert not any("lost" in w for w in said)


def test_markdown_shows_not_applicable_saturated_and_bounds() -> None:
    md = render_markdown(_doc())
    assert "| PostgreSQL | not applicable | - |" in md  # capacity row: sio n/a, channels none
    assert "saturated, served 380/s (p99 900.0)" in md
    assert ">= 500" in md
    assert "13.0 (idle 0.5)" in md
    assert "Profile: equal. Mode: quick" in md
    assert "Common load: 50 deliveries/s" in md


def test_html_is_one_page_with_the_same_tables() -> None:
    page = render_html(_doc())
    assert page.startswith("<!DOCTYPE html>") and page.count("<table>") == 7
    assert '<td class="num">not applicable</td>' in page
    assert "Profile: equal" in page and "http" not in page.split("<style>")[0]


def test_document_round_trips(tmp_path: Any) -> None:
    path = tmp_path / "b.json"
    backplanes_doc.write(path, _doc())
    assert backplanes_doc.load(path)["cells"][4]["applicable"] is False
