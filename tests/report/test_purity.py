"""The pure modules of the report package import no plotting library and no event loop."""

from __future__ import annotations

import subprocess
import sys

PURE = (
    "report.fields", "report.figures", "report.verdict", "report.warnings", "report.setup",
    "report.summary", "report.tables", "report.markdown", "report.html", "report.plotplan",
    "report.series", "report.significance", "report.compare", "report.check",
    "report.sections", "report.capacity", "report.faults", "report.scale", "report.transport",
    "report.robustness", "report.backplanes", "report.backplanes_model",
)  # fmt: skip


def test_pure_modules_import_no_plotting_and_no_event_loop() -> None:
    code = (
        "import sys\n"
        f"for name in {PURE!r}: __import__(name)\n"
        "print(sorted(m for m in sys.modules if m.split('.')[0] in "
        "('matplotlib', 'asyncio', 'websockets', 'redis')))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
