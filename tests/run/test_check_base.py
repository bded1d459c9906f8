"""``bench check --base GITREF``: input errors exit 2 at once; the base tree's worktree goes
away however the check ends; and end to end, with real servers from a worktree of HEAD, an
unchanged tree passes while a 2 ms per-message delay injected into the current side only
(``BENCH_DELAY_MS_SIO``) fails. Short runs: sio only, memory backend, 2 x 2 s per side."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from bench import app
from loadgen.abtest.trees import TreeError, base_tree, current_side
from tests.conftest import TIMING
from tests.report.conftest import ROOT

# The end-to-end checks are timed, not alone: base and current alternate run by run, so a
# neighbour's load falls on both sides alike (docs/reports.md: 10 of 10 right with other
# developers' tests beside them).
SHORT = ("--contender", "sio", "--repetitions", "2", "--duration", "2", "--allow-dirty")


def bench(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "bench", "check", *args],
        cwd=ROOT, env={**os.environ, "BENCH_BACKEND": "memory", **(env or {})},
        stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=240, check=False,
    )  # fmt: skip


def worktrees() -> str:
    return subprocess.run(
        ["git", "worktree", "list"], cwd=ROOT, capture_output=True, text=True, check=True
    ).stdout


def bench_in_process(
    *args: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> tuple[int, str]:
    """``bench check`` in this process (exit status, stderr): refusals start nothing, and a
    new interpreter would cost about 2.5 s each."""
    monkeypatch.setenv("BENCH_BACKEND", "memory")
    monkeypatch.chdir(ROOT)
    with pytest.raises(SystemExit) as exited:
        app(["check", *args], prog_name="bench")
    return int(exited.value.code or 0), capsys.readouterr().err


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("--base", "no-such-ref-xyz"), "unknown git ref 'no-such-ref-xyz'"),
        (("--base", "HEAD", "scenarios/no-such.yaml"), "cannot read the file"),
        (("--base", "HEAD", "--baseline", "x.json"), "at most one scenario file"),
        (("--base", "HEAD", "--contender", "nginx", "--allow-dirty"), "unknown contender"),
        (("--base", "HEAD", "--contender", "sio-node", "--allow-dirty"), "cannot be checked"),
        ((), "--base GITREF"),
        (("--base", "HEAD", "--capacity", "0", "--allow-dirty"), "--capacity should be msgs/s"),
        (("x.json", "--baseline", "y.json", "--capacity", "50"), "--capacity is for --base"),
    ],
)
def test_bad_input_exits_2_with_a_message(
    args: tuple[str, ...], message: str, monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:  # fmt: skip
    status, stderr = bench_in_process(*args, monkeypatch=monkeypatch, capsys=capsys)
    assert status == 2, stderr
    assert message in stderr


def test_bad_input_exits_2_from_the_command_line_too() -> None:
    result = bench("--base", "no-such-ref-xyz")  # the same path as above, through `python -m`
    assert result.returncode == 2, result.stderr
    assert "unknown git ref 'no-such-ref-xyz'" in result.stderr


def git(repo: Path, *args: str) -> None:
    subprocess.run(["git", *args], cwd=repo, check=True, capture_output=True)


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    path = tmp_path / "repo"
    path.mkdir()
    git(path, "init", "-q")
    (path / "pyproject.toml").write_text('[project]\nname = "x"\ndependencies = []\n')
    git(path, "add", ".")
    git(path, "-c", "user.name=t", "-c", "user.email=t@t", "commit", "-qm", "one")
    return path


def test_a_dirty_tree_is_refused_unless_allowed(repo: Path) -> None:
    assert current_side(repo, allow_dirty=False).tag == "HEAD"
    (repo / "pyproject.toml").write_text("changed\n")
    with pytest.raises(TreeError, match="uncommitted changes"):
        current_side(repo, allow_dirty=False)
    assert current_side(repo, allow_dirty=True).tag == "work"


def test_the_base_worktree_is_removed_also_on_errors(repo: Path) -> None:
    with pytest.raises(RuntimeError), base_tree(repo, "HEAD") as side:
        tree = Path(side.cwd or "")
        assert (tree / "pyproject.toml").is_file() and not side.own_venv
        raise RuntimeError("boom")
    assert not tree.exists()
    listed = subprocess.run(["git", "worktree", "list"], cwd=repo, capture_output=True, text=True)
    assert str(tree) not in listed.stdout


def run_check(
    tmp_path: Path, *args: str, env: dict[str, str] | None = None
) -> tuple[int, str, dict[str, Any]]:
    out = tmp_path / "check.json"
    result = bench(
        "--base", "HEAD", *SHORT, *args, "--out", str(tmp_path), "--json", str(out),
        env=env,
    )  # fmt: skip
    assert result.returncode in (0, 1), result.stderr[-3000:]
    assert "bench-check-" not in worktrees()  # the base worktree is gone
    return result.returncode, result.stdout, json.loads(out.read_text())


@pytest.mark.integration
@pytest.mark.slow
@pytest.mark.timeout(300)
@TIMING
def test_an_unchanged_tree_passes(tmp_path: Path) -> None:
    status, text, data = run_check(tmp_path)
    assert status == 0, text
    assert data["ab"]["base"]["cwd"] and data["ab"]["current"]["cwd"] is None
    calibration = data["ab"]["calibration"]  # the base's load was measured by the ramp
    assert calibration["steps"]["sio"] and calibration["sustained_msgs_per_s"] > 0
    assert data["ab"]["rate_msgs_per_s"] == 0.5 * calibration["sustained_msgs_per_s"]
    document = json.loads(Path(data["result"]).read_text())
    names = [r["contender"] for r in document["runs"]]
    assert set(names) == {"sio@base", f"sio@{data['ab']['current']['tag']}"}
    base_log = Path(document["runs"][0]["servers"][0]["log"])
    assert base_log.exists()


@pytest.mark.integration
@pytest.mark.slow
@pytest.mark.timeout(300)
@TIMING
def test_a_delay_in_the_current_side_fails(tmp_path: Path) -> None:
    """At a known load (--capacity: no calibration ramp; the unchanged-tree test covers it):
    sio sustained 100-200 msgs/s of ci-short here, so 50 % of 100 is below the knee."""
    args = ("--capacity", "100")
    status, text, data = run_check(tmp_path, *args, env={"BENCH_DELAY_MS_SIO": "2"})
    assert status == 1, text
    assert data["ab"]["calibration"] == {
        "method": "given (--capacity): no calibration ramp", "steps": {},
        "sustained_msgs_per_s": 100.0,
    }  # fmt: skip
    assert data["ab"]["rate_msgs_per_s"] == 50.0
    regressed = {(r["contender"], r["metric"]) for r in data["rows"] if r["status"] == "regressed"}
    assert ("sio", "p50_ms") in regressed, text
    document = json.loads(Path(data["result"]).read_text())
    assert list(document["settings"]["injected_delay_ms"]) == [
        f"sio@{data['ab']['current']['tag']}"
    ]
