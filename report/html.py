"""The report as one self-contained HTML page: images inline (base64 PNG), no network (pure)."""

from __future__ import annotations

import base64
import html
import re
from collections.abc import Mapping

from report.calibration import headline_html
from report.summary import Report, Section
from report.tables import Table, to_html
from report.warnings import Warning

STYLE = """
body { font-family: system-ui, sans-serif; margin: 2em auto; max-width: 1240px; color: #222;
       padding: 0 1em; line-height: 1.45; }
h1 { font-size: 1.6em; } h2 { border-bottom: 1px solid #ccc; padding-bottom: .2em; }
.table-wrap { overflow-x: auto; max-width: 100%; margin: .5em 0 1.2em; }
table { border-collapse: collapse; margin: 0; font-size: .9em; }
th, td { border: 1px solid #ddd; padding: .25em .6em; text-align: left; vertical-align: top; }
th { background: #f4f4f4; } td.num, th.num { text-align: right; white-space: nowrap; }
.warnings { margin: 1em 0; padding: 0; list-style: none; }
.warnings li { padding: .5em .8em; margin: .3em 0; border-radius: 4px; }
.invalid { background: #fde2e1; border-left: 6px solid #c0392b; font-weight: bold; }
.warning { background: #fff4d6; border-left: 6px solid #e0a800; }
.note { background: #eef4fb; border-left: 6px solid #6a9fd4; }
.verdict { background: #f3f9f1; border-left: 6px solid #3c8d2f; padding: .4em 1em; }
figure { margin: 1em 0; } figure img { max-width: 100%; height: auto; border: 1px solid #eee; }
figcaption { font-size: .9em; color: #555; } code { background: #f4f4f4; padding: 0 .2em; }
"""

_CODE = re.compile(r"`([^`]+)`")


def _text(text: str) -> str:
    """Escape, then turn `code` spans into <code> (the only markup the texts use)."""
    return _CODE.sub(r"<code>\1</code>", html.escape(text))


def _table(table: Table) -> str:
    """A table in a box of its own that scrolls sideways when the table is wider than the
    page: a wide table never pushes the page (or its last columns) out of view."""
    return f'<div class="table-wrap">\n{to_html(table)}\n</div>'


def _warnings(items: tuple[Warning, ...]) -> str:
    if not items:
        return ""
    rows = "\n".join(
        f'<li class="{w.level}">{w.level.upper()}: {_text(w.text)}</li>' for w in items
    )
    return f'<ul class="warnings">\n{rows}\n</ul>'


def _section(section: Section, images: Mapping[str, bytes]) -> str:
    parts = [f'<section id="{html.escape(section.slug)}">', f"<h2>{_text(section.title)}</h2>"]
    if section.description:
        parts.append(f"<p>{_text(section.description)}</p>")
    parts.append(_warnings(section.warnings))
    if section.verdicts:
        items = "".join(f"<li>{_text(v)}</li>" for v in section.verdicts)
        parts.append(f'<div class="verdict"><h3>Verdict</h3><ul>{items}</ul></div>')
    for caption, table in section.tables:
        parts.append(f"<h3>{_text(caption)}</h3>\n{_table(table)}")
    for plot in section.plots:
        data = images.get(plot.filename)
        if data is None:
            continue
        b64 = base64.b64encode(data).decode("ascii")
        parts.append(
            f'<figure><img src="data:image/png;base64,{b64}" alt="{html.escape(plot.caption)}">'
            f"<figcaption>{_text(plot.caption)}</figcaption></figure>"
        )
    parts.append(f"<h3>Setup</h3>\n{_table(section.setup)}")
    parts.append("</section>")
    return "\n".join(p for p in parts if p)


def render_html(report: Report, images: Mapping[str, bytes]) -> str:
    """``images``: PNG bytes by plot file name; plots without an image are left out."""
    body = [f"<h1>{_text(report.title)}</h1>"]
    body.append(
        "<p>Results: "
        + ", ".join(f"<code>{html.escape(s)}</code>" for s in report.sources)
        + "</p>"
    )
    body.append(_warnings(report.warnings))
    body.append(headline_html(report.headline))
    body += [_section(s, images) for s in report.sections]
    body.append(f"<h2>Method</h2>\n<p>{_text(' '.join(report.method))}</p>")
    body.append(f"<h2>Environment</h2>\n{_table(report.environment)}")
    return (
        '<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f"<title>{html.escape(report.title)}</title>\n<style>{STYLE}</style>\n</head>\n"
        "<body>\n" + "\n".join(p for p in body if p) + "\n</body>\n</html>\n"
    )
