"""Plain-words verdicts and ratios from figures (pure, synthetic figures)."""

from __future__ import annotations

from report.figures import ContenderFigures, Spread, format_spread
from report.verdict import leader_sentence, pair_sentence, ratio_cells, verdicts


def figs(contender: str, **medians: float) -> ContenderFigures:
    return ContenderFigures(
        contender, 2, 2, {k: Spread(v, v * 0.95, v * 1.05, 2) for k, v in medians.items()}
    )


SIO = figs("sio", deliveries_per_s=2300.0, p99_ms=4.0, p50_ms=1.0, server_cpu_pct=50.0)
CHANNELS = figs("channels", deliveries_per_s=1000.0, p99_ms=9.0, p50_ms=2.0, server_cpu_pct=100.0)
DAPHNE = figs("channels-daphne", deliveries_per_s=1020.0, p99_ms=8.8, p50_ms=3.0,
              server_cpu_pct=99.0)  # fmt: skip
REF = figs("reference", deliveries_per_s=2400.0, p99_ms=1.0, p50_ms=0.5, server_cpu_pct=10.0)


def test_pair_sentence_names_the_leader_and_the_ratios() -> None:
    text = pair_sentence(CHANNELS, SIO)
    assert text == (
        "python-socketio delivered 2.3x the deliveries/s of Channels (uvicorn) (2300 vs 1000) "
        "with a 2.2x lower p99 (4.00 ms vs 9.00 ms), using 0.5x the server CPU (50% vs 100%)."
    )


def test_pair_sentence_at_equal_throughput_leads_with_latency() -> None:
    a = figs("sio", deliveries_per_s=1000.0, p99_ms=6.0)
    b = figs("channels", deliveries_per_s=1010.0, p99_ms=3.0)
    text = pair_sentence(a, b)
    assert text is not None
    assert text.startswith("Channels (uvicorn) delivered the same deliveries/s as python-socketio")
    assert "a 2.0x lower p99" in text


def test_differences_below_the_minimum_effect_are_about_the_same() -> None:
    a = figs("sio", deliveries_per_s=1000.0, p99_ms=5.0)
    b = figs("channels", deliveries_per_s=1000.0, p99_ms=5.1)
    text = pair_sentence(a, b)
    assert text is not None and "about the same p99" in text
    assert "repetitions overlap" in text


def test_three_contenders_leader_sentence_and_reference_left_out() -> None:
    everyone = [SIO, CHANNELS, DAPHNE, REF]
    assert leader_sentence(everyone, "p99_ms") == (
        "Lowest p99: python-socketio (4.00 ms); Channels (uvicorn) 2.25x (9.00 ms), "
        "Channels (Daphne) 2.20x (8.80 ms)."
    )
    text = verdicts(everyone)
    assert len([t for t in text if " delivered " in t]) == 2  # sio vs each Channels variant
    assert not any("reference" in t for t in text)


def test_ratio_cells_mark_the_best_and_divide_by_it() -> None:
    cells = ratio_cells([SIO, CHANNELS, DAPHNE, REF], "deliveries_per_s")
    assert cells == {
        "sio": "best", "channels": "0.43x", "channels-daphne": "0.44x", "reference": "1.04x",
    }  # fmt: skip


def test_spread_formatting() -> None:
    assert format_spread("p99_ms", Spread(4.0, 3.5, 4.25, 3)) == "4.00 (3.50-4.25)"
    assert format_spread("p99_ms", Spread(4.0, 4.0, 4.0, 1)) == "4.00"
    assert format_spread("p99_ms", None) == "-"
