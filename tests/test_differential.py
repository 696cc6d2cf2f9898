"""Differential test: random valid stacks of the supported layers, written as source code, analysed
statically and built in real Keras by the runtime checker: static shapes and parameters must equal Keras's,
layer by layer, and must be fully known (every value in these programs is a literal)."""

from __future__ import annotations

from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from lstmlint import shapes
from lstmlint.analyze import analyze_source
from lstmlint.runtime.checker import run_models

MODELS_PER_EXAMPLE = 25


@st.composite
def stacks(draw) -> str:
    """A Sequential program whose layers fit together: the strategy tracks the rank flowing between layers."""
    timesteps = draw(st.sampled_from([1, 4, 7, 12]))
    features = draw(st.integers(1, 6))
    lines: list[str] = []
    rank = 3  # of the tensor flowing, batch included
    if draw(st.booleans()):
        vocab, width = draw(st.integers(5, 50)), draw(st.integers(2, 8))
        lines.append(f"keras.Input(shape=({timesteps},))")
        lines.append(f"layers.Embedding({vocab}, {width})")
    else:
        lines.append(f"keras.Input(shape=({timesteps}, {features}))")
    steps = timesteps
    first_layer = len(lines)
    for _ in range(draw(st.integers(1, 5))):
        if rank == 3:
            choice = draw(st.sampled_from(["rnn", "rnn", "bi", "dense", "dropout", "td", "conv", "pool", "gap",
                                           "flatten", "norm"]))
        else:
            choice = draw(st.sampled_from(["dense", "dropout", "repeat", "norm"]))
        units = draw(st.integers(1, 9))
        sequences = draw(st.booleans())
        if choice == "rnn":
            kind = draw(st.sampled_from(["LSTM", "GRU", "SimpleRNN"]))
            extra = ""
            if kind != "SimpleRNN" and draw(st.booleans()):
                extra += ", use_bias=False"
            if kind == "GRU" and draw(st.booleans()):
                extra += ", reset_after=False"
            lines.append(f"layers.{kind}({units}, return_sequences={sequences}{extra})")
            rank = 3 if sequences else 2
        elif choice == "bi":
            kind = draw(st.sampled_from(["LSTM", "GRU", "SimpleRNN"]))
            mode = draw(st.sampled_from(["'concat'", "'sum'", "'ave'", "'mul'"]))
            lines.append(f"layers.Bidirectional(layers.{kind}({units}, return_sequences={sequences}), "
                         f"merge_mode={mode})")
            rank = 3 if sequences else 2
        elif choice == "dense":
            lines.append(f"layers.Dense({units}, use_bias={draw(st.booleans())})")
        elif choice == "dropout":
            lines.append("layers.Dropout(0.1)")
        elif choice == "norm":
            lines.append(draw(st.sampled_from(["layers.BatchNormalization()", "layers.LayerNormalization()",
                                               "layers.Activation('relu')"])))
        elif choice == "td":
            lines.append(f"layers.TimeDistributed(layers.Dense({units}))")
        elif choice == "conv":
            if steps < 3:
                continue
            padding = draw(st.sampled_from(["'valid'", "'same'", "'causal'"]))
            lines.append(f"layers.Conv1D({units}, 3, padding={padding})")
            steps = steps - 2 if padding == "'valid'" else steps
        elif choice == "pool":
            if steps < 2:
                continue
            lines.append("layers.MaxPooling1D(2)")
            steps = steps // 2
        elif choice == "gap":
            lines.append("layers.GlobalAveragePooling1D()")
            rank = 2
        elif choice == "flatten":
            lines.append("layers.Flatten()")
            rank = 2
        elif choice == "repeat":
            steps = draw(st.integers(1, 5))
            lines.append(f"layers.RepeatVector({steps})")
            rank = 3
    if len(lines) == first_layer:  # every drawn layer was skipped: a Sequential needs one
        lines.append("layers.Dense(2)")
    body = ",\n    ".join(lines)
    return f"import keras\nfrom keras import layers\nmodel = keras.Sequential([\n    {body},\n])\n"


def _plain(output):
    if output is None:
        return None
    if shapes.is_multi(output):
        return [_plain(part) for part in output]
    return [shapes.dim(d) for d in output]


# no shrinking: every attempt builds models in a fresh Keras worker, and the message names the program
@settings(max_examples=3, deadline=None, phases=[Phase.explicit, Phase.generate],
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(st.lists(stacks(), min_size=MODELS_PER_EXAMPLE, max_size=MODELS_PER_EXAMPLE))
def test_static_shapes_and_params_equal_keras(programs):
    models = [analyze_source(source, f"stack_{i}.py").models[0] for i, source in enumerate(programs)]
    results = run_models([(model, 3) for model in models], timeout=60)
    for source, model, result in zip(programs, models, results):
        assert result.status == "built", f"Keras refused a valid stack ({result.error or result.reason}):\n{source}"
        static = shapes.infer(model, 3)
        for position, (mine, theirs) in enumerate(zip(static, result.layers)):
            if theirs is None:  # layers Keras does not show (the Input of a Sequential)
                continue
            where = f"layer {position} ({model.layers[position].cls}) of:\n{source}"
            assert _plain(mine.output) == theirs.output_shape, where
            assert mine.params == theirs.params, where
        assert all(s.params is not None for s in static), source
