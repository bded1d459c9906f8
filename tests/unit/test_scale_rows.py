"""The scale-out summary: medians per instance count and contender, rendered side by side."""

from __future__ import annotations

import statistics

from loadgen.measure.scale import scale_rows
from report.scale_text import render


def run(contender: str, msgs: float, p99: float, loss: int = 0) -> dict:
    overall = {"msgs_per_s": msgs, "deliveries_per_s": msgs * 10, "p50_ms": 1.0, "p99_ms": p99,
               "loss": loss, "server_cpu_pct": 50.0}  # fmt: skip
    return {"contender": contender, "overall": overall, "servers": [{"cpus": [1]}]}


def test_rows_take_the_median_of_repetitions_per_instance_count() -> None:
    one = {"runs": [run("sio", 100, 5), run("channels", 80, 9), run("sio", 300, 7),
                    run("channels", 60, 8, loss=1), run("sio", 200, 6)]}  # fmt: skip
    two = {"runs": [run("sio", 400, 4), run("channels", 160, 12)]}
    rows = scale_rows([(1, one), (2, two)])
    assert [(r["instances"], r["contender"], r["msgs_per_s"], r["p99_ms"]) for r in rows] == [
        (1, "sio", 200, 6),
        (1, "channels", 70, 8.5),  # an even count: the mean of the middle two, as in reports
        (2, "sio", 400, 4),
        (2, "channels", 160, 12),
    ]
    assert rows[1]["msgs_per_s"] == statistics.median([80, 60])
    assert rows[1]["loss"] == 0.5 and rows[0]["cpus"] == [1]
    text = render(rows)
    assert text.splitlines()[0].split()[:4] == ["instances", "contender", "msgs/s", "deliv/s"]
    assert "  [1]" in text.splitlines()[1]
    assert text.splitlines()[2].split()[-3:-1] == ["0.5", "50"]  # loss, CPU %


def test_a_contender_without_samples_has_no_figures() -> None:
    empty = {"contender": "sio", "overall": {}, "servers": []}
    (row,) = scale_rows([(1, {"runs": [empty]})])
    assert row["msgs_per_s"] is None and row["cpus"] is None
    assert render([row]).splitlines()[1].split() == ["1", "sio", "-", "-", "-", "-", "-", "-", "-"]
