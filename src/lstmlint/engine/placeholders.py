"""Which `{placeholders}` a rule's message and fix may use, checked when the rule loads.

A placeholder is either a value the rule's subject always provides (``evaluate.make_finding``) or a binding that
a predicate of the match adds when it holds (``predicates.py``, and the checks ``rule_checks.py`` lists). A
misspelt one (`{layr}`) would print ``?`` in every finding; a malformed one (`{layer`) or an attribute access
(`{layer.__class__}`) would fail or leak when formatted. Both are load errors instead.
"""

from __future__ import annotations

import difflib
import string
from typing import Any

# What evaluate.make_finding sets for every finding of a subject (`{model}` only when the subject is in a model).
SUBJECT_VALUES: dict[str, tuple[str, ...]] = {
    "layer": ("layer", "class", "units", "model", "model_var"),
    "call": ("method", "model", "model_var"),
    "import": (),
}
# What each predicate binds when it holds. A negated clause lends nothing, and a hop (`feeds`, `fed-by`) lends
# only the layer it reached: its inner match is evaluated on that other layer.
PREDICATE_BINDINGS: dict[str, tuple[str, ...]] = {
    "arg": ("arg", "value"),
    "call-arg": ("arg", "value"),
    "unknown-arg": ("arg", "args", "count", "suggestion"),
    "feeds": ("next",),
    "fed-by": ("previous",),
    "output-unpacked": ("next",),
    "direct-input": ("input_text",),
    "input-entries": ("entries", "input_shape"),
    "input-tag": ("input_text",),
    "timesteps": ("timesteps",),
    "units-match-timesteps": ("timesteps",),
    "data-rank-mismatch": ("data_shape", "expected", "reads", "needs", "reshape"),
    "data-shape-mismatch": ("data_shape", "expected", "hint"),
    "samples-not-divisible": ("samples", "batch", "remainder"),
    "batch-size-mismatch": ("batch_size", "batch", "advice"),
    "imports": ("name",),
    "mixed-distribution": ("first", "first_line", "second", "built"),
    "cudnn-blockers": ("blockers",),
    "extra-axis": ("input_text", "extra"),
    "two-d-source": ("previous", "input_shape", "hint"),
    "fit-target-without-time-axis": ("target_shape",),
    "target-has-time-axis": ("output_shape", "target_shape", "horizon", "features"),
    "validation-split-short-batch": ("samples", "split", "train", "held", "batch", "short", "fit_train"),
    "initial-state-mismatch": ("source", "widths", "count", "wanted", "problem", "width"),
    "time-distributed-rank-short": ("input_shape", "inner_shape", "inner", "needed", "wanted_shape"),
    "return-state-ends-sequential": ("method",),
}
MODEL_BINDINGS: dict[str, tuple[str, ...]] = {  # the `model` predicate binds by key
    "fixed-batch": ("batch",),
    "output-rank": ("output_shape",),
    "fit-target-rank": ("target_shape",),
}


def available(subject: str, match: dict[str, Any]) -> set[str]:
    """Every placeholder a finding of this rule can fill."""
    return set(SUBJECT_VALUES.get(subject, ())) | _bound(match)


def _bound(clause: Any) -> set[str]:
    names: set[str] = set()
    if not isinstance(clause, dict):
        return names
    for key, spec in clause.items():
        if key in ("all", "any") and isinstance(spec, list):
            for inner in spec:
                names |= _bound(inner)
        elif key == "model" and isinstance(spec, dict):
            for part in spec:
                names.update(MODEL_BINDINGS.get(part, ()))
        else:
            names.update(PREDICATE_BINDINGS.get(key, ()))
    return names


def templates(data: dict[str, Any]) -> list[tuple[str, str]]:
    """(where, text) of every text of a rule that is formatted with the finding's values."""
    found = [("message", data["message"])]
    if "note" in data:
        found.append(("note", data["note"]))
    fix = data.get("fix") or {}
    if "description" in fix:
        found.append(("fix/description", fix["description"]))
    for key in ("from", "to"):
        if key in fix.get("rename-arg", {}):
            found.append((f"fix/rename-arg/{key}", fix["rename-arg"][key]))
    if isinstance(fix.get("move-input-shape"), dict):
        found.append(("fix/move-input-shape/description", fix["move-input-shape"]["description"]))
    if "to" in fix.get("replace-class", {}):
        found.append(("fix/replace-class/to", fix["replace-class"]["to"]))
    return found


def problem(text: str, known: set[str]) -> str | None:
    """Why ``text`` cannot be formatted with the values ``known`` (None when it can)."""
    try:
        fields = [(name, spec, conversion) for _, name, spec, conversion in string.Formatter().parse(text)
                  if name is not None]
    except ValueError as error:
        return f"malformed placeholder ({error}); write a literal brace as {{{{ or }}}}"
    for name, spec, conversion in fields:
        if not name.isidentifier():
            return (f"placeholder {{{name}}} is not a plain name; messages use only names like {{layer}} "
                    "(no positions, attributes or indexes)")
        if spec or conversion:
            return f"placeholder {{{name}}} has a format or conversion; write it as {{{name}}}"
        if name not in known:
            close = difflib.get_close_matches(name, sorted(known), 1, 0.6)
            hint = f" (did you mean {{{close[0]}}}?)" if close else ""
            return (f"unknown placeholder {{{name}}}{hint}; this rule can use "
                    + ", ".join(f"{{{k}}}" for k in sorted(known)))
    return None
