"""Behaviour behind the speed work: the prefilter never drops a reportable file, results do not depend on
--jobs, the cache gives the same answers and survives damage, and a warm start imports little."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings

from conftest import ROOT, run_cli, run_process
from lstmlint import keras_api
from lstmlint.analyze import AnalysisError, analyze_source, python_ast
from lstmlint.engine.loader import builtin_rules_dir, load_rules
from lstmlint.scope import RECURRENT_CLASSES, calls_recurrent, may_hold_recurrent
from test_cli import STACKED, write
from test_fuzz import keras_programs

RULES = load_rules([builtin_rules_dir()])
UNUSUAL = [
    "from tensorflow import keras as K\nm = K.Sequential([K.Input((3, 2)), K.layers.LSTM(4), K.layers.LSTM(2)])\n",
    "import tensorflow as tf\nm = tf.keras.Sequential([tf.keras.Input((3, 2)), tf.keras.layers.GRU(4), tf.keras.layers.GRU(2)])\n",
    "import tensorflow.compat.v1.keras.layers as L\nx = L.CuDNNLSTM(4)\n",
    "from tf_keras.layers import LSTM as Recurrent\nlayer = Recurrent(0)\n",
    "import keras.layers.recurrent as rec\nlayer = rec.LSTM(-1)\n",
    "from keras.layers import SimpleRNN as S, Dense\nm = __import__('keras').Sequential([S(4, input_shape=(3, 2))])\n",
    "import keras\nif True:\n\tcell = keras.layers.RNN(keras.layers.LSTMCell(0))\n",
    "import keras\nx=keras.layers.Bidirectional(keras.layers.GRU(4),input_shape=(3,2))\n",
    "import keras\nx = keras.layers.\\\nConvLSTM2D(4, 3, input_shape=(5, 8, 8))\n",
    "import keras\ns = 'é'; x = keras.layers.StackedRNNCells([keras.layers.GRUCell(-1)])\n",
    "import keras\nRecurrent = keras.layers.LSTM\nlayer = Recurrent(4)\n",
    "from keras import layers\ndef f(c):\n    return c(4)\nlayer = f(layers.GRU)\n",
    "from keras.layers import SimpleRNN\ndef f(c=SimpleRNN):\n    return c(4)\nlayer = f()\n",
]


def _all_sources() -> list[str]:
    sources = [e.code for r in RULES for kind in ("bad", "good") for e in r.examples[kind]]
    sources += [p.read_text() for p in (ROOT / "examples").glob("*.py")]
    sources += [p.read_text() for p in (ROOT / "tests" / "fixtures").rglob("*.py")]
    return sources + UNUSUAL


def _as_notebook(source: str) -> bytes:
    """The source as one code cell whose lines are a JSON list, as Jupyter writes them."""
    return json.dumps({"cells": [{"cell_type": "code", "source": source.splitlines(keepends=True),
                                  "metadata": {}, "outputs": [], "execution_count": None}],
                       "metadata": {}, "nbformat": 4, "nbformat_minor": 5}, indent=1).encode()


def test_recurrent_classes_are_keras_apis_recurrent_families():
    families = {name for name, spec in keras_api.LAYERS.items()
                if spec.family in ("recurrent", "conv-recurrent", "cell")}
    assert RECURRENT_CLASSES == families | {"Bidirectional"}


def test_every_bad_example_passes_the_prefilter():
    bad = [(r.id, e.code) for r in RULES for e in r.examples["bad"]]
    assert len(bad) >= 2 * len(RULES)
    for rule, code in bad:
        assert may_hold_recurrent(code.encode()), rule
        assert may_hold_recurrent(_as_notebook(code), notebook=True), rule
        assert calls_recurrent(python_ast(code)), rule


def test_prefilter_keeps_every_file_that_builds_a_recurrent_layer():
    """Over every rule example (bad and good), the examples, the fix fixtures and unusual spellings: whenever
    the analysis finds a recurrent layer constructed, both prefilters let the file through."""
    in_scope = 0
    for source in _all_sources():
        try:
            module = analyze_source(source, "case.py")
        except Exception:  # noqa: BLE001 - a deliberately broken fixture: the parse reports it, not the scope
            continue
        if module.recurrent:
            in_scope += 1
            assert may_hold_recurrent(source.encode()), source
            assert may_hold_recurrent(_as_notebook(source), notebook=True), source
            assert calls_recurrent(python_ast(source)), source
    assert in_scope > 2 * len(RULES) + len(UNUSUAL)


@settings(max_examples=80, deadline=None, suppress_health_check=list(HealthCheck))
@given(keras_programs())
def test_prefilter_keeps_random_keras_programs_that_build_a_recurrent_layer(text):
    try:
        module = analyze_source(text, "fuzz.py")
    except AnalysisError:
        return
    if module.recurrent:
        assert may_hold_recurrent(text.encode()), text
        assert calls_recurrent(python_ast(text)), text


@pytest.mark.parametrize("target", [2, 3])
def test_prefilter_never_drops_a_file_with_findings(lint, target):
    reported = 0
    for source in _all_sources():
        if lint(source, target=target):
            reported += 1
            assert may_hold_recurrent(source.encode()), source
    assert reported > len(RULES)  # the check above really ran on reportable files


NOT_RECURRENT = {
    # would get LSTM503 on the Dense if lstmlint analysed it
    "dense.py": "import keras\nm = keras.Sequential([keras.layers.Dense(4, input_shape=(3,))])\n",
    # the names only in a comment and a string: the bytes match, CPython's ast does not
    "comment.py": "import keras\n# an LSTM would go here\nkind = 'GRU'\n"
                  "m = keras.Sequential([keras.layers.Dense(4, input_shape=(3,))])\n",
    # imported, never called (a package's __init__, a helper module): the ast finds no call of it
    "import_only.py": "import keras\nfrom keras.layers import LSTM\n"
                      "m = keras.Sequential([keras.layers.Dense(4, input_shape=(3,))])\n",
    # a recurrent class of another library: the ast matches, the analysis finds no Keras recurrent layer
    "torch_lstm.py": "import torch\nimport keras\nlstm = torch.nn.LSTM(10, 20)\n"
                     "m = keras.Sequential([keras.layers.Dense(4, input_shape=(3,))])\n",
}


def test_files_without_a_recurrent_layer_are_skipped(tmp_path):
    for name, source in NOT_RECURRENT.items():
        write(tmp_path, name, source)
    write(tmp_path, "rnn.py", "import keras\nm = keras.Sequential([keras.layers.LSTM(4, input_shape=(3, 2))])\n")
    run = run_cli("check", ".", "--no-cache", "--statistics", "--fail-on", "info", "--format", "json", cwd=tmp_path)
    assert run.code == 1, run.err
    assert {f["path"] for f in run.json()} == {"rnn.py"}
    assert "5 files: 1 parsed, 0 from the cache, 4 skipped (no recurrent layer)" in run.err
    # the same Dense models are reported once the file builds a recurrent layer: the skip is what silenced them
    for name, source in NOT_RECURRENT.items():
        write(tmp_path, name, source + "extra = keras.layers.GRU(2)\n")
    again = run_cli("check", ".", "--no-cache", "--statistics", "--format", "json", cwd=tmp_path)
    assert {(f["path"], f["rule"]) for f in again.json()} >= {(n, "LSTM503") for n in NOT_RECURRENT}
    assert "5 files: 5 parsed, 0 from the cache, 0 skipped (no recurrent layer)" in again.err


def test_byte_prefilter_turns_files_away_before_any_parse():
    """The first, cheapest stage on its own (the CLI tests above pass even without it, the ast stage behind it
    catching the same files): no `keras`, or no recurrent class name as a whole word, and the file is not read
    further; a name in a comment gets through (only the ast tells code from comments)."""
    turned_away = [
        NOT_RECURRENT["dense.py"].encode(),
        b"import torch\nlstm = torch.nn.LSTM(10, 20)\n",  # a recurrent name, no keras
        b"import keras\nx = keras.layers.Dense(4)  # LSTMs later\n",  # the name only inside a longer word
        b"import keras\nBidirectionalish = 1\nMyGRU = 2\n",
    ]
    for data in turned_away:
        assert not may_hold_recurrent(data), data
    assert may_hold_recurrent(NOT_RECURRENT["comment.py"].encode())
    assert may_hold_recurrent(b"import keras\nkeras.layers.GRU(4)\n")


def _imports_libcst(tmp_path: Path, *files: str) -> bool:
    probe = textwrap.dedent(
        f"""\
        import sys
        from lstmlint.cli import main
        try:
            main(["check", "--no-cache", *{list(files)!r}], standalone_mode=False)
        finally:
            print("LIBCST:", "libcst" in sys.modules)
        """
    )
    proc = subprocess.run([sys.executable, "-c", probe], cwd=tmp_path, capture_output=True, text=True)
    assert "LIBCST:" in proc.stdout, proc.stdout + proc.stderr
    return "LIBCST: True" in proc.stdout


def test_libcst_is_not_even_imported_for_files_that_name_no_recurrent_class(tmp_path):
    for name, source in NOT_RECURRENT.items():
        write(tmp_path, name, source)
    write(tmp_path, "rnn.py", "import keras\nlayer = keras.layers.GRU(4)\n")
    assert not _imports_libcst(tmp_path, "dense.py", "comment.py", "import_only.py")
    assert _imports_libcst(tmp_path, "dense.py", "comment.py", "import_only.py", "rnn.py")


def _tree(tmp_path: Path, copies: int = 6) -> Path:
    for c in range(copies):
        for example in (ROOT / "examples").glob("*.py"):
            write(tmp_path, f"tree/copy_{c}/{example.name}", example.read_text())
    return tmp_path / "tree"


@pytest.mark.slow
def test_results_do_not_depend_on_jobs(tmp_path):
    _tree(tmp_path)
    # process pools: run from a fresh interpreter, as users do, not forked from this test session
    one = run_process("check", "tree", "-j", "1", "--no-cache", "--format", "json", cwd=tmp_path)
    two = run_process("check", "tree", "-j", "2", "--no-cache", "--format", "json", cwd=tmp_path)
    three = run_process("check", "tree", "-j", "3", "--no-cache", "--format", "json", cwd=tmp_path)
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


@pytest.mark.slow
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


def test_unchecked_parse_builds_the_same_trees_and_restores_validation():
    import libcst as cst
    from libcst._nodes.base import CSTNode

    from lstmlint.analyze.cst_parse import parse_module

    validate = CSTNode.__post_init__
    for source in _all_sources():
        try:
            expected = cst.parse_module(source)
        except cst.ParserSyntaxError as error:
            with pytest.raises(cst.ParserSyntaxError) as raised:
                parse_module(source)
            assert (raised.value.raw_line, raised.value.raw_column) == (error.raw_line, error.raw_column)
        else:
            tree = parse_module(source)
            assert tree.deep_equals(expected) and tree.code == source
        assert CSTNode.__post_init__ is validate
    # nodes built by hand after a parse are checked again as libcst always does
    with pytest.raises(cst.CSTValidationError):
        cst.Name("not a name")
