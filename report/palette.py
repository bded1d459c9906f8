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
    "sio-node": "Socket.IO (Node.js)",
    "reference": "reference (plain websockets)",
}

REFERENCE = "reference"


def colour(contender: str) -> str:
    """A fixed colour for known contenders; unknown ones get a stable spare colour."""
    if contender in COLOURS:
        return COLOURS[contender]
    return _SPARE[sum(contender.encode()) % len(_SPARE)]


def label(contender: str) -> str:
    return LABELS.get(contender, contender)
