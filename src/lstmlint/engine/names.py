"""The names a file's module-level imports bind and every place it uses them, for the fixes that reuse an
imported name (``keras.Input`` spelled as the file spells Keras) or rename one (``CuDNNLSTM`` -> ``LSTM``).

Whole-file and conservative, unlike the analyzer's flow-sensitive table: a name counts as an import's only
when that import, a statement of the module's top level, is the one place in the whole file that binds it (no
assignment, parameter, definition, loop target, ``global``, ``del`` or other import of it, in any scope, and
no star import that may bind it). Then every ``Name`` that reads it, anywhere, means that import. Built from
CPython's ``ast`` of the analysed text, only when such a fix is made.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass, field

from lstmlint.analyze.pywalk import walk
from lstmlint.ir import Module, Span
from lstmlint.lines import Positions


@dataclass
class Imported:
    """One name bound by a top-level import and nowhere else in the file."""

    local: str  # the name the file uses
    module: str | None  # ``from module import name``; None for ``import name [as local]``
    name: str  # what was imported (``CuDNNLSTM``, ``keras``, ``tensorflow.keras``)
    alias: Span  # ``name [as local]`` in the statement
    statement: Span  # the whole import statement
    aliases: list[Span]  # every ``name [as local]`` of the statement, in order (this one among them)
    uses: list[Span] = field(default_factory=list)  # every Name that reads it
    use_statements: list[Span] = field(default_factory=list)  # the innermost statement holding each use


@dataclass
class NameTable:
    text: str
    imports: dict[str, Imported]  # local name -> its import, for the names bound once, by a top-level import
    seen: set[str]  # every identifier bound or read anywhere (Names, parameters, definitions, imports)
    strings: list[str]  # the text of every string constant (a name in one may be looked up by name)
    unsafe: set[str]  # names read where positions are not to be trusted (inside an f-string)
    exports: bool  # the file declares ``__all__`` or is a package's ``__init__``: its names may be imported
    star: bool  # a star import somewhere: any name may be bound by it

    def mentioned_in_string(self, name: str) -> bool:
        return any(name in text for text in self.strings)

    def statement_text(self, imported: Imported) -> str:
        return _slice(self.text, imported.statement)


def table(module: Module) -> NameTable | None:
    """The module's name table (worked out once per module), or None when its text does not parse."""
    cached = module.__dict__.get("_name_table")
    if cached is None:
        cached = module.__dict__["_name_table"] = _build(module.text, module.path) or False
    return cached or None


def _build(text: str, path: str) -> NameTable | None:
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            tree = ast.parse(text)
        except (SyntaxError, ValueError, RecursionError, MemoryError):
            return None
    positions = Positions(text)

    def span(node) -> Span:
        start = positions.position(positions.byte_offset((node.lineno, node.col_offset)))
        end = positions.position(positions.byte_offset((node.end_lineno, node.end_col_offset)))
        return Span(start[0], start[1], end[0], end[1])

    bindings: dict[str, int] = {}
    seen: set[str] = set()
    strings: list[str] = []
    unsafe: set[str] = set()
    star = False
    exports = path.replace("\\", "/").rsplit("/", 1)[-1] == "__init__.py"
    loads: dict[str, list[ast.Name]] = {}

    def bind(name: str) -> None:
        bindings[name] = bindings.get(name, 0) + 1
        seen.add(name)

    for node in walk(tree):
        kind = type(node)
        if kind is ast.Name:
            seen.add(node.id)
            if type(node.ctx) is ast.Load:
                loads.setdefault(node.id, []).append(node)
            else:
                bind(node.id)
                if node.id == "__all__":
                    exports = True
        elif kind is ast.arg:
            bind(node.arg)
        elif kind in (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef):
            bind(node.name)
        elif kind in (ast.Import, ast.ImportFrom):
            for alias in node.names:
                if alias.name == "*":
                    star = True
                    continue
                bind(alias.asname or alias.name.split(".")[0])
        elif kind in (ast.Global, ast.Nonlocal):
            for name in node.names:
                bind(name)
                bind(name)  # a name declared global in a function is rebound there: never one binding
        elif kind in (ast.ExceptHandler, ast.MatchAs, ast.MatchStar) and node.name:
            bind(node.name)
        elif kind is ast.MatchMapping and node.rest:
            bind(node.rest)
        elif kind is ast.Constant and isinstance(node.value, str):
            strings.append(node.value)
        elif kind is ast.JoinedStr:
            unsafe.update(n.id for n in walk(node) if type(n) is ast.Name)
        elif kind is ast.Attribute and node.attr == "__all__":
            exports = True

    holders = _statements(tree)
    imports: dict[str, Imported] = {}
    for statement in tree.body:
        if not isinstance(statement, (ast.Import, ast.ImportFrom)) or getattr(statement, "level", 0):
            continue
        for alias in statement.names:
            local = alias.asname or alias.name.split(".")[0]
            if alias.name == "*" or bindings.get(local) != 1 or (alias.asname is None and "." in alias.name):
                continue  # (``import a.b`` binds ``a``, not ``a.b``)
            module = statement.module if isinstance(statement, ast.ImportFrom) else None
            uses = sorted(loads.get(local, []), key=lambda n: (n.lineno, n.col_offset))
            imports[local] = Imported(local, module, alias.name, span(alias), span(statement),
                                      [span(a) for a in statement.names], [span(use) for use in uses],
                                      [span(holders[id(use)]) for use in uses])
    return NameTable(text, imports, seen, strings, unsafe, exports, star)


def _statements(tree: ast.Module) -> dict[int, ast.stmt]:
    """id(Name) -> the innermost statement that holds it."""
    holder: dict[int, ast.stmt] = {}
    stack: list[tuple[ast.AST, ast.stmt | None]] = [(tree, None)]
    while stack:
        node, statement = stack.pop()
        if isinstance(node, ast.stmt):
            statement = node
        elif type(node) is ast.Name and statement is not None:
            holder[id(node)] = statement
        stack.extend((child, statement) for child in ast.iter_child_nodes(node))
    return holder


def _slice(text: str, span: Span) -> str:
    positions = Positions(text)
    return text[positions.offset(span.line, span.column): positions.offset(span.end_line, span.end_column)]
