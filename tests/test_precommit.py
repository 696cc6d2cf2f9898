"""The hook through real pre-commit: `pre-commit try-repo` of this checkout in a throwaway git repository, and for
the runtime hook `pre-commit run` with a pre-commit home kept between runs (see `runtime_hook`)."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import ROOT
from test_cli import CLEAN, INFO_ONLY, STACKED

NOTEBOOK = json.dumps({
    "cells": [{"cell_type": "code", "execution_count": None, "metadata": {}, "outputs": [],
               "source": STACKED.splitlines(keepends=True)}],
    "metadata": {"language_info": {"name": "python"}}, "nbformat": 4, "nbformat_minor": 5,
}, indent=1) + "\n"

pytestmark = pytest.mark.slow


def _run(args, cwd, env=None):
    return subprocess.run(args, cwd=cwd, capture_output=True, text=True, env=env, timeout=900)


@pytest.fixture(scope="module")
def repo(tmp_path_factory):
    if shutil.which("git") is None:
        pytest.fail("git is needed for the pre-commit test")
    path = tmp_path_factory.mktemp("precommit-repo")
    env = {**os.environ, "PRE_COMMIT_HOME": str(tmp_path_factory.mktemp("pre-commit-home"))}
    _run(["git", "init", "-q"], path)
    _run(["git", "config", "user.email", "t@example.invalid"], path)
    _run(["git", "config", "user.name", "t"], path)
    (path / "clean.py").write_text(CLEAN)
    (path / "faulty.py").write_text(STACKED)
    (path / "tutorial.py").write_text(INFO_ONLY)  # only an info-level finding (LSTM503)
    (path / "notes.txt").write_text("import keras  # not python\n")
    (path / "fixme.py").write_text(STACKED)
    (path / "nb.ipynb").write_text(NOTEBOOK)
    _run(["git", "add", "."], path)
    return path, env


def try_repo(repo, *files, hook="lstmlint", verbose=False):
    path, env = repo
    return _run([sys.executable, "-m", "pre_commit", "try-repo", str(ROOT), hook, *(["--verbose"] if verbose else []),
                 "--files", *files], path, env)


def test_hook_passes_on_clean_file(repo):
    result = try_repo(repo, "clean.py")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Passed" in result.stdout


def test_hook_fails_on_faulty_file(repo):
    result = try_repo(repo, "faulty.py")
    assert result.returncode == 1, result.stdout + result.stderr
    assert "faulty.py:2:49: LSTM101 [error]" in result.stdout


def test_hook_passes_on_info_findings_and_shows_them(repo):
    """`fail-on` defaults to warning: a working tutorial whose only finding is info-level is not refused."""
    result = try_repo(repo, "tutorial.py", verbose=True)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Passed" in result.stdout and "tutorial.py:2:27: LSTM503 [info]" in result.stdout


def test_hook_skips_non_python_files(repo):
    result = try_repo(repo, "notes.txt")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no files to check" in result.stdout.lower()


def test_hook_checks_notebooks(repo):
    result = try_repo(repo, "nb.ipynb")
    assert result.returncode == 1, result.stdout + result.stderr
    assert "nb.ipynb:cell 1:2:49: LSTM101 [error]" in result.stdout


def test_fix_hook_rewrites_the_file(repo):
    path, _ = repo
    result = try_repo(repo, "fixme.py", hook="lstmlint-fix")
    assert result.returncode == 1, result.stdout + result.stderr  # pre-commit fails a hook that changed files
    assert "files were modified by this hook" in result.stdout
    assert "LSTM(8, return_sequences=True)" in (path / "fixme.py").read_text()
    again = try_repo(repo, "fixme.py", hook="lstmlint-fix")
    assert again.returncode == 0, again.stdout + again.stderr


# What pre-commit's `pip install .` of this repository reads (the wheel: see pyproject's hatch sections): the
# hook's environment depends on these files only, so an edit of the tests or the examples keeps it.
HOOK_PACKAGE = ("src/", "rules/", "pyproject.toml", "README.md", ".pre-commit-hooks.yaml")


def _tracked_files() -> list[str]:
    listed = _run(["git", "ls-files", "-z"], ROOT)
    assert listed.returncode == 0, listed.stderr
    return sorted(name for name in listed.stdout.split("\0")
                  if name.startswith(HOOK_PACKAGE) and (ROOT / name).is_file())


def _snapshot(cache: Path) -> Path:
    """A git repository holding the hook's package files of this checkout as they are on disk (uncommitted edits
    included, as try-repo does), at a path named by their content: the same code gets the same repository path
    and commit, so pre-commit's store finds the environment it built for that code on an earlier run."""
    files = _tracked_files()
    digest = hashlib.sha256()
    for name in files:
        digest.update(name.encode() + b"\0" + (ROOT / name).read_bytes() + b"\0")
    snapshot = cache / f"lstmlint-{digest.hexdigest()[:16]}"
    if (snapshot / ".complete").exists():
        return snapshot
    shutil.rmtree(snapshot, ignore_errors=True)
    for name in files:
        (snapshot / name).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(ROOT / name, snapshot / name)
    for args in (["init", "-q"], ["add", "-A"],
                 ["-c", "user.name=t", "-c", "user.email=t@example.invalid", "commit", "-q", "-m", "snapshot"]):
        done = _run(["git", *args], snapshot)
        assert done.returncode == 0, done.stdout + done.stderr
    (snapshot / ".git" / "info" / "exclude").write_text(".complete\n")
    (snapshot / ".complete").write_text("")
    return snapshot


@pytest.fixture(scope="module")
def runtime_hook(repo):
    """`pre-commit run` of the lstmlint-runtime hook from a snapshot of this checkout, with PRE_COMMIT_HOME in a
    cache folder (LSTMLINT_TEST_CACHE, else ~/.cache/lstmlint-tests). try-repo makes a new pre-commit store for
    every call, so each call installed TensorFlow into a fresh environment (minutes); here both calls of a run
    share one environment, and a later run on the same code reuses it. Snapshots of other code, and the
    environments built for them, are removed (`pre-commit gc`), so the cache holds one TensorFlow."""
    path, env = repo
    cache = Path(os.environ.get("LSTMLINT_TEST_CACHE") or Path.home() / ".cache" / "lstmlint-tests") / "pre-commit"
    cache.mkdir(parents=True, exist_ok=True)
    snapshot = _snapshot(cache)
    rev = _run(["git", "rev-parse", "HEAD"], snapshot).stdout.strip()
    config = snapshot.parent / f"{snapshot.name}.pre-commit-config.yaml"  # outside the snapshot's own tree
    config.write_text(json.dumps({"repos": [{"repo": str(snapshot), "rev": rev,
                                             "hooks": [{"id": "lstmlint-runtime"}]}]}) + "\n")
    home_env = {**env, "PRE_COMMIT_HOME": str(cache / "home")}
    for stale in cache.glob("lstmlint-*"):
        if stale.name not in (snapshot.name, config.name):
            shutil.rmtree(stale) if stale.is_dir() else stale.unlink()
    _run([sys.executable, "-m", "pre_commit", "gc"], path, home_env)

    def run(*files):
        return _run([sys.executable, "-m", "pre_commit", "run", "--config", str(config), "lstmlint-runtime",
                     "--files", *files], path, home_env)

    return run


def test_runtime_hook_confirms_findings_in_real_keras(runtime_hook):
    """The hook's own environment gets tensorflow-cpu from additional_dependencies; TensorFlow runs there."""
    result = runtime_hook("faulty.py")
    assert result.returncode == 1, result.stdout + result.stderr
    assert "faulty.py:2:49: LSTM101 [error]" in result.stdout
    json_run = runtime_hook("clean.py")
    assert json_run.returncode == 0, json_run.stdout + json_run.stderr
    assert "Passed" in json_run.stdout
