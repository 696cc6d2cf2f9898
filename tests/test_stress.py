"""Whole-tree stress: the running interpreter's standard library through the real CLI."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import sysconfig
from pathlib import Path

import pytest

from conftest import Run

STATS = re.compile(r"(\d+) files: (\d+) parsed, (\d+) from the cache, (\d+) skipped \(no recurrent layer\), "
                   r"(\d+) could not be parsed, (\d+) could not be read")


def copy_stdlib(target: Path, mention_keras: bool) -> int:
    """Lib/ without site-packages; with ``mention_keras`` every module gets a trailing Keras LSTM, so it is in
    lstmlint's scope and goes through the whole analyzer. Returns the number of .py files."""
    source = Path(sysconfig.get_paths()["stdlib"])
    shutil.copytree(source, target, symlinks=True,
                    ignore=shutil.ignore_patterns("site-packages", "__pycache__", "*.pyc", "*.so"))
    count = 0
    for folder, _, files in os.walk(target):
        for name in files:
            if name.endswith(".py"):
                count += 1
                if mention_keras:
                    path = Path(folder, name)
                    data = path.read_bytes()
                    path.write_bytes(data + (b"" if data.endswith(b"\n") or not data else b"\n")
                                     + b"import keras\nkeras.layers.LSTM(4)\n")
    return count


@pytest.mark.slow
def test_stdlib_tree_lints_without_a_crash(tmp_path):
    tree = tmp_path / "Lib"
    copy_stdlib(tree, mention_keras=True)
    proc = subprocess.run([sys.executable, "-m", "lstmlint", "check", "--no-cache", "--exit-zero", "--statistics",
                           "--format", "json", "Lib"], cwd=tmp_path, capture_output=True, text=True, timeout=1500)
    run = Run(proc.returncode, proc.stdout, proc.stderr)
    assert "Traceback" not in run.err and "internal error" not in run.out, run.err[-3000:]
    assert run.code == 0, run.err[-3000:]
    match = STATS.search(run.err)
    assert match, run.err
    files, parsed, cached, skipped, unparseable, unreadable = map(int, match.groups())
    findings = run.json()
    print(f"\nstdlib stress: {files} files, {parsed} parsed, {skipped} skipped, {unparseable} could not be parsed, "
          f"{unreadable} could not be read, {len(findings)} findings")
    assert parsed + skipped + unparseable + unreadable == files
    assert parsed > 0.9 * files  # the stdlib is Python 3 code: nearly everything parses
    # what does not parse is the test suite's deliberately broken files (bad encodings, bad syntax)
    for f in findings:
        if f["rule"] in ("LSTM001", "LSTM002"):
            assert "/test" in f["path"] or "lib2to3" in f["path"] or "too large" in f["message"], f
