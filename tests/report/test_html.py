"""The HTML page's layout rules that need no browser (tests/report/test_html_chromium.py
measures them in Chromium)."""

from __future__ import annotations

from report.html import render_html
from report.summary import build_report
from tests.report.synthetic import CHANNELS_SATURATED, schema2


def test_every_table_scrolls_inside_its_own_box() -> None:
    report = build_report([("synthetic.json", schema2({"channels": CHANNELS_SATURATED}))])
    page = render_html(report, {})
    assert page.count("<table>") == page.count('<div class="table-wrap">\n<table>') > 0
    assert ".table-wrap { overflow-x: auto;" in page
