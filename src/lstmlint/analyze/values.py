"""Static values of expressions: literals, names whose reaching bindings agree, tuples, simple arithmetic,
``X.shape``.

Anything else is ``Value.unknown``: rules that need an unknown value stay silent.
"""

from __future__ import annotations

import ast
import operator
import re
from typing import Callable

import libcst as cst

from lstmlint.analyze import arrays, returns
from lstmlint.analyze.imports import ImportTable, dotted, keras_distribution
from lstmlint.analyze.reach import UNKNOWN, Binding, Flow, Scope
from lstmlint.ir import Value

_BINOPS: dict[type, Callable] = {
    cst.Add: operator.add,
    cst.Subtract: operator.sub,
    cst.Multiply: operator.mul,
    cst.FloorDivide: operator.floordiv,
    cst.Divide: operator.truediv,
    cst.Modulo: operator.mod,
}


_AUGMENTED: dict[type, type] = {
    cst.AddAssign: cst.Add,
    cst.SubtractAssign: cst.Subtract,
    cst.MultiplyAssign: cst.Multiply,
    cst.FloorDivideAssign: cst.FloorDivide,
    cst.DivideAssign: cst.Divide,
    cst.ModuloAssign: cst.Modulo,
}


# Bounds on what one expression may evaluate to: a literal or a computed tuple (nested items counted) past
# MAX_ITEMS, or a string past MAX_STRING characters, is unknown. Shapes and arguments are small; without a
# bound, `t1 = t0 + t0` repeated doubles the work and memory at every line.
MAX_ITEMS = 1_000
MAX_STRING = 10_000
# A value read through more bindings than this (`x = x + 1` on 400 lines, each reading the one before) is
# unknown: evaluation recurses once per binding.
MAX_CHAIN = 100


class Evaluator:
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
        head = _head(node)
        if head is None:
            return None
        if head.value not in self.bound_names():  # the common case: a name only imports bind
            return self.imports.resolve(node)
        bindings = self.flow.bindings_at(head, scope)
        if _imported(bindings):
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
                return _renamed(constant, name)
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
            first = _signature(values[0])
            if first is None or any(_signature(v) != first for v in values[1:]):
                return Value.unknown(f"`{name}` is bound differently on different paths", text=name, name=name)
        return _renamed(values[0], name)

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
                literal = _literal(node, text)
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
        if isinstance(node, cst.BinaryOperation) and type(node.operator) in _BINOPS:
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
                first = _signature(given[0])
                if len(given) == 1 or first is not None and all(_signature(v) == first for v in given[1:]):
                    return given[0]
            return arrays.array_of_unknown_shape(self, node, scope, text) or self._unknown_call(node, scope, text)
        return Value.unknown("not a constant expression", text)

    def _augmented(self, node: cst.AugAssign, scope: Scope) -> Value:
        """`x /= 255` of a numpy array: the array's shape (numpy's in-place operations keep it or raise);
        `n += 1` of a number and a number: the number."""
        target: cst.Name = node.target  # type: ignore[assignment]
        before = self.evaluate(target, scope)
        operand = self.evaluate(node.value, scope)
        if arrays.is_array_like(before):
            return Value(before.kind, items=list(before.items), tag=before.tag, reason=before.reason,
                         text=target.value)
        binary = _AUGMENTED.get(type(node.operator))
        numbers = (int, float)
        if binary is not None and before.kind == operand.kind == "const" and type(before.const) in numbers \
                and type(operand.const) in numbers:
            try:
                result = _BINOPS[binary](before.const, operand.const)
            except (ZeroDivisionError, OverflowError):
                result = None
            if isinstance(result, (int, float)) and abs(result) < 2**63:
                return Value.of(result, target.value)
        return Value.unknown(f"`{target.value}` is changed by an augmented assignment (`{target.value} "
                             f"{node.operator.__class__.__name__.replace('Assign', '')}=`)", target.value)

    def _unknown_call(self, node: cst.Call, scope: Scope, text: str) -> Value:
        """`len(chars)` of data: the reason says where the data comes from ("`chars` is the result of
        `sorted(…)` at line 46"), when the argument's reason names it."""
        func = node.func
        if type(func) is cst.Name and len(node.args) == 1 and not node.args[0].star and scope.lookup(
                func.value) is None and self.resolve(func, scope) is None:
            inner = self.evaluate(node.args[0].value, scope)
            if inner.kind == "unknown" and names_line(inner.reason):
                root = inner.reason.rpartition(" of data: ")[2]  # `len(sorted(set(text)))`: once
                return Value.unknown(f"`{func.value}(…)` of data: {root}", text)
        return Value.unknown("not a constant expression", text)

    def _binary(self, node: cst.BinaryOperation, scope: Scope, text: str) -> Value:
        left = self.evaluate(node.left, scope)
        right = self.evaluate(node.right, scope)
        if left.kind == "tuple" and right.kind == "tuple" and isinstance(node.operator, cst.Add):
            if size_of(left, MAX_ITEMS) + size_of(right, MAX_ITEMS) > MAX_ITEMS:
                return Value.unknown(TOO_LARGE, text)
            return Value("tuple", items=left.items + right.items, text=text)
        numbers = (int, float)
        if (
            left.kind == right.kind == "const"
            and isinstance(left.const, numbers)
            and isinstance(right.const, numbers)
            and not isinstance(left.const, bool)
            and not isinstance(right.const, bool)
        ):
            try:
                result = _BINOPS[type(node.operator)](left.const, right.const)
            except (ZeroDivisionError, OverflowError):
                return Value.unknown("arithmetic error", text)
            if isinstance(result, (int, float)) and abs(result) < 2**63:
                return Value.of(result, text)
        made = arrays.arithmetic(self, node, left, right, scope, text)
        if made is not None:
            return made
        told = next((v.reason for v in (left, right) if v.kind == "unknown" and v.reason), "")
        return Value.unknown(told or "arithmetic on unknown values", text)

    def _attribute(self, node: cst.Attribute, scope: Scope, text: str) -> Value:
        if self.attributes and type(node.value) is cst.Name:
            known = self.attributes.get(f"{node.value.value}.{node.attr.value}")
            if known is not None:
                bindings = self.flow.bindings_at(node.value, scope)
                if bindings and len(bindings) == 1 and id(bindings[0]) in self.attributes_self:
                    return _renamed(known, f"{node.value.value}.{node.attr.value}")
        if node.attr.value == "shape":
            base_name = dotted(node.value)
            base = self.evaluate(node.value, scope)
            if base.kind == "array":
                return Value("tuple", items=list(base.items), text=text, tag="array-shape", name=base_name)
            told = f", and {base.reason}" if base.kind == "unknown" and names_line(base.reason) else ""
            shown = base_name or self.full_code_of(node.value)
            return Value.unknown(f"the shape of `{shown}`{told}", text, tag="array-shape", name=base_name)
        head = _head(node)
        aliased = head is not None and head.value in self.bound_names() and not _imported(
            self.flow.bindings_at(head, scope))
        if not aliased:
            resolved = self.imports.resolve(node)
        else:  # `L.LSTM` where `L = keras.layers`: the path the base names, when it names one
            base = self.resolve(node.value, scope)
            resolved = f"{base}.{node.attr.value}" if base else None
        constant = self.project.value(resolved, text) if resolved and self.project is not None else None
        if constant is not None:
            return constant
        if resolved is not None:
            return Value("symbol", const=resolved, text=text)
        if node.attr.value in ("values", "T"):  # `df.values`, `x.T`
            made = arrays.attribute(self.evaluate(node.value, scope), node.attr.value, text)
            if made is not None:
                return made
        if aliased and type(node.value) is cst.Name:
            return self._attribute_reason(node, scope, text)
        return Value.unknown("attribute of an unknown object", text)

    def _attribute_reason(self, node: cst.Attribute, scope: Scope, text: str) -> Value:
        """`args.units` of `args = parser.parse_args()`, `config.units` of `config = wandb.config`: the reason
        names where the object comes from."""
        name = node.value.value  # type: ignore[attr-defined]
        shown = text or f"{name}.{node.attr.value}"
        base = self.evaluate(node.value, scope)
        if base.kind == "unknown" and names_line(base.reason):
            return Value.unknown(f"`{shown}` is an attribute of `{name}`, and {base.reason}", text)
        if base.kind == "symbol":
            return Value.unknown(f"`{shown}` is an attribute of `{base.const}`, an object of another library whose "
                                 f"values are set at run time", text)
        return Value.unknown("attribute of an unknown object", text)

    def _subscript(self, node: cst.Subscript, scope: Scope, text: str) -> Value:
        base = self.evaluate(node.value, scope)
        if base.kind == "array" or base.tag == arrays.FRAME:
            return arrays.subscript(self, base, node, scope, text) or Value.unknown("subscript of an array", text)
        if base.tag == arrays.NDARRAY and all(isinstance(e.slice, cst.Slice) for e in node.slice):
            # basic slicing of a numpy array is an array (an integer index may give a scalar: not followed)
            return arrays.ndarray("a slice of an array of unknown shape", text)
        if len(node.slice) != 1:
            return Value.unknown("multi-dimensional subscript", text)
        index = node.slice[0].slice
        if isinstance(index, cst.Slice):
            lower = self.evaluate(index.lower, scope) if index.lower else Value.of(None)
            upper = self.evaluate(index.upper, scope) if index.upper else Value.of(None)
            step = self.evaluate(index.step, scope) if index.step else Value.of(None)
            if base.kind != "tuple" and base.tag == "array-shape" and lower.const == 1 and upper.const is None \
                    and step.const is None:
                return Value.unknown(f"`{text or self.full_code_of(node)}` reads {base.reason}", text,
                                     tag="array-shape-tail")
            if base.kind == "tuple" and all(v.kind == "const" for v in (lower, upper, step)):
                tail = base.tag == "array-shape" and lower.const == 1 and upper.const is None and step.const is None
                try:
                    return Value("tuple", items=base.items[slice(lower.const, upper.const, step.const)], text=text,
                                 tag="array-shape-tail" if tail else None)
                except (TypeError, ValueError):
                    pass
            return Value.unknown("slice of an unknown value", text)
        position = self.evaluate(index.value, scope)
        if base.kind == "tuple" and position.kind == "const" and isinstance(position.const, int):
            try:
                return base.items[position.const]
            except IndexError:
                pass
        if base.kind == "unknown" and names_line(base.reason):
            return Value.unknown(f"`{text or self.full_code_of(node)}` reads {base.reason}", text)
        return Value.unknown("subscript of an unknown value", text)


# Callees whose result is data read from a file (the last part of the resolved name)
_LOADERS = {"load", "loadtxt", "genfromtxt", "fromfile", "read_csv", "read_excel", "read_parquet", "read_json",
            "read_pickle", "read_table", "read_hdf", "read_feather", "load_data", "File", "imread"}
_LINE = re.compile(r"\bline \d+")


def _head(node: cst.BaseExpression) -> cst.Name | None:
    """The name a dotted expression starts from (``keras`` of ``keras.layers.LSTM``)."""
    while type(node) is cst.Attribute:
        node = node.value  # type: ignore[attr-defined]
    return node if type(node) is cst.Name else None  # type: ignore[return-value]


def _imported(bindings: list[Binding] | None) -> bool:
    """Whether a name is bound in this file by imports only (or not at all): the import table's view holds;
    any other binding that may reach the read is for the evaluator to follow. A star import from outside Keras
    (the UNKNOWN marker) is left to the import table, which decides what it forgets (the names a Keras star
    import bound), as it did before names bound to Keras classes were followed."""
    return not bindings or all(binding.kind == "import" or binding is UNKNOWN for binding in bindings)


def names_line(reason: str) -> bool:
    """Whether a reason already says where: "… at line 12"."""
    return bool(_LINE.search(reason))


def unknown_at(reason: str, line: int | None, text: str = "", tag: str | None = None,
               name: str | None = None) -> Value:
    """The helper for analyzer code that finds a value it cannot follow: ``Value.unknown`` with " at line N"
    added to ``reason`` (when the line is known and the reason names none). Reasons are short and true, and say
    what the value is, not what lstmlint lacks: "`n` is a parameter of build() at line 3"."""
    if line is not None and not names_line(reason):
        reason = f"{reason} at line {line}"
    return Value.unknown(reason, text, tag=tag, name=name)


def _literal(node: cst.BaseExpression, text: str):
    """Numbers and plain strings directly; ast.literal_eval (which compiles) only for the rest."""
    kind = type(node)
    if kind is cst.Integer:
        return int(text.replace("_", ""), 0)
    if kind is cst.Float:
        return float(text.replace("_", ""))
    simple = len(text) >= 2 and text[0] in "'\"" and text[-1] == text[0] and text[:3] not in ("'''", '"""')
    if kind is cst.SimpleString and simple and "\\" not in text:
        return text[1:-1]
    return ast.literal_eval(text)


TOO_LARGE = f"a tuple or list of more than {MAX_ITEMS:,} items (nested ones counted)"


def size_of(value: Value, budget: int) -> int:
    """The number of values in ``value``'s tree (itself included), counted up to just past ``budget``."""
    total = 1
    todo = list(value.items)
    while todo and total <= budget:
        item = todo.pop()
        total += 1
        todo.extend(item.items)
    return total


def informative(value: Value) -> bool:
    """Whether a value tells anything: known, an array (its shape partly known), a tuple with a known item,
    or an unknown of a known origin (a tag): what makes a call worth analysing with its arguments."""
    if value.known or value.kind == "array" or value.tag is not None:
        return True
    return value.kind == "tuple" and any(informative(item) for item in value.items)


def _signature(value: Value):
    """A comparable form of a value, for "do all bindings agree"; None when it cannot be compared."""
    if value.kind == "const":
        return "const", type(value.const).__name__, value.const
    if value.kind == "symbol":
        return "symbol", value.const
    if value.kind in ("tuple", "array"):
        items = tuple(_signature(item) for item in value.items)
        return None if any(item is None for item in items) else (value.kind, items)
    if value.tag is not None:  # an unknown of a known origin (`X.shape`): equal when the origins are
        return "unknown", value.tag, value.name, value.reason
    return None


def _renamed(value: Value, name: str) -> Value:
    """The value read through ``name`` keeps the name, so rules can tell `units=timesteps`."""
    copy = Value(value.kind, value.const, value.items, name, value.tag, value.reason, name)
    return copy
