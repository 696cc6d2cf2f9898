"""What a module binds at its top level and what the importing file does to the names it imports, READ with
CPython's ``ast`` (the module is never imported nor executed): int, float, str, bool, None, tuples and lists of
those, and the arithmetic ``values.py`` evaluates over constants of the same module defined above. A name is
unknown when the module binds it more than once, or inside if/try/for/while/with/def/class, or a function
declares it ``global``, or a star import follows it, or (a list) something changes it in place."""

from __future__ import annotations

import ast
import warnings
from dataclasses import dataclass, field

MAX_ITEMS = 1_000  # as values.py
MAX_STRING = 10_000
_MUTATING = frozenset({"append", "extend", "insert", "pop", "remove", "clear", "sort", "reverse", "__setitem__",
                       "__delitem__", "__iadd__", "__imul__"})
_DYNAMIC = frozenset({"exec", "eval", "globals", "vars", "setattr", "delattr", "__import__"})


@dataclass
class Table:
    """What one module binds at its top level, as far as a reader of its constants cares."""

    values: dict[str, object] = field(default_factory=dict)  # name -> int/float/str/bool/None/tuple/list
    reasons: dict[str, str] = field(default_factory=dict)  # name (assigned, but not known) -> why
    reexports: dict[str, tuple[str, str]] = field(default_factory=dict)  # name -> (module as written, its name)
    bound: set[str] = field(default_factory=set)  # every name bound at module level
    submodules: set[str] = field(default_factory=set)  # names bound by `from . import x`
    error: str | None = None  # why nothing of it is known


def module_table(data: bytes, name: str) -> Table:
    """The table of a module's bytes (its error says why nothing of it is known)."""
    from lstmlint.source import DecodeError, decode

    try:
        text = decode(data, name).text
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            tree = ast.parse(text)
    except (DecodeError, SyntaxError, ValueError, RecursionError, MemoryError):
        return Table(error=f"{name} cannot be parsed")
    try:
        return _Reader(name).read(tree)
    except RecursionError:
        return Table(error=f"{name} is too deeply nested to read")


class _Unknown(Exception):
    pass


class _Reader:
    """The table of one parsed module."""

    def __init__(self, name: str) -> None:
        self.name = name
        self.table = Table()
        self.count: dict[str, int] = {}
        self.unsafe: dict[str, str] = {}  # name -> why it is unknown whatever its assignment
        self.lines: dict[str, int] = {}  # re-exported name -> line of its import

    def read(self, tree: ast.Module) -> Table:
        self._bindings(tree.body, top=True)
        for node in ast.walk(tree):
            kind = type(node)
            if kind is ast.Global:
                for name in node.names:
                    self.unsafe[name] = f"a function of {self.name} declares `{name}` global"
            elif kind is ast.Call:
                func = node.func
                if type(func) is ast.Name and func.id in _DYNAMIC:
                    self.table.error = f"{self.name} calls {func.id}()"
                elif type(func) is ast.Attribute and func.attr in _MUTATING and type(func.value) is ast.Name:
                    self.unsafe.setdefault(func.value.id, f"`{func.value.id}` is changed in place in {self.name}")
            elif kind is ast.Subscript and type(node.ctx) is not ast.Load and type(node.value) is ast.Name:
                self.unsafe.setdefault(node.value.id, f"`{node.value.id}` is changed in place in {self.name}")
        if self.table.error is not None:
            return Table(error=self.table.error)
        known: dict[str, object] = {}
        star_after: list[int] = [s.lineno for s in tree.body if _is_star(s)]
        star_after += [n.lineno for n in ast.walk(tree) if _is_star(n) and n not in tree.body]
        for statement in tree.body:
            for name, value in self._statement(statement, known):
                if self.count.get(name, 0) > 1:
                    self.table.reasons[name] = f"`{name}` is bound more than once in {self.name}"
                elif name in self.unsafe:
                    self.table.reasons[name] = self.unsafe[name]
                elif any(line > statement.lineno for line in star_after):
                    self.table.reasons[name] = f"a star import after `{name}` in {self.name} may rebind it"
                elif isinstance(value, str):  # why it is unknown
                    self.table.reasons[name] = value
                else:
                    known[name] = value[0]
        self.table.values = known
        for name in list(self.table.reexports):
            if self.count.get(name, 0) > 1 or name in self.unsafe or any(
                    line > self.lines[name] for line in star_after):
                del self.table.reexports[name]
        for name, count in self.count.items():
            if count > 1 or name in self.unsafe:
                self.table.reasons.setdefault(name, self.unsafe.get(name, f"`{name}` is bound more than once "
                                                                           f"in {self.name}"))
        return self.table

    def _statement(self, statement: ast.stmt, known: dict) -> list[tuple[str, object]]:
        """(name, (value,) or the reason it is unknown) for each constant a top-level statement assigns."""
        kind = type(statement)
        if kind is ast.Assign:
            targets, value = statement.targets, statement.value
        elif kind is ast.AnnAssign and statement.value is not None:
            targets, value = [statement.target], statement.value
        elif kind is ast.ImportFrom and statement.names[0].name != "*":
            module = "." * statement.level + (statement.module or "")
            for alias in statement.names:
                local = alias.asname or alias.name
                if module.strip(".") == "" and alias.asname is None:
                    self.table.submodules.add(local)
                self.table.reexports[local] = (module, alias.name)
                self.lines[local] = statement.lineno
            return []
        else:
            return []
        found = []
        for target in targets:
            if type(target) is ast.Name:
                found.append((target.id, self._value(value, known, target.id)))
            elif type(target) in (ast.Tuple, ast.List) and type(value) in (ast.Tuple, ast.List) and len(
                    target.elts) == len(value.elts) and all(type(t) is ast.Name for t in target.elts):
                found += [(t.id, self._value(v, known, t.id)) for t, v in zip(target.elts, value.elts)]
        return found

    def _value(self, node: ast.expr, known: dict, name: str):
        try:
            return (_evaluate(node, known, [0]),)
        except _Unknown as error:
            return f"`{name}` in {self.name} is {error}"
        except RecursionError:
            return f"`{name}` in {self.name} is too deeply nested"

    def _bindings(self, body: list[ast.stmt], top: bool) -> None:
        """Counts the module-level bindings of each name; one under a compound statement counts twice (it may
        or may not run)."""
        for statement in body:
            weight = 1 if top else 2
            kind = type(statement)
            names: list[str] = []
            if kind in (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef):
                names = [statement.name]
            elif kind in (ast.Import, ast.ImportFrom):
                for alias in statement.names:
                    if alias.name != "*":
                        names.append(alias.asname or alias.name.split(".")[0])
            else:
                for node in _walk_scope(statement):
                    names += _bound_by(node)
                if kind in (ast.If, ast.For, ast.AsyncFor, ast.While, ast.With, ast.AsyncWith, ast.Try) or \
                        kind.__name__ in ("TryStar", "Match"):
                    weight = 2
            for name in names:
                self.count[name] = self.count.get(name, 0) + weight
                if weight > 1:
                    self.unsafe.setdefault(name, f"`{name}` is bound under an if/for/while/with/try in {self.name}")
                self.table.bound.add(name)


def _is_star(node: ast.AST) -> bool:
    return type(node) is ast.ImportFrom and any(alias.name == "*" for alias in node.names)


def _walk_scope(node: ast.AST):
    """The nodes of one statement that run in the module's scope (not in functions, classes or lambdas;
    a comprehension's walrus binds in the module, so comprehensions are entered)."""
    todo = [node]
    while todo:
        current = todo.pop()
        yield current
        for child in ast.iter_child_nodes(current):
            if type(child) in (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef):
                yield child  # its name is bound here, its body is another scope
            elif type(child) is not ast.Lambda:
                todo.append(child)


def _bound_by(node: ast.AST) -> list[str]:
    kind = type(node)
    if kind is ast.Name and type(node.ctx) is not ast.Load:
        return [node.id]
    if kind in (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef):
        return [node.name]
    if kind in (ast.Import, ast.ImportFrom):
        return [a.asname or a.name.split(".")[0] for a in node.names if a.name != "*"]
    if kind is ast.ExceptHandler and node.name:
        return [node.name]
    if kind.__name__ in ("MatchAs", "MatchStar") and getattr(node, "name", None):
        return [node.name]
    if kind.__name__ == "MatchMapping" and getattr(node, "rest", None):
        return [node.rest]
    if kind.__name__ == "TypeAlias":
        return [node.name.id] if type(node.name) is ast.Name else []
    return []


def _evaluate(node: ast.expr, known: dict, size: list[int]):
    """A constant expression's value, as values.py evaluates it; raises _Unknown(why)."""
    kind = type(node)
    size[0] += 1
    if size[0] > MAX_ITEMS:
        raise _Unknown("too large a value to follow")
    if kind is ast.Constant:
        value = node.value
        if value is None or type(value) in (int, float, bool) or (type(value) is str and len(value) <= MAX_STRING):
            return value
        raise _Unknown("not a number, string, bool or None")
    if kind is ast.Name:
        if node.id in known:
            return known[node.id]
        raise _Unknown(f"computed from `{node.id}`, not a constant defined above it")
    if kind in (ast.Tuple, ast.List):
        items = []
        for element in node.elts:
            if type(element) is ast.Starred:
                raise _Unknown("a starred element")
            items.append(_evaluate(element, known, size))
        return tuple(items) if kind is ast.Tuple else items
    if kind is ast.UnaryOp:
        inner = _evaluate(node.operand, known, size)
        if type(node.op) in (ast.USub, ast.UAdd) and type(inner) in (int, float):
            return -inner if type(node.op) is ast.USub else inner
        if type(node.op) is ast.Not and (inner is None or type(inner) in (int, float, str, bool)):
            return not inner
        raise _Unknown("an operation on a value that is not a number")
    if kind is ast.BinOp:
        left, right = _evaluate(node.left, known, size), _evaluate(node.right, known, size)
        op = type(node.op)
        if op is ast.Add and type(left) is type(right) and type(left) in (tuple, list):
            if len(left) + len(right) > MAX_ITEMS:
                raise _Unknown("too large a value to follow")
            return left + right
        if type(left) in (int, float) and type(right) in (int, float) and op in _ARITHMETIC:
            try:
                result = _ARITHMETIC[op](left, right)
            except (ZeroDivisionError, OverflowError):
                raise _Unknown("an arithmetic error") from None
            if abs(result) < 2**63:
                return result
        raise _Unknown("an operation lstmlint does not evaluate")
    raise _Unknown("not a constant expression")


_ARITHMETIC = {ast.Add: lambda a, b: a + b, ast.Sub: lambda a, b: a - b, ast.Mult: lambda a, b: a * b,
               ast.FloorDiv: lambda a, b: a // b, ast.Div: lambda a, b: a / b, ast.Mod: lambda a, b: a % b}


class Importer:
    """What the importing file does to the names it imports, from CPython's parse of it: a name imported
    twice may come from either import; an attribute of a module assigned or a value changed in place is not
    the module's constant any more."""

    def __init__(self, text: str) -> None:
        self.imports: dict[str, int] = {}
        self.changed: set[str] = set()
        self.assigned: set[str] = set()  # names bound other than by an import, anywhere in the file
        self.dynamic: str | None = None
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            try:
                tree = ast.parse(text)
            except (SyntaxError, ValueError, RecursionError, MemoryError):
                self.dynamic = "the file does not parse"
                return
        for node in ast.walk(tree):
            kind = type(node)
            if kind in (ast.Import, ast.ImportFrom):
                for alias in node.names:
                    local = alias.asname or alias.name.split(".")[0]
                    self.imports[local] = self.imports.get(local, 0) + 1
            elif kind is ast.Call:
                func = node.func
                if type(func) is ast.Name and func.id in _DYNAMIC:
                    self.dynamic = f"the file calls {func.id}()"
                elif type(func) is ast.Attribute and func.attr in _MUTATING:
                    self.changed.add(_dotted(func.value) or "")
            elif kind in (ast.Attribute, ast.Subscript) and type(node.ctx) is not ast.Load:
                self.changed.add(_dotted(node) or "")
                if kind is ast.Subscript:
                    self.changed.add(_dotted(node.value) or "")
            elif kind is ast.AugAssign:
                self.changed.add(_dotted(node.target) or "")
            if kind not in (ast.Import, ast.ImportFrom):
                self.assigned.update(_bound_by(node))

    def problem(self, written: str) -> str | None:
        if self.dynamic is not None:
            return f"`{written}` is imported, but {self.dynamic}"
        head = written.split(".")[0]
        if self.imports.get(head, 0) > 1:
            return f"`{head}` is imported more than once in this file"
        if written in self.changed:
            return f"`{written}` is changed in this file"
        if "." in written and head in self.assigned:  # the flow pass follows bare names, not module aliases
            return f"`{head}` is imported, and also assigned in this file"
        return None


def _dotted(node: ast.AST) -> str | None:
    if type(node) is ast.Name:
        return node.id
    if type(node) is ast.Attribute:
        head = _dotted(node.value)
        return f"{head}.{node.attr}" if head else None
    return None
