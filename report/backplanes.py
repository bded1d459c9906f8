"""The backplane comparison as Markdown and as one HTML page (pure: a document in, text out).

One table per figure (rows: backplanes, columns: contenders), so that a reader compares
backplanes for one framework down a column; "not applicable" where a framework has no such
backplane, "saturated" with the served rate where it could not keep up at the common load.
"""

from __future__ import annotations

import html
from collections.abc import Callable, Mapping
from typing import Any

from report.backplanes_model import NAMES, kept_up, verdicts
from report.fields import number
from report.html import STYLE, _text
from report.tables import Table, to_html, to_markdown

Cell = Mapping[str, Any]


def _ms(value: Any, censored: bool = False) -> str:
    v = number(value)
    if v is None:
        return "-"
    return f"> {v:.1f}" if censored else f"{v:.1f}"


def capacity_text(c: Cell) -> str:
    cap = c.get("capacity")
    if not cap:
        return "-"
    rate = f"{float(cap['msgs_per_s']):,.0f}"
    bounded = cap.get("bounded")
    if cap.get("given"):
        return f"{rate} (given)"
    return {"above": f">= {rate}", "below": f"<= {rate}"}.get(str(bounded), rate)


def latency_text(c: Cell, key: str) -> str:
    lat = c.get("latency")
    if not lat:
        return "-"
    censored = key in lat.get("censored", [])
    text = _ms(lat.get(key), censored)
    if not lat.get("valid"):
        return f"{text} (invalid run)"
    if not kept_up(c):
        served = number(lat.get("served_deliveries_per_s"))
        rate = f", served {served:,.0f}/s" if served is not None else ""
        return f"saturated{rate} (p99 {text})" if key == "p99_ms" else f"saturated ({text})"
    return text


def broker_text(c: Cell, what: str) -> str:
    broker = c.get("broker")
    if not broker or not broker.get("sampled"):
        return "not sampled"
    if what == "memory_mb":
        return _ms(broker.get("memory_mb"))
    idle = number(broker.get("idle_cpu_pct"))
    idle_words = f" (idle {idle:.1f})" if idle is not None else ""
    return f"{_ms(broker.get('cpu_pct'))}{idle_words}"


FIGURES: tuple[tuple[str, Callable[[Cell], str]], ...] = (
    ("Capacity, msgs/s (echo shape, one instance)", capacity_text),
    ("p50 ms at the common load (two instances)", lambda c: latency_text(c, "p50_ms")),
    ("p99 ms at the common load (two instances)", lambda c: latency_text(c, "p99_ms")),
    ("Cross-instance p50 ms (receiver on the other instance)",
     lambda c: latency_text(c, "cross_p50_ms")),
    ("Cross-instance p99 ms", lambda c: latency_text(c, "cross_p99_ms")),
    ("Broker CPU, % of one core (idle just before)", lambda c: broker_text(c, "cpu_pct")),
    ("Broker memory, MB (peak)", lambda c: broker_text(c, "memory_mb")),
)  # fmt: skip


def figure_table(doc: Mapping[str, Any], render: Callable[[Cell], str]) -> Table:
    cells = {(c["backend"], c["contender"]): c for c in doc["cells"]}
    rows = []
    for backend in doc["backends"]:
        row = [NAMES.get(backend, backend)]
        for contender in doc["contenders"]:
            c = cells.get((backend, contender))
            if c is None:
                row.append("-")
            elif not c.get("applicable"):
                row.append("not applicable")
            else:
                row.append(render(c))
        rows.append(row)
    return Table.of(["backplane", *doc["contenders"]], rows)


def load_text(doc: Mapping[str, Any]) -> str:
    load = doc["load"]
    return (
        f"Common load: {float(load['deliveries_per_s']):,.0f} deliveries/s "
        f"({float(load['msgs_per_s']):,.1f} msgs/s into rooms of {load['members_per_room']}, "
        f"{load['connections']} connections over two instances), {load['fraction'] * 100:g} % of "
        f"the lowest capacity measured ({load['base']}), the same for every pair."
    )


def notes(doc: Mapping[str, Any]) -> list[str]:
    settings = doc.get("settings", {})
    out = [
        f"Profile: {settings.get('profile', 'equal')}. Mode: "
        f"{'quick' if settings.get('quick') else 'full'} ({settings.get('capacity_method', '')}).",
        load_text(doc),
        "Cross-instance: the deliveries whose receiver is connected to the other instance than "
        "the message's sender (about half of them; the sender's own copy and same-instance "
        "members are the rest), timed like every delivery from the intended send time.",
        "Broker: the backplane broker's whole process tree (redis-server; RabbitMQ's beam.smp; "
        "the PostgreSQL postmaster and every backend) sampled once a second during the "
        "common-load run, with its idle CPU measured just before beside it. "
        + brokers_text(settings.get("brokers") or {})
        + " RabbitMQ and PostgreSQL runs also keep presence in Redis (the same on every "
        "backplane, not counted here).",
        "Late is not lost: a saturated pair is said so with the rate it served; its latency is "
        "not compared. One run per pair: a same-machine first look, not a significance test.",
    ]
    return out


def brokers_text(how: Mapping[str, str]) -> str:
    """Which brokers the figures are of: private ones carry only the comparison's traffic; a
    shared one's figure is the whole broker's, taken under the measurement lock."""
    if not how:
        return "Brokers: not recorded."
    said = "; ".join(f"{NAMES.get(k, k)}: {v}" for k, v in how.items())
    shared = any("shared" in v for v in how.values())
    tail = (
        " A shared broker's figure is the whole broker's (other work's included), taken under "
        "the measurement lock."
        if shared
        else ""
    )
    return f"Brokers: {said}.{tail}"


def render_markdown(doc: Mapping[str, Any]) -> str:
    lines = ["# Backplane comparison", ""]
    words = verdicts(doc["contenders"], doc["cells"])
    if words:
        lines += ["## Verdict", "", *[f"- {w}" for w in words], ""]
    for caption, render in FIGURES:
        lines += [f"## {caption}", "", to_markdown(figure_table(doc, render)), ""]
    lines += ["## Method", "", *[f"- {n}" for n in notes(doc)], ""]
    if doc.get("results"):
        lines += ["Results: " + ", ".join(f"`{r}`" for r in doc["results"]), ""]
    return "\n".join(lines)


def render_html(doc: Mapping[str, Any]) -> str:
    title = "Backplane comparison"
    body = [f"<h1>{title}</h1>"]
    words = verdicts(doc["contenders"], doc["cells"])
    if words:
        items = "".join(f"<li>{_text(w)}</li>" for w in words)
        body.append(f'<div class="verdict"><h2>Verdict</h2><ul>{items}</ul></div>')
    for caption, render in FIGURES:
        table = to_html(figure_table(doc, render))
        body.append(f'<h2>{_text(caption)}</h2>\n<div class="table-wrap">\n{table}\n</div>')
    body.append("<h2>Method</h2>\n<ul>" + "".join(f"<li>{_text(n)}</li>" for n in notes(doc)))
    body.append("</ul>")
    if doc.get("results"):
        names = ", ".join(f"<code>{html.escape(r)}</code>" for r in doc["results"])
        body.append(f"<p>Results: {names}</p>")
    return (
        '<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        f"<title>{title}</title>\n<style>{STYLE}</style>\n</head>\n<body>\n"
        + "\n".join(body)
        + "\n</body>\n</html>\n"
    )
