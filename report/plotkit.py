"""What every plot shares (matplotlib, Agg): PNG output, phase shading and fault marks."""

from __future__ import annotations

import io
from collections.abc import Mapping, Sequence

from matplotlib.axes import Axes
from matplotlib.colors import to_rgba
from matplotlib.figure import Figure
from matplotlib.ticker import FuncFormatter

from report import faults, series
from report.fields import Run
from report.palette import colour, label

DPI = 100
PLAIN = FuncFormatter(lambda value, _pos: f"{value:g}")
HATCHES = ("//", "\\\\", "||", "--", "xx")
FAULT_RED = "#c0392b"


def png(fig: Figure) -> bytes:
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=DPI, bbox_inches="tight")
    return buf.getvalue()


def phases(ax: Axes, run: Run) -> None:
    """Shade the phases (the warm-up in yellow) and name them at the top."""
    for i, (name, kind, start, end) in enumerate(series.phase_spans(run)):
        shade = "#ffcc00" if kind == "warmup" else "#000000"
        ax.axvspan(
            start, end, color=shade, alpha=0.12 if kind == "warmup" else 0.03 + 0.03 * (i % 2), lw=0
        )
        ax.axvline(start, color="#888888", lw=0.6, ls=":")
        ax.text(start, 1.0, f" {name}", transform=ax.get_xaxis_transform(), va="top", fontsize=8)


def outages(ax: Axes, by_contender: Mapping[str, Sequence[Run]]) -> None:
    """Hatch each contender's outages (its first repetition) in its colour, from the fault to
    when every client was back; a red line at each fault, a dashed one at each restore. Call
    after the data is drawn (an open-ended outage runs to the right edge)."""
    right = ax.get_xlim()[1]
    for n, (contender, runs) in enumerate(by_contender.items()):
        if not runs:
            continue
        for i, o in enumerate(faults.outages(runs[0])):
            end = right if o.end is None else max(o.end, o.start + 0.05)
            ax.axvspan(
                o.start, end, facecolor=to_rgba(colour(contender), 0.08),
                edgecolor=to_rgba(colour(contender), 0.55), hatch=HATCHES[n % len(HATCHES)],
                lw=0, label=_legend(contender, o) if i == 0 else None,
            )  # fmt: skip
            ax.axvline(o.start, color=FAULT_RED, lw=1.0)
            if o.restored is not None:
                ax.axvline(o.restored, color=FAULT_RED, lw=1.0, ls="--")
    ax.set_xlim(right=right)


def _legend(contender: str, outage: faults.Outage) -> str:
    tail = " (not every client came back)" if outage.end is None else ""
    return f"{label(contender)} outage{tail}"
