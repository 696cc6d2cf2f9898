"""Differential tests: random valid programs, written as source code, analysed statically and built in real
Keras: static shapes and parameters must equal Keras's, layer by layer, and must be fully known (every value in
these programs is a literal). Sequential stacks are built by the runtime checker; functional graphs (branches,
merges, initial_state=, shared layers) are built from the same spec with the Keras API in this process."""

from __future__ import annotations

import os

import pytest
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from lstmlint import shapes
from lstmlint.analyze import analyze_source
from lstmlint.runtime.checker import run_models

MODELS_PER_EXAMPLE = 25
pytestmark = pytest.mark.slow  # hundreds of models built in real Keras


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
            assert shapes.dims(mine.output) == theirs.output_shape, where
            assert mine.params == theirs.params, where
        assert all(s.params is not None for s in static), source


# --------------------------------------------------------------------------------------- functional graphs
#
# Random functional graphs (branches, Concatenate/Add merges, initial_state= from another recurrent layer's
# return_state, shared layers) from one spec: the spec is written out as source for the analyzer, and the same
# spec is built here with the Keras API (in this process; the source is never executed). Every call's static
# output shape and parameter count must equal Keras's, or be unknown — and in these all-literal programs
# they must all be known.

RNN_STATES = {"LSTM": 2, "GRU": 1, "SimpleRNN": 1}


@st.composite
def graphs(draw) -> list[dict]:
    """A list of steps. Tensors are named t0, t1…; each has a rank, a timestep count (rank 3) and features."""
    steps: list[dict] = []
    tensors: list[dict] = []  # name, rank, steps, features, used
    layers: list[dict] = []  # reusable layer objects: name, kind, features it was built for, rank, and args
    states: list[dict] = []  # return_state results: kind, units, names of the state tensors

    def tensor(rank: int, steps_: int | None, features: int) -> str:
        name = f"t{len(tensors)}"
        tensors.append({"name": name, "rank": rank, "steps": steps_, "features": features, "used": False})
        return name

    def pick(rank: int | None = None) -> dict | None:
        pool = [t for t in tensors if rank is None or t["rank"] == rank]
        return draw(st.sampled_from(pool)) if pool else None

    for _ in range(draw(st.integers(1, 2))):
        timesteps = draw(st.sampled_from([None, 4, 7]))
        features = draw(st.integers(1, 5))
        steps.append({"op": "input", "shape": (timesteps, features), "out": tensor(3, timesteps, features)})
    for _ in range(draw(st.integers(1, 7))):
        op = draw(st.sampled_from(["rnn", "rnn", "rnn_state", "bi", "dense", "concat", "add", "shared"]))
        if op in ("rnn", "rnn_state", "bi"):
            source = pick(3)
            chosen = draw(st.sampled_from(states)) if op != "bi" and states and draw(st.booleans()) else None
            # a layer that starts from another one's final states has its kind and size
            kind = chosen["kind"] if chosen else draw(st.sampled_from(sorted(RNN_STATES)))
            units = chosen["units"] if chosen else draw(st.integers(1, 6))
            sequences = draw(st.booleans())
            step = {"op": op, "kind": kind, "units": units, "sequences": sequences, "in": source["name"],
                    "layer": f"l{len(layers)}"}
            if chosen:
                step["initial_state"] = chosen["names"]
                step["listed"] = kind == "LSTM" or draw(st.booleans())
                for name in chosen["names"]:
                    next(t for t in tensors if t["name"] == name)["used"] = True
            source["used"] = True
            rank = 3 if sequences else 2
            width = 2 * units if op == "bi" else units
            if op == "rnn_state":
                step["out"] = [tensor(rank, source["steps"], units)] + [
                    tensor(2, None, units) for _ in range(RNN_STATES[kind])]
                states.append({"kind": kind, "units": units, "names": step["out"][1:]})
            else:
                step["out"] = tensor(rank, source["steps"], width)
            layers.append({"name": step["layer"], "features": source["features"], "rank": 3, "op": op})
            steps.append(step)
        elif op == "dense":
            source = pick()
            units = draw(st.integers(1, 6))
            source["used"] = True
            step = {"op": "dense", "units": units, "in": source["name"], "layer": f"l{len(layers)}",
                    "out": tensor(source["rank"], source["steps"], units)}
            layers.append({"name": step["layer"], "features": source["features"], "rank": source["rank"],
                           "op": "dense"})
            steps.append(step)
        elif op in ("concat", "add"):
            first = pick()
            same = [t for t in tensors if t["rank"] == first["rank"] and t["steps"] == first["steps"]
                    and (op == "concat" or t["features"] == first["features"])]
            others = draw(st.lists(st.sampled_from(same), min_size=1, max_size=2))
            parts = [first, *others]
            for part in parts:
                part["used"] = True
            features = sum(p["features"] for p in parts) if op == "concat" else first["features"]
            steps.append({"op": op, "in": [p["name"] for p in parts],
                          "out": tensor(first["rank"], first["steps"], features)})
        else:  # call a layer object made earlier again, on a tensor it can take
            candidates = [(layer, t) for layer in layers if layer["op"] in ("rnn", "dense")
                          for t in tensors if t["rank"] == layer["rank"] and t["features"] == layer["features"]]
            if not candidates:
                continue
            layer, source = draw(st.sampled_from(candidates))
            made = next(s for s in steps if s.get("layer") == layer["name"])
            source["used"] = True
            rank = source["rank"] if made["op"] == "dense" else (3 if made["sequences"] else 2)
            steps.append({"op": "call", "layer": layer["name"], "in": source["name"],
                          "out": tensor(rank, source["steps"], made["units"])})
    steps.append({"op": "model", "inputs": [s["out"] for s in steps if s["op"] == "input"],
                  "outputs": [t["name"] for t in tensors if not t["used"]]})
    return steps


def graph_source(steps: list[dict]) -> str:
    lines = ["import keras", "from keras import layers"]
    for step in steps:
        op = step["op"]
        out = step.get("out")
        target = ", ".join(out) if isinstance(out, list) else out
        if op == "input":
            lines.append(f"{out} = keras.Input(shape={step['shape']!r})")
        elif op in ("rnn", "rnn_state", "bi"):
            args = f"{step['units']}, return_sequences={step['sequences']}"
            if op == "rnn_state":
                args += ", return_state=True"
            make = f"layers.{step['kind']}({args})"
            if op == "bi":
                make = f"layers.Bidirectional({make})"
            lines.append(f"{step['layer']} = {make}")
            call = step["in"]
            if "initial_state" in step:
                names = step["initial_state"]
                state = f"[{', '.join(names)}]" if step["listed"] else names[0]
                call += f", initial_state={state}"
            lines.append(f"{target} = {step['layer']}({call})")
        elif op == "dense":
            lines.append(f"{step['layer']} = layers.Dense({step['units']})")
            lines.append(f"{out} = {step['layer']}({step['in']})")
        elif op == "concat":
            lines.append(f"{out} = layers.Concatenate()([{', '.join(step['in'])}])")
        elif op == "add":
            lines.append(f"{out} = layers.Add()([{', '.join(step['in'])}])")
        elif op == "call":
            lines.append(f"{out} = {step['layer']}({step['in']})")
        elif op == "model":
            lines.append(f"model = keras.Model([{', '.join(step['inputs'])}], [{', '.join(step['outputs'])}])")
    return "\n".join(lines) + "\n"


def build_graph(keras, steps: list[dict]):
    """The spec in Keras; returns the model and, per call in source order, (output, layer object)."""
    tensors: dict[str, object] = {}
    objects: dict[str, object] = {}
    calls = []
    model = None
    for step in steps:
        op = step["op"]
        if op == "input":
            tensors[step["out"]] = keras.Input(shape=step["shape"])
            calls.append((tensors[step["out"]], None))
            continue
        if op in ("rnn", "rnn_state", "bi", "dense"):
            if op == "dense":
                objects[step["layer"]] = keras.layers.Dense(step["units"])
            else:
                cls = getattr(keras.layers, step["kind"])
                layer = cls(step["units"], return_sequences=step["sequences"], return_state=op == "rnn_state")
                objects[step["layer"]] = keras.layers.Bidirectional(layer) if op == "bi" else layer
        if op == "model":
            model = keras.Model([tensors[n] for n in step["inputs"]], [tensors[n] for n in step["outputs"]])
            continue
        if op in ("concat", "add"):
            obj = keras.layers.Concatenate() if op == "concat" else keras.layers.Add()
            result = obj([tensors[n] for n in step["in"]])
        else:
            obj = objects[step["layer"]]
            kwargs = {}
            if "initial_state" in step:
                states = [tensors[n] for n in step["initial_state"]]
                kwargs["initial_state"] = states if step["listed"] else states[0]
            result = obj(tensors[step["in"]], **kwargs)
        out = step["out"]
        if isinstance(out, list):
            for name, value in zip(out, result):
                tensors[name] = value
        else:
            tensors[out] = result
        calls.append((result, obj))
    return model, calls


def _keras_shape(value):
    if isinstance(value, (list, tuple)):
        return [_keras_shape(v) for v in value]
    return [None if d is None else int(d) for d in value.shape]


@pytest.fixture(scope="module")
def keras():
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    return pytest.importorskip("keras")


@settings(max_examples=30, deadline=None, phases=[Phase.explicit, Phase.generate],
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(steps=graphs())
def test_functional_graphs_equal_keras_layer_by_layer(keras, steps):
    source = graph_source(steps)
    (model,) = analyze_source(source, "graph.py").models
    keras.backend.clear_session()
    built, calls = build_graph(keras, steps)
    assert model.complete, source
    assert len(model.layers) == len(calls), source  # every call is in the model, in source order
    static = shapes.infer(model, 3)
    for position, ((output, obj), mine) in enumerate(zip(calls, static)):
        where = f"call {position} ({model.layers[position].cls}) of:\n{source}"
        assert shapes.dims(mine.output) in (None, _keras_shape(output)), where
        expected = 0 if obj is None else obj.count_params()
        assert mine.params in (None, expected), where
        # all literals: nothing may be left unknown
        assert mine.output is not None and mine.params is not None, where
    assert shapes.total_params(model, static) == built.count_params(), source
