"""A capacity search over several ASGI servers as one matrix (pure): a row per framework, a
column per server, each cell the framework's maximum sustainable load on that server, and a
last row with python-socketio's maximum over Channels' on each server.

Contender names say the deployment: ``<framework>-<server>``, uvicorn keeping the bare name
(``sio``, ``channels-daphne``, ``sio-hypercorn``; servers/launch/specs.py). Other contenders
(``sio-node``, ``reference``) are not in the matrix.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from report.capacity import max_load_text, maximum, unit
from report.fields import Document, number
from report.tables import Table

FRAMEWORKS = {"sio": "python-socketio", "channels": "Channels"}
SERVERS = ("uvicorn", "daphne", "hypercorn", "hypercorn-h2")
SERVER_TITLES = {"hypercorn-h2": "hypercorn (TLS, h2)"}
RATIO_ROW = "python-socketio / Channels"


def deployment(contender: str) -> tuple[str, str] | None:
    """``channels-daphne`` -> ``("channels", "daphne")``; ``sio`` -> ``("sio", "uvicorn")``;
    None for a contender that is not a framework on an ASGI server."""
    for framework in FRAMEWORKS:
        if contender == framework:
            return framework, "uvicorn"
        server = contender.removeprefix(f"{framework}-")
        if server != contender and server in SERVERS:
            return framework, server
    return None


def _ratio(sio: Mapping[str, Any] | None, channels: Mapping[str, Any] | None) -> str:
    """``2.1x`` when both maxima were found; ``-`` otherwise (a lower bound is no ratio)."""
    if not sio or not channels or {sio.get("status"), channels.get("status")} != {"found"}:
        return "-"
    a, b = number(sio.get("load")), number(channels.get("load"))
    return "-" if a is None or not b else f"{a / b:.2f}x"


def matrix_rows(doc: Document) -> tuple[list[str], list[list[str]]] | None:
    """(headers, rows) of the matrix; None unless the search covered two servers or more."""
    maxima = {
        found: maximum(doc, name)
        for name in doc["contenders"]
        if (found := deployment(name)) is not None
    }
    servers = [s for s in SERVERS if any(server == s for _, server in maxima)]
    if len(servers) < 2:
        return None
    frameworks = [f for f in FRAMEWORKS if any(framework == f for framework, _ in maxima)]
    u = unit(doc)
    rows = [
        [FRAMEWORKS[f], *(max_load_text(maxima[f, s], u) if (f, s) in maxima else "-"
                          for s in servers)]
        for f in frameworks
    ]  # fmt: skip
    if len(frameworks) == 2:
        rows.append(
            [RATIO_ROW, *(_ratio(maxima.get(("sio", s)), maxima.get(("channels", s)))
                          for s in servers)]
        )  # fmt: skip
    return ["framework", *(SERVER_TITLES.get(s, s) for s in servers)], rows


def matrix_table(doc: Document) -> Table | None:
    """The matrix as a report table (None when the search covered one server)."""
    found = matrix_rows(doc)
    return None if found is None else Table.of(found[0], found[1], numeric_from=1)
