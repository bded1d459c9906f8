"""``bench validate FILE...`` through :func:`commands.validate.validate_files`."""

from __future__ import annotations

import io
from pathlib import Path

from commands.validate import validate_files

GOOD = "name: good\ntraffic: {total_rate: 10}\n"


def run(paths: list[Path]) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    status = validate_files(paths, out=out, err=err)
    return status, out.getvalue(), err.getvalue()


def test_good_files(tmp_path: Path) -> None:
    path = tmp_path / "good.yaml"
    path.write_text(GOOD)
    status, out, err = run([path, path])
    assert status == 0 and err == ""
    lines = out.splitlines()
    assert len(lines) == 2
    assert lines[0].startswith("OK good (") and lines[0].endswith(f") {path}")


def test_any_bad_file_exits_2(tmp_path: Path) -> None:
    good, bad = tmp_path / "good.yaml", tmp_path / "bad.yaml"
    good.write_text(GOOD)
    bad.write_text("name: bad\ninstances: 3\ntraffic: {total_rate: 10, rate: 1}\n")
    status, out, err = run([good, bad, tmp_path / "missing.yaml"])
    assert status == 2
    assert out.startswith("OK good")
    assert f"{bad}: traffic.rate: unknown key 'rate'" in err
    assert f"{tmp_path / 'missing.yaml'}: cannot read the file" in err


def test_no_files_is_bad_input() -> None:
    status, _, err = run([])
    assert status == 2 and "no scenario file" in err


def test_overrides_apply(tmp_path: Path) -> None:
    path = tmp_path / "good.yaml"
    path.write_text(GOOD)
    out, err = io.StringIO(), io.StringIO()
    assert validate_files([path], cli={"instances": 2}, out=out, err=err) == 2
    assert "instances: 2 instances share state through a backplane" in err.getvalue()
