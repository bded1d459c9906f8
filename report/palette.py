"""One colour and one display name per contender, used by every plot and table of a report."""

from __future__ import annotations

COLOURS = {
    "sio": "#1f77b4",  # blue
    "channels": "#ff7f0e",  # orange
    "channels-daphne": "#2ca02c",  # green
    "sio-node": "#9467bd",  # purple
    "reference": "#7f7f7f",  # grey: the yardstick, not a contender to choose
}
_SPARE = ("#d62728", "#8c564b", "#e377c2", "#bcbd22", "#17becf")

LABELS = {
    "sio": "python-socketio",
    "channels": "Channels (uvicorn)",
    "channels-daphne": "Channels (Daphne)",
    "sio-daphne": "python-socketio (Daphne)",
    "sio-hypercorn": "python-socketio (Hypercorn)",
    "sio-hypercorn-h2": "python-socketio (Hypercorn, TLS + HTTP/2)",
    "channels-hypercorn": "Channels (Hypercorn)",
    "sio-node": "socket.io (Node.js, reference)",
    "reference": "reference (plain websockets)",
}

REFERENCE = "reference"
# Contenders shown as a reference line: measured and ranked like the others (verdicts name
# them), but not one of the Python frameworks being chosen between; listed after those.
REFERENCE_LINES = {
    "sio-node": "the official Socket.IO server on Node.js, which python-socketio ports: a "
    "reference line for what staying in Python costs, not one of the Python frameworks "
    "compared.",
}


def colour(contender: str) -> str:
    """A fixed colour for known contenders; unknown ones get a stable spare colour."""
    if contender in COLOURS:
        return COLOURS[contender]
    return _SPARE[sum(contender.encode()) % len(_SPARE)]


def label(contender: str) -> str:
    return LABELS.get(contender, contender)
