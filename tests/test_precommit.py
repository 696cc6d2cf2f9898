"""The hook through real pre-commit: `pre-commit try-repo` of this checkout in a throwaway git repository."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys

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


def test_runtime_hook_confirms_findings_in_real_keras(repo):
    """The hook's own environment gets tensorflow-cpu from additional_dependencies; TensorFlow runs there."""
    result = try_repo(repo, "faulty.py", hook="lstmlint-runtime")
    assert result.returncode == 1, result.stdout + result.stderr
    assert "faulty.py:2:49: LSTM101 [error]" in result.stdout
    json_run = try_repo(repo, "clean.py", hook="lstmlint-runtime")
    assert json_run.returncode == 0, json_run.stdout + json_run.stderr
