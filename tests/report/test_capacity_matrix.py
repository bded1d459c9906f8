"""A capacity search over several ASGI servers, as a framework x server matrix (pure)."""

from __future__ import annotations

import copy
from typing import Any

from report.capacity_matrix import deployment, matrix_rows, matrix_table
from report.capacity_text import render
from report.summary import build_report
from tests.report.conftest import CAPACITY, load


def found(load: float) -> dict[str, Any]:
    return {"status": "found", "complete": True, "load": load, "ceiling": load * 1.05,
            "unit": "msgs/s", "text": f"{load:g} msgs/s"}  # fmt: skip


def matrix_doc() -> dict[str, Any]:
    """The fixture's search with its two contenders on three servers (and the Node line)."""
    doc = copy.deepcopy(load(CAPACITY))
    entries = doc["contenders"]
    maxima = {
        "sio": found(1950), "channels": found(425), "sio-daphne": found(1300),
        "channels-daphne": found(650), "sio-hypercorn": found(1700),
        "channels-hypercorn": {"status": "loadgen_limited", "load": 800.0, "unit": "msgs/s",
                               "text": "at least 800 msgs/s"},
        "sio-node": found(5000),
    }  # fmt: skip
    doc["contenders"] = {
        name: {**entries["sio" if name.startswith("sio") else "channels"], "maximum": m}
        for name, m in maxima.items()
    }
    return doc


def test_a_contender_name_says_its_framework_and_server() -> None:
    assert deployment("sio") == ("sio", "uvicorn")
    assert deployment("channels-daphne") == ("channels", "daphne")
    assert deployment("sio-hypercorn-h2") == ("sio", "hypercorn-h2")
    assert deployment("sio-node") is None and deployment("reference") is None


def test_one_server_makes_no_matrix() -> None:
    assert matrix_rows(load(CAPACITY)) is None  # sio and channels, both on uvicorn


def test_each_framework_on_each_server_and_the_ratio_where_both_were_found() -> None:
    found_rows = matrix_rows(matrix_doc())
    assert found_rows is not None
    headers, rows = found_rows
    assert headers == ["framework", "uvicorn", "daphne", "hypercorn"]
    assert rows == [
        ["python-socketio", "1950 msgs/s", "1300 msgs/s", "1700 msgs/s"],
        ["Channels", "425 msgs/s", "650 msgs/s",
         "at least 800 msgs/s, limited by the load generator"],
        ["python-socketio / Channels", "4.59x", "2.00x", "-"],  # a lower bound makes no ratio
    ]  # fmt: skip


def test_the_report_and_the_printed_summary_show_the_matrix() -> None:
    doc = matrix_doc()
    section = build_report([(CAPACITY.name, doc)]).sections[0]
    tables = dict(section.tables)
    assert tables["By framework and ASGI server"] == matrix_table(doc)
    assert "maximum sustainable load by framework and ASGI server" in render(doc)
    plain = build_report([(CAPACITY.name, load(CAPACITY))]).sections[0]
    assert "By framework and ASGI server" not in dict(plain.tables)
