"""The advisor: per model, Keras-summary-like rows (layer, line, output shape, parameters) and a plain reading
of each recurrent layer's configuration — what ``units`` means for *this* layer, what comes out, and why.

Reads the IR and the static shapes only; the CLI adds Keras's own numbers with ``--runtime``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from lstmlint.findings import Finding
from lstmlint.ir import Layer, Model, Module, Site, effective, label, sites_text
from lstmlint.unknown import UNKNOWN
from lstmlint.shape_text import shape_text
from lstmlint.shape_args import MAX_SIZE, count, dim, dims, flag, is_multi, positive_int, single
from lstmlint.shape_recurrent import state_count
from lstmlint.shapes import LayerShape, embedding_declares_input, infer, total_params
from lstmlint.why import Unknown, unknowns


@dataclass
class LayerRow:
    cls: str
    line: int
    output_shape: Any  # list of int|None, list of such lists, or None
    params: int | None
    notes: list[str] = field(default_factory=list)
    label: str = ""
    shape_text: str = "?"  # for the table: like output_shape, but "?" where a dim is not known statically
    input_shape: Any = "?"  # as output_shape; several inputs: a list of shapes (Keras 2's ``layer.input_shape``)
    input_text: str = "?"
    unknown: list[Unknown] = field(default_factory=list)  # what is not known, and why

    def to_json(self) -> dict[str, Any]:
        return {"class": self.cls, "line": self.line, "input_shape": self.input_shape,
                "output_shape": self.output_shape, "params": self.params, "notes": self.notes,
                "unknown": [u.to_json() for u in self.unknown]}


@dataclass
class ModelReport:
    path: str
    line: int
    kind: str
    name: str | None
    layers: list[LayerRow]
    total_params: int | None
    runtime: dict[str, Any] | None = None
    complete: bool = True
    input_from: str | None = None  # "(?, 10, 3), from the data given to fit at line 40": a model built on a call
    sites: list[Site] = field(default_factory=list)  # the call of a function of the file that builds it

    def to_json(self) -> dict[str, Any]:
        out = {"path": self.path, "line": self.line, "kind": self.kind,
               "layers": [row.to_json() for row in self.layers], "total_params": self.total_params,
               "runtime": self.runtime}
        if self.input_from is not None:
            out["input_from"] = self.input_from
        if self.sites:
            out["calls"] = [{"function": s.function, "line": s.line, "kind": s.kind} for s in self.sites]
        return out


UNKNOWN_JSON = "?"  # a dim or a whole shape not known statically; null is a dynamic dim, as Keras has it


def plain_shape(output) -> Any:
    """IR shape -> JSON: an int per known dim, null for a dynamic one, "?" for one not known statically; "?" for
    a whole shape not known; several outputs as a list of shapes."""
    if output is None:
        return UNKNOWN_JSON
    if is_multi(output):
        return [plain_shape(part) for part in output]
    return [UNKNOWN_JSON if d is UNKNOWN else d for d in (dim(v) for v in output)]


def input_shapes(layer: Layer, shape: LayerShape) -> tuple[Any, str]:
    """A layer's input shape for JSON and the table: an input layer's is its own shape (as in Keras); one
    shape per input edge, a list of them for several."""
    if layer.family == "input":
        return plain_shape(shape.output), table_shape(shape.output)
    if not shape.inputs:
        return UNKNOWN_JSON, "?"
    if len(shape.inputs) == 1:
        return plain_shape(shape.inputs[0]), table_shape(shape.inputs[0], shape.input_trailing)
    return [plain_shape(s) for s in shape.inputs], ", ".join(table_shape(s) for s in shape.inputs)


def table_shape(output, trailing=None) -> str:
    """``(None, 10, ?)``: None for a dynamic dim, as Keras prints it, and ``?`` for one not known statically;
    ``(..., 64)`` for a shape of unknown rank whose last axis is known (``trailing``)."""
    if output is None and trailing is not None and isinstance(dim(trailing), int):
        return f"(..., {dim(trailing)})"
    return shape_text(dims(output))


def number(value: int) -> str:
    """An int with thousands separators; one too large for Keras to build (or for Python to print) says so."""
    return f"{value:,}" if -MAX_SIZE <= value <= MAX_SIZE else "too large"


def shown_layers(model: Model) -> list[int]:
    """The rows model.summary() shows: input layers only in functional models, never implicit ones."""
    return [i for i, layer in enumerate(model.layers)
            if layer.family != "input" or (model.kind == "functional" and not layer.implicit)]


def explain_module(module: Module, findings: list[Finding], target: int) -> list[ModelReport]:
    reports = []
    for index, model in enumerate(module.models):
        shapes = infer(model, target)
        why = unknowns(model, shapes)
        rows = []
        for i in shown_layers(model):
            layer, shape = model.layers[i], shapes[i]
            inputs, inputs_text = input_shapes(layer, shape)
            row = LayerRow("InputLayer" if layer.family == "input" else layer.cls, layer.span.line,
                           plain_shape(shape.output), shape.params, label=label(layer),
                           shape_text=table_shape(shape.output, shape.trailing), input_shape=inputs,
                           input_text=inputs_text,
                           unknown=why[i])
            if layer.same_as is not None and 0 <= layer.same_as < len(model.layers):
                owner = model.layers[layer.same_as]
                row.notes.append(f"The same layer object as {label(owner)} on line {owner.span.line}, called "
                                 f"again: its weights are shared and counted once in the total.")
            elif layer.family in ("recurrent", "conv-recurrent") or effective(layer).family == "recurrent":
                row.notes.extend(reading(layer, shape))
            for finding in findings:
                if finding.origin == (index, i):
                    row.notes.append(f"{finding.rule} [{finding.severity}] {finding.message}")
            rows.append(row)
        total = count(total_params(model, shapes, shown_layers(model)))
        report = ModelReport(module.path, model.span.line, model.kind, model.var, rows, total,
                             complete=model.complete, sites=model.sites)
        if model.input_from is not None and model.build_shape is not None and not embedding_declares_input(
                model, target):
            report.input_from = f"{table_shape(list(model.build_shape.items))}, from {model.input_from}"
        reports.append(report)
    return reports


# The recurrent layers counted by --statistics, in bench/reach.py's terms: cells are not layers (an RNN of cells
# counts once, as the RNN) and a Bidirectional counts as the layer it wraps.
COUNTED = frozenset({"LSTM", "GRU", "SimpleRNN", "RNN", "CuDNNLSTM", "CuDNNGRU", "ConvLSTM1D", "ConvLSTM2D",
                     "ConvLSTM3D"})


@dataclass
class Coverage:
    """Recurrent layers a set of files constructs (``found``), of them those in a model that explain lists
    (``in_model``) and those whose parameter count is known (``known``). A layer object is one layer, however
    many models or calls use it."""

    found: int = 0
    in_model: int = 0
    known: int = 0

    def add(self, other: Coverage) -> None:
        self.found, self.in_model, self.known = (self.found + other.found, self.in_model + other.in_model,
                                                 self.known + other.known)

    def text(self) -> str:
        def share(n: int) -> str:
            return f" ({100 * n / self.found:.0f}%)" if self.found else ""

        return (f"recurrent layers: {self.found} found, {self.in_model} in a model{share(self.in_model)}, "
                f"{self.known} fully known (parameters known){share(self.known)}")


def _counted(layer: Layer) -> Layer | None:
    """The recurrent layer a row or a loose layer stands for (the wrapped one of a Bidirectional)."""
    if layer.cls in COUNTED:
        return layer
    if layer.wrapped is not None and layer.wrapped.cls in COUNTED:
        return layer.wrapped
    return None


def coverage(module: Module, target: int) -> Coverage:
    key = lambda layer: (layer.span.line, layer.span.column)  # noqa: E731 - one layer object, one span
    found: set = set()
    in_model: set = set()
    known: set = set()
    for model in module.models:
        shapes = infer(model, target)
        shown = set(shown_layers(model))
        for i, layer in enumerate(model.layers):
            counted = _counted(layer)
            if counted is None:
                continue
            found.add(key(counted))
            if i in shown:
                in_model.add(key(counted))
                if shapes[i].params is not None:
                    known.add(key(counted))
    for layer in module.loose_layers:
        counted = _counted(layer)
        if counted is not None:
            found.add(key(counted))
    return Coverage(len(found), len(in_model), len(known))


def _n(value) -> str:
    return number(value) if isinstance(value, int) else "?" if value is UNKNOWN else "None"


def _shape_text(output) -> str:
    return shape_text(dims(output), batch=True, unknown="an unknown shape")


def reading(layer: Layer, shape: LayerShape) -> list[str]:
    """A few plain sentences that answer "what does units mean, and what shape comes out?" for this layer."""
    inner = effective(layer)
    if inner.family == "conv-recurrent":
        return _conv_reading(inner, shape)
    incoming = single(shape.inputs[0]) if shape.inputs else None
    units = positive_int(inner, "units") if inner.cls != "RNN" else (
        positive_int(inner.cells[-1], "units") if inner.cells else UNKNOWN)
    m = units if isinstance(units, int) else "units"
    name = label(inner)
    sentences = []
    n = dim(incoming[-1]) if incoming is not None and len(incoming) == 3 else UNKNOWN  # the features
    if incoming is not None and len(incoming) == 3:
        steps, features = dim(incoming[1]), dim(incoming[2])
        steps_text = "any number of timesteps" if steps is None else f"{_n(steps)} timesteps"
        noun = "feature" if features == 1 else "features"
        sentences.append(f"{name} reads (batch, {steps_text}, {_n(features)} {noun}).")
    elif incoming is not None:
        sentences.append(f"{name} is fed {_shape_text(incoming)}, but a recurrent layer reads 3-D "
                         f"(batch, timesteps, features) input.")
    elif shape.input_trailing is not None and isinstance(dim(shape.input_trailing), int):
        n = dim(shape.input_trailing)
        sentences.append(f"{name} is fed a tensor of unknown rank whose last axis is {_n(n)}; Keras builds it "
                         f"only on 3-D input, (batch, timesteps, {_n(n)} {'feature' if n == 1 else 'features'}).")
    else:
        sentences.append(f"{name}'s input shape is not known statically.")
    states = "the hidden state h_t and the cell state c_t" if inner.cls in ("LSTM", "CuDNNLSTM") or (
        inner.cls == "RNN" and inner.cells and inner.cells[-1].cls == "LSTMCell") else "the hidden state h_t"
    sentences.append(f"{m} is the size of {states} at every timestep, not a count of timesteps or of cells.")
    if _too_large(inner.cells[-1] if inner.cls == "RNN" and inner.cells else inner, "units"):
        sentences.append(f"Its units value is too large for Keras to build (more than {MAX_SIZE:,}), so its "
                         f"output width and parameters are not computed.")
    sequences = flag(inner, "return_sequences", False)
    main = shape.output[0] if is_multi(shape.output) else shape.output
    own = "" if layer.cls == "Bidirectional" or main is None else f", shape {_shape_text(main)}"
    if sequences is True:
        sentences.append(f"It returns the hidden state of every step{own}, because return_sequences is True.")
    elif sequences is False:
        sentences.append(f"It returns only the last step{own}, because return_sequences is False.")
    if flag(inner, "return_state", False):
        count = state_count(inner) or 1
        what = "h and c" if count == 2 else "h"
        sentences.append(f"With return_state=True it also returns its final state{'s' if count == 2 else ''} "
                         f"{what}, each (batch, {m}): unpack the result before passing it on.")
    if layer.cls == "Bidirectional":
        mode_value = layer.arg("merge_mode")
        mode = "concat" if mode_value is None else mode_value.const if mode_value.kind == "const" else "?"
        merged = {"concat": "concatenates them on the last axis", "sum": "adds them", "mul": "multiplies them",
                  "ave": "averages them", None: "returns both outputs separately"}.get(mode, "merges them")
        sentences.append(f"Bidirectional runs {name} forwards and a copy backwards over the sequence and "
                         f"{merged}; its parameters are twice the wrapped layer's.")
    if flag(inner, "stateful", False):
        sentences.append("stateful=True: the final state of each batch row becomes the initial state of the same "
                         "row in the next batch, so the batch size is fixed, fit must not shuffle, and states "
                         "need resetting between independent sequences.")
    if flag(inner, "go_backwards", False):
        sentences.append("go_backwards=True: it reads the sequence from the last step to the first.")
    if layer.cls == "Bidirectional" or not own:
        sentences.append(f"Output: {_shape_text(shape.output)}.")
    if shape.params is not None and isinstance(n, int) and isinstance(units, int):
        sentences.append(_params_sentence(inner, layer, n, units, shape.params))
    return [" ".join(sentences)]


def _params_sentence(inner: Layer, layer: Layer, n: int, m: int, total: int) -> str:
    bias = flag(inner, "use_bias", True)
    b = f" + {m}" if bias else ""
    if inner.cls in ("LSTM",):
        formula = f"4 × ({m} × ({n} + {m}){b})"
    elif inner.cls == "GRU":
        twice = 2 if layer.cls == "Bidirectional" else 1  # the count already says which default applied
        reset_after = total == twice * 3 * (m * (n + m) + (2 * m if bias else 0))
        formula = f"3 × ({m} × ({n} + {m}){f' + 2 × {m}' if reset_after and bias else b})"
    elif inner.cls == "SimpleRNN":
        formula = f"{m} × ({n} + {m}){b}"
    else:
        return f"{number(total)} parameters."
    if layer.cls == "Bidirectional":
        formula = f"2 × {formula}"
    return f"{number(total)} parameters = {formula}."


def _too_large(layer: Layer, name: str) -> bool:
    value = layer.arg(name)
    return value is not None and value.kind == "const" and type(value.const) is int and value.const > MAX_SIZE


def _conv_reading(layer: Layer, shape: LayerShape) -> list[str]:
    incoming = single(shape.inputs[0]) if shape.inputs else None
    filters = positive_int(layer, "filters")
    rank = int(layer.cls[-2])
    text = (f"{label(layer)} reads {_shape_text(incoming)}: (batch, time, {rank}-D frame…, channels). "
            f"{_n(filters)} is the number of filters — the channels of the hidden and cell state maps — at every "
            f"timestep. Output: {_shape_text(shape.output)}.")
    if shape.params is not None:
        text += f" {number(shape.params)} parameters."
    return [text]


def render_text(reports: list[ModelReport]) -> str:
    if not reports:
        return "No Keras models found.\n"
    out: list[str] = []
    for report in reports:
        title = {"sequential": "Sequential", "functional": "Functional", "subclass": "Subclassed"}[report.kind]
        name = f" `{report.name}`" if report.name else ""
        site = f", {sites_text(report.sites)}" if report.sites else ""
        out.append(f"{report.path}:{report.line}: {title} model{name}{site}")
        headers = ("Layer (type)", "Line", "Input shape", "Output shape", "Param #")
        cells = [(row.label if len(row.label) <= 32 and row.cls != "InputLayer" else row.cls, str(row.line),
                  row.input_text, row.shape_text, "?" if row.params is None else number(row.params))
                 for row in report.layers]
        widths = [max(len(h), *(len(c[i]) for c in cells)) if cells else len(h) for i, h in enumerate(headers)]
        rule = "─" * (sum(widths) + 3 * (len(widths) - 1))
        out.append(rule)
        out.append("   ".join(h.ljust(w) for h, w in zip(headers, widths)).rstrip())
        out.append(rule)
        for row, line in zip(report.layers, cells):
            out.append("   ".join(c.ljust(w) for c, w in zip(line, widths)).rstrip())
        out.append(rule)
        total = "?" if report.total_params is None else number(report.total_params)
        out.append(f"Total params: {total}" + ("" if report.complete else " (the model is not fully known)"))
        if report.input_from is not None:
            out.append(f"Input: {report.input_from} (the model declares none: Keras builds it on that call)")
        if report.runtime is not None:
            out.append(_runtime_line(report.runtime))
        for row in report.layers:
            for unknown in row.unknown:
                out.append(f"  line {row.line}: ? {unknown.what}: {unknown.reason}")
            for note in row.notes:
                out.append(f"  line {row.line}: {note}")
        out.append("")
    return "\n".join(out)


def _runtime_line(runtime: dict[str, Any]) -> str:
    if runtime.get("built"):
        total = runtime.get("total_params")
        return f"Keras: built, output {shape_text(runtime.get('output_shape'))}, " \
               f"{number(total)} params" if isinstance(total, int) else "Keras: built"
    return f"Keras: not built: {runtime.get('error')}"
