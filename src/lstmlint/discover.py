"""Which files to check: walk folders, skip what no linter should read, apply excludes (the prefilter on their
content is in :mod:`lstmlint.scope`)."""

from __future__ import annotations

import os
import stat
from functools import lru_cache
from pathlib import Path
from typing import Iterator

from lstmlint.bounded import kind

SKIP_DIRS = {
    ".git", ".hg", ".svn", ".bzr", "__pycache__", ".venv", "venv", ".env", "env", ".tox", ".nox", "build",
    "dist", "node_modules", ".mypy_cache", ".pytest_cache", ".ruff_cache", ".lstmlint_cache", "site-packages",
    ".ipynb_checkpoints", ".eggs", "__pypackages__",
}
SUFFIXES = (".py", ".pyi", ".ipynb")


def _is_virtualenv(folder: Path) -> bool:
    return (folder / "pyvenv.cfg").is_file()


def iter_files(paths: list[Path], exclude: list[str], root: Path) -> Iterator[Path]:
    """Files under ``paths`` in a stable order. Files named explicitly are always checked (as in ruff)."""
    spec = None
    if exclude:
        from lstmlint.config import path_spec

        spec = path_spec(tuple(exclude))

    def excluded(path: Path) -> bool:
        if spec is None:
            return False
        try:
            relative = path.resolve().relative_to(root.resolve()).as_posix()
        except (ValueError, OSError, RuntimeError):  # RuntimeError: a symlink loop (Python < 3.13)
            relative = path.as_posix()
        return spec.match_file(relative) or spec.match_file(relative + "/")

    seen: set[Path] = set()
    for path in paths:
        if path.is_dir():
            for folder, dirs, files in os.walk(path):
                here = Path(folder)
                dirs[:] = sorted(
                    d for d in dirs
                    if d not in SKIP_DIRS and not d.endswith(".egg-info") and not _is_virtualenv(here / d)
                    and not excluded(here / d)
                )
                for name in sorted(files):
                    candidate = here / name
                    if candidate.suffix in SUFFIXES and not excluded(candidate) and candidate not in seen:
                        seen.add(candidate)
                        yield candidate
        elif path not in seen:
            seen.add(path)
            yield path


def display_path(path: Path) -> str:
    """Paths relative to the working directory when below it, as ruff prints them."""
    try:
        # the folder resolved, the name kept: a symlinked (or dangling) file is reported under its own name
        if path.name in ("", ".."):
            full = _resolved(os.path.abspath(path))
        else:
            full = _resolved(os.path.abspath(path.parent)) / path.name
        return full.relative_to(_resolved(os.getcwd())).as_posix()
    except (ValueError, OSError, RuntimeError):  # RuntimeError: a symlink loop (Python < 3.13)
        return path.as_posix()


@lru_cache(maxsize=4096)
def _resolved(folder: str) -> Path:
    """An absolute folder with its links resolved: every file of a folder (and the working folder, for every
    file) would otherwise walk the same links again."""
    return Path(folder).resolve()


def read_regular(path: Path) -> bytes:
    """The file's bytes; a FIFO, socket or device is refused (reading a FIFO with no writer blocks forever)."""
    mode = path.stat().st_mode
    if stat.S_ISDIR(mode):
        raise IsADirectoryError(path)
    if not stat.S_ISREG(mode):
        raise OSError(f"not a regular file ({kind(mode)})")
    return path.read_bytes()
