"""The cache is never wrong and never writes elsewhere; file names that are not valid UTF-8 work everywhere.
All through the real CLI in a subprocess (the working folder and the bytes on stdout are the point)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import run_cli

FAULTY = ("import keras\n"
          "m = keras.Sequential([keras.Input((10, 3)), keras.layers.LSTM(4), keras.layers.LSTM(8)])\n")
CACHE = ".lstmlint_cache"


def files_under(folder: Path) -> list[Path]:
    return sorted(p for p in folder.rglob("*"))


def test_identical_files_in_two_folders_do_not_share_an_entry(tmp_path):
    """The trust README's repro: per-file-ignores hide a/x.py's finding; b/x.py, the same bytes, keeps it."""
    root = tmp_path / "pfi"
    (root / "a").mkdir(parents=True)
    (root / "b").mkdir()
    (root / "pyproject.toml").write_text('[tool.lstmlint.per-file-ignores]\n"a/*.py" = ["LSTM1"]\n')
    (root / "a" / "x.py").write_text(FAULTY)
    (root / "b" / "x.py").write_text(FAULTY)
    for _ in range(2):  # the second round answers from the cache, and must answer the same
        in_a = run_cli("check", "--statistics", "x.py", cwd=root / "a")
        in_b = run_cli("check", "--statistics", "x.py", cwd=root / "b")
        assert in_a.code == 0, in_a.out
        assert in_b.code == 1 and "x.py:2:45: LSTM101 [error]" in in_b.out, in_b.out + in_b.err
    assert "1 from the cache" in in_a.err and "1 from the cache" in in_b.err
    # reported under another name (from the config's folder), the same file has its own entry too
    top = run_cli("check", "--format", "json", "a/x.py", "b/x.py", cwd=root)
    assert [(f["path"], f["rule"]) for f in top.json()] == [("b/x.py", "LSTM101")]


def test_symlinked_cache_folder_is_not_used(tmp_path):
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    project = tmp_path / "project"
    project.mkdir()
    (project / "m.py").write_text(FAULTY)
    (project / CACHE).symlink_to(elsewhere, target_is_directory=True)
    for _ in range(2):
        run = run_cli("check", "m.py", cwd=project)
        assert run.code == 1 and "m.py:2:45: LSTM101" in run.out
        warnings = [line for line in run.err.splitlines() if "warning" in line]
        assert len(warnings) == 1 and "is a symbolic link; not using the cache" in warnings[0], run.err
    assert files_under(elsewhere) == [], "nothing is written through the link"
    assert (project / CACHE).is_symlink()


def test_a_cache_folder_lstmlint_did_not_create_is_not_used(tmp_path):
    (tmp_path / "m.py").write_text(FAULTY)
    foreign = tmp_path / CACHE
    foreign.mkdir()
    (foreign / "notes.txt").write_text("someone else's\n")
    run = run_cli("check", "m.py", cwd=tmp_path)
    assert run.code == 1 and "LSTM101" in run.out
    assert run.err.count("warning") == 1 and "was not created by lstmlint" in run.err
    assert files_under(foreign) == [foreign / "notes.txt"]

    # a CACHEDIR.TAG alone (another tool's cache folder) is not ours either
    (foreign / "CACHEDIR.TAG").write_text("Signature: 8a477f597d28d172789f06886806bc55\n")
    run = run_cli("check", "m.py", cwd=tmp_path)
    assert "was not created by lstmlint" in run.err
    assert files_under(foreign) == [foreign / "CACHEDIR.TAG", foreign / "notes.txt"]


def test_symlinks_inside_our_cache_are_never_written_through(tmp_path):
    (tmp_path / "m.py").write_text(FAULTY)
    expected = run_cli("check", "m.py", cwd=tmp_path)  # creates the cache folder
    assert expected.code == 1
    from lstmlint import __version__

    version = tmp_path / CACHE / __version__
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    for entry in list(version.iterdir()):
        if entry.is_dir():
            for item in entry.iterdir():
                item.unlink()
            entry.rmdir()
    for first in "0123456789abcdef":  # every entry folder an entry could go to is a link
        for second in "0123456789abcdef":
            (version / f"{first}{second}").symlink_to(elsewhere, target_is_directory=True)
    run = run_cli("check", "m.py", cwd=tmp_path)
    assert (run.code, run.out) == (expected.code, expected.out)
    assert files_under(elsewhere) == []

    # the version folder itself a link: the cache is not used at all
    other = tmp_path / "other"
    other.mkdir()
    for item in version.iterdir():
        item.unlink()
    version.rmdir()
    version.symlink_to(other, target_is_directory=True)
    run = run_cli("check", "m.py", cwd=tmp_path)
    assert (run.code, run.out) == (expected.code, expected.out)
    assert "not using the cache" in run.err
    assert files_under(other) == []


@pytest.mark.slow
def test_concurrent_first_runs_create_one_cache_without_warnings(tmp_path):
    for index in range(4):
        (tmp_path / f"m{index}.py").write_text(FAULTY)
    command = [sys.executable, "-m", "lstmlint", "check", "."]
    runs = [subprocess.Popen(command, cwd=tmp_path, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
            for _ in range(4)]
    outputs = [p.communicate(timeout=300) for p in runs]
    assert all(err == "" for _, err in outputs), [err for _, err in outputs]
    assert len({out for out, _ in outputs}) == 1
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(f"{CACHE}.tmp")]
    assert (tmp_path / CACHE / "CACHEDIR.TAG").is_file()


# -- file names that are not valid UTF-8 ------------------------------------------------------------------


def run_bytes(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "lstmlint", *args], cwd=cwd, capture_output=True, timeout=120)


@pytest.mark.slow
def test_file_names_that_are_not_utf8(tmp_path):
    from test_reporters import assert_valid_sarif

    name = b"bad\xff.py"
    (tmp_path / os.fsdecode(name)).write_text(FAULTY)
    (tmp_path / "ok.py").write_text(FAULTY)

    text = run_bytes("check", ".", cwd=tmp_path)
    assert text.returncode == 1, text.stderr
    assert b"Traceback" not in text.stderr
    assert text.stdout.startswith(name + b":2:45: LSTM101 [error]"), text.stdout  # the file's real name
    assert b"ok.py:2:45: LSTM101" in text.stdout

    cached = run_bytes("check", "--statistics", ".", cwd=tmp_path)
    assert (cached.returncode, cached.stdout) == (1, text.stdout)
    assert b"2 from the cache" in cached.stderr

    findings = json.loads(run_bytes("check", "--format", "json", ".", cwd=tmp_path).stdout)
    assert os.fsencode(findings[0]["path"]) == name  # JSON: the surrogate escape of the byte, \udcff

    log = json.loads(run_bytes("check", "--format", "sarif", ".", cwd=tmp_path).stdout)
    assert_valid_sarif(log)
    uris = [r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] for r in log["runs"][0]["results"]]
    assert uris == ["bad%FF.py", "ok.py"]  # percent-encoded from the bytes

    github = run_bytes("check", "--format", "github", ".", cwd=tmp_path)
    assert github.returncode == 1 and github.stdout.startswith(b"::error file=" + name + b",line=2")

    explain = run_bytes("explain", ".", cwd=tmp_path)
    assert explain.returncode == 0 and b"\n" + name + b":2: Sequential model `m`" in explain.stdout

    fixed = run_bytes("check", "--fix", os.fsdecode(name), cwd=tmp_path)
    assert fixed.returncode == 0, fixed.stderr
    assert "return_sequences=True" in (tmp_path / os.fsdecode(name)).read_text()
