"""Part of the Evaluator (values.py): the values of operations — arithmetic (`n * 2`, tuples joined, numpy
arrays), augmented assignments, attributes (`X.shape`, a name bound to a Keras module), subscripts and
slices — and the reasons for those that stay unknown."""

from __future__ import annotations

import operator
from typing import TYPE_CHECKING, Callable

import libcst as cst

from lstmlint.analyze import arrays
from lstmlint.analyze.imports import dotted
from lstmlint.analyze.value_helpers import (MAX_ITEMS, TOO_LARGE, head_of, imported_only, names_line, renamed,
                                            size_of)
from lstmlint.ir import Value

if TYPE_CHECKING:
    from lstmlint.analyze.reach import Scope

BINOPS: dict[type, Callable] = {
    cst.Add: operator.add,
    cst.Subtract: operator.sub,
    cst.Multiply: operator.mul,
    cst.FloorDivide: operator.floordiv,
    cst.Divide: operator.truediv,
    cst.Modulo: operator.mod,
}


AUGMENTED: dict[type, type] = {
    cst.AddAssign: cst.Add,
    cst.SubtractAssign: cst.Subtract,
    cst.MultiplyAssign: cst.Multiply,
    cst.FloorDivideAssign: cst.FloorDivide,
    cst.DivideAssign: cst.Divide,
    cst.ModuloAssign: cst.Modulo,
}


class Operations:
    """Mixed into Evaluator: reads its evaluate(), resolve(), flow, imports, project and attributes."""

    def _augmented(self, node: cst.AugAssign, scope: Scope) -> Value:
        """`x /= 255` of a numpy array: the array's shape (numpy's in-place operations keep it or raise);
        `n += 1` of a number and a number: the number."""
        target: cst.Name = node.target  # type: ignore[assignment]
        before = self.evaluate(target, scope)
        operand = self.evaluate(node.value, scope)
        if arrays.is_array_like(before):
            return Value(before.kind, items=list(before.items), tag=before.tag, reason=before.reason,
                         text=target.value)
        binary = AUGMENTED.get(type(node.operator))
        numbers = (int, float)
        if binary is not None and before.kind == operand.kind == "const" and type(before.const) in numbers \
                and type(operand.const) in numbers:
            try:
                result = BINOPS[binary](before.const, operand.const)
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
                result = BINOPS[type(node.operator)](left.const, right.const)
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
                    return renamed(known, f"{node.value.value}.{node.attr.value}")
        if node.attr.value == "shape":
            base_name = dotted(node.value)
            base = self.evaluate(node.value, scope)
            if base.kind == "array":
                return Value("tuple", items=list(base.items), text=text, tag="array-shape", name=base_name)
            told = f", and {base.reason}" if base.kind == "unknown" and names_line(base.reason) else ""
            shown = base_name or self.full_code_of(node.value)
            return Value.unknown(f"the shape of `{shown}`{told}", text, tag="array-shape", name=base_name)
        head = head_of(node)
        aliased = head is not None and head.value in self.bound_names() and not imported_only(
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
