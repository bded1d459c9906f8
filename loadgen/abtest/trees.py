"""The base tree for ``bench check --base``: a git worktree in a temporary directory, and its
own virtualenv when its dependencies differ from the current tree's. Everything made here is
removed on the way out, also on errors and Ctrl-C."""

from __future__ import annotations

import contextlib
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import TextIO

from loadgen.abtest.model import BASE_TAG, DIRTY_TAG, HEAD_TAG, LOCK_FILES, Side, venv_reason


class TreeError(Exception):
    """Bad input: no git, not a repository, an unknown ref, a dirty tree (exit 2)."""


def git(root: Path, *args: str) -> str:
    """Run git in ``root``; :class:`TreeError` with git's own message when it fails."""
    if shutil.which("git") is None:
        raise TreeError("git is not installed: bench check --base needs it")
    result = subprocess.run(
        ["git", *args], cwd=root, capture_output=True, text=True, check=False,
        stdin=subprocess.DEVNULL,
    )  # fmt: skip
    if result.returncode != 0:
        message = result.stderr.strip() or result.stdout.strip()
        raise TreeError(f"git {' '.join(args)}: {message}")
    return result.stdout.strip()


def resolve(root: Path, ref: str) -> str:
    """The commit ``ref`` names, or :class:`TreeError` saying it is unknown."""
    git(root, "rev-parse", "--show-toplevel")  # not a repository: git says so
    try:
        return git(root, "rev-parse", "--verify", "--quiet", f"{ref}^{{commit}}")
    except TreeError:
        raise TreeError(
            f"unknown git ref {ref!r} (a shallow clone? fetch it, e.g. actions/checkout with "
            "fetch-depth: 0)"
        ) from None


def current_side(root: Path, *, allow_dirty: bool) -> Side:
    """The current tree, run as installed; refused when tracked files have uncommitted
    changes, unless ``allow_dirty`` (then labelled ``work``, not ``HEAD``)."""
    commit = resolve(root, "HEAD")
    changed = git(root, "diff", "--name-only", "HEAD").splitlines()
    if changed and not allow_dirty:
        shown = ", ".join(changed[:5]) + (" ..." if len(changed) > 5 else "")
        raise TreeError(
            f"the current tree has uncommitted changes ({shown}): commit or stash them, or "
            "pass --allow-dirty to measure them (labelled @work)"
        )
    tag = DIRTY_TAG if changed else HEAD_TAG
    return Side(tag, commit, sys.executable, None, inject_delay=True)


def _dependency_files(tree: Path) -> dict[str, str | None]:
    files: dict[str, str | None] = {}
    for name in ("pyproject.toml", *LOCK_FILES):
        path = tree / name
        files[name] = path.read_text() if path.is_file() else None
    return files


def _make_venv(tree: Path, venv: Path, log: TextIO) -> str:
    """A virtualenv with the base tree's dependencies; returns its python."""
    log.write(f"base: creating a virtualenv with its dependencies in {venv}\n")
    log.flush()
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    python = str(venv / "bin" / "python")
    pip = [python, "-m", "pip", "install", "-q", "--disable-pip-version-check"]
    try:
        subprocess.run([*pip, str(tree)], check=True, stdin=subprocess.DEVNULL)
    except subprocess.CalledProcessError as exc:
        raise TreeError(f"pip could not install the base tree's dependencies ({exc})") from None
    return python


@contextlib.contextmanager
def base_tree(root: Path, ref: str, log: TextIO = sys.stderr) -> Iterator[Side]:
    """Check out ``ref`` in a temporary worktree (and virtualenv when needed); remove both
    when the block ends, however it ends."""
    commit = resolve(root, ref)
    tmp = Path(tempfile.mkdtemp(prefix="bench-check-"))
    tree = tmp / "tree"
    try:
        git(root, "worktree", "add", "--detach", "--quiet", str(tree), commit)
        reason = venv_reason(_dependency_files(tree), _dependency_files(root))
        python = _make_venv(tree, tmp / "venv", log) if reason else sys.executable
        log.write(
            f"base: {ref} = {commit[:12]} in {tree}"
            + (f" (own virtualenv: {reason})" if reason else " (shares this virtualenv)")
            + "\n"
        )
        yield Side(BASE_TAG, commit, python, str(tree), own_venv=reason is not None)
    finally:
        with contextlib.suppress(TreeError):
            git(root, "worktree", "remove", "--force", str(tree))
        shutil.rmtree(tmp, ignore_errors=True)
        with contextlib.suppress(TreeError):
            git(root, "worktree", "prune")
