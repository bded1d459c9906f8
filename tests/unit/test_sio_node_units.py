"""The Node.js server's own unit tests (``node --test servers/sio-node/test/``), run by pytest.

They check ``servers/sio-node/`` against the same specification as the Python code, for example
the shared token vectors in ``tests/fixtures/token_vectors.json``.
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

from tests.conftest import TIMEOUT, unavailable

REPO = Path(__file__).resolve().parents[2]
NODE_TESTS = REPO / "servers" / "sio-node" / "test"


def test_node_unit_tests_pass() -> None:
    node = shutil.which("node")
    if node is None:
        unavailable("node is not on PATH: the sio-node tests need Node.js 20+")
    files = sorted(str(path) for path in NODE_TESTS.glob("*.test.js"))
    assert files, f"no *.test.js in {NODE_TESTS}"
    result = subprocess.run(
        [str(node), "--test", *files],
        cwd=REPO,
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=12 * TIMEOUT,
        check=False,
    )
    assert result.returncode == 0, f"{result.stdout[-6000:]}\n{result.stderr[-2000:]}"
    assert "# fail 0" in result.stdout
