"""Behaviour behind the speed work: the prefilter never drops a reportable file, results do not depend on
--jobs, the cache gives the same answers and survives damage, and a warm start imports little."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from conftest import ROOT, run_cli
from lstmlint.discover import may_contain_keras
from lstmlint.engine.loader import builtin_rules_dir, load_rules
from test_cli import STACKED, write

RULES = load_rules([builtin_rules_dir()])
UNUSUAL = [
    "from tensorflow import keras as K\nm = K.Sequential([K.Input((3, 2)), K.layers.LSTM(4), K.layers.LSTM(2)])\n",
    "import tensorflow as tf\nm = tf.keras.Sequential([tf.keras.Input((3, 2)), tf.keras.layers.GRU(4), tf.keras.layers.GRU(2)])\n",
    "import tensorflow.compat.v1.keras.layers as L\nx = L.CuDNNLSTM(4)\n",
    "from tf_keras.layers import LSTM as Recurrent\nlayer = Recurrent(0)\n",
    "import keras.layers.recurrent as rec\nlayer = rec.LSTM(-1)\n",
]


def _all_sources() -> list[str]:
    sources = [e.code for r in RULES for kind in ("bad", "good") for e in r.examples[kind]]
    sources += [p.read_text() for p in (ROOT / "examples").glob("*.py")]
    sources += [p.read_text() for p in (ROOT / "tests" / "fixtures").rglob("*.py")]
    return sources + UNUSUAL


@pytest.mark.parametrize("target", [2, 3])
def test_prefilter_never_drops_a_file_with_findings(lint, target):
    sources = _all_sources()
    reported = 0
    for source in sources:
        findings = lint(source, target=target)
        if findings:
            reported += 1
            assert may_contain_keras(source.encode()), source
    assert reported > len(RULES)  # the check above really ran on reportable files


def test_prefilter_skips_files_without_keras(tmp_path):
    write(tmp_path, "plain.py", "import torch\nlstm = torch.nn.LSTM(10, 20)\n")
    assert not may_contain_keras((tmp_path / "plain.py").read_bytes())


def _tree(tmp_path: Path, copies: int = 6) -> Path:
    for c in range(copies):
        for example in (ROOT / "examples").glob("*.py"):
            write(tmp_path, f"tree/copy_{c}/{example.name}", example.read_text())
    return tmp_path / "tree"


def test_results_do_not_depend_on_jobs(tmp_path):
    _tree(tmp_path)
    one = run_cli("check", "tree", "-j", "1", "--no-cache", "--format", "json", cwd=tmp_path)
    two = run_cli("check", "tree", "-j", "2", "--no-cache", "--format", "json", cwd=tmp_path)
    three = run_cli("check", "tree", "-j", "3", "--no-cache", "--format", "json", cwd=tmp_path)
    assert one.code == two.code == three.code == 1
    assert one.out == two.out == three.out
    assert len(one.json()) > 40


def test_cache_answers_the_same_and_is_gitignored(tmp_path):
    _tree(tmp_path, copies=2)
    first = run_cli("check", "tree", cwd=tmp_path)
    cache = tmp_path / ".lstmlint_cache"
    assert (cache / ".gitignore").read_text().splitlines()[-1] == "*"
    entries = list(cache.rglob("*.json"))
    assert entries
    second = run_cli("check", "tree", cwd=tmp_path)
    assert (first.code, first.out) == (second.code, second.out)


def test_cache_key_follows_content_and_settings(tmp_path):
    target = write(tmp_path, "m.py", STACKED)
    assert run_cli("check", "m.py", cwd=tmp_path).code == 1
    target.write_text(STACKED.replace("LSTM(8)", "LSTM(8, return_sequences=True)"))
    assert run_cli("check", "m.py", cwd=tmp_path).code == 0
    target.write_text(STACKED)
    assert run_cli("check", "m.py", cwd=tmp_path).code == 1
    write(tmp_path, "pyproject.toml", '[tool.lstmlint]\nignore = ["LSTM101"]\n')
    assert run_cli("check", "m.py", cwd=tmp_path).code == 0


@pytest.mark.parametrize("damage", [b"", b"{not json", b'{"findings": [{"path": 3}]}', b"\x00\xff" * 10])
def test_damaged_cache_entries_are_ignored_and_rewritten(tmp_path, damage):
    write(tmp_path, "m.py", STACKED)
    expected = run_cli("check", "m.py", cwd=tmp_path)
    entries = [p for p in (tmp_path / ".lstmlint_cache").rglob("*.json")]
    for entry in entries:
        entry.write_bytes(damage)
    again = run_cli("check", "m.py", cwd=tmp_path)
    assert (again.code, again.out) == (expected.code, expected.out)
    assert "Traceback" not in again.err
    assert any(p.read_bytes() != damage for p in entries if p.exists())


def test_concurrent_runs_do_not_corrupt_the_cache(tmp_path):
    _tree(tmp_path, copies=3)
    expected = run_cli("check", "tree", "--no-cache", cwd=tmp_path).out
    command = [sys.executable, "-m", "lstmlint", "check", "tree", "-j", "1"]
    runs = [subprocess.Popen(command, cwd=tmp_path, stdout=subprocess.PIPE, text=True) for _ in range(4)]
    outputs = [p.communicate(timeout=300)[0] for p in runs]
    assert all(out == expected for out in outputs)
    assert run_cli("check", "tree", cwd=tmp_path).out == expected
    assert not list((tmp_path / ".lstmlint_cache").rglob(".tmp-*"))


def test_no_cache_leaves_no_cache_folder(tmp_path):
    write(tmp_path, "m.py", STACKED)
    run_cli("check", "m.py", "--no-cache", cwd=tmp_path)
    assert not (tmp_path / ".lstmlint_cache").exists()


def test_warm_single_file_start_imports_little(tmp_path):
    write(tmp_path, "m.py", STACKED)
    run_cli("check", "m.py", cwd=tmp_path)  # warm the cache
    probe = textwrap.dedent(
        """\
        import sys
        from lstmlint.cli import main
        try:
            main(["check", "m.py"], standalone_mode=False)
        finally:
            heavy = ("yaml", "jsonschema", "libcst", "rich", "pygls", "tensorflow", "keras", "numpy")
            print("IMPORTED:", sorted({m.split(".")[0] for m in sys.modules} & set(heavy)))
        """
    )
    proc = subprocess.run([sys.executable, "-c", probe], cwd=tmp_path, capture_output=True, text=True)
    assert "IMPORTED: []" in proc.stdout, proc.stdout + proc.stderr
