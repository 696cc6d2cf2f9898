"""The flow pass, part 2: what binds a name — assignment targets, ``del``, imports, ``global`` / ``nonlocal``.

A mixin of ``flow.FlowPass``: it reads and writes the pass's ``frame`` and ``flow``.
"""

from __future__ import annotations

import libcst as cst

from lstmlint.analyze.flow_frame import union
from lstmlint.analyze.imports import dotted, star_exports, star_rebinds_names
from lstmlint.analyze.reach import IMPORTED, UNKNOWN, Binding, Scope


class Stores:
    def _bind(self, name: str, binding: Binding, walrus: bool = False) -> None:
        frame = self.frame
        while walrus and frame.scope.kind == "comprehension" and frame.parent is not None:
            frame = frame.parent  # a walrus in a comprehension binds in the enclosing scope
        scope = frame.scope
        redirected = self._redirect(scope, name)
        if redirected is not None:
            binding.scope = redirected
            redirected.bind(name, binding)
            redirected.volatile.add(name)
            frame.keys.append(name)
            return
        binding.scope = scope
        scope.bind(name, binding)
        frame.state[name] = (binding,)
        frame.log.append((name, binding))
        frame.keys.append(name)

    def _redirect(self, scope: Scope, name: str) -> Scope | None:
        """The scope a ``global`` / ``nonlocal`` declaration sends a binding to."""
        how = scope.declared.get(name)
        if how is None:
            return None
        if how == "global" or scope.parent is None:
            return self.flow.module_scope
        outer: Scope | None = scope.parent
        while outer is not None and outer.kind == "function" and name not in outer.bindings:
            outer = outer.parent
        # a nonlocal name must be bound in an enclosing function, maybe further down than this point
        return outer if outer is not None and outer.kind == "function" else scope.parent

    def _store(self, target: cst.BaseExpression, value: cst.BaseExpression | None, index=(),
               why: tuple[str, cst.CSTNode] | None = None) -> bool:
        """Binds the names of an assignment target; visits what the target reads (``a[i]``, ``obj.x``).
        ``why``: what binds the names when there is no value (a loop's target: "the target of the for", node)."""
        kind = type(target)
        if kind is cst.Name:
            self._bind(target.value, Binding(value, index) if value is not None else Binding(
                kind="other", why=why[0] if why else "", at=why[1] if why else None))
            return False
        if kind is cst.StarredElement:
            found = self._store(target.value, None, why=why)
        elif kind is cst.Tuple or kind is cst.List:
            found = False
            starred = False
            for i, element in enumerate(target.elements):
                if type(element) is cst.StarredElement:
                    starred = True  # it and the names after it take positions that depend on the length
                    below = self._store(element, None, why=why)
                else:
                    below = self._store(element.value, None if starred else value, (*index, i), why)
                    if below:
                        self.flow.hot.add(id(element))
                found = below or found
        else:
            found = None
        if found is not None:
            if found:
                self.flow.hot.add(id(target))
            return found
        key = dotted(target)
        if key is not None:
            self.frame.keys.append(key)
        if kind is cst.Subscript:
            self._mutate(target.value)
        elif kind is cst.Attribute and target.attr.value == "shape":  # `x.shape = (...)` reshapes an array
            self._mutate(target.value, reshape=True)
        return self.visit(target)

    def _mutate(self, base: cst.BaseExpression, reshape: bool = False) -> None:
        if type(base) is cst.Name:
            self._mutations.append((self.frame.scope, base.value))
            if reshape:
                self._reshapes.append((self.frame.scope, base.value))

    def _assign(self, node: cst.Assign) -> bool:
        found = self.visit(node.value)
        for target in node.targets:
            if self._store(target.target, node.value):
                found = True
                self.flow.hot.add(id(target))
        return found

    def _ann_assign(self, node: cst.AnnAssign) -> bool:
        found = self.visit(node.annotation)
        if node.value is not None:
            found = self.visit(node.value) or found
            found = self._store(node.target, node.value) or found
        else:
            found = self.visit(node.target) or found  # `x: int` binds nothing
        return found

    def _aug_assign(self, node: cst.AugAssign) -> bool:
        found = self.visit(node.value)
        if type(node.target) is cst.Name:
            self.visit(node.target)  # `x += 1` reads x first
            # the statement is the binding's value: the evaluator reads x before it and the operand (an array
            # keeps its shape through an in-place operation)
            self._bind(node.target.value, Binding(node, kind="assign"))  # type: ignore[arg-type]
            return found
        return self._store(node.target, None) or found

    def _named_expr(self, node: cst.NamedExpr) -> bool:
        found = self.visit(node.value)
        # short-circuits and comprehensions decide whether it runs: the value is not followed
        if type(node.target) is cst.Name:
            self._bind(node.target.value, Binding(kind="other"), walrus=True)
        return found

    def _del(self, node: cst.Del) -> bool:
        return self._delete(node.target)

    def _delete(self, target: cst.BaseExpression) -> bool:
        if type(target) is cst.Name:
            self._bind(target.value, Binding(kind="other"))
            return False
        if type(target) in (cst.Tuple, cst.List):
            return any([self._delete(e.value) for e in target.elements])
        if type(target) is cst.Subscript:
            self._mutate(target.value)
        key = dotted(target)
        if key is not None:
            self.frame.keys.append(key)
        return self.visit(target)

    def _global(self, node) -> bool:
        return self._declare(node, "global")

    def _nonlocal(self, node) -> bool:
        return self._declare(node, "nonlocal")

    def _declare(self, node, how: str) -> bool:
        for item in node.names:
            self.frame.scope.declared[item.name.value] = how
        return False

    def _import(self, node: cst.Import) -> bool:
        for alias in node.names:
            if alias.asname is not None and type(alias.asname.name) is cst.Name:
                self._bind_import(alias.asname.name.value)
            else:
                head = dotted(alias.name)
                if head:
                    self._bind_import(head.split(".")[0])
        return False

    def _import_from(self, node: cst.ImportFrom) -> bool:
        if isinstance(node.names, cst.ImportStar):
            if star_rebinds_names(node):
                frame = self.frame
                for name in list(frame.state):
                    frame.state[name] = union((frame.state[name], (UNKNOWN,)))
                    frame.log.append((name, UNKNOWN))
            elif node.module is not None:
                for name in star_exports(dotted(node.module) or ""):
                    self._bind_import(name)
            return False
        for alias in node.names:
            if alias.asname is not None and type(alias.asname.name) is cst.Name:
                self._bind_import(alias.asname.name.value)
            elif type(alias.name) is cst.Name:
                self._bind_import(alias.name.value)
        return False

    def _bind_import(self, name: str) -> None:
        frame = self.frame
        frame.scope.imported.add(name)
        frame.state[name] = (IMPORTED,)
        frame.keys.append(name)
