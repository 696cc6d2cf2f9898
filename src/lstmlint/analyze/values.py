"""Static values of expressions: literals, names whose reaching bindings agree, tuples, simple arithmetic,
``X.shape``.

Anything else is ``Value.unknown``: rules that need an unknown value stay silent.
"""

from __future__ import annotations

from typing import Callable

import libcst as cst

from lstmlint.analyze import arrays, returns
from lstmlint.analyze.imports import ImportTable, dotted, keras_distribution
from lstmlint.analyze.reach import Binding, Flow, Scope
from lstmlint.analyze.value_helpers import (MAX_ITEMS, MAX_STRING, TOO_LARGE, head_of, imported_only, literal_of,
                                            names_line, renamed, signature, size_of, unknown_at)
from lstmlint.analyze.value_operations import BINOPS, Operations
from lstmlint.ir import Value

# A value read through more bindings than this (`x = x + 1` on 400 lines, each reading the one before) is
# unknown: evaluation recurses once per binding.
MAX_CHAIN = 100


class Evaluator(Operations):
    """Evaluates expressions; a name's value comes from the bindings that reach the read (``flow``), each
    binding evaluated once."""

    def __init__(self, imports: ImportTable, code_of: Callable[[cst.CSTNode], str], flow: Flow,
                 line_of: Callable[[cst.CSTNode], int | None] | None = None) -> None:
        self.imports = imports
        self.full_code_of = code_of  # libcst codegen: exact but costly, kept for the rare concatenated string
        self.flow = flow
        self.line_of = line_of or (lambda node: None)  # the line of a call, def or for; None for other nodes
        self._active: set[int] = set()
        self._memo: dict[int, Value] = {}
        self.project = None  # the project's own constants (project_constants.ProjectConstants), when known
        # a function analysed for one call of it: its parameters' bindings -> the values that call gives
        self.given: dict[int, Value] = {}
        # a class's methods analysed: `self.x` -> the value __init__ sets (see classes.py), read where `self` is
        # bound by the parameter binding `attributes_self`
        self.attributes: dict[str, Value] = {}
        self.attributes_self: set[int] = set()
        self.calling: list[cst.FunctionDef] = []  # the file's functions whose return value is being evaluated
        self._bound_names: frozenset[str] | None = None

    def enter(self, given: dict[int, Value], attributes: dict[str, Value] | None = None,
              attributes_self: set[int] | None = None, nested: bool = False) -> tuple:
        """Evaluate with these parameter values (and `self.` attributes) until ``leave``: every binding is
        evaluated afresh, since what a binding gives may depend on them. ``nested``: entered in the middle of an
        evaluation (a call's return value), whose chain of bindings still counts towards MAX_CHAIN."""
        saved = (self.given, self._memo, self._active, self.attributes, self.attributes_self)
        self.given = {**self.given, **given}
        self._memo, self._active = {}, set(self._active) if nested else set()
        if attributes is not None:
            self.attributes, self.attributes_self = attributes, attributes_self or set()
        return saved

    def leave(self, saved: tuple) -> None:
        self.given, self._memo, self._active, self.attributes, self.attributes_self = saved

    def unknown(self, reason: str, node: cst.CSTNode | None, text: str = "", tag: str | None = None,
                name: str | None = None) -> Value:
        """``Value.unknown`` whose reason names the line of ``node`` (a call, a ``def``, a ``for``), where the
        value became unknown: what explain and the editor's hover print. See :func:`unknown_at`."""
        return unknown_at(reason, self.line_of(node) if node is not None else None, text, tag, name)

    def resolve(self, node: cst.BaseExpression, scope: Scope) -> str | None:
        """The dotted path a callee (or a class's base) names: through the imports, or through names bound to
        such a path (``RNN = keras.layers.LSTM``, ``L = keras.layers`` then ``L.LSTM``, ``self.cls = LSTM`` set
        in ``__init__``, a parameter given a class by the call analysed) when every binding that reaches the
        read agrees. None for anything else, and for a name a local binding (a parameter, a loop variable)
        makes something else than the import."""
        head = head_of(node)
        if head is None:
            return None
        if head.value not in self.bound_names():  # the common case: a name only imports bind
            return self.imports.resolve(node)
        bindings = self.flow.bindings_at(head, scope)
        if imported_only(bindings):
            return self.imports.resolve(node)
        if not self._may_alias(node, bindings):  # type: ignore[arg-type]
            return None
        value = self.evaluate(node, scope)
        # only Keras's own classes, functions and modules: `config = wandb.config` makes `config.x` another
        # library's attribute, set at run time, never a path to read as a constant
        return value.const if value.kind == "symbol" and isinstance(value.const, str) and keras_distribution(
            value.const) else None

    def bound_names(self) -> frozenset[str]:
        """The names some scope of the file binds otherwise than by an import (the flow pass keeps imports
        apart): any other name is read through the import table."""
        if self._bound_names is None:
            scopes = [self.flow.module_scope, *self.flow.scopes.values()]
            self._bound_names = frozenset(name for scope in scopes for name in scope.bindings)
        return self._bound_names

    def _may_alias(self, node: cst.BaseExpression, bindings: list[Binding]) -> bool:
        """Whether a name may hold a Keras class or module: each binding reaching its head assigns a dotted
        name or is a parameter the call being analysed gives a value; or it is a ``self.x`` __init__ sets.
        Only these are evaluated: a callee's receiver (``df.copy()``, ``model.fit``) never is."""
        if self.attributes and type(node) is cst.Attribute and type(node.value) is cst.Name \
                and f"{node.value.value}.{node.attr.value}" in self.attributes:
            return True
        return all(id(b) in self.given or (b.kind == "assign" and not b.index and type(b.value) in (
            cst.Name, cst.Attribute)) for b in bindings)

    def name_value(self, node: cst.Name, scope: Scope) -> Value:
        name = node.value
        bindings = self.flow.bindings_at(node, scope)
        # a function's read of a name the module binds only by imports is the import's, as at module level
        if not bindings or all(binding.kind == "import" for binding in bindings):
            resolved = self.imports.resolve_name(name)
            constant = self.project.value(resolved, name) if resolved and self.project is not None else None
            if constant is not None:
                return renamed(constant, name)
            if resolved:
                return Value("symbol", const=resolved, text=name, name=name)
            return Value.unknown(f"`{name}` is not defined in this file", text=name, name=name)
        given = self.given
        kinds = {"assign" if id(binding) in given else binding.kind for binding in bindings}
        if kinds != {"assign"}:
            told = next((b for b in bindings if b.kind == "other" and b.why), None)
            if "absent" in kinds or "import" in kinds:
                reason = f"`{name}` is not bound the same way on every path"
            elif told is not None:
                return self.unknown(f"`{name}` is {told.why}", told.at, text=name, name=name)
            else:
                reason = f"`{name}` is bound by something whose value is not followed (a parameter, a loop, " \
                         f"`+=`, `del`, an exception…)"
            return Value.unknown(reason, text=name, name=name)
        values = [self.binding_value(binding, name) for binding in bindings]
        if len(values) > 1:
            first = signature(values[0])
            if first is None or any(signature(v) != first for v in values[1:]):
                return Value.unknown(f"`{name}` is bound differently on different paths", text=name, name=name)
        return renamed(values[0], name)

    def binding_value(self, binding: Binding, name: str) -> Value:
        key = id(binding)
        if key in self.given:
            return self.given[key]
        known = self._memo.get(key)
        if known is not None:
            return known
        if key in self._active:
            return Value.unknown(f"`{name}` refers to itself", text=name, name=name)
        if len(self._active) >= MAX_CHAIN:
            return Value.unknown(f"`{name}` is read through more than {MAX_CHAIN} bindings", text=name, name=name)
        scope = binding.scope
        assert binding.value is not None and scope is not None
        self._active.add(key)
        try:
            value = self.evaluate(binding.value, scope)
        finally:
            self._active.discard(key)
        for i in binding.index:
            if value.kind == "tuple" and i < len(value.items):
                value = value.items[i]
            else:
                value = Value.unknown(f"`{name}` comes from an unpacking that is not known")
                break
        value = self._assigned_reason(value, name, binding.value)
        if (id(scope), name) in self.flow.mutated and not (
                arrays.is_array_like(value) and (id(scope), name) not in self.flow.reshaped):
            # a numpy array changes shape in place only through resize() or `.shape =`: the name's other
            # in-place changes (`X.append` while it held a list) leave the array this binding makes as it is
            value = Value.unknown(f"`{name}` is changed in place", text=name, name=name)
        self._memo[key] = value
        return value

    def _assigned_reason(self, value: Value, name: str, assigned: cst.BaseExpression | None) -> Value:
        """An unknown value assigned from a call gets the call's line: "`X` is loaded from a file at line 12"."""
        if value.kind != "unknown" or names_line(value.reason) or not isinstance(assigned, cst.Call):
            return value
        line = self.line_of(assigned)
        if line is None:
            return value
        func = assigned.func
        callee = self.imports.resolve(func) or dotted(func) or (func.attr.value if type(func) is cst.Attribute
                                                                 else "a call")
        if callee.rpartition(".")[2] in _LOADERS:
            reason = f"`{name}` is loaded from a file at line {line}"
        else:
            reason = f"`{name}` is the result of `{callee.rpartition('.')[2]}(…)` at line {line}, not known statically"
        return Value("unknown", reason=reason, text=value.text, tag=value.tag, name=value.name)

    def code_of(self, node: cst.CSTNode) -> str:
        """Source text for messages where it is cheap (names, literals, dotted names); the analyzer puts the
        exact text of each call argument from the source itself."""
        if isinstance(node, (cst.Name, cst.Integer, cst.Float, cst.SimpleString)):
            return node.value
        if isinstance(node, cst.ConcatenatedString):
            return self.full_code_of(node)
        return dotted(node) or ""  # type: ignore[arg-type]

    def evaluate(self, node: cst.BaseExpression, scope: Scope) -> Value:
        if type(node) is cst.AugAssign:  # the value of a name an augmented assignment binds (see flow_stores)
            return self._augmented(node, scope)  # type: ignore[arg-type]
        text = self.code_of(node)
        if isinstance(node, (cst.Integer, cst.Float, cst.SimpleString, cst.ConcatenatedString)):
            try:
                literal = literal_of(node, text)
            except (ValueError, SyntaxError):
                return Value.unknown("not a literal", text)
            # bytes would break the IR's JSON round trip and no rule needs them
            if isinstance(literal, bytes):
                return Value.unknown("a bytes literal", text)
            if isinstance(literal, str) and len(literal) > MAX_STRING:
                return Value.unknown("a string too long to follow", text)
            return Value.of(literal, text)
        if isinstance(node, cst.Name):
            if node.value in ("True", "False", "None"):
                return Value.of({"True": True, "False": False, "None": None}[node.value], text)
            return self.name_value(node, scope)
        if isinstance(node, (cst.Tuple, cst.List)):
            if len(node.elements) >= MAX_ITEMS:
                return Value.unknown(TOO_LARGE, text)
            items = []
            size = 1
            for element in node.elements:
                item = self.evaluate(element.value, scope)
                size += size_of(item, MAX_ITEMS - size)
                if size > MAX_ITEMS:
                    return Value.unknown(TOO_LARGE, text)
                if isinstance(element, cst.StarredElement):
                    if item.kind != "tuple":  # `(None, *x.shape[1:])`: spliced when its items are known
                        told = f": {item.reason}" if item.kind == "unknown" and names_line(item.reason) else ""
                        return Value.unknown(f"starred element{told}", text)
                    items.extend(item.items)
                else:
                    items.append(item)
            return Value("tuple", items=items, text=text)
        if isinstance(node, cst.UnaryOperation) and isinstance(node.operator, (cst.Minus, cst.Plus)):
            inner = self.evaluate(node.expression, scope)
            if inner.kind == "const" and isinstance(inner.const, (int, float)) and not isinstance(inner.const, bool):
                sign = -1 if isinstance(node.operator, cst.Minus) else 1
                return Value.of(sign * inner.const, text)
            return Value.unknown("unary operation on an unknown value", text)
        if isinstance(node, cst.UnaryOperation) and isinstance(node.operator, cst.Not):
            inner = self.evaluate(node.expression, scope)
            if inner.kind == "const":
                return Value.of(not inner.const, text)
            return Value.unknown("negation of an unknown value", text)
        if isinstance(node, cst.BinaryOperation) and type(node.operator) in BINOPS:
            return self._binary(node, scope, text)
        if isinstance(node, cst.Attribute):
            return self._attribute(node, scope, text)
        if isinstance(node, cst.Subscript):
            return self._subscript(node, scope, text)
        if isinstance(node, cst.Call):
            made = arrays.evaluate_call(self, node, scope, text)
            if made is not None:
                return made
            given = returns.returned(self, node, scope)
            if given:
                first = signature(given[0])
                if len(given) == 1 or first is not None and all(signature(v) == first for v in given[1:]):
                    return given[0]
            return arrays.array_of_unknown_shape(self, node, scope, text) or self._unknown_call(node, scope, text)
        return Value.unknown("not a constant expression", text)


# Callees whose result is data read from a file (the last part of the resolved name)
_LOADERS = {"load", "loadtxt", "genfromtxt", "fromfile", "read_csv", "read_excel", "read_parquet", "read_json",
            "read_pickle", "read_table", "read_hdf", "read_feather", "load_data", "File", "imread"}
