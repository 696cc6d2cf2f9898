"""Fixes that depend on how a file imports Keras, through the real ``lstmlint check --fix`` on files in a
temporary folder: LSTM503 on a layer imported by name (``Input`` spelled as the file reaches Keras, or added to
the layer's import), LSTM501 on ``CuDNNLSTM`` / ``CuDNNGRU`` imported by name (the import and every use), and
LSTM502 on Keras 2's ``batch_input_shape=`` (moved into ``Input(batch_shape=...)``), with the cases where a fix
could change what the code means left alone."""

from __future__ import annotations

import textwrap

import pytest

from conftest import run_cli
from test_cli import write


def fixed(tmp_path, code: str, rule: str) -> tuple[str, object]:
    """The file after ``check --fix --select rule``, and the run."""
    target = write(tmp_path, "model.py", textwrap.dedent(code))
    run = run_cli("check", "--no-cache", "--fix", "--fail-on", "info", "--select", rule, "model.py", cwd=tmp_path)
    assert "Traceback" not in run.err
    return target.read_text(), run


def fix_offered(tmp_path, code: str, rule: str) -> list:
    write(tmp_path, "model.py", textwrap.dedent(code))
    report = run_cli("check", "--no-cache", "--select", rule, "--format", "json", "model.py", cwd=tmp_path).json()
    return [f["fix"] for f in report if f["rule"] == rule]


ADD_CHAIN = textwrap.dedent("""\
    from keras.models import Sequential
    from keras.layers import LSTM, Dense
    model = Sequential()
    model.add(LSTM(32, input_shape=(10, 8)))
    model.add(Dense(1))
    """)


def test_lstm503_add_chain_with_a_layer_imported_by_name_gets_input_added_to_its_import(tmp_path):
    text, run = fixed(tmp_path, ADD_CHAIN, "LSTM503")
    assert text == textwrap.dedent("""\
        from keras.models import Sequential
        from keras.layers import LSTM, Dense, Input
        model = Sequential()
        model.add(Input(shape=(10, 8)))
        model.add(LSTM(32))
        model.add(Dense(1))
        """)
    assert "Fixed 1 finding in 1 file." in run.out and run.code == 0
    again = run_cli("check", "--no-cache", "--fix", "--select", "LSTM503", "model.py", cwd=tmp_path)
    assert "Fixed 0 findings" in again.out


@pytest.mark.parametrize("imports, spelled", [
    ("import keras\nfrom keras.layers import LSTM, Dense\nfrom keras.models import Sequential\n", "keras.Input"),
    ("from keras.layers import LSTM, Dense, Input as KInput\nfrom keras.models import Sequential\n", "KInput"),
    ("import tensorflow as tf\nfrom tensorflow.keras.layers import LSTM, Dense\n"
     "from tensorflow.keras.models import Sequential\n", "tf.keras.Input"),
    ("from tensorflow.keras import layers\nfrom tensorflow.keras.layers import LSTM, Dense\n"
     "from tensorflow.keras.models import Sequential\n", "layers.Input"),
])
def test_lstm503_spells_input_as_the_file_already_reaches_keras(tmp_path, imports, spelled):
    body = ("model = Sequential()\nmodel.add(LSTM(32, input_shape=(10, 8), return_sequences=True))\n"
            "model.add(Dense(1))\n")
    text, _ = fixed(tmp_path, imports + body, "LSTM503")
    assert text == imports + body.replace(
        "model.add(LSTM(32, input_shape=(10, 8), return_sequences=True))",
        f"model.add({spelled}(shape=(10, 8)))\nmodel.add(LSTM(32, return_sequences=True))")


def test_lstm503_imports_input_beside_a_keras2_module_that_has_none(tmp_path):
    """``keras.layers.recurrent`` (Keras 2) has no Input: ``from keras.layers import Input`` goes before it, and
    the second model of the file, fixed in the next round, uses it."""
    text, run = fixed(tmp_path, """\
        from keras.layers.core import Dense
        from keras.layers.recurrent import LSTM
        from keras.models import Sequential
        if STATELESS:
            model = Sequential()
            model.add(LSTM(4, input_shape=(10, 1)))
        else:
            model = Sequential()
            model.add(LSTM(4, input_shape=(10, 1), batch_size=2, stateful=True))
        """, "LSTM503")
    assert text == textwrap.dedent("""\
        from keras.layers.core import Dense
        from keras.layers import Input
        from keras.layers.recurrent import LSTM
        from keras.models import Sequential
        if STATELESS:
            model = Sequential()
            model.add(Input(shape=(10, 1)))
            model.add(LSTM(4))
        else:
            model = Sequential()
            model.add(Input(shape=(10, 1), batch_size=2))
            model.add(LSTM(4, stateful=True))
        """)
    assert "Fixed 2 findings in 1 file." in run.out


def test_lstm503_keeps_a_parenthesised_import_and_its_comments(tmp_path):
    text, _ = fixed(tmp_path, """\
        from keras.layers import (  # what we use
            LSTM,
            Dense,  # the head
        )
        from keras.models import Sequential
        model = Sequential([LSTM(32, input_shape=(10, 8), batch_size=4, stateful=True), Dense(1)])
        """, "LSTM503")
    assert text == textwrap.dedent("""\
        from keras.layers import (  # what we use
            LSTM,
            Dense, Input,  # the head
        )
        from keras.models import Sequential
        model = Sequential([Input(shape=(10, 8), batch_size=4), LSTM(32, stateful=True), Dense(1)])
        """)


@pytest.mark.parametrize("code", [
    # `Input` is something else in this file
    ADD_CHAIN + "Input = None\n",
    # a star import may bind any name, Input among them
    "from util import *\n" + ADD_CHAIN,
    # the class comes from an import that may not run (a try block): which import binds LSTM is not certain
    ADD_CHAIN.replace("from keras.layers import LSTM, Dense",
                      "try:\n    from keras.layers import LSTM, Dense\nexcept ImportError:\n    raise"),
    # LSTM rebound later: the import is not the only binding
    ADD_CHAIN + "LSTM = None\n",
], ids=["input-bound", "star-import", "import-in-try", "class-rebound"])
def test_lstm503_offers_no_fix_where_the_spelling_of_input_is_not_certain(tmp_path, code):
    assert fix_offered(tmp_path, code, "LSTM503") == [None]
    before = (tmp_path / "model.py").read_text()
    text, run = fixed(tmp_path, code, "LSTM503")
    assert text == before and "Fixed 0 findings" in run.out


CUDNN = textwrap.dedent("""\
    from keras.layers import CuDNNLSTM, Dense
    from keras.models import Sequential
    model = Sequential()
    model.add(CuDNNLSTM(64, return_sequences=True))
    model.add(CuDNNLSTM(32))
    model.add(Dense(1))
    print(isinstance(model.layers[0], CuDNNLSTM))
    """)


def test_lstm501_renames_the_import_and_every_use_as_one_fix(tmp_path):
    text, run = fixed(tmp_path, CUDNN, "LSTM501")
    assert text == CUDNN.replace("CuDNNLSTM", "LSTM")
    assert "Fixed 1 finding in 1 file." in run.out and run.code == 0  # one fix made both findings go
    [first, second] = fix_offered(tmp_path, CUDNN, "LSTM501")
    assert first == second and len(first["edits"]) == 4  # the import, two layers, isinstance


@pytest.mark.parametrize("code, expected", [
    # LSTM imported already: the CuDNN name leaves the import
    ("from keras.layers import CuDNNLSTM, LSTM, Dense\nx = CuDNNLSTM(4)\ny = LSTM(4)\n",
     "from keras.layers import LSTM, Dense\nx = LSTM(4)\ny = LSTM(4)\n"),
    ("from keras.layers import Dense, LSTM, CuDNNLSTM\nx = CuDNNLSTM(4)\n",
     "from keras.layers import Dense, LSTM\nx = LSTM(4)\n"),
    # LSTM imported by a statement of its own: the CuDNN import goes, with its line and comment
    ("from keras.layers import LSTM\nfrom keras.layers import CuDNNLSTM  # GPU only\nx = CuDNNLSTM(4)\n",
     "from keras.layers import LSTM\nx = LSTM(4)\n"),
    # imported under another name: the import changes, the uses keep their name
    ("from keras.layers import CuDNNGRU as Recurrent\nx = Recurrent(4)\n",
     "from keras.layers import GRU as Recurrent\nx = Recurrent(4)\n"),
    # Keras 2.2's module of the CuDNN layers has no LSTM: the layers module has
    ("from keras.layers.cudnn_recurrent import CuDNNLSTM\nx = CuDNNLSTM(4)\n",
     "from keras.layers import LSTM\nx = LSTM(4)\n"),
    # Keras 3 has no importable tensorflow.compat.v1.keras: tf.keras's layers module is the one
    ("from tensorflow.compat.v1.keras.layers import CuDNNLSTM\nx = CuDNNLSTM(4)\n",
     "from tensorflow.keras.layers import LSTM\nx = LSTM(4)\n"),
], ids=["lstm-imported-first", "lstm-imported-last", "lstm-imported-alone", "alias", "cudnn-module", "compat-v1"])
def test_lstm501_import_forms(tmp_path, code, expected):
    text, _ = fixed(tmp_path, code, "LSTM501")
    assert text == expected


@pytest.mark.parametrize("code", [
    "from keras.layers import CuDNNLSTM\nx = CuDNNLSTM(4)\nCuDNNLSTM = None\n",
    "from keras.layers import CuDNNLSTM\nx = CuDNNLSTM(4)\ndef f(CuDNNLSTM):\n    return CuDNNLSTM\n",
    "from keras.layers import CuDNNLSTM\nimport keras\nx = CuDNNLSTM(4)\n"
    "keras.models.load_model('m.h5', custom_objects={'CuDNNLSTM': CuDNNLSTM})\n",
    "from keras.layers import CuDNNLSTM\nx = CuDNNLSTM(4)\ncls = getattr(__import__('keras').layers, 'CuDNNLSTM')\n",
    "from keras.layers import CuDNNLSTM\n__all__ = ['x']\nx = CuDNNLSTM(4)\n",
    "from keras.layers import CuDNNLSTM\nx = CuDNNLSTM(4)\nprint(f'{CuDNNLSTM}')\n",
    "from keras.layers import CuDNNLSTM\nfrom mylib import LSTM\nx = CuDNNLSTM(4)\n",
    "from keras.layers import CuDNNLSTM\nx = CuDNNLSTM(4)\nclass LSTM:\n    pass\n",
    # the import that would go shares its line with another statement
    "from keras.layers import LSTM\nfrom keras.layers import CuDNNLSTM; import os\nx = CuDNNLSTM(4)\n",
], ids=["rebound", "parameter", "custom-objects", "getattr", "all", "f-string", "lstm-from-elsewhere",
        "lstm-class-of-the-file", "import-shares-its-line"])
def test_lstm501_offers_no_rename_that_could_change_meaning(tmp_path, code):
    assert fix_offered(tmp_path, code, "LSTM501") == [None]
    text, run = fixed(tmp_path, code, "LSTM501")
    assert text == code and "Fixed 0 findings" in run.out and run.code == 1


def test_lstm501_in_a_package_init_is_left_alone(tmp_path):
    (tmp_path / "pkg").mkdir()
    target = write(tmp_path, "pkg/__init__.py", "from keras.layers import CuDNNLSTM\nx = CuDNNLSTM(4)\n")
    run = run_cli("check", "--no-cache", "--fix", "--select", "LSTM501", "pkg", cwd=tmp_path)
    assert "Fixed 0 findings" in run.out  # its names may be imported by the package's other modules
    assert target.read_text() == "from keras.layers import CuDNNLSTM\nx = CuDNNLSTM(4)\n"


BATCH = textwrap.dedent("""\
    import tensorflow as tf

    def build():
    \tmodel = tf.keras.models.Sequential()
    \tmodel.add(tf.keras.layers.LSTM(16, batch_input_shape=(32, 10, 4), stateful=True))
    \tmodel.add(tf.keras.layers.Dense(1))
    \treturn model
    """)


def test_lstm502_moves_keras2_batch_input_shape_into_input_batch_shape(tmp_path):
    """Keras 3 layers reject batch_input_shape=; Keras 2 made it the model's input layer, which is Keras 3's
    Input(batch_shape=...). The new line is indented as the file indents (a tab here)."""
    text, run = fixed(tmp_path, BATCH, "LSTM502")
    assert text == BATCH.replace(
        "\tmodel.add(tf.keras.layers.LSTM(16, batch_input_shape=(32, 10, 4), stateful=True))\n",
        "\tmodel.add(tf.keras.layers.Input(batch_shape=(32, 10, 4)))\n"
        "\tmodel.add(tf.keras.layers.LSTM(16, stateful=True))\n")
    assert "Fixed 1 finding in 1 file." in run.out and run.code == 0
    assert run_cli("check", "--no-cache", "--select", "LSTM502", "--format", "json", "model.py",
                   cwd=tmp_path).json() == []


@pytest.mark.parametrize("arguments", ["batch_input_shape=(32, 10, 4), batch_size=32",
                                       "batch_input_shape=(32, 10, 4), input_shape=(10, 4)"])
def test_lstm502_leaves_batch_input_shape_with_a_competing_argument(tmp_path, arguments):
    code = BATCH.replace("batch_input_shape=(32, 10, 4)", arguments)
    assert None in fix_offered(tmp_path, code, "LSTM502")
    text, _ = fixed(tmp_path, code, "LSTM502")
    assert "batch_input_shape=(32, 10, 4)" in text and "Input(batch_shape" not in text


KERAS_BUILDS = {
    # the Keras 2 script: Keras 3 refuses batch_input_shape= (ValueError); fixed, it builds the same input
    "batch.py": "from keras.models import Sequential\nfrom keras.layers import LSTM, Dense\n"
                "model = Sequential()\nmodel.add(LSTM(16, batch_input_shape=(32, 10, 4), stateful=True))\n"
                "model.add(Dense(1))\n",
    # an .add chain of layers imported by name
    "added.py": "from keras.models import Sequential\nfrom keras.layers import GRU, Bidirectional, Dense\n"
                "model = Sequential()\nmodel.add(Bidirectional(GRU(8, return_sequences=True), input_shape=(50, 3)))\n"
                "model.add(GRU(4))\nmodel.add(Dense(1))\n",
    # Keras 3 cannot import tensorflow.compat.v1.keras at all (ModuleNotFoundError); tf.keras's layers can
    "compat.py": "from tensorflow.compat.v1.keras.layers import CuDNNLSTM\nimport tensorflow as tf\n"
                 "model = tf.keras.Sequential([tf.keras.Input(shape=(10, 3)), CuDNNLSTM(8)])\n",
}


@pytest.mark.slow
def test_fixed_files_build_in_real_keras_where_the_originals_fail(tmp_path):
    """Run in a fresh interpreter with Keras 3: the originals that Keras 3 refuses build, once fixed, the model
    the Keras 2 code meant (the batch shape, the layer class); the one it only warns about builds the same
    model before and after the fix."""
    import json
    import subprocess
    import sys

    pytest.importorskip("keras")
    originals = tmp_path / "originals"
    originals.mkdir()
    for name, code in KERAS_BUILDS.items():
        write(originals, name, code)
        write(tmp_path, name, code)
    run = run_cli("check", "--no-cache", "--fix", *KERAS_BUILDS, cwd=tmp_path)
    assert "Fixed 3 findings in 3 files." in run.out, run.out + run.err
    probe = textwrap.dedent("""\
        import json, runpy, sys
        out = {}
        for path in sys.argv[1:]:
            try:
                model = runpy.run_path(path)["model"]
            except Exception as error:
                out[path] = type(error).__name__
                continue
            out[path] = [list(model.input_shape), [type(layer).__name__ for layer in model.layers],
                         [getattr(layer, "stateful", None) for layer in model.layers]]
        print(json.dumps(out))
        """)
    paths = [str(originals / name) for name in KERAS_BUILDS] + [str(tmp_path / name) for name in KERAS_BUILDS]
    proc = subprocess.run([sys.executable, "-c", probe, *paths], capture_output=True, text=True, timeout=600,
                          cwd=tmp_path, env={**__import__("os").environ, "TF_CPP_MIN_LOG_LEVEL": "3"})
    built = json.loads(proc.stdout.strip().splitlines()[-1])
    assert [built[str(originals / name)] for name in ("batch.py", "compat.py")] == ["ValueError",
                                                                                   "ModuleNotFoundError"]
    assert built[str(tmp_path / "batch.py")] == [[32, 10, 4], ["LSTM", "Dense"], [True, None]]
    assert built[str(tmp_path / "added.py")] == built[str(originals / "added.py")] == [
        [None, 50, 3], ["Bidirectional", "GRU", "Dense"], [False, False, None]]
    assert built[str(tmp_path / "compat.py")] == [[None, 10, 3], ["LSTM"], [False]]
