"""Runs rules over a module's IR and turns matches into findings (with the edits of declarative fixes)."""

from __future__ import annotations

from typing import Any, Callable, Iterator

from lstmlint.engine import import_fixes
from lstmlint.engine.loader import Rule
from lstmlint.engine.predicates import NO_DEFAULT, arg_default, compile_match
from lstmlint.engine.checks_args import close_match
from lstmlint.engine.subject import Subject, names, upstream_inputs
from lstmlint.findings import Edit, Finding, Fix, LineRef
from lstmlint.ir import Layer, Model, Module, Span, arg_value, effective, label, sites_text
from lstmlint.lines import split_lines


class _Bindings(dict):
    def __missing__(self, key: str) -> str:
        return "?"


def subjects(module: Module, on: str, target: int, bases: dict[int, Subject]) -> Iterator[tuple[Subject, Span]]:
    """Each subject of one kind, once; ``bases`` holds one model-level subject per model, so that its shapes
    and consumers are computed once for all kinds."""
    if on == "import":
        for imp in module.imports:
            yield Subject(module, target, imp=imp), imp.span
        return
    for model in module.models:
        base = bases.setdefault(id(model), Subject(module, target, model))
        if on == "call":
            for call in model.calls:
                yield Subject(module, target, model, call=call, _base=base), call.span
            continue
        for index, layer in enumerate(model.layers):
            if layer.family in ("input", "unknown"):
                continue
            yield base.at(index), layer.span
            for inner in _inner_layers(layer):
                yield Subject(module, target, model, layer=inner, parent=layer, _base=base), inner.span
    if on == "layer":
        for layer in module.loose_layers:
            yield Subject(module, target, layer=layer), layer.span
            for inner in _inner_layers(layer):
                yield Subject(module, target, layer=inner, parent=layer), inner.span


def _inner_layers(layer: Layer) -> list[Layer]:
    inner = [layer.wrapped] if layer.wrapped is not None else []
    return inner + layer.cells


def gate(rule: Rule) -> Callable[[Subject], bool]:
    if rule.gate is None:
        rule.gate = necessary(rule.match) or (lambda subject: True)
    return rule.gate


def necessary(clause: dict[str, Any]) -> Callable[[Subject], bool] | None:
    """A cheap test that holds whenever the clause is True (None: none found), so that most subjects are
    turned away before the rule's match runs: the class, family, in-model and wrapped requirements, the
    method of a call, and the arguments the clause needs present. It builds no bindings and no values."""
    tests = []
    for key, spec in clause.items():
        if key == "all":
            test = _all_of([t for t in (necessary(c) for c in spec) if t is not None])
        elif key == "any":
            branches = [necessary(c) for c in spec]
            test = _any_of(branches) if branches and None not in branches else None  # type: ignore[arg-type]
        else:
            test = _simple_necessary(key, spec)
        if test is not None:
            tests.append(test)
    return _all_of(tests)


def _simple_necessary(key: str, spec: Any) -> Callable[[Subject], bool] | None:
    if key == "class":
        classes = frozenset(names(spec))
        return lambda s: s.layer is not None and s.layer.cls in classes
    if key == "family":
        families = frozenset(names(spec))
        return lambda s: s.layer is not None and effective(s.layer).family in families
    if key == "in-model":
        return lambda s: s.in_graph() == spec
    if key == "wrapped":
        return lambda s: (s.parent is not None) == spec
    if key == "method":
        methods = frozenset(names(spec))
        return lambda s: s.call is not None and s.call.method in methods
    if key == "arg":
        present = _arg_needs_presence(spec)
        if present is None:
            return None
        name = spec["name"]
        return lambda s: s.layer is not None and (arg_value(s.layer, name) is not None) == present
    return None


def _arg_needs_presence(spec: dict[str, Any]) -> bool | None:
    """True when an ``arg`` test can only hold with the argument given, False when only without it, None when
    either way (mirrors how predicates.p_arg treats an absent argument: its default, else not known)."""
    if "present" in spec:
        return bool(spec["present"])
    default = arg_default(spec)
    if default is NO_DEFAULT:
        return True if any(k != "name" for k in spec) else None
    if "is" in spec and bool(default) != spec["is"]:
        return True
    return None


def _all_of(tests: list[Callable[[Subject], bool]]) -> Callable[[Subject], bool] | None:
    if not tests:
        return None
    if len(tests) == 1:
        return tests[0]
    first, *rest = tests

    def every(subject: Subject) -> bool:
        if not first(subject):
            return False
        for test in rest:
            if not test(subject):
                return False
        return True

    return every


def _any_of(tests: list[Callable[[Subject], bool]]) -> Callable[[Subject], bool]:
    def some(subject: Subject) -> bool:
        for test in tests:
            if test(subject):
                return True
        return False

    return some


_PLAN: list = [None, 0, ()]  # the last (rules, target, plan)


def _plan(rules: list[Rule], target: int) -> tuple[tuple[str, list[tuple[Rule, Callable | None, Callable]]], ...]:
    """Per subject kind, its rules with their gates and compiled matches: worked out once per rule list and
    target, not per file."""
    if _PLAN[0] is not rules or _PLAN[1] != target:
        plan = []
        for kind in ("layer", "call", "import"):
            active = []
            for rule in rules:
                if rule.subject == kind and target in rule.keras:
                    if rule.compiled is None:
                        rule.compiled = compile_match(rule.match)
                    active.append((rule, gate(rule), rule.compiled))
            if active:
                plan.append((kind, active))
        _PLAN[:] = [rules, target, tuple(plan)]
    return _PLAN[2]


def run_rules(module: Module, rules: list[Rule], target: int) -> list[Finding]:
    """Each subject is built once and every rule of its kind runs on it, with fresh bindings per rule."""
    findings: list[Finding] = []
    seen: set[tuple] = set()
    bases: dict[int, Subject] = {}
    # findings in the models a function builds at each call of it: (rule, span, message) -> the models
    by_call: dict[tuple, list[tuple[Finding, Model]]] = {}
    for kind, active in _plan(rules, target):
        for subject, span in subjects(module, kind, target, bases):
            for rule, quick, match in active:
                if not quick(subject):
                    continue
                subject.bindings = {}
                subject.depends = set()
                if match(subject) is not True:
                    continue
                key = (rule.id, span)
                if key in seen:  # a layer object shared by two models is reported once
                    continue
                finding = make_finding(rule, subject, span, module.path)
                if subject.model is not None and subject.model.sites:
                    by_call.setdefault((rule.id, span, finding.message), []).append((finding, subject.model))
                    continue
                seen.add(key)
                findings.append(finding)
    if by_call:
        findings.extend(_per_call(module, by_call, seen))
    return findings


def _per_call(module: Module, by_call: dict[tuple, list[tuple[Finding, Model]]], seen: set[tuple]) -> list[Finding]:
    """One finding per line and message: as it is where every call's model has it, and naming the calls
    where only some have it (or have it with another message)."""
    where: dict[Span, list[Model]] = {}
    for model in module.models:
        if model.sites:
            spans = {layer.span for layer in model.layers} | {inner.span for layer in model.layers
                                                              for inner in _inner_layers(layer)}
            for span in spans | {call.span for call in model.calls}:
                where.setdefault(span, []).append(model)
    out = []
    for (rule, span, _), found in by_call.items():
        if (rule, span) in seen:
            continue
        models = {id(model) for _, model in found}
        finding = found[0][0]
        if any(id(model) not in models for model in where.get(span, ())):
            texts = list(dict.fromkeys(sites_text(model.sites) for _, model in found))
            finding.message = f"{finding.message.rstrip().rstrip('.')} ({'; or '.join(texts)})."
        out.append(finding)
    return out


def make_finding(rule: Rule, subject: Subject, span: Span, path: str) -> Finding:
    values = _Bindings(subject.bindings)
    layer = subject.layer
    if layer is not None:
        values.setdefault("layer", label(layer))
        values.setdefault("class", layer.cls)
        units = arg_value(layer, "units")
        values.setdefault("units", units.text if units is not None else "?")
    if subject.call is not None:
        values.setdefault("method", subject.call.method)
    if subject.model is not None:
        values.setdefault("model", f"`{subject.model.var}`" if subject.model.var else "this model")
        values.setdefault("model_var", subject.model.var or "model")
    message = rule.message.format_map(values)
    fix = make_fix(rule, subject, values)
    origin = None
    if subject.model is not None:
        model_index = next(i for i, m in enumerate(subject.module.models) if m is subject.model)
        origin = (model_index, subject.index)
        if subject.call is not None:  # (model, None, call): the runtime checker pairs it with the replayed call
            origin = (model_index, None, next(i for i, c in enumerate(subject.model.calls) if c is subject.call))
    line_refs = tuple(int(v) for v in _cited(rule.message, values) if isinstance(v, LineRef))
    finding = Finding(path, span.line, span.column, span.end_line, span.end_column, rule.id, rule.name,
                      rule.severity, message, fix, origin=origin, line_refs=line_refs)
    if origin is not None:  # the declarations it blames or was derived from, for engine/cascade.py
        blamed = upstream_inputs(subject) if rule.blames == "input" else set()
        finding.blames = tuple((origin[0], i) for i in sorted(blamed))
        finding.depends = tuple((origin[0], i) for i in sorted(subject.depends))
        if rule.note and finding.depends:
            finding.note = rule.note.format_map(values)
    return finding


def _cited(template: str, values: _Bindings) -> list[Any]:
    """The values a message template prints, in order."""
    import string

    return [values[field] for _, field, _, _ in string.Formatter().parse(template) if field]


def make_fix(rule: Rule, subject: Subject, values: _Bindings) -> Fix | None:
    spec = rule.fix
    if not spec:
        return None
    if "reset-stateful-layers" in spec:
        return _fix(spec, values, _reset_loop(subject))
    if subject.layer is None:
        return None
    if "move-input-shape" in spec:
        move = spec["move-input-shape"]
        if move is True:
            return _fix(spec, values, _move_input_shape(subject))
        # a rule on Keras 2's batch_input_shape= (LSTM502): it moves when it is the one argument reported
        if values.get("arg") == "batch_input_shape" and values.get("count", 1) == 1:
            return _fix({**spec, "description": move["description"]}, values,
                        _move_input_shape(subject, "batch_input_shape"))
    layer = effective(subject.layer)
    edits: list[Edit] = []
    if "set-arg" in spec:
        name, value = spec["set-arg"]["name"], spec["set-arg"]["value"]
        current = layer.args.get(name)
        if layer.has_star_args or layer.extra_positional:
            return None
        if current is None and close_match(name, [k for k in layer.args if k != name], 0.8):
            return None  # the argument is there, misspelled: the rename fix of LSTM502 is the right edit
        if current is not None:
            s = current.span
            edits.append(Edit(s.line, s.column, s.end_line, s.end_column, f"{name}={value}"))
        elif layer.args:
            last = max((a.span for a in layer.args.values()), key=lambda s: (s.end_line, s.end_column))
            edits.append(Edit(last.end_line, last.end_column, last.end_line, last.end_column, f", {name}={value}"))
        else:
            s = layer.span
            edits.append(Edit(s.end_line, s.end_column - 1, s.end_line, s.end_column - 1, f"{name}={value}"))
    if "rename-arg" in spec:
        old = spec["rename-arg"]["from"].format_map(values)
        new = spec["rename-arg"]["to"].format_map(values)
        arg = layer.args.get(old)
        if arg is None or not arg.keyword or new == "?" or values.get("count", 1) != 1 or new in layer.args:
            return None  # (the right name is there too: renaming would repeat a keyword)
        s = arg.span
        edits.append(Edit(s.line, s.column, s.line, s.column + len(old), new))
    if "replace-class" in spec:
        replace = spec["replace-class"]
        if layer.callee_span is not None and layer.callee_text and "." not in layer.callee_text and "map" in replace:
            # a bare name: its import and every use of it are renamed together (engine/import_fixes.py)
            return _fix(spec, values, import_fixes.rename_imported_class(subject.module, layer, replace["map"]))
        if layer.callee_span is None or "." not in layer.qualname or layer.span.column == layer.callee_span.column:
            return None
        to = replace["map"].get(layer.cls) if "map" in replace else replace["to"].format_map(values)
        if not to:
            return None
        s = layer.callee_span
        edits.append(Edit(s.line, s.column, s.end_line, s.end_column, to))
    return _fix(spec, values, edits)


def _fix(spec: dict, values: _Bindings, edits: list[Edit] | None) -> Fix | None:
    if not edits:
        return None
    return Fix(spec["description"].format_map(values), spec.get("applicability", "safe"), edits)


def _delete_arg(layer: Layer, name: str) -> Edit:
    """Remove one keyword argument with the comma that separates it from its neighbour."""
    spans = sorted((a.span for a in layer.args.values()), key=lambda s: (s.line, s.column))
    mine = layer.args[name].span
    before = [s for s in spans if (s.end_line, s.end_column) <= (mine.line, mine.column)]
    after = [s for s in spans if (s.line, s.column) >= (mine.end_line, mine.end_column)]
    if before:
        start = before[-1]
        return Edit(start.end_line, start.end_column, mine.end_line, mine.end_column, "")
    if after:
        return Edit(mine.line, mine.column, after[0].line, after[0].column, "")
    return Edit(mine.line, mine.column, mine.end_line, mine.end_column, "")


def _move_input_shape(subject: Subject, key: str = "input_shape") -> list[Edit] | None:
    """``Sequential([LSTM(8, input_shape=(10, 3)), ...])`` -> ``Sequential([layers.Input(shape=(10, 3)),
    LSTM(8), ...])``; the ``.add`` form gets its own ``model.add(layers.Input(...))`` line. With ``key``
    ``batch_input_shape`` (Keras 2's, which Keras 3 layers reject), ``Input(batch_shape=...)``: Keras 2 built
    ``InputLayer(batch_input_shape=...)`` from it, and Keras 3's ``Input(batch_shape=...)`` is that layer
    (keras/src/layers/core/input_layer.py: ``batch_input_shape`` is popped into ``batch_shape``)."""
    model, layer = subject.model, subject.layer
    if model is None or layer is None or not subject.in_graph() or model.kind != "sequential":
        return None
    if subject.index != 1 or not model.layers[0].implicit or "input_dim" in layer.args:
        return None
    if key not in layer.args or layer.has_star_args or not layer.callee_text:
        return None
    if key == "batch_input_shape" and ("input_shape" in layer.args or "batch_size" in layer.args):
        return None  # Keras 2 let batch_input_shape win over them; Input would refuse them together
    parts = layer.callee_text.split(".")
    edits = []
    if len(parts) >= 2 and parts[-2] == "layers":
        factory = ".".join([*parts[:-1], "Input"])  # the layers module the class was reached through
    else:  # a class imported by name: Input as the file's imports spell it, or added to the class's import
        spelled = import_fixes.input_factory(subject.module, layer)
        if spelled is None:
            return None
        factory, edits = spelled
    arguments = [f"{'shape' if key == 'input_shape' else 'batch_shape'}={layer.args[key].value.text}"]
    edits.append(_delete_arg(layer, key))
    if "batch_size" in layer.args:
        arguments.append(f"batch_size={layer.args['batch_size'].value.text}")
        edits.append(_delete_arg(layer, "batch_size"))
    created = f"{factory}({', '.join(arguments)})"
    if layer.added_at is not None:
        if model.var is None:
            return None
        at = layer.added_at
        line = split_lines(subject.module.text)[at.line - 1] if subject.module.text else ""  # tabs stay tabs
        indent = line[:at.column - 1] if line[:at.column - 1].isspace() else " " * (at.column - 1)
        edits.append(Edit(at.line, at.column, at.line, at.column, f"{model.var}.add({created})\n{indent}"))
    else:
        if not _inside(layer.span, model.span):
            return None  # the layer is built elsewhere (``l = LSTM(...)``, then ``Sequential([l])``): no list there
        edits.append(Edit(layer.span.line, layer.span.column, layer.span.line, layer.span.column, f"{created}, "))
    if len({(e.line, e.column) for e in edits}) != len(edits):
        return None
    return edits


def _inside(inner, outer) -> bool:
    return (outer.line, outer.column) <= (inner.line, inner.column) and (
        (inner.end_line, inner.end_column) <= (outer.end_line, outer.end_column))


def _reset_loop(subject: Subject) -> list[Edit] | None:
    """``model.reset_states()`` -> a loop that resets each stateful layer (Keras 3 has no model-level reset)."""
    call, model = subject.call, subject.model
    if call is None or model is None or model.var is None or model.kind == "subclass":
        return None  # a subclassed model's var is its class: the instance's name is not known here
    s = call.span
    var = model.var
    if call.statement:
        indent = " " * (s.column - 1)
        text = (f"for layer in {var}.layers:\n{indent}    if getattr(layer, \"stateful\", False):\n"
                f"{indent}        layer.reset_state()")
    else:
        text = f"[layer.reset_state() for layer in {var}.layers if getattr(layer, \"stateful\", False)]"
    return [Edit(s.line, s.column, s.end_line, s.end_column, text)]
