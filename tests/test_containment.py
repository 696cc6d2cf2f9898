"""One file never sinks a run: an exception while analysing, linting, explaining, fixing or reporting one file is an
LSTM003 internal-error finding for that file, every other file is still reported, and the run exits 2; anything
unexpected outside a file is one line on stderr and exit 2. The exit codes of the README.

Real Keras 1 files that crashed the analyzer (tests/fixtures/crash/) run through the real CLI in a subprocess;
because the shape fixes may make them pass, every stage is also failed on purpose by monkeypatching one function
of lstmlint in-process (click's runner), so the containment is exercised whatever the analyzer can do.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import textwrap
from pathlib import Path

import pytest
from click.testing import CliRunner

from conftest import run_cli, run_process

CRASHES = Path(__file__).parent / "fixtures" / "crash"
FAULTY = ("import keras\n"
          "model = keras.Sequential([keras.Input((10, 3)), keras.layers.LSTM(8), keras.layers.LSTM(4)])\n")
BOOM = "boom.py"


class Boom(Exception):
    """The failure injected into lstmlint's own code."""


def invoke(*args: str, catch: bool = False):
    """The real CLI in this process (so a monkeypatch reaches it); exceptions are not swallowed by the runner."""
    from lstmlint.cli import main

    return CliRunner().invoke(main, list(args), catch_exceptions=catch)


def project(tmp_path: Path, monkeypatch, count: int = 1) -> Path:
    """A folder with faulty.py (one LSTM101) and boom.py (the same code), as the working folder."""
    for index in range(count):
        (tmp_path / (f"faulty{index}.py" if index else "faulty.py")).write_text(FAULTY)
    (tmp_path / BOOM).write_text(FAULTY)
    monkeypatch.chdir(tmp_path)
    return tmp_path


def failing_on(path_of, function):
    """``function``, except that it raises Boom when ``path_of(*args)`` is boom.py."""
    def wrapper(*args, **kwargs):
        if Path(str(path_of(*args, **kwargs))).name == BOOM:
            raise Boom("injected failure")
        return function(*args, **kwargs)

    return wrapper


def assert_contained(result, fmt: str = "json") -> list[dict]:
    """boom.py is one LSTM003, faulty.py still has its LSTM101, exit 2, no traceback."""
    assert result.exit_code == 2, (result.exit_code, result.stdout, result.stderr)
    assert "Traceback" not in result.stderr, result.stderr
    findings = json.loads(result.stdout) if fmt == "json" else None
    if findings is not None:
        by_path = {}
        for f in findings:
            by_path.setdefault(f["path"], []).append(f)
        [internal] = by_path[BOOM]
        assert internal["rule"] == "LSTM003" and internal["name"] == "internal-error", internal
        assert internal["message"].startswith("internal error: Boom: injected failure (at test_containment.py:")
        assert "please report it at https://" in internal["message"] and "--show-traceback" in internal["message"]
        assert [f["rule"] for f in by_path["faulty.py"]] == ["LSTM101"]
    return findings


# -- real files that crashed the analyzer -----------------------------------------------------------------


def test_keras1_crash_repros_never_sink_the_run(tmp_path):
    for source in CRASHES.glob("*.py"):
        shutil.copy(source, tmp_path / source.name)
    (tmp_path / "faulty.py").write_text(FAULTY)
    run = run_process("check", "--no-cache", "--format", "json", ".", cwd=tmp_path)
    assert "Traceback" not in run.err, run.err
    findings = run.json()
    assert [(f["path"], f["rule"]) for f in findings if f["path"] == "faulty.py"] == [("faulty.py", "LSTM101")]
    internal = [f for f in findings if f["rule"] == "LSTM003"]
    # Exit 2 exactly when lstmlint failed on a file (the crashes may be fixed by now: then 1, for faulty.py).
    assert run.code == (2 if internal else 1), (run.code, findings)
    for finding in internal:
        assert finding["path"] in {p.name for p in CRASHES.glob("*.py")}
        assert (finding["line"], finding["column"]) == (1, 1)
        assert "\n" not in finding["message"] and finding["message"].startswith("internal error: ")

    explain = run_process("explain", ".", cwd=tmp_path)
    assert "Traceback" not in explain.err, explain.err
    assert "faulty.py:2: Sequential model `model`" in explain.out
    assert explain.code == (2 if internal else 0)
    named = {line.split(":")[0] for line in explain.err.splitlines() if ": LSTM003 [error] internal error" in line}
    assert named == {f["path"] for f in internal}

    traced = run_process("check", "--no-cache", "--show-traceback", ".", cwd=tmp_path)
    assert traced.code == run.code
    assert ("Traceback (most recent call last)" in traced.err) == bool(internal)


# -- each stage failing on purpose ------------------------------------------------------------------------


def test_analysis_failure_is_one_finding(tmp_path, monkeypatch):
    import lstmlint.analyze

    project(tmp_path, monkeypatch)
    monkeypatch.setattr(lstmlint.analyze, "analyze_source",
                        failing_on(lambda text, path, *rest, **keywords: path, lstmlint.analyze.analyze_source))
    assert_contained(invoke("check", "--no-cache", "--format", "json", "."))


def test_rule_failure_is_one_finding_and_never_cached(tmp_path, monkeypatch):
    import lstmlint.engine.evaluate

    project(tmp_path, monkeypatch)
    original = lstmlint.engine.evaluate.run_rules
    monkeypatch.setattr(lstmlint.engine.evaluate, "run_rules", failing_on(lambda module, *a: module.path, original))
    assert_contained(invoke("check", "--format", "json", "."))
    monkeypatch.setattr(lstmlint.engine.evaluate, "run_rules", original)
    again = invoke("check", "--format", "json", ".")  # the cache has faulty.py, never boom.py's failure
    assert again.exit_code == 1
    assert sorted((f["path"], f["rule"]) for f in json.loads(again.stdout)) == [
        (BOOM, "LSTM101"), ("faulty.py", "LSTM101")]


def test_internal_errors_exit_2_even_with_exit_zero_and_ignore(tmp_path, monkeypatch):
    import lstmlint.engine.evaluate

    project(tmp_path, monkeypatch)
    (tmp_path / BOOM).write_text(FAULTY.replace("])\n", "])  # noqa\n"))
    monkeypatch.setattr(lstmlint.engine.evaluate, "run_rules",
                        failing_on(lambda module, *a: module.path, lstmlint.engine.evaluate.run_rules))
    result = invoke("check", "--no-cache", "--exit-zero", "--ignore", "LSTM0", ".")
    assert result.exit_code == 2
    assert f"{BOOM}:1:1: LSTM003 [error] internal error: Boom: injected failure" in result.stdout


def test_show_traceback_prints_the_traceback(tmp_path, monkeypatch):
    import lstmlint.analyze

    project(tmp_path, monkeypatch)
    monkeypatch.setattr(lstmlint.analyze, "analyze_source",
                        failing_on(lambda text, path, *rest, **keywords: path, lstmlint.analyze.analyze_source))
    plain = invoke("check", "--no-cache", ".")
    assert plain.exit_code == 2 and "Traceback" not in plain.stderr
    traced = invoke("check", "--no-cache", "--show-traceback", ".")
    assert traced.exit_code == 2 and traced.stdout == plain.stdout
    assert f"lstmlint: traceback of the internal error in {BOOM}:\nTraceback (most recent call last):" in traced.stderr
    assert 'raise Boom("injected failure")' in traced.stderr


def test_a_dead_pool_worker_costs_only_its_file(tmp_path, monkeypatch):
    """The analysis of boom.py kills its worker process (as the OOM killer would): the pool is restarted, the
    others are reported, boom.py is an internal error."""
    import lstmlint.api

    project(tmp_path, monkeypatch, count=12)
    original = lstmlint.api.lint_bytes

    def die_on_boom(data, path, *args):
        if path == BOOM:
            os.kill(os.getpid(), signal.SIGKILL)  # runs in a forked pool worker, never in this process
        return original(data, path, *args)

    monkeypatch.setattr(lstmlint.api, "lint_bytes", die_on_boom)
    monkeypatch.setattr(lstmlint.api, "_POOL_THRESHOLD", 2)
    result = invoke("check", "--no-cache", "-j", "2", "--format", "json", ".")
    assert result.exit_code == 2, result.stderr
    findings = json.loads(result.stdout)
    assert sorted(f["path"] for f in findings if f["rule"] == "LSTM101") == sorted(
        ["faulty.py", *(f"faulty{i}.py" for i in range(1, 12))])
    [internal] = [f for f in findings if f["path"] == BOOM]
    assert internal["rule"] == "LSTM003" and "stopped abruptly" in internal["message"]


def test_explain_failure_on_one_file(tmp_path, monkeypatch):
    import lstmlint.explain

    project(tmp_path, monkeypatch)
    monkeypatch.setattr(lstmlint.explain, "explain_module",
                        failing_on(lambda module, *a: module.path, lstmlint.explain.explain_module))
    for fmt in ("text", "json"):
        result = invoke("explain", "--format", fmt, ".")
        assert result.exit_code == 2 and "Traceback" not in result.stderr
        assert f"{BOOM}:1:1: LSTM003 [error] internal error: Boom: injected failure" in result.stderr
        if fmt == "json":
            assert [report["path"] for report in json.loads(result.stdout)] == ["faulty.py"]
        else:
            assert "faulty.py:2: Sequential model `model`" in result.stdout and BOOM not in result.stdout


@pytest.mark.parametrize("fmt, function", [("text", "location"), ("sarif", "_fingerprint"),
                                           ("github", "annotation")])
def test_reporter_failure_on_one_file(tmp_path, monkeypatch, fmt, function):
    import importlib

    project(tmp_path, monkeypatch)
    reporter = importlib.import_module(f"lstmlint.report.{fmt}")
    original = getattr(reporter, function)

    def fails(finding, *args):
        if finding.path == BOOM and finding.rule != "LSTM003":
            raise Boom("injected failure")
        return original(finding, *args)

    monkeypatch.setattr(reporter, function, fails)
    result = invoke("check", "--no-cache", "--format", fmt, ".")
    assert result.exit_code == 2 and "Traceback" not in result.stderr
    out = result.stdout
    if fmt == "sarif":
        rules = {r["ruleId"]: r for r in json.loads(out)["runs"][0]["results"]}
        assert rules["LSTM003"]["message"]["text"].startswith("internal error: Boom: injected failure")
        assert rules["LSTM101"]["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] == "faulty.py"
    else:
        assert "LSTM003" in out and "internal error: Boom: injected failure" in out
        assert "faulty.py" in out and "LSTM101" in out


def test_fix_failure_leaves_that_file_and_fixes_the_others(tmp_path, monkeypatch):
    import lstmlint.fix

    project(tmp_path, monkeypatch)
    original = lstmlint.fix.fix_text

    def fails(text, *args, **kwargs):
        if "boom" in text:
            raise Boom("injected failure")
        return original(text, *args, **kwargs)

    (tmp_path / BOOM).write_text("# boom\n" + FAULTY)
    monkeypatch.setattr(lstmlint.fix, "fix_text", fails)
    result = invoke("check", "--fix", "--format", "json", ".")
    assert result.exit_code == 2 and "Traceback" not in result.stderr
    assert (tmp_path / BOOM).read_text() == "# boom\n" + FAULTY
    assert "return_sequences=True" in (tmp_path / "faulty.py").read_text()
    [internal] = json.loads(result.stdout)
    assert (internal["path"], internal["rule"]) == (BOOM, "LSTM003")

    (tmp_path / "faulty.py").write_text(FAULTY)
    diff = invoke("check", "--diff", ".")
    assert diff.exit_code == 2 and "+++ b/faulty.py" in diff.stdout and BOOM not in diff.stdout
    assert f"lstmlint: error: {BOOM}: internal error: Boom" in diff.stderr


def test_runtime_checker_failure_keeps_the_static_findings(tmp_path, monkeypatch):
    import lstmlint.runtime.checker

    project(tmp_path, monkeypatch)

    def fails(*args, **kwargs):
        raise Boom("injected failure")

    monkeypatch.setattr(lstmlint.runtime.checker, "apply_runtime", fails)
    result = invoke("check", "--runtime", "--format", "json", ".")
    assert result.exit_code == 2 and "Traceback" not in result.stderr
    assert sorted(f["path"] for f in json.loads(result.stdout)) == [BOOM, "faulty.py"]
    assert result.stderr.count("\n") == 1
    assert result.stderr.startswith("lstmlint: internal error in the runtime checker: Boom: injected failure;")


def test_unexpected_failure_outside_a_file_is_one_line_and_exit_2(tmp_path, monkeypatch):
    import lstmlint.discover

    project(tmp_path, monkeypatch)

    def fails(*args, **kwargs):
        raise Boom("walking went wrong")

    monkeypatch.setattr(lstmlint.discover, "iter_files", fails)
    for command in (["check", "."], ["explain", "."], ["check", "--fix", "."]):
        result = invoke(*command)
        assert result.exit_code == 2, (command, result.exit_code)
        assert result.stderr.count("\n") == 1 and "Traceback" not in result.stderr
        assert result.stderr.startswith("lstmlint: internal error: Boom: walking went wrong. This is a bug in "
                                        "lstmlint: please report it at https://")
        assert result.stderr.rstrip().endswith("--show-traceback prints the details")
    traced = invoke("check", "--show-traceback", ".")
    assert traced.exit_code == 2 and "Traceback (most recent call last)" in traced.stderr
    assert 'raise Boom("walking went wrong")' in traced.stderr


def test_unexpected_failure_in_a_subprocess_run_is_exit_2_not_1(tmp_path):
    """The same through the process boundary, where it matters: the interpreter's own exit code for an uncaught
    exception is 1, which CI reads as "findings"."""
    (tmp_path / "m.py").write_text(FAULTY)
    probe = textwrap.dedent(
        """\
        import sys
        import lstmlint.discover
        def fails(*args, **kwargs):
            raise RuntimeError("walking went wrong")
        lstmlint.discover.iter_files = fails
        from lstmlint.cli import main
        main(["check", "."], prog_name="lstmlint")
        """
    )
    import subprocess
    import sys

    proc = subprocess.run([sys.executable, "-c", probe], cwd=tmp_path, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 2
    assert proc.stderr.startswith("lstmlint: internal error: RuntimeError: walking went wrong.")
    assert proc.stderr.count("\n") == 1 and "Traceback" not in proc.stderr


# -- the built-in codes -----------------------------------------------------------------------------------


@pytest.mark.parametrize("code", ["LSTM001", "LSTM002", "LSTM003", "LSTM900", "lstm003"])
def test_rule_explains_the_builtin_codes(code):
    from lstmlint.builtin_codes import CODES

    run = run_cli("rule", code)
    assert run.code == 0, run.err
    entry = CODES[code.upper()]
    assert run.out.startswith(f"# {entry.id} {entry.name} [{entry.severity}]\n\n{entry.summary}\n")
    for part in ("## What it does", "## Why is this bad?", "## Example", "## Use instead"):
        assert part in run.out


def test_builtin_codes_are_defined_once():
    """The findings, the SARIF descriptors and `lstmlint rule` all read lstmlint.builtin_codes."""
    from lstmlint import api, builtin_codes
    from lstmlint.report import sarif
    from lstmlint.runtime import checker

    assert api.SYNTAX_ERROR is builtin_codes.SYNTAX_ERROR and api.UNREADABLE is builtin_codes.UNREADABLE
    assert checker.KERAS_BUILD_ERROR == (builtin_codes.KERAS_BUILD_ERROR.id, builtin_codes.KERAS_BUILD_ERROR.name)
    descriptors = {d["id"]: d for d in sarif._descriptors([], [])[0]}
    for code in builtin_codes.CODES.values():
        assert descriptors[code.id]["name"] == code.name
        assert descriptors[code.id]["shortDescription"]["text"] == code.summary
    assert {"LSTM001", "LSTM002", "LSTM003", "LSTM900", "LSTM901", "LSTM902"} == set(builtin_codes.CODES)


def test_exit_codes_are_in_the_readme():
    readme = (Path(__file__).resolve().parents[1] / "README.md").read_text(encoding="utf-8")
    section = readme[readme.index("### Exit codes"):]
    section = section[:section.index("\n#")]
    for code, words in (("0", "no findings"), ("1", "findings"), ("2", "internal error")):
        assert f"**{code}**" in section and words in section
