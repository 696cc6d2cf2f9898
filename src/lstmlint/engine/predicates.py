"""The generic predicates that rule files compose with all / any / not (the logic is in ``logic.py``; the
checks that each serve one rule are in ``rule_checks.py``).

Every predicate answers True, False or None (not known). A rule fires only when its whole match is True, so a
predicate that needs an unknown value answers None and the rule stays silent: no finding rests on a guess.
Predicates may add bindings (``{next}``, ``{timesteps}``…) that the rule's message uses.
"""

from __future__ import annotations

import operator
from typing import Any, Callable

from lstmlint.engine.loader import name_regex
from lstmlint.engine.logic import Tri, compile_clause, conjunction
from lstmlint.engine.rule_checks import RULE_CHECKS
from lstmlint.engine.subject import (Subject, declaration, derived_from_input, fit_targets, fixed_batch,
                                     format_shape, input_layer, input_shape, is_stateful, model_output, names,
                                     timesteps_dim)
from lstmlint.ir import NDARRAY, Value, arg_value, effective, label
from lstmlint.shape_args import dim
from lstmlint.unknown import UNKNOWN

# Defaults of the arguments rules look at (Keras 3 and tf.keras 2 agree on these; keras-facts §1).
DEFAULTS: dict[str, Any] = {
    "return_sequences": False,
    "return_state": False,
    "stateful": False,
    "go_backwards": False,
    "unroll": False,
    "use_bias": True,
    "activation": "tanh",
    "recurrent_activation": "sigmoid",
    "dropout": 0.0,
    "recurrent_dropout": 0.0,
    "merge_mode": "concat",
    "use_cudnn": "auto",
    "shuffle": True,
}


# ---------------------------------------------------------------------------------------------- comparisons


def _number(x: Any) -> bool:
    return isinstance(x, (int, float)) and not isinstance(x, bool)


def _matches_constant(value: Value, expected: Any) -> bool:
    if value.kind == "symbol" and isinstance(expected, str):
        return value.const.rsplit(".", 1)[-1] == expected
    return value.kind == "const" and type(value.const) is type(expected) and value.const == expected or (
        value.kind == "const" and _number(value.const) and _number(expected) and value.const == expected)


def compare(value: Value, spec: dict[str, Any]) -> Tri:
    """eq / ne / in / not-in / gt / ge / lt / le against a value; None when the value is not known."""
    if not value.known:
        return None
    raw = value.py()
    if "eq" in spec and not _matches_constant(value, spec["eq"]):
        return False
    if "ne" in spec and _matches_constant(value, spec["ne"]):
        return False
    if "in" in spec and not any(_matches_constant(value, e) for e in spec["in"]):
        return False
    if "not-in" in spec and any(_matches_constant(value, e) for e in spec["not-in"]):
        return False
    for key, test in _ORDERINGS:
        if key in spec:
            if not _number(raw):
                return False
            if not test(raw, spec[key]):
                return False
    return True


_ORDERINGS = (("gt", operator.gt), ("ge", operator.ge), ("lt", operator.lt), ("le", operator.le))


def compare_int(got: Any, spec: Any) -> Tri:
    """Compare an int / None (dynamic) / UNKNOWN with a plain value or a comparison object."""
    if got is UNKNOWN:
        return None
    if not isinstance(spec, dict):
        return got == spec
    return compare(Value.of(got), spec)


# ---------------------------------------------------------------------------------------------- clauses


def compile_match(clause: dict[str, Any]) -> Callable[[Subject], Tri]:
    """A rule's match as nested closures, built once per rule."""
    return compile_clause(clause, PREDICATES)


def evaluate(clause: dict[str, Any], subject: Subject) -> Tri:
    """One clause on one subject (the ``match`` and ``through`` of a hop, on each layer it reaches)."""
    return compile_clause(clause, PREDICATES)(subject)


# ---------------------------------------------------------------------------------------------- layers


def p_class(spec: Any, subject: Subject) -> Tri:
    return subject.layer is not None and subject.layer.cls in names(spec)


def p_family(spec: Any, subject: Subject) -> Tri:
    if subject.layer is None:
        return False
    return effective(subject.layer).family in names(spec)


def p_qualname_prefix(spec: Any, subject: Subject) -> Tri:
    """The import path the class was reached through (``tensorflow.compat.v1.keras.layers.CuDNNLSTM``)."""
    if subject.layer is None:
        return False
    return any(subject.layer.qualname == p or subject.layer.qualname.startswith(p + ".") for p in names(spec))


def p_wrapped(spec: bool, subject: Subject) -> Tri:
    return (subject.parent is not None) == spec


def p_in_model(spec: bool, subject: Subject) -> Tri:
    return subject.in_graph() == spec


def p_target(spec: int, subject: Subject) -> Tri:
    return subject.target == spec


NO_DEFAULT: Any = object()  # an argument with no default that rules know of (not an unknown value)


def arg_default(spec: dict[str, Any]) -> Any:
    """The value an ``arg`` / ``call-arg`` test reads for an absent argument: the spec's ``default``, else the
    Keras default in DEFAULTS, else NO_DEFAULT."""
    return spec.get("default", DEFAULTS.get(spec["name"], NO_DEFAULT))


_DEFAULT_VALUES: dict[tuple[type, str], Value] = {}


def _default_value(default: Any) -> Value:
    """A default as a Value, made once per default (predicates only read values)."""
    key = (type(default), repr(default))
    value = _DEFAULT_VALUES.get(key)
    if value is None:
        value = _DEFAULT_VALUES[key] = Value.of(default, text=key[1])
    return value


def _arg_test(value: Value | None, spec: dict[str, Any], subject: Subject) -> Tri:
    name = spec["name"]
    present = value is not None
    if "present" in spec and present != spec["present"]:
        return False
    if value is None:
        default = arg_default(spec)
        if default is NO_DEFAULT:
            return None if any(k not in ("name", "present") for k in spec) else True
        value = _default_value(default)
    subject.bindings.setdefault("arg", name)
    subject.bindings.setdefault("value", value.text or repr(value.py()))
    if "is" in spec:
        if value.kind != "const":
            return None
        if bool(value.const) != spec["is"]:
            return False
    if "positive-int" in spec:
        if value.kind != "const":
            return None
        ok = isinstance(value.const, int) and not isinstance(value.const, bool) and value.const > 0
        if ok != spec["positive-int"]:
            return False
    if "name-matches" in spec:  # RE2: linear in the name's length, whatever the pattern
        if value.name is None or not name_regex(spec["name-matches"]).search(value.name):
            return False
    comparison = {k: v for k, v in spec.items() if k in ("eq", "ne", "in", "not-in", "gt", "ge", "lt", "le")}
    if comparison:
        return compare(value, comparison)
    return True


def p_arg(spec: dict[str, Any], subject: Subject) -> Tri:
    if subject.layer is None:
        return False
    return _arg_test(arg_value(subject.layer, spec["name"]), spec, subject)


def p_call_arg(spec: dict[str, Any], subject: Subject) -> Tri:
    if subject.call is None:
        return False
    if subject.call.has_star_args and spec["name"] not in subject.call.args:
        return None
    found = subject.call.args.get(spec["name"])
    return _arg_test(found.value if found else None, spec, subject)


def _walk(subject: Subject, spec: dict[str, Any], forward: bool) -> Tri:
    """Follow edges from the subject, skipping layers that match ``through``, until one matches ``match``."""
    if not subject.in_graph():
        return False
    assert subject.model is not None and subject.index is not None
    result: Tri = False
    seen: set[int] = set()
    frontier = [subject.index]
    while frontier:
        current = frontier.pop()
        if forward:
            nexts = [i for i, index in subject.consumers().get(current, []) if index in (None, 0)]
        else:
            nexts = [ref.layer for ref in subject.model.layers[current].inputs]
        for candidate in nexts:
            if candidate in seen:
                continue
            seen.add(candidate)
            other = subject.at(candidate)
            if other.layer is not None and other.layer.family == "unknown":
                result = None
                continue
            outcome = evaluate(spec["match"], other)
            if outcome is True:
                subject.bindings.setdefault("next" if forward else "previous", label(other.layer))
                return True
            if outcome is None:
                result = None
            if "through" in spec and evaluate(spec["through"], other) is True:
                frontier.append(candidate)
    return result


def p_feeds(spec: dict[str, Any], subject: Subject) -> Tri:
    return _walk(subject, spec, True)


def p_fed_by(spec: dict[str, Any], subject: Subject) -> Tri:
    return _walk(subject, spec, False)


def p_direct_input(spec: bool, subject: Subject) -> Tri:
    producer = input_layer(subject)
    if producer is not None:
        declared = declaration(producer)
        if declared is not None:
            subject.bindings.setdefault("input_text", declared.text)
    return (producer is not None) == spec


def p_input_entries(spec: Any, subject: Subject) -> Tri:
    shape = input_shape(subject)
    if shape is None:
        return None
    entries = len(shape) - 1
    subject.bindings.setdefault("entries", entries)
    subject.bindings.setdefault("input_shape", format_shape(shape[1:]))
    return compare_int(entries, spec)


def p_timesteps(spec: Any, subject: Subject) -> Tri:
    steps = timesteps_dim(subject)
    if steps is None:
        return None
    got = dim(steps)
    subject.bindings.setdefault("timesteps", "None" if got is None else got)
    held = compare_int(got, spec)
    if held:
        derived_from_input(subject)
    return held


# ---------------------------------------------------------------------------------------------- models


def p_model(spec: dict[str, Any], subject: Subject) -> Tri:
    """Each key a test of the subject's model, all of which must hold."""
    model = subject.model
    if model is None or (subject.layer is not None and not subject.in_graph() and subject.parent is None):
        return False
    return conjunction(_model_test(key, expected, subject) for key, expected in spec.items())


def _model_test(key: str, expected: Any, subject: Subject) -> Tri:
    model = subject.model
    assert model is not None
    if key == "kind":
        return model.kind in names(expected)
    if key == "stateful":
        stateful = is_stateful(model)
        return None if stateful is None else stateful == expected
    if key == "fixed-batch":
        fixed, size = fixed_batch(model)
        if fixed:
            subject.bindings.setdefault("batch", size)
        return None if fixed is None else fixed == expected
    if key == "output-rank":
        return _output_rank(subject, expected)
    if key == "ends-with":
        last = [model.layers[r.layer] for r in model.outputs]
        return bool(last) and all(layer.cls in names(expected) for layer in last)
    if key == "fit-target-rank":
        return _fit_target_rank(subject, expected)
    if key == "reset":
        reset = subject.module.reset_calls > 0 or any(c.method.startswith("reset_state") for c in model.calls)
        return reset == expected
    raise KeyError(key)


def _output_rank(subject: Subject, spec: Any) -> Tri:
    shape = model_output(subject)
    if shape is None:
        return None
    subject.bindings.setdefault("output_shape", format_shape(shape, batch=True))
    return compare_int(len(shape), spec)


def _fit_target_rank(subject: Subject, spec: Any) -> Tri:
    """The rank of ``y`` in a fit / train_on_batch call whose target is a known array."""
    for target in fit_targets(subject):
        subject.bindings.setdefault("target_shape", format_shape(target, batch=True))
        if compare_int(len(target), spec):
            return True
    return None


# ---------------------------------------------------------------------------------------------- calls


def p_method(spec: Any, subject: Subject) -> Tri:
    return subject.call is not None and subject.call.method in names(spec)


def p_receiver(spec: str, subject: Subject) -> Tri:
    return subject.call is not None and subject.call.target == spec


def p_data_tag(spec: Any, subject: Subject) -> Tri:
    if subject.call is None:
        return False
    data = subject.call.args.get("x") or subject.call.args.get("generator")
    if data is None:
        return False
    # an array of known shape is an array too; anything not known to be one of the tags is False
    tag = "array" if data.value.kind == "array" or data.value.tag == NDARRAY else data.value.tag
    return tag in names(spec)


# ---------------------------------------------------------------------------------------------- imports


def p_imports(spec: Any, subject: Subject) -> Tri:
    if subject.imp is None:
        return False
    wanted = set(names(spec))
    hit = [n for n in subject.imp.names if n in wanted] or [
        p for p in subject.imp.module.split(".") if p in wanted]
    if hit:
        subject.bindings.setdefault("name", hit[0])
    return bool(hit)


PREDICATES: dict[str, Callable[[Any, Subject], Tri]] = {
    "class": p_class,
    "family": p_family,
    "wrapped": p_wrapped,
    "qualname-prefix": p_qualname_prefix,
    "in-model": p_in_model,
    "target": p_target,
    "arg": p_arg,
    "call-arg": p_call_arg,
    "feeds": p_feeds,
    "fed-by": p_fed_by,
    "direct-input": p_direct_input,
    "input-entries": p_input_entries,
    "timesteps": p_timesteps,
    "model": p_model,
    "method": p_method,
    "receiver": p_receiver,
    "data-tag": p_data_tag,
    "imports": p_imports,
    **RULE_CHECKS,
}
