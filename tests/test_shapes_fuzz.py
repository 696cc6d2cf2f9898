"""Shapes are total (issue 9 §3): layers of every class in keras_api.LAYERS, with arbitrary argument values, in
small Sequential and functional models, go through ``check`` and ``explain`` in-process — the API the CLI calls:
analyze_and_lint, every reporter, explain_module, the text table and the JSON — with no exception and every
finding inside the file. shapes' backstop (an exception in one layer becomes an unknown output) is turned off
here, so that an exception it would hide fails the test instead.

Budget (all ``slow``; the default ``python -m pytest`` runs them): 10,000 programs a run over all classes
(measured on the shared two-core test machine: 82 s at a load of 2, 190 s at a load of 7; most of it libcst
and the reporters), 10,000 direct calls of the shape functions on random IR values (9 s), and a fixed sample
of 3,000 programs that shows every class reaches its shape function (14 s).
"""

from __future__ import annotations

import json
import random
from collections import Counter
from dataclasses import replace

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from layer_programs import CLASSES, program, programs
from test_fuzz import assert_positions_inside

from lstmlint import shapes
from lstmlint.analyze import analyze_source
from lstmlint.api import analyze_and_lint, rules_for
from lstmlint.config import Config
from lstmlint.explain import explain_module, reading, render_text, table_shape
from lstmlint.engine.predicates import effective
from lstmlint.ir import Arg, Layer, Model, Ref, Span, Value
from lstmlint.keras_api import LAYERS
from lstmlint.report import github, sarif
from lstmlint.report import json as json_report
from lstmlint.report import text as text_report
from lstmlint.unknown import UNKNOWN

CONFIGS = [Config(select=["ALL"]), Config(select=["ALL"], target_keras=2)]
RULES = rules_for(CONFIGS[0])
PROGRAMS = 10_000
IR_EXAMPLES = 10_000


@pytest.fixture
def strict_shapes(monkeypatch):
    monkeypatch.setattr(shapes, "CONTAIN_ERRORS", False)


def check_and_explain(source: str, config: Config) -> None:
    module, findings = analyze_and_lint(source, "fuzz.py", config, RULES)
    # another layer may contain internal errors as LSTM003 findings; here one is still a failure
    assert not [f for f in findings if f.rule == "LSTM003"], findings
    assert_positions_inside(source, findings)
    used = [rule for rule in RULES if rule.id in {f.rule for f in findings}]  # SARIF's catalog is costly to encode
    for reporter in (text_report, json_report, sarif, github):
        reporter.render(findings, 1, used)
    if module is not None:
        reports = explain_module(module, findings, config.target_keras)
        render_text(reports)
        json.dumps([report.to_json() for report in reports], allow_nan=False)


@pytest.mark.slow
@settings(max_examples=PROGRAMS, deadline=None, suppress_health_check=list(HealthCheck))
@given(programs(), st.sampled_from(CONFIGS))
def test_layers_of_every_class_with_any_arguments_never_crash(strict_shapes, source, config):
    check_and_explain(source, config)


@pytest.mark.slow
def test_programs_reach_every_class_and_its_shape_function():
    """The generator is not vacuous: over a fixed sample every class of keras_api is analysed as a layer of a
    model and gets a known input shape, and every class that has a shape function computes a known output."""
    seen: Counter[str] = Counter()
    fed: Counter[str] = Counter()
    known: Counter[str] = Counter()
    for seed in range(3000):
        for model in analyze_source(program(seed), "sample.py").models:
            for layer, result in zip(model.layers, shapes.infer(model)):
                seen[layer.cls] += 1
                fed[layer.cls] += any(i is not None for i in result.inputs)
                known[layer.cls] += result.output is not None
    # the attention layers take [query, value] lists or value=, TextVectorization is known only with
    # output_sequence_length=: their shapes are checked against Keras in test_layers_around.py
    no_shape_function = {"LSTMCell", "GRUCell", "SimpleRNNCell", "StackedRNNCells", "SeparableConv1D",
                         "Lambda", "Dot", "Attention", "AdditiveAttention", "MultiHeadAttention", "TextVectorization"}
    inputs = {name for name, spec in LAYERS.items() if spec.family == "input"}
    assert set(CLASSES) <= set(+seen), set(CLASSES) - set(+seen)
    assert set(CLASSES) - inputs <= set(+fed), set(CLASSES) - inputs - set(+fed)
    assert set(CLASSES) - no_shape_function <= set(+known), set(CLASSES) - no_shape_function - set(+known)


# --- the shape functions on any IR -----------------------------------------------------------------------------
# Values drawn by a seeded random.Random, as in layer_programs: hypothesis's recursive strategies cost ~50 ms an
# example here, which would make 20,000 examples take 15 minutes.

SPAN = Span(1, 1, 1, 2)
CONSTS = [0, 1, 2, 3, 10, -1, -7, 2**63 - 1, 2**63, -(2**63), 10**4000, 0.5, -0.0, float("nan"), float("inf"), True,
          False, None, "same", "valid", "causal", "SAME", "channels_last", "channels_first", "concat", "sum", "ave",
          "mul", "tanh", "", "x"]
DECLARING = ["shape", "batch_shape", "input_shape", "batch_input_shape", "input_dim", "input_length", "batch_size"]


class IRWriter:
    def __init__(self, seed: int) -> None:
        self.rng = random.Random(seed)

    def pick(self, items):
        return items[self.rng.randrange(len(items))]

    def value(self, depth: int = 0) -> Value:
        r = self.rng.random()
        if r < 0.45 or depth > 2:
            return Value.of(self.rng.randint(-3, 12) if self.rng.random() < 0.5 else self.pick(CONSTS))
        if r < 0.55:
            return self.pick([Value.unknown("not known"), Value("symbol", const="tf.float32"),
                              Value("array", items=[Value.of(3), Value.of(4)])])
        return Value("tuple", items=[self.value(depth + 1) for _ in range(self.rng.randrange(5))])

    def dim(self) -> Value:
        r = self.rng.random()
        if r < 0.6:
            return Value.of(self.rng.randint(0, 40))
        if r < 0.8:
            return self.pick([Value.of(None), Value.unknown("n")])
        return self.value()

    def shape(self):
        r = self.rng.random()
        if r < 0.1:
            return None
        single = [self.dim() for _ in range(self.rng.randrange(7))]
        if r < 0.85:
            return single
        return [single] + [[self.dim() for _ in range(self.rng.randrange(4))] for _ in range(self.rng.randrange(3))]

    def args(self, names: list[str]) -> dict[str, Arg]:
        return {self.pick(names): Arg(self.value(), SPAN, True) for _ in range(self.rng.randrange(7))}

    def layer(self, depth: int = 0) -> Layer:
        cls = self.pick(CLASSES + ["?"])
        spec = LAYERS.get(cls)
        names = sorted((spec.k3 or frozenset()) | (spec.k2 or frozenset())) if spec else ["units"]
        layer = Layer(cls, f"keras.layers.{cls}", spec.family if spec else "unknown", SPAN, args=self.args(names),
                      extra_positional=int(self.rng.random() < 0.1), has_star_args=self.rng.random() < 0.2)
        if depth < 2 and cls in ("Bidirectional", "TimeDistributed") and self.rng.random() < 0.9:
            layer.wrapped = self.layer(depth + 1)
        if depth < 2 and cls == "RNN":
            layer.cells = [self.layer(depth + 1) for _ in range(self.rng.randrange(4))]
        return layer


@pytest.mark.slow
@settings(max_examples=IR_EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck))
@given(st.integers(0, 2**64), st.sampled_from([2, 3]))
def test_shape_functions_answer_for_any_ir_values(strict_shapes, seed, target):
    """layer_output, infer and the advisor's reading, on values the analyzer may or may not produce (nan, inf,
    10**4000, nested tuples, symbols, arrays as dims…): a checked answer — dims that are ints in [0, 2**63), None
    or unknown, counts within int64, or unknown — never an exception."""
    writer = IRWriter(seed)
    layer = writer.layer()
    inputs = [writer.shape() for _ in range(writer.rng.randrange(4))]
    output, params = shapes.layer_output(layer, inputs, target)
    assert params is None or type(params) is int, params
    table_shape(output)
    declared = Layer("Input", "keras.Input", "input", SPAN, args=writer.args(DECLARING), implicit=True,
                     declared_by=layer.family)
    build = writer.value() if writer.rng.random() < 0.3 else None
    model = Model("sequential", SPAN, None, layers=[declared, replace(layer, inputs=[Ref(0)])], build_shape=build)
    for placed, result in zip(model.layers, shapes.infer(model, target)):
        assert result.params is None or 0 <= result.params <= shapes.MAX_SIZE, result.params
        output = result.output
        for part in (output if shapes.is_multi(output) else [output] if output is not None else []):
            for d in part:
                got = shapes.dim(d)
                assert got is None or got is UNKNOWN or 0 <= got <= shapes.MAX_SIZE, part
        table_shape(output)
        if placed.family in ("recurrent", "conv-recurrent") or effective(placed).family == "recurrent":
            reading(placed, result)
