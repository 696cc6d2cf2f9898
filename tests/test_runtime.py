"""The runtime checker against real Keras (TensorFlow backend): no mocks.

Most tests share one run (``checked``): the case files below, the sentinel files and examples/ are linted
together and rebuilt by a single worker, so TensorFlow is imported once for them.
"""

from __future__ import annotations

import os
import textwrap
from pathlib import Path

import pytest

pytest.importorskip("tensorflow")

from lstmlint.analyze import analyze_source
from lstmlint.api import lint_paths, rules_for
from lstmlint.config import Config
from lstmlint.runtime.checker import apply_runtime, fully_known, run_models

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = ROOT / "examples"
CONFIRMED_RULES = ["LSTM101", "LSTM104", "LSTM105", "LSTM106", "LSTM107", "LSTM201"]

CASES = {
    "seq_stack.py": """
        import keras
        model = keras.Sequential([
            keras.Input(shape=(10, 3)),
            keras.layers.LSTM(8, return_sequences=True),
            keras.layers.Dropout(0.2),
            keras.layers.LSTM(4),
            keras.layers.Dense(1),
        ])
    """,
    "func_state.py": """
        from tensorflow import keras
        inputs = keras.Input(shape=(None, 32))
        out, h, c = keras.layers.LSTM(64, return_state=True)(inputs)
        outputs = keras.layers.Dense(10)(out)
        model = keras.Model(inputs, [outputs, h, c])
    """,
    "bi_implicit.py": """
        from keras.models import Sequential
        from keras.layers import LSTM, Bidirectional, Dense
        model = Sequential()
        model.add(Bidirectional(LSTM(32), input_shape=(20, 5)))
        model.add(Dense(1))
    """,
    "cells.py": """
        import keras
        import tensorflow as tf
        inputs = keras.Input(shape=(10, 8))
        x = keras.layers.RNN([keras.layers.LSTMCell(4), keras.layers.GRUCell(6)], return_sequences=True)(inputs)
        x = keras.layers.LSTM(5, activation=tf.nn.tanh)(x)
        model = keras.Model(inputs, x)
    """,
    "stateful_build.py": """
        import keras
        model = keras.Sequential([keras.layers.GRU(4, stateful=True)])
        model.build((2, 10, 8))
    """,
    "unknown_units.py": """
        import sys
        import keras
        units = int(sys.argv[1])
        model = keras.Sequential([keras.Input(batch_shape=(8, 10, 1)), keras.layers.LSTM(units, stateful=True),
                                  keras.layers.Dense(1)])
        model.fit(X, y, batch_size=8)
    """,
    "go_backwards.py": """
        import keras
        model = keras.Sequential([
            keras.Input(shape=(10, 3)),
            keras.layers.Bidirectional(keras.layers.LSTM(4, go_backwards=True)),
            keras.layers.Dense(1),
        ])
    """,
}

SENTINEL = """
import pathlib
pathlib.Path({marker!r}).write_text("imported")
import keras
model = keras.Sequential([keras.Input(shape=(10, 3)), keras.layers.LSTM(4)])
"""


def _rule_example(rule_id: str, kind: str) -> str:
    rule = next(r for r in rules_for(Config()) if r.id == rule_id)
    return next(e.code for e in rule.examples[kind] if 3 in e.keras)


@pytest.fixture(scope="module")
def checked(tmp_path_factory):
    folder = tmp_path_factory.mktemp("runtime_cases")
    for name, code in CASES.items():
        (folder / name).write_text(textwrap.dedent(code).lstrip())
    for rule_id in [*CONFIRMED_RULES, "LSTM202"]:
        (folder / f"rule_{rule_id}.py").write_text(_rule_example(rule_id, "bad"))
    for rule in rules_for(Config()):  # every rule example too, for the static-shape comparison
        for kind, examples in rule.examples.items():
            for number, example in enumerate(examples):
                if 3 in example.keras:
                    (folder / f"example_{rule.id}_{kind}_{number}.py").write_text(example.code)
    marker = folder / "IMPORTED"
    # files that would shadow TensorFlow/Keras or record that they ran, if anything imported them
    for name in ("keras.py", "tensorflow.py", "sentinel_model.py"):
        (folder / name).write_text(SENTINEL.format(marker=str(marker)))
    config = Config(target_keras=3)
    rules = rules_for(config)
    previous = os.getcwd()
    os.chdir(folder)  # the user's folder as the working directory, as on the command line
    try:
        result = lint_paths([folder, EXAMPLES], config, rules, keep_modules=True)
        findings, results = apply_runtime(result.modules, list(result.findings), {r.id: r for r in rules}, 3)
    finally:
        os.chdir(previous)
    by_name = {}
    for module in result.modules:
        for index, model in enumerate(module.models):
            by_name[(Path(module.path).name, index)] = (model, results[(module.path, index)])
    return {"findings": findings, "results": results, "models": by_name, "marker": marker}


def _findings(checked, name: str, rule: str | None = None):
    return [f for f in checked["findings"] if Path(f.path).name == name and (rule is None or f.rule == rule)]


def test_sequential_shapes_and_params(checked):
    _, result = checked["models"][("seq_stack.py", 0)]
    assert result.status == "built" and result.built and result.error is None
    assert [r.output_shape for r in result.layers] == [[None, 10, 3], [None, 10, 8], [None, 10, 8], [None, 4],
                                                      [None, 1]]
    assert [r.params for r in result.layers] == [0, 384, 0, 208, 5]
    assert result.output_shape == [None, 1]
    assert result.total_params == 597


def test_functional_multi_output_shapes(checked):
    _, result = checked["models"][("func_state.py", 0)]
    assert result.status == "built"
    assert result.layers[1].output_shape == [[None, 64], [None, 64], [None, 64]]
    assert result.layers[1].params == 4 * (64 * (32 + 64) + 64)
    assert result.layers[2].output_shape == [None, 10]
    assert result.output_shape == [[None, 10], [None, 64], [None, 64]]


def test_implicit_input_and_wrapper(checked):
    model, result = checked["models"][("bi_implicit.py", 0)]
    assert model.layers[0].implicit
    assert result.status == "built"
    assert result.layers[0] is None  # Keras made the input layer itself
    assert result.layers[1].output_shape == [None, 64]
    assert result.layers[1].params == 2 * 4 * (32 * (5 + 32) + 32)
    assert result.total_params == result.layers[1].params + 65


def test_rnn_cells_and_symbol_activation(checked):
    _, result = checked["models"][("cells.py", 0)]
    assert result.status == "built"
    assert result.layers[1].output_shape == [None, 10, 6]
    assert result.layers[1].params == 208 + 3 * (6 * (4 + 6) + 2 * 6)
    assert result.layers[2].output_shape == [None, 5]


def test_build_shape(checked):
    _, result = checked["models"][("stateful_build.py", 0)]
    assert result.status == "built"
    assert result.output_shape == [2, 4]


@pytest.mark.parametrize("rule_id", CONFIRMED_RULES)
def test_build_error_rules_confirmed(checked, rule_id):
    name = f"rule_{rule_id}.py"
    _, result = checked["models"][(name, 0)]
    assert result.status == "failed" and not result.built
    assert result.error_layer is not None
    hits = _findings(checked, name, rule_id)
    assert hits, f"{rule_id} did not fire on its own example"
    assert all(f.runtime == "confirmed" for f in hits), [(f.rule, f.runtime, result.error) for f in hits]
    assert not _findings(checked, name, "LSTM900")


def test_semantic_rule_consistent(checked):
    hits = _findings(checked, "rule_LSTM202.py", "LSTM202")
    assert hits and all(f.runtime == "consistent" for f in hits)


def test_unknown_value_unchecked(checked):
    model, result = checked["models"][("unknown_units.py", 0)]
    assert result.status == "unchecked"
    assert result.reason.startswith("model not fully known:") and "units" in result.reason
    assert fully_known(model, 3) == result.reason
    hits = _findings(checked, "unknown_units.py")
    assert hits and all(f.runtime == "unchecked" for f in hits)


def test_keras_refusal_without_static_finding_is_lstm900(checked):
    model, result = checked["models"][("go_backwards.py", 0)]
    assert result.status == "failed" and "go_backwards" in result.error
    assert result.error_layer == 1
    hits = _findings(checked, "go_backwards.py")
    assert [f.rule for f in hits] == ["LSTM900"]
    finding = hits[0]
    assert (finding.name, finding.severity, finding.runtime) == ("keras-build-error", "error", "confirmed")
    assert finding.message.startswith("Forward layer and backward layer should have different `go_backwards`")
    assert finding.line == model.layers[1].span.line == 4
    assert finding.origin == (0, 1)


def test_findings_without_origin_are_unchecked(checked):
    for finding in checked["findings"]:
        if finding.origin is None:
            assert finding.runtime == "unchecked"


def test_users_code_never_imported(checked):
    assert not checked["marker"].exists()
    _, result = checked["models"][("sentinel_model.py", 0)]
    assert result.status == "built"  # rebuilt from the IR, with the shadowing files in the working directory


def _static(output, shapes):
    if output is None:
        return None
    if shapes.is_multi(output):
        return [_static(o, shapes) for o in output]
    return [shapes.dim(d) for d in output]


def _agrees(static, keras) -> bool:
    if static is None:
        return True  # not known statically: nothing to compare
    if not isinstance(keras, list) or len(static) != len(keras):
        return False
    if static and isinstance(static[0], list) or (keras and isinstance(keras[0], list)):
        return all(_agrees(s, k) for s, k in zip(static, keras))
    return all(s is ... or s == k for s, k in zip(static, keras))


@pytest.mark.parametrize("which", ["examples", "rule examples"])
def test_static_shapes_match_keras(checked, which):
    """For every model Keras builds, shapes.infer's known output shapes and parameter counts equal Keras's."""
    from lstmlint import shapes

    compared = 0
    mismatches = []
    for (name, index), (model, result) in checked["models"].items():
        chosen = (EXAMPLES / name).exists() if which == "examples" else name.startswith("example_")
        if not chosen or result.status != "built":
            continue
        for position, (static, keras) in enumerate(zip(shapes.infer(model, 3), result.layers)):
            if keras is None:
                continue
            out = _static(static.output, shapes)
            if not _agrees(out, keras.output_shape) or (static.params is not None and static.params != keras.params):
                mismatches.append((name, index, position, model.layers[position].cls, out, static.params,
                                   keras.output_shape, keras.params))
            compared += static.output is not None
    assert compared >= 5
    assert not mismatches


def test_timeout_marks_models_unchecked():
    models = [analyze_source(textwrap.dedent(CASES[name]), name).models[0] for name in ("seq_stack.py", "cells.py")]
    results = run_models([(m, 3) for m in models], timeout=0.001)
    assert [r.status for r in results] == ["unchecked", "unchecked"]
    assert all(r.reason == "timeout after 0.001s" for r in results)


def test_target_keras_2_without_tf_keras_is_unchecked():
    import importlib.util

    if importlib.util.find_spec("tf_keras") is not None:
        pytest.skip("tf_keras is installed")
    model = analyze_source(textwrap.dedent(CASES["seq_stack.py"]), "x.py").models[0]
    (result,) = run_models([(model, 2)])
    assert result.status == "unchecked" and "tf_keras" in result.reason


def test_progress_on_a_tty():
    import pty
    import subprocess
    import sys

    code = (
        "import textwrap\n"
        "from lstmlint.analyze import analyze_source\n"
        "from lstmlint.runtime.checker import run_models\n"
        f"source = textwrap.dedent({CASES['seq_stack.py']!r})\n"
        "model = analyze_source(source, 'x.py').models[0]\n"
        "results = run_models([(model, 3)] * 4, progress=True)\n"
        "print([r.status for r in results])\n"
    )
    main, secondary = pty.openpty()
    proc = subprocess.run([sys.executable, "-c", code], stderr=secondary, stdout=subprocess.PIPE, text=True, check=False,
                          timeout=300, cwd=ROOT)
    os.close(secondary)
    chunks = []
    while True:
        try:
            data = os.read(main, 4096)
        except OSError:
            break
        if not data:
            break
        chunks.append(data)
    os.close(main)
    err = b"".join(chunks).decode()
    assert proc.stdout.strip() == str(["built"] * 4)
    assert "runtime: built 4/4 models" in err
    assert "tensorflow" not in err.lower() and "absl" not in err  # TF's noise stays in the worker


def test_lstm900_obeys_noqa_and_ignore_through_the_cli(tmp_path):
    """Keras refuses this (Keras 3 flips go_backwards itself for the backward copy, keras-facts §4)."""
    from conftest import run_cli

    code = ("import keras\nmodel = keras.Sequential([keras.Input((5, 3)), "
            "keras.layers.Bidirectional(keras.layers.LSTM(4, go_backwards=True))])")
    (tmp_path / "m.py").write_text(code + "\n")
    run = run_cli("check", "m.py", "--runtime", cwd=tmp_path)
    assert run.code == 1 and "m.py:2:48: LSTM900 [error]" in run.out
    assert run_cli("check", "m.py", "--runtime", "--ignore", "LSTM900", cwd=tmp_path).code == 0
    (tmp_path / "m.py").write_text(code + "  # noqa: LSTM900\n")
    assert run_cli("check", "m.py", "--runtime", cwd=tmp_path).code == 0
