"""Saturation, late and lost in the report's words (pure: synthetic schema-2 documents)."""

from __future__ import annotations

from typing import Any

from report.compare import compare
from report.figures import contender_figures, format_bound
from report.markdown import render_markdown
from report.saturation import run_saturation_sentence
from report.series import throughput_points
from report.summary import Report, build_report
from report.summary_text import render_summary
from report.tables import Table
from tests.report.conftest import ECHO, FAULT_KILL, load
from tests.report.synthetic import CHANNELS_SATURATED, Outcome, schema2

SENTENCE = (
    "Channels (uvicorn) was saturated at 500 msgs/s: it served 110/s and its queue reached "
    "6.5 s; 2,345 deliveries were late, 0 lost. It was not CPU-bound (52 % of a core): waiting "
    "on its backplane or I/O. Its latency measures its queue, not its speed: it is left out of "
    "the latency and CPU comparisons."
)


def _report(doc: dict[str, Any]) -> Report:
    return build_report([("synthetic.json", doc)])


def _table(report: Report, starts: str) -> Table:
    return next(t for caption, t in report.sections[0].tables if caption.startswith(starts))


def _row(table: Table, contender: str) -> dict[str, str]:
    row = next(r for r in table.rows if r[0] == contender)
    return dict(zip(table.headers, row, strict=True))


def test_a_saturated_contender_is_described_in_words_not_ratios() -> None:
    report = _report(schema2({"channels": CHANNELS_SATURATED}))
    said = report.sections[0].verdicts
    assert said[0] == SENTENCE
    pair = next(s for s in said if s.startswith("python-socketio kept up"))
    assert pair == (
        "python-socketio kept up with the offered load and Channels (uvicorn) did not: "
        "python-socketio served 4.5x the deliveries/s of Channels (uvicorn) (500 vs 110); "
        "latency is compared only among contenders that kept up."
    )
    latency_leaders = [s for s in said if s.startswith(("Lowest p50", "Lowest p99"))]
    assert latency_leaders and not any("Channels (uvicorn)" in s for s in latency_leaders)
    assert not any("lost 2" in s or "loss" in s.lower() for s in said)
    latency = _row(_table(report, "Latency"), "Channels (uvicorn)")
    assert [latency[k] for k in ("p50", "p90", "p99", "p99.9", "max")] == ["saturated"] * 5
    assert latency["connect p99"] not in ("saturated", "-")
    ratios = _row(_table(report, "Ratio"), "Channels (uvicorn)")
    assert ratios["p50"] == ratios["p99"] == ratios["p99.9"] == ratios["CPU %"] == "saturated"
    cpu = next(s for s in said if s.startswith("Lowest CPU"))
    assert "Channels (uvicorn)" not in cpu
    volume = _row(_table(report, "Throughput"), "Channels (uvicorn)")
    assert volume["offered deliveries/s"] == "500" and volume["served deliveries/s"] == "110"
    assert volume["late"] == "2345" and volume["lost"] == "0" and volume["queue (s)"] == "6.50"
    assert "loss" not in volume and "queued" not in volume


def test_contenders_that_kept_up_still_get_latency_ratios() -> None:
    report = _report(schema2({"channels": CHANNELS_SATURATED}))
    said = report.sections[0].verdicts
    pair = next(s for s in said if "Channels (Daphne)" in s and " delivered " in s)
    assert pair.startswith("python-socketio delivered the same deliveries/s as Channels (Daphne)")
    assert "x lower p99" in pair
    p99 = next(s for s in said if s.startswith("Lowest p99"))
    assert p99.startswith("Lowest p99: python-socketio (") and "Channels (Daphne) " in p99
    ratios = _row(_table(report, "Ratio"), "Channels (Daphne)")
    assert ratios["p99"].endswith("x")


def test_cpu_bound_and_fan_out_wording() -> None:
    doc = schema2(
        {"channels": Outcome(served=300.0, queue_s=0.4, bound="cpu", cpu_per_instance_pct=98.0)}
    )
    for run in doc["runs"]:
        run["overall"]["offered_msgs_per_s"] = 50.0  # each message to 10 members
    text = _report(doc).sections[0].verdicts[0]
    assert text.startswith(
        "Channels (uvicorn) was saturated at 50 msgs/s (500 deliveries/s): it served 300 "
        "deliveries/s and its queue reached 400 ms; 0 deliveries were late, 0 lost. It was "
        "bounded by CPU (98 % of a core)."
    )


def test_a_rate_below_one_message_a_second_keeps_its_digits() -> None:
    """A fanout of 200 deliveries a message at 0.675 msgs/s read "saturated at 0 msgs/s"."""
    doc = schema2({"sio": Outcome(served=83.0, queue_s=0.014)})
    for run in doc["runs"]:
        run["overall"]["offered_msgs_per_s"] = 0.675
    text = _report(doc).sections[0].verdicts[0]
    assert "python-socketio was saturated at 0.68 msgs/s (500 deliveries/s)" in text, text


def test_saturated_by_a_growing_queue_in_one_repetition_only() -> None:
    grows = Outcome(served=490.0, saturated=True, queue_s=1.2, repetitions=(1,))
    report = _report(schema2({"sio": grows}))
    said = report.sections[0].verdicts
    assert said[0].startswith("python-socketio was saturated in 1 of 2 repetitions at 500 msgs/s")
    latency = _row(_table(report, "Latency"), "python-socketio")
    assert latency["p99"] == "saturated (1/2 runs)"


def test_both_saturated_compares_served_rates_only() -> None:
    doc = schema2({"sio": Outcome(served=300.0), "channels": CHANNELS_SATURATED})
    said = _report(doc).sections[0].verdicts
    both = next(s for s in said if "both saturated" in s)
    assert both == (
        "python-socketio and Channels (uvicorn) were both saturated: python-socketio served "
        "2.7x the deliveries/s of Channels (uvicorn) (300 vs 110); latency is compared only "
        "among contenders that kept up."
    )


def test_late_is_not_lost_and_lost_is_said_only_with_evidence() -> None:
    late = schema2({"sio": Outcome(late=12)})
    said = _report(late).sections[0].verdicts
    assert "No contender lost a delivery." in said
    assert any(s.startswith("Late, not lost") and "python-socketio 12" in s for s in said)
    lost = schema2({"channels": Outcome(lost=30, grace_ended="stalled")})
    said = _report(lost).sections[0].verdicts
    assert any(
        s.startswith("Deliveries lost (never arrived") and "Channels (uvicorn) 30" in s
        for s in said
    )
    queued = schema2({"channels": Outcome(queued=40, grace_ended="cap")})
    said = _report(queued).sections[0].verdicts
    assert "No contender lost a delivery." in said
    assert any(s.startswith("Still queued") and "Channels (uvicorn) 40" in s for s in said)
    volume = _row(_table(_report(queued), "Throughput"), "Channels (uvicorn)")
    assert volume["queued"] == "40" and volume["lost"] == "0"


def test_a_saturated_contender_says_what_was_still_queued() -> None:
    outcome = Outcome(served=110.0, queue_s=6.5, late=2000, queued=345, served_at_end=430.0,
                      grace_ended="cap")  # fmt: skip
    text = _report(schema2({"channels": outcome})).sections[0].verdicts[0]
    assert (
        "; 2,000 deliveries were late, 0 lost, 345 still queued when the grace period ended "
        "(it was still serving 430/s then)."
    ) in text


def test_censored_percentiles_render_as_lower_bounds() -> None:
    assert format_bound("p99_ms", 6543.0) == "> 6.5 s"
    assert format_bound("p99_ms", 850.0) == "> 850 ms"
    assert format_bound("p99_ms", 42.54) == "> 42.5 ms"
    bounded = Outcome(censored=("p999_ms", "max_ms"), overall={"p999_ms": 7200.0, "max_ms": 7200.0})
    report = _report(schema2({"channels": bounded}))
    latency = _row(_table(report, "Latency"), "Channels (uvicorn)")
    assert latency["p99.9"] == "> 7.2 s" and latency["max"] == "> 7.2 s"
    assert not latency["p99"].startswith(">")
    ratios = _row(_table(report, "Ratio"), "Channels (uvicorn)")
    assert ratios["p99.9"].startswith("> ") and ratios["p99.9"].endswith("x")
    p999 = next(s for s in report.sections[0].verdicts if s.startswith("Lowest p99.9"))
    assert "Channels (uvicorn) > " in p999 and "(> 7.2 s)" in p999
    assert "> X: a lower bound" in _table_caption(report, "Latency")


def test_a_censored_p99_is_never_compared_as_a_plain_number() -> None:
    bounded = Outcome(censored=("p99_ms",), overall={"p99_ms": 900.0})
    report = _report(schema2({"channels": bounded}))
    pair = next(s for s in report.sections[0].verdicts if "Channels (uvicorn) (" in s)
    assert "with a p99 at least " in pair and "x lower (" in pair and "vs > 900 ms" in pair


def _table_caption(report: Report, starts: str) -> str:
    return next(c for c, _ in report.sections[0].tables if c.startswith(starts))


def test_a_schema_1_file_still_renders_with_its_own_method() -> None:
    report = build_report([("echo.json", load(ECHO)), ("kill.json", load(FAULT_KILL))])
    text = render_markdown(report)
    assert "saturated" not in text and "offered deliveries/s" not in text
    assert "Late is not lost" not in text
    assert "late or lost: results of schema 1 do not tell them apart" in text
    figs = contender_figures([load(ECHO)])
    assert all(f.kept_up and not f.censored for f in figs)


def test_the_method_explains_late_lost_served_and_saturation() -> None:
    method = " ".join(_report(schema2({"channels": CHANNELS_SATURATED})).method)
    assert "Late is not lost." in method
    assert "by the second they were received" in method
    assert "served under 95% of the offered rate" in method
    assert "85 % of a core" in method


def test_the_throughput_plot_shows_served_rates_and_names_a_saturated_phase() -> None:
    phase = {"name": "steady", "kind": "steady", "start_s": 1.0, "end_s": 5.0,
             "accounting": {"expected": 2000, "received": 2000}}  # fmt: skip
    old = {"phases": [phase]}
    assert throughput_points(old) == [("steady", 500.0, 500.0)]
    new = {
        "phases": [
            dict(
                phase,
                summary={"offered_deliveries_per_s": 500.0, "served_deliveries_per_s": 110.0},
                saturation={"saturated": True},
            )
        ]
    }
    assert throughput_points(new) == [("steady (saturated)", 500.0, 110.0)]


def test_bench_compare_warns_that_a_saturated_side_measures_its_queue() -> None:
    a = schema2({})
    b = schema2({"channels": CHANNELS_SATURATED})
    result = compare([("a.json", a)], [("b.json", b)])
    assert result.warnings == (
        "in B, Channels (uvicorn) was saturated (2 of 2 runs): its latency there measures its "
        "queue, not its speed",
    )


def test_samples_above_the_histogram_range_make_the_maximum_a_lower_bound() -> None:
    clamped = Outcome(overall={"over_range": 3, "max_ms": 60000.0})
    latency = _row(_table(_report(schema2({"sio": clamped})), "Latency"), "python-socketio")
    assert latency["max"] == "> 60.0 s"


# --- one run's saturation, for bench run's summary: the same words as the report's ------------


def test_a_run_is_worded_as_the_report_words_a_contender() -> None:
    run = {
        "saturation": {"saturated": True, "unit": "deliveries", "offered_per_s": 500.0,
                       "served_per_s": 110.0, "queue_s": 6.5, "bound": "waiting",
                       "cpu_per_instance_pct": 52.0},
        "overall": {"offered_msgs_per_s": 500.0, "late": 2345, "lost": 0, "queued": 0},
    }  # fmt: skip
    text = run_saturation_sentence("Channels (uvicorn)", run)
    assert text is not None and SENTENCE.startswith(text)
    assert text.endswith("waiting on its backplane or I/O.")


def test_a_run_still_queued_at_the_end_says_so_with_the_rate_then() -> None:
    run = {
        "saturation": {"saturated": True, "unit": "deliveries", "offered_per_s": 500.0,
                       "served_per_s": 110.0, "queue_s": 0.4, "bound": "cpu",
                       "cpu_per_instance_pct": 98.0},
        "overall": {"late": 1650, "loss": 0, "queued": 700},
        "grace": {"served_per_s_at_end": 112.0},
    }  # fmt: skip
    text = run_saturation_sentence("sio", run)
    assert text == (
        "sio was saturated at 500 deliveries/s: it served 110/s and its queue reached 400 ms; "
        "1,650 deliveries were late, 0 lost, 700 still queued when the grace period ended (it "
        "was still serving 112/s then). It was bounded by CPU (98 % of a core)."
    )


def test_a_run_that_kept_up_has_no_saturation_sentence() -> None:
    assert run_saturation_sentence("sio", {"saturation": {"saturated": False}}) is None
    assert run_saturation_sentence("sio", {}) is None


def test_bench_run_summary_notes_each_saturated_run_in_the_report_words() -> None:
    doc = schema2({"channels": CHANNELS_SATURATED})
    notes = [line for line in render_summary(doc).splitlines() if line.startswith("! ")]
    assert notes == [
        f"! channels#{rep}: channels was saturated at 500 msgs/s: it served 110/s and its queue "
        "reached 6.5 s; 2,345 deliveries were late, 0 lost. It was not CPU-bound (52 % of a "
        "core): waiting on its backplane or I/O."
        for rep in (1, 2)
    ]
