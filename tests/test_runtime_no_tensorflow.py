"""`--runtime` where TensorFlow cannot be imported: the CLI says so once on stderr, in every format.

The CLI runs in a real Python environment without TensorFlow: a venv (``--without-pip``, no system site
packages) whose only ``.pth`` file points at lstmlint's own sources and a folder of links to the packages
lstmlint depends on (found through their installed metadata), so nothing the test does can hide or shadow
TensorFlow: it is simply not installed there, as on a user's machine without ``lstmlint[runtime]``.
"""

from __future__ import annotations

import importlib.metadata
import json
import os
import re
import subprocess
import venv
from pathlib import Path

import pytest
from packaging.requirements import Requirement

import lstmlint

MESSAGE = ("lstmlint: --runtime: TensorFlow is not installed: runtime check needs `pip install "
           "'lstmlint[runtime]'`; every finding stays unchecked")
CODE = ("import keras\n"
        "model = keras.Sequential([keras.Input(shape=(10, 3)), keras.layers.LSTM(8), keras.layers.LSTM(4)])\n")


def _top_levels(dist: importlib.metadata.Distribution) -> set[Path]:
    """The importable files and folders a distribution installed (resolved paths)."""
    found = set()
    for file in dist.files or []:
        parts = Path(file).parts
        if not parts or parts[0] == ".." or parts[0].endswith((".dist-info", ".egg-info", ".pth")) or \
                parts[0] == "__pycache__":
            continue
        found.add(Path(dist.locate_file(parts[0])).resolve())
    return found


def _closure(name: str) -> set[Path]:
    """What lstmlint's (non-extra) requirements, and theirs, installed."""
    seen: set[str] = set()
    paths: set[Path] = set()
    pending = [name]
    while pending:
        current = pending.pop()
        key = re.sub(r"[-_.]+", "-", current).lower()
        if key in seen:
            continue
        seen.add(key)
        dist = importlib.metadata.distribution(current)
        if key != "lstmlint":
            paths |= _top_levels(dist)
        for text in dist.requires or []:
            requirement = Requirement(text)
            if requirement.marker is not None and not requirement.marker.evaluate({"extra": ""}):
                continue
            pending.append(requirement.name)
    return paths


@pytest.fixture(scope="module")
def python_without_tensorflow(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("no_tf")
    venv.EnvBuilder(with_pip=False, system_site_packages=False, symlinks=True).create(root / "venv")
    links = root / "deps"
    links.mkdir()
    for target in _closure("lstmlint"):
        assert not target.name.startswith(("tensorflow", "keras")), target
        (links / target.name).symlink_to(target, target_is_directory=target.is_dir())
    source_root = Path(lstmlint.__file__).resolve().parents[1]  # the lstmlint being tested
    (site,) = (root / "venv" / "lib").glob("python*/site-packages")
    (site / "lstmlint_test.pth").write_text(f"{source_root}\n{links}\n")
    python = root / "venv" / "bin" / "python"
    probe = subprocess.run([str(python), "-c", "import lstmlint, libcst, click, yaml, jsonschema, pygls\n"
                            "import importlib.util; print(importlib.util.find_spec('tensorflow'))"],
                           capture_output=True, text=True, env=_env(), timeout=60, check=False)
    assert probe.returncode == 0 and probe.stdout.strip() == "None", probe.stderr
    return python


def _env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("PYTHON")}
    env["PYTHONDONTWRITEBYTECODE"] = "1"
    return env


def _run(python: Path, cwd: Path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([str(python), "-m", "lstmlint", *args], cwd=cwd, capture_output=True, text=True,
                          env=_env(), timeout=120, check=False)


@pytest.mark.parametrize("output_format", ["text", "json", "sarif", "github"])
def test_check_runtime_without_tensorflow_says_so_once(python_without_tensorflow, tmp_path, output_format):
    (tmp_path / "m.py").write_text(CODE)
    (tmp_path / "n.py").write_text(CODE)
    run = _run(python_without_tensorflow, tmp_path, "check", "--runtime", "--format", output_format, ".")
    assert run.returncode == 1, run.stderr
    assert run.stderr.count(MESSAGE) == 1 and run.stderr.strip() == MESSAGE, run.stderr
    assert "LSTM101" in run.stdout
    if output_format == "json":
        assert {f["runtime"] for f in json.loads(run.stdout)} == {"unchecked"}
    if output_format == "sarif":
        results = json.loads(run.stdout)["runs"][0]["results"]
        assert results and {r["properties"]["runtime"] for r in results} == {"unchecked"}


def test_check_runtime_without_models_still_says_so(python_without_tensorflow, tmp_path):
    (tmp_path / "empty.py").write_text("x = 1\n")
    run = _run(python_without_tensorflow, tmp_path, "check", "--runtime", "empty.py")
    assert run.returncode == 0 and run.stderr.strip() == MESSAGE


@pytest.mark.parametrize("output_format", ["text", "json"])
def test_explain_runtime_without_tensorflow_says_so_once(python_without_tensorflow, tmp_path, output_format):
    (tmp_path / "m.py").write_text(CODE)
    run = _run(python_without_tensorflow, tmp_path, "explain", "--runtime", "--format", output_format, "m.py")
    assert run.returncode == 0 and run.stderr.strip() == MESSAGE, run.stderr
    if output_format == "json":
        (model,) = json.loads(run.stdout)
        assert model["runtime"]["built"] is False and "TensorFlow is not installed" in model["runtime"]["error"]


def test_static_check_says_nothing_without_tensorflow(python_without_tensorflow, tmp_path):
    (tmp_path / "m.py").write_text(CODE)
    run = _run(python_without_tensorflow, tmp_path, "check", "m.py")
    assert run.returncode == 1 and run.stderr == ""
