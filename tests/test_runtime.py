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
pytestmark = pytest.mark.slow  # the shared run rebuilds every model in TensorFlow: minutes

from lstmlint.analyze import analyze_source
from lstmlint.api import lint_paths, rules_for
from lstmlint.config import Config
from lstmlint.runtime.checker import apply_runtime, fully_known, run_models
from lstmlint.unknown import UNKNOWN

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = ROOT / "examples"
CONFIRMED_RULES = ["LSTM101", "LSTM104", "LSTM105", "LSTM106", "LSTM107", "LSTM111", "LSTM113", "LSTM201",
                   "LSTM305"]

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
    # the three Keras 3 behaviours of issue 14 (keras-facts §11 and the experiments behind LSTM108/LSTM109)
    "timesteps_only.py": """
        import numpy as np
        import keras
        model = keras.Sequential([keras.layers.LSTM(8, input_shape=(5, 1)), keras.layers.Dense(1)])
        model.compile("adam", "mse")
        model.fit(np.zeros((100, 50, 1)), np.zeros((100, 1)), epochs=3)
    """,
    "trailing_axis_added.py": """
        import numpy as np
        import keras
        model = keras.Sequential([keras.layers.LSTM(8, input_shape=(50, 1)), keras.layers.Dense(1)])
        model.compile("adam", "mse")
        model.fit(np.zeros((100, 50)), np.zeros((100, 1)))
    """,
    "swapped_axes.py": """
        import numpy as np
        import keras
        model = keras.Sequential([keras.Input(shape=(1, 20)), keras.layers.LSTM(8), keras.layers.Dense(1)])
        model.compile("adam", "mse")
        model.fit(np.zeros((100, 20, 1)), np.zeros((100, 1)))
    """,
    "sequences_crossentropy.py": """
        import numpy as np
        import keras
        model = keras.Sequential([keras.Input(shape=(24, 3)), keras.layers.LSTM(8, return_sequences=True),
                                  keras.layers.Dense(1, activation="sigmoid")])
        model.compile(optimizer="adam", loss="binary_crossentropy")
        model.fit(np.zeros((200, 24, 3)), np.zeros((200, 1)), batch_size=16)
    """,
    "target_mismatch.py": """
        import numpy as np
        import keras
        model = keras.Sequential([keras.Input(shape=(10, 3)), keras.layers.LSTM(8),
                                  keras.layers.Dense(5, activation="softmax")])
        model.compile(optimizer="adam", loss="categorical_crossentropy")
        model.fit(np.zeros((64, 10, 3)), np.zeros((64, 3)), batch_size=16)
    """,
    "stateful_steps.py": """
        import numpy as np
        import keras
        model = keras.Sequential([keras.Input(batch_shape=(8, 10, 2)), keras.layers.GRU(4, stateful=True),
                                  keras.layers.Dense(1)])
        model.compile(optimizer="adam", loss="mse")
        for epoch in range(5):
            model.fit(np.zeros((800, 10, 2)), np.zeros((800, 1)), batch_size=8, shuffle=False)
            model.layers[0].reset_state()
        model.predict(np.zeros((96, 10, 2)), batch_size=8)
        model.evaluate(np.zeros((96, 10, 2)), np.zeros((96, 1)), batch_size=8)
        model.train_on_batch(np.zeros((8, 10, 2)), np.zeros((8, 1)))
        model.predict_on_batch(np.zeros((8, 10, 2)))
    """,
    "huge_data.py": """
        import numpy as np
        import keras
        X = np.zeros((100, 100000, 10000))
        model = keras.Sequential([keras.Input(shape=(10, 10000)), keras.layers.LSTM(4)])
        model.predict(X)
    """,
    # a finding on a layer of no model (origin None) beside a model Keras builds: nothing to rebuild it from
    "layer_outside_model.py": """
        import keras
        model = keras.Sequential([keras.Input(shape=(10, 3)), keras.layers.LSTM(4)])
        spare = keras.layers.LSTM(0)
    """,
}
# The data rules (issue 14): the verdict of each bad example (Keras 3) as Keras 3.15 behaves, and a phrase of
# what Keras did that the finding's message must carry.
DATA_RULE_VERDICTS = {
    ("LSTM102", 0): ("consistent", "runs it: fit on zeros of x (52, 24, 3) and y (52, 1) in batches of 32 and 20"),
    ("LSTM102", 1): ("consistent", "fit, replayed as predict (the model's loss is not known)"),
    ("LSTM108", 0): ("confirmed", "Expected shape (None, 20, 3), but input has incompatible shape (32, 20)"),
    ("LSTM108", 1): ("confirmed", "Expected shape (None, 10, 3), but input has incompatible shape (32, 10, 3, 2)"),
    # a model declaring no input, built on the call's data: the build Keras refuses is the call's
    ("LSTM108", 2): ("confirmed", "refuses it: the model built for x (None, 20) fails with: Input 0 with name "
                                  "'None' of layer 'lstm"),
    ("LSTM108", 3): ("confirmed", "refuses it: the model built for x (None, 30) fails with: Input 0 with name "
                                  "'None' of layer 'bidirectional"),
    ("LSTM108", 4): ("confirmed", "the model built for x (None, 10, 32, 32) fails with: Input 0 with name 'None' "
                                  "of layer 'conv_lstm2d"),
    ("LSTM109", 0): ("confirmed", "Dimensions must be equal, but are 30 and 3"),
    ("LSTM109", 1): ("consistent", "runs it: predict on zeros of x (50, 12, 4) in batches of 32 and 18"),
    ("LSTM110", 0): ("confirmed", "in batches of 4, 4 and 2 (the state holds 4 rows) fails with: Incompatible "
                                  "shapes: [2,"),
    ("LSTM110", 1): ("confirmed", "in batches of 8, 8 and 6 (the state holds 8 rows) fails with: Incompatible "
                                  "shapes: [6,"),
    ("LSTM202", 0): ("consistent", "runs it: fit on zeros of x (16, 10, 1) and y (16, 1) in 2 batches of 8 "
                                   "(the state holds 8 rows, shuffled, loss 'mse') runs without an error"),
    ("LSTM202", 1): ("consistent", "the model's own input shape was used"),
    ("LSTM203", 0): ("confirmed", "in 2 batches of 32 (the state holds 4 rows) fails with: If an RNN is stateful, "
                                  "the batch size of the input sequences must be the same"),
    ("LSTM203", 1): ("confirmed", "in 2 batches of 32 (the state holds 16 rows) fails with: If an RNN is stateful"),
    ("LSTM203", 2): ("confirmed", "in 2 batches of 1 (the state holds 50 rows) fails with: If an RNN is stateful"),
    # issue 12's rules
    ("LSTM112", 0): ("consistent", "fit on zeros of x (40, 24, 3) and y (40, 24, 1) in batches of 32 and 8 "
                                   "(loss 'mse') runs without an error"),
    ("LSTM112", 1): ("confirmed", "Arguments `target` and `output` must have the same rank"),
    ("LSTM112", 2): ("confirmed", "Argument `output` must have rank (ndim) `target.ndim - 1`"),
    ("LSTM114", 0): ("confirmed", "in the `loss` argument, can't be found"),
    ("LSTM114", 1): ("confirmed", "in the `loss` argument, can't be found"),
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


def _example_number(rule_id: str, kind: str, position: int) -> int:
    """The file number the fixture gave the ``position``-th Keras 3 example of a kind."""
    rule = next(r for r in rules_for(Config()) if r.id == rule_id)
    numbers = [n for n, example in enumerate(rule.examples[kind]) if 3 in example.keras]
    return numbers[position]


@pytest.mark.parametrize("rule_id, position", sorted(DATA_RULE_VERDICTS))
def test_data_rule_bad_examples_replayed(checked, rule_id, position):
    """Each data rule's bad example is decided by the call Keras ran on zero arrays of the data's shapes."""
    verdict, said = DATA_RULE_VERDICTS[(rule_id, position)]
    name = f"example_{rule_id}_bad_{_example_number(rule_id, 'bad', position)}.py"
    hits = _findings(checked, name, rule_id)
    assert len(hits) == 1, name
    assert hits[0].runtime == verdict, hits[0].message
    assert "Keras 3.15" in hits[0].message and said in hits[0].message, hits[0].message
    assert not _findings(checked, name, "LSTM901")


def test_every_data_rule_bad_example_is_decided(checked):
    rules = {r.id: r for r in rules_for(Config())}
    data_rules = sorted({rule_id for rule_id, _ in DATA_RULE_VERDICTS})
    for rule_id in data_rules:
        count = sum(3 in example.keras for example in rules[rule_id].examples["bad"])
        assert {(rule_id, p) for p in range(count)} <= set(DATA_RULE_VERDICTS), rule_id


@pytest.mark.parametrize("rule_id", ["LSTM102", "LSTM108", "LSTM109", "LSTM110", "LSTM112", "LSTM114", "LSTM202",
                                     "LSTM203", "LSTM206"])
def test_data_rule_good_examples_run(checked, rule_id):
    """Every call of a good example that can be replayed runs in Keras; none is refused."""
    rule = next(r for r in rules_for(Config()) if r.id == rule_id)
    ran = 0
    for number, example in enumerate(rule.examples["good"]):
        if 3 not in example.keras:
            continue
        name = f"example_{rule_id}_good_{number}.py"
        _, result = checked["models"][(name, 0)]
        assert result.status == "built", name
        assert all(c.status in ("ran", "unchecked") for c in result.calls), (name, result.calls)
        ran += sum(c.status == "ran" for c in result.calls)
        assert not _findings(checked, name, "LSTM901") and not _findings(checked, name, rule_id)
    assert ran >= 1


def test_timesteps_only_mismatch_trains_in_a_sequential(checked):
    """Issue 14: in Keras 3 a Sequential model with input_shape=(5, 1) trains on (100, 50, 1) without a word."""
    _, result = checked["models"][("timesteps_only.py", 0)]
    (call,) = result.calls
    assert (call.status, call.ran, call.x, call.y, call.loss) == ("ran", "fit", [36, 50, 1], [36, 1], "mse")
    (finding,) = _findings(checked, "timesteps_only.py", "LSTM109")
    assert finding.runtime == "consistent"
    assert "runs it: fit on zeros of x (36, 50, 1) and y (36, 1) in batches of 32 and 4 (loss 'mse') runs without " \
           "an error." in finding.message


def test_trailing_axis_added_by_keras(checked):
    """(100, 50) into input_shape=(50, 1): Keras adds the axis and trains; no rule fires, no LSTM901."""
    _, result = checked["models"][("trailing_axis_added.py", 0)]
    (call,) = result.calls
    assert (call.status, call.ran, call.x) == ("ran", "fit", [36, 50])
    assert [f.rule for f in _findings(checked, "trailing_axis_added.py")] == ["LSTM503"]  # input_shape= only


def test_swapped_axes_fail(checked):
    (finding,) = _findings(checked, "swapped_axes.py", "LSTM109")
    assert finding.runtime == "confirmed"
    assert "Dimensions must be equal, but are 1 and 20" in finding.message


def test_sequence_output_with_crossentropy_is_refused(checked):
    """LSTM102 is silent broadcasting for regression losses, but a crossentropy refuses the shapes."""
    (finding,) = _findings(checked, "sequences_crossentropy.py", "LSTM102")
    assert finding.runtime == "confirmed"
    assert "loss 'binary_crossentropy') fails with: Arguments `target` and `output` must have the same shape" \
        in finding.message
    assert not _findings(checked, "sequences_crossentropy.py", "LSTM901")


def test_call_refused_without_a_rule_is_lstm901(checked):
    model, result = checked["models"][("target_mismatch.py", 0)]
    hits = _findings(checked, "target_mismatch.py")
    assert [f.rule for f in hits] == ["LSTM901"]
    finding = hits[0]
    assert (finding.name, finding.severity, finding.runtime) == ("keras-call-error", "error", "confirmed")
    assert finding.message == (
        "Keras 3.15.1 refuses this fit on zeros of x (16, 10, 3) and y (16, 3) in 1 batch of 16: Arguments "
        "`target` and `output` must have the same shape. Received: target.shape=(16, 3), output.shape=(16, 5).")
    fit = next(c for c in model.calls if c.method == "fit")
    assert (finding.line, finding.column) == (fit.span.line, fit.span.column) == (6, 1)
    assert result.calls[0].status == "failed"


def test_stateful_calls_replay_two_batches(checked):
    model, result = checked["models"][("stateful_steps.py", 0)]
    by_method = {c.method: c for c in result.calls}
    assert set(by_method) == {"fit", "predict", "evaluate", "train_on_batch", "predict_on_batch"}
    assert all(c.status == "ran" and c.stateful and c.fixed_batch == 8 for c in result.calls), result.calls
    fit = by_method["fit"]
    assert (fit.ran, fit.x, fit.y, fit.batches, fit.loss, fit.shuffle) == (
        "fit", [16, 10, 2], [16, 1], [8, 8], "mse", False)
    assert by_method["predict"].batches == [8, 8] and by_method["predict"].output == [16, 1]
    assert (by_method["evaluate"].ran, by_method["evaluate"].batches) == ("evaluate", [8, 8])
    assert (by_method["train_on_batch"].ran, by_method["train_on_batch"].x) == ("train_on_batch", [8, 10, 2])
    assert by_method["predict_on_batch"].output == [8, 1]
    assert [f.rule for f in _findings(checked, "stateful_steps.py")] == []


def test_huge_data_shapes_end_unchecked(checked):
    """The worker's limits hold: arrays that would not fit are not made, and the finding stays unchecked."""
    _, result = checked["models"][("huge_data.py", 0)]
    assert result.status == "built"
    (call,) = result.calls
    assert call.status == "unchecked"
    assert call.reason == "the zero arrays would take 134.1 GiB, more than the 1.0 GiB the worker allows them"
    (finding,) = _findings(checked, "huge_data.py", "LSTM109")
    assert finding.runtime == "unchecked" and "Keras" not in finding.message


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


def test_static_and_keras_agree_on_every_model(checked):
    """The oracle: no model of the run (examples, rule examples, cases) has static shapes Keras contradicts."""
    assert not [f for f in checked["findings"] if f.rule == "LSTM902"]
    assert all(result.mismatch is None for _, result in checked["models"].values())


def test_findings_without_origin_are_unchecked(checked):
    """A finding on no model cannot be confirmed or refuted by a rebuild, even in a file whose model Keras built."""
    (spare,) = _findings(checked, "layer_outside_model.py")
    assert (spare.rule, spare.line, spare.origin) == ("LSTM303", 3, None)
    assert spare.runtime == "unchecked"
    assert checked["models"][("layer_outside_model.py", 0)][1].status == "built"
    without_origin = [f for f in checked["findings"] if f.origin is None]
    assert {f.runtime for f in without_origin} == {"unchecked"}, [f for f in without_origin if f.runtime != "unchecked"]


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
    return all(s is UNKNOWN or s == k for s, k in zip(static, keras))


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


def test_lstm900_and_lstm901_obey_noqa_and_ignore_through_the_cli(tmp_path):
    """Keras refuses the first model (Keras 3 flips go_backwards itself for the backward copy, keras-facts §4)
    and the fit of the second (a (batch, 3) target for a (batch, 5) crossentropy output)."""
    from conftest import run_cli

    code = ("import keras\nmodel = keras.Sequential([keras.Input((5, 3)), "
            "keras.layers.Bidirectional(keras.layers.LSTM(4, go_backwards=True))])")
    other = ("import numpy as np\nclassifier = keras.Sequential([keras.Input((5, 3)), keras.layers.LSTM(4), "
             "keras.layers.Dense(5, activation='softmax')])\nclassifier.compile('adam', 'categorical_crossentropy')\n"
             "classifier.fit(np.zeros((64, 5, 3)), np.zeros((64, 3)))")
    (tmp_path / "m.py").write_text(f"{code}\n{other}\n")
    run = run_cli("check", "m.py", "--runtime", cwd=tmp_path)
    assert run.code == 1 and "m.py:2:48: LSTM900 [error]" in run.out
    assert "m.py:6:1: LSTM901 [error] Keras 3.15.1 refuses this fit on zeros of x (32, 5, 3) and y (32, 3) in 1 " \
           "batch of 32: Arguments `target` and `output` must have the same shape." in run.out
    assert run_cli("check", "m.py", "--runtime", "--ignore", "LSTM900,LSTM901", cwd=tmp_path).code == 0
    (tmp_path / "m.py").write_text(f"{code}  # noqa: LSTM900\n{other}  # noqa: LSTM901\n")
    assert run_cli("check", "m.py", "--runtime", cwd=tmp_path).code == 0


def test_calls_that_time_out_leave_the_build_result():
    """A replayed call that exceeds the timeout is unchecked; the model's build result stands."""
    source = textwrap.dedent("""
        import numpy as np
        import keras
        model = keras.Sequential([keras.Input(shape=(None, 1)), keras.layers.LSTM(4)])
        model.predict(np.zeros((32, 300000, 1)))
    """)
    model = analyze_source(source, "long.py").models[0]
    (result,) = run_models([(model, 3)], timeout=3.0)
    assert result.status == "built" and result.output_shape == [None, 4]
    assert [(c.method, c.status, c.reason) for c in result.calls] == [("predict", "unchecked", "timeout after 3s")]


def test_oracle_names_both_values(checked):
    """static_mismatch compares lstmlint's shapes with what Keras built; here the static side is another
    model (LSTM(6) where Keras built LSTM(4)), so the two must disagree at that layer, naming both values."""
    from dataclasses import replace

    from lstmlint.runtime.checker import mismatch_finding, static_mismatch, verdict

    _, built = checked["models"][("seq_stack.py", 0)]
    other = analyze_source(textwrap.dedent(CASES["seq_stack.py"]).lstrip().replace("LSTM(4)", "LSTM(6)"),
                           "other.py")
    mismatch = static_mismatch(other.models[0], 3, built)
    assert mismatch is not None and mismatch.layer == 3
    assert (mismatch.static, mismatch.keras) == ("output (None, 6) and 360 parameters",
                                                 "output (None, 4) and 208 parameters")
    assert static_mismatch(checked["models"][("seq_stack.py", 0)][0], 3, built) is None
    disagreeing = replace(built, mismatch=mismatch)
    finding = mismatch_finding(other, 0, disagreeing)
    assert (finding.rule, finding.name, finding.severity, finding.line) == (
        "LSTM902", "static-runtime-mismatch", "warning", 6)
    assert finding.message.startswith("lstmlint and Keras 3.15.1 disagree on LSTM (line 6): lstmlint computes "
                                      "output (None, 6) and 360 parameters, Keras output (None, 4) and 208 "
                                      "parameters.")
    rules = {r.id: r for r in rules_for(Config())}
    (semantic,) = _findings(checked, "rule_LSTM202.py", "LSTM202")
    assert verdict(semantic, rules["LSTM202"], built) == "consistent"
    assert verdict(semantic, rules["LSTM202"], disagreeing) == "unchecked"  # never confirmed by a wrong oracle


def test_oracle_counts_a_shared_layer_once():
    """One Dense called twice has one set of weights: Keras counts 40 parameters, and so must the oracle's total
    (a sum over the calls would be 80 and report a mismatch that is not there)."""
    from lstmlint.runtime.checker import static_mismatch

    source = textwrap.dedent("""
        import keras
        a = keras.Input((4,))
        dense = keras.layers.Dense(8)
        h = dense(a)
        b = keras.Input((4,))
        g = dense(b)
        model = keras.Model([a, b], keras.layers.Add()([h, g]))
    """)
    model = analyze_source(source, "shared.py").models[0]
    (result,) = run_models([(model, 3)])
    assert result.status == "built" and result.total_params == 40
    assert static_mismatch(model, 3, result) is None


def test_validation_split_fit_is_not_replayed(checked):
    """The replay cuts the samples, which would change validation_split's parts: LSTM206 stays unchecked rather
    than read a replay without the split as a verdict, and no LSTM901 stands for it."""
    for position in range(3):
        name = f"example_LSTM206_bad_{_example_number('LSTM206', 'bad', position)}.py"
        hits = _findings(checked, name, "LSTM206")
        assert len(hits) == 1 and hits[0].runtime == "unchecked", name
        assert not _findings(checked, name, "LSTM901")
