"""The one plain-text table renderer the terminal summaries share."""

from __future__ import annotations

from report.text_table import cell, render_table


def test_cell_words_missing_flags_and_lower_bounds() -> None:
    assert cell("{:.2f}", None) == "-"
    assert cell("{}", True) == "yes"
    assert cell("{}", False) == "NO"
    assert cell("{:.2f}", 1.234) == "1.23"
    assert cell("{:.2f}", 1.234, censored=True) == ">1.23"
    assert cell("{:.2f}", None, censored=True) == "-"


def test_cell_shows_a_value_the_format_does_not_fit_as_it_is() -> None:
    assert cell("{:.0f}", "n/a") == "n/a"


def test_columns_are_right_aligned_to_the_widest_cell() -> None:
    lines = render_table(["name", "p99 ms"], [["a", "1.00"], ["long-name", "12.50"]])
    assert lines == [
        "     name  p99 ms",
        "        a    1.00",
        "long-name   12.50",
    ]


def test_a_table_without_rows_is_its_header() -> None:
    assert render_table(["a", "bb"], []) == ["a  bb"]
