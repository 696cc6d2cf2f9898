"""Safe fixes: properties over random Keras programs (150 examples), and atomic writes that survive a failure
or a SIGKILL mid-write with the original intact and no temporary file left."""

from __future__ import annotations

import difflib
import os
import signal
import stat
import subprocess
import sys
import time
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings

from conftest import run_cli
from test_fuzz import CONFIG, RULES, keras_programs

from lstmlint import api
from lstmlint.fix import write_atomic

FAULTY = ("import keras\n"
          "model = keras.Sequential([keras.Input((10, 3)), keras.layers.LSTM(8), keras.layers.LSTM(4)])\n")


def compiles(text: str) -> bool:
    import warnings

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            compile(text, "f.py", "exec", dont_inherit=True)
    except (SyntaxError, ValueError):
        return False
    return True


@settings(max_examples=150, deadline=None, suppress_health_check=list(HealthCheck))
@given(keras_programs())
def test_fix_parses_is_idempotent_and_stays_in_the_fixed_spans(tmp_path_factory, text):
    folder = tmp_path_factory.mktemp("fix")
    path = folder / "model.py"
    path.write_bytes(text.encode())
    outcome = api.fix_file(path, CONFIG, RULES)
    if outcome is None:
        return
    after = outcome.after.decode()
    if compiles(text):
        assert compiles(after), after
    # idempotent: fixing the fixed file changes nothing more
    path.write_bytes(outcome.after)
    again = api.fix_file(path, CONFIG, RULES)
    assert again is None or again.after == outcome.after
    if outcome.after == outcome.before:
        return
    # every changed line of the original lies inside a span that a fix of the first lint proposed
    edits = [e for f in api.lint_source(text.replace("\r\n", "\n"), "model.py", CONFIG, RULES)
             if f.fix is not None and f.fix.applicability == "safe" for e in f.fix.edits]
    allowed = set()
    for e in edits:
        allowed.update(range(e.line, e.end_line + 1))
    before_lines, after_lines = text.splitlines(), after.splitlines()
    if len(before_lines) == len(after_lines):  # line for line: difflib may pair two identical lines crosswise
        changed = [i + 1 for i, (a, b) in enumerate(zip(before_lines, after_lines)) if a != b]
        assert set(changed) <= allowed, (changed, sorted(allowed), text, after)
        opcodes = []
    else:
        opcodes = difflib.SequenceMatcher(None, before_lines, after_lines, autojunk=False).get_opcodes()
    for op, i1, i2, _, _ in opcodes:
        if op == "equal":
            continue
        touched = set(range(i1 + 1, i2 + 1)) or {i1, i1 + 1}  # an insertion sits between two lines
        assert touched & allowed, (op, i1, i2, sorted(allowed), text, after)
        if op != "insert":
            assert touched <= allowed, (op, i1, i2, sorted(allowed), text, after)
    # line endings kept
    assert ("\r\n" in after) == ("\r\n" in text)


def test_cli_fix_keeps_permissions_encoding_bom_and_line_endings(tmp_path):
    latin = tmp_path / "latin.py"
    latin.write_bytes(b"# -*- coding: latin-1 -*-\r\ns = 'caf\xe9'\r\n" + FAULTY.replace("\n", "\r\n").encode())
    latin.chmod(0o751)
    bom = tmp_path / "bom.py"
    bom.write_bytes(b"\xef\xbb\xbf" + FAULTY.encode())
    json_before = run_cli("check", "--format", "json", "--no-cache", ".", cwd=tmp_path).json()
    assert {f["path"] for f in json_before if f["fix"]} == {"latin.py", "bom.py"}
    run = run_cli("check", "--fix", ".", cwd=tmp_path)
    assert "Traceback" not in run.err and "Fixed 2 findings in 2 files." in run.out
    data = latin.read_bytes()
    assert b"caf\xe9" in data and b"return_sequences=True" in data
    assert data.count(b"\r\n") == data.count(b"\n") == 4
    assert stat.S_IMODE(latin.stat().st_mode) == 0o751
    assert bom.read_bytes().startswith(b"\xef\xbb\xbfimport keras\n") and b"return_sequences=True" in bom.read_bytes()
    assert sorted(p.name for p in tmp_path.iterdir() if "lstmlint-tmp" in p.name) == []


@pytest.mark.parametrize("failing", ["replace", "fsync", "chmod"])
def test_write_atomic_failure_leaves_the_original(tmp_path, monkeypatch, failing):
    target = tmp_path / "model.py"
    original = FAULTY.encode() * 100
    target.write_bytes(original)
    target.chmod(0o640)

    def boom(*args, **kwargs):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, failing, boom)
    with pytest.raises(OSError):
        write_atomic(target, b"new content\n" * 10_000)
    monkeypatch.undo()
    assert target.read_bytes() == original
    assert stat.S_IMODE(target.stat().st_mode) == 0o640
    assert [p.name for p in tmp_path.iterdir()] == ["model.py"]


def test_cli_fix_failing_write_is_a_clean_error(tmp_path):
    """The real CLI with the rename failing (a read-only folder cannot be simulated as root): the original is
    intact, no temp file is left, and the user gets a message naming the file rather than a traceback."""
    target = tmp_path / "model.py"
    target.write_text(FAULTY)
    shim = tmp_path / "shim"
    shim.mkdir()
    (shim / "sitecustomize.py").write_text(
        "import os\n"
        "def _boom(*a, **k):\n    raise OSError(28, 'No space left on device')\n"
        "os.replace = _boom\n")
    env = {"PYTHONPATH": f"{shim}{os.pathsep}{os.environ.get('PYTHONPATH', '')}"}
    run = run_cli("check", "--fix", "model.py", cwd=tmp_path, env=env)
    assert target.read_text() == FAULTY
    assert sorted(p.name for p in tmp_path.iterdir()) == ["model.py", "shim"]
    assert "Traceback" not in run.err, run.err
    assert run.code == 2 and "model.py" in run.err and "No space left on device" in run.err


WRITER = """
import sys
from pathlib import Path
from lstmlint.fix import write_atomic
target = Path(sys.argv[1])
big = b"x = 1  # keras\\n" * 2_000_000  # 30 MB: each write takes long enough to be killed mid-way
print("ready", flush=True)
while True:
    write_atomic(target, big)
"""


def test_sigkill_while_writing_leaves_old_or_new_and_at_most_a_temp_file(tmp_path):
    target = tmp_path / "model.py"
    original = FAULTY.encode()
    target.write_bytes(original)
    target.chmod(0o600)
    big = b"x = 1  # keras\n" * 2_000_000
    for delay in (0.05, 0.2, 0.5):
        proc = subprocess.Popen([sys.executable, "-c", WRITER, str(target)], stdout=subprocess.PIPE)
        assert proc.stdout.readline().strip() == b"ready"
        time.sleep(delay)
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        data = target.read_bytes()
        assert data in (original, big)  # never a half-written file
        assert stat.S_IMODE(target.stat().st_mode) == 0o600
        # SIGKILL leaves no chance to clean up: the temporary is a dot-file beside the target, named so
        # that lstmlint never lints it (.py is not its suffix); remove it for the next round
        leftovers = [p for p in tmp_path.iterdir() if p != target]
        assert all(p.name.startswith(".model.py.") and p.name.endswith(".lstmlint-tmp") for p in leftovers)
        for p in leftovers:
            p.unlink()
        target.write_bytes(original)
