"""The plain-text summary ``bench run`` prints: the table as it has always read."""

from __future__ import annotations

from report.summary_text import render_summary
from tests.report.conftest import ECHO, assert_golden, load


def test_the_echo_summary_reads_as_before() -> None:
    assert_golden("summary-echo.txt", render_summary(load(ECHO)) + "\n")
