"""The report as Markdown (pure): what `bench report` writes beside the HTML page."""

from __future__ import annotations

from report.calibration import headline_markdown
from report.summary import Report, Section
from report.tables import to_markdown
from report.warnings import Warning

_MARK = {"invalid": "**INVALID**", "warning": "**WARNING**", "note": "note"}


def _warning(w: Warning) -> str:
    return f"- {_MARK[w.level]}: {w.text}"


def _section(section: Section) -> list[str]:
    lines = [f"## {section.title}", ""]
    if section.description:
        lines += [section.description, ""]
    if section.warnings:
        lines += [_warning(w) for w in section.warnings] + [""]
    if section.verdicts:
        lines += ["**Verdict**", ""] + [f"- {v}" for v in section.verdicts] + [""]
    for caption, table in section.tables:
        lines += [f"**{caption}**", "", to_markdown(table), ""]
    for plot in section.plots:
        lines += [f"![{plot.caption}]({plot.filename})", ""]
    lines += ["**Setup**", "", to_markdown(section.setup), ""]
    return lines


def render_markdown(report: Report) -> str:
    lines = [f"# {report.title}", ""]
    lines += headline_markdown(report.headline)
    lines += ["Results: " + ", ".join(f"`{s}`" for s in report.sources), ""]
    if report.warnings:
        lines += [_warning(w) for w in report.warnings] + [""]
    for section in report.sections:
        lines += _section(section)
    lines += ["## Method", "", " ".join(report.method), ""]
    lines += ["## Environment", "", to_markdown(report.environment), ""]
    return "\n".join(lines)
