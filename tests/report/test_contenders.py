"""Who is in a report: Channels "not applicable" under long-polling (not zero, not silently
missing), and Socket.IO on Node.js as a labelled reference line among three contenders."""

from __future__ import annotations

from report.figures import contender_figures
from report.markdown import render_markdown
from report.palette import label
from report.summary import build_report
from report.transport import NO_POLLING, not_applicable
from report.verdict import leader_sentence
from tests.report.conftest import ECHO, POLLING, ROOM_CHAT_NODE, assert_golden, load


def test_polling_report_golden() -> None:
    assert_golden(
        "report-polling.md", render_markdown(build_report([(POLLING.name, load(POLLING))]))
    )


def test_channels_is_not_applicable_over_long_polling_rather_than_zero() -> None:
    assert not_applicable([load(POLLING)]) == {"channels": NO_POLLING}
    assert not_applicable([load(ECHO)]) == {}
    section = build_report([(POLLING.name, load(POLLING))]).sections[0]
    assert section.verdicts[0] == (
        "Channels (uvicorn): not applicable (Channels has no long-polling transport); only "
        "python-socketio could be measured here."
    )
    assert section.warnings[0].text.startswith(f"Channels (uvicorn): {NO_POLLING}")
    for _, table in section.tables:
        (row,) = [r for r in table.rows if r[0] == "Channels (uvicorn)"]
        assert set(row[1:]) == {"n/a"}


def test_three_contenders_report_golden() -> None:
    named = [(ROOM_CHAT_NODE.name, load(ROOM_CHAT_NODE))]
    assert_golden("report-three-contenders.md", render_markdown(build_report(named)))


def test_node_is_a_labelled_reference_line_and_verdicts_name_the_leader_of_three() -> None:
    assert label("sio-node") == "socket.io (Node.js, reference)"
    doc = load(ROOM_CHAT_NODE)
    section = build_report([(ROOM_CHAT_NODE.name, doc)]).sections[0]
    assert "socket.io (Node.js, reference): the official Socket.IO server" in section.description
    # Pairs compare the first Python framework with each other contender, the reference last.
    pairs = [v for v in section.verdicts if " delivered " in v]
    assert [p.split(" delivered ")[0] for p in pairs] == ["python-socketio", "python-socketio"]
    assert "socket.io (Node.js, reference)" in pairs[1]
    figs = contender_figures([doc])
    # Each figure names which of the three leads, whichever it is.
    assert leader_sentence(figs, "p50_ms") == (
        "Lowest p50: socket.io (Node.js, reference) (0.81 ms); python-socketio 1.10x (0.89 ms), "
        "Channels (uvicorn) 2.06x (1.67 ms)."
    )
    assert leader_sentence(figs, "p99_ms") == (
        "Lowest p99: python-socketio (1.34 ms); Channels (uvicorn) 1.98x (2.65 ms), "
        "socket.io (Node.js, reference) 3.85x (5.15 ms)."
    )
    leaders = [v for v in section.verdicts if v.startswith(("Lowest", "Highest"))]
    assert len(leaders) == 7
    # Listed first in a run, Node would still come after the Python frameworks in the pairs.
    reordered = dict(doc, runs=[r for r in reversed(doc["runs"])])
    first = build_report([("r.json", reordered)]).sections[0].verdicts[0]
    assert first.startswith("python-socketio delivered") or first.startswith("Channels")
    assert "socket.io (Node.js, reference) delivered" not in first
