from __future__ import annotations

import json
import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
RULES_DIR = ROOT / "rules"


@dataclass
class Run:
    code: int
    out: str
    err: str

    def json(self):
        return json.loads(self.out)


def run_cli(*args: str, cwd: Path | None = None, stdin: str | None = None, env: dict | None = None) -> Run:
    """The real CLI function (`lstmlint.cli.main`) in this process, through click's CliRunner: the same argument
    parsing, commands, reporters and exit codes as the console script, with real files in ``cwd``, without the
    half second a new interpreter costs. An exception that escapes the CLI is raised here, never turned into an
    exit code. Tests of the process boundary itself (the console script, ``-m``, isolation, signals, pools,
    what a fresh interpreter imports) use :func:`run_process`."""
    from click.testing import CliRunner

    from lstmlint.cli import main

    before = os.getcwd()
    os.chdir(cwd or ROOT)
    try:
        result = CliRunner().invoke(main, list(args), input=stdin, env=env, prog_name="lstmlint",
                                    catch_exceptions=False)
    finally:
        os.chdir(before)
    return Run(result.exit_code, result.stdout, result.stderr)


def check_json(path: Path | str) -> list[dict]:
    """`lstmlint check --no-cache --format json` of one path: its findings (exit 0 or 1 asserted)."""
    run = run_cli("check", "--no-cache", "--format", "json", str(path))
    assert run.code in (0, 1), run.err
    return run.json()


def explain_json(path: Path | str, cwd: Path | None = None) -> list[dict]:
    """`lstmlint explain --format json` of one path: the reports it prints (exit 0 asserted)."""
    run = run_cli("explain", "--format", "json", str(path), cwd=cwd)
    assert run.code == 0, run.err
    return run.json()


def layer_rows(report: dict) -> list[tuple]:
    """(class, output shape, parameters) per layer of one explain report."""
    return [(row["class"], row["output_shape"], row["params"]) for row in report["layers"]]


def keras_layer_rows(model) -> list[tuple]:
    """The same rows for a model built in real Keras (one output per layer)."""
    return [(type(layer).__name__, [None if d is None else int(d) for d in layer.output.shape],
             layer.count_params()) for layer in model.layers]


def run_process(*args: str, cwd: Path | None = None, stdin: str | None = None, env: dict | None = None) -> Run:
    """The real CLI in a subprocess (`python -m lstmlint`), as users and pre-commit run it."""
    full_env = {**os.environ, **(env or {})}
    proc = subprocess.run(
        [sys.executable, "-m", "lstmlint", *args],
        cwd=cwd or ROOT,
        input=stdin,
        capture_output=True,
        text=True,
        env=full_env,
        timeout=120,
    )
    return Run(proc.returncode, proc.stdout, proc.stderr)


@pytest.fixture
def cli():
    return run_cli


@pytest.fixture
def lint():
    """Lint a source string through the public API with default config (target Keras 3 unless given)."""
    from lstmlint.api import lint_source, rules_for
    from lstmlint.config import Config

    cache = {}

    def _lint(source: str, target: int = 3, path: str = "case.py"):
        config = Config(target_keras=target)
        if "rules" not in cache:
            cache["rules"] = rules_for(config)
        return lint_source(source, path, config, cache["rules"])

    return _lint
