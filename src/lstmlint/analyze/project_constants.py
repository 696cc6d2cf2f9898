"""Constants from the project's own modules: ``from config import TIMESTEPS``, ``import settings as s;
s.UNITS``, ``from .config import X``, ``from pkg.sub import X``.

A module of the same project is found relative to the importing file's folder and to the project root (the
folder of the configuration file, else the working folder; a file outside that root has its own folder as
root), never in site-packages nor outside the root, never in the standard library or Keras. Its module-level
constants are READ with CPython's ``ast`` — the module is never imported nor executed — into a table:
int, float, str, bool, None, tuples and lists of those, and the arithmetic ``values.py`` evaluates over
constants of the same module defined above. A name is unknown when the module binds it more than once, or
inside if/try/for/while/with/def/class, or a function declares it ``global``, or a star import follows it, or
(a list) something changes it in place. A package re-exporting a name (``from .constants import X``) is
followed, ``MAX_DEPTH`` modules deep, cycle-safe. A file that cannot be read or parsed gives no constants.

Which files may be read is decided from the importing file's text alone (:func:`imported_modules`), so that
:func:`dependencies` lists every file a resolution may have read (or found absent): the findings cache keeps
that list and its files' state, and drops an entry when one of them changed.
"""

from __future__ import annotations

import ast
import hashlib
import os
import re
import sys
import warnings
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from lstmlint.bounded import ReadError, read_regular
from lstmlint.ir import Value

MAX_MODULE_BYTES = 1 << 20  # a constants module is small; a larger file is not read
MAX_DEPTH = 3  # modules followed through re-exports (`from .constants import X` in a package __init__)
MAX_ITEMS = 1_000  # as values.py
MAX_STRING = 10_000
_SKIPPED_ROOTS = frozenset({"keras", "tensorflow", "tf_keras", "__future__"}) | frozenset(
    getattr(sys, "stdlib_module_names", ()))
_ENVIRONMENTS = frozenset({"site-packages", "dist-packages"})
_MUTATING = frozenset({"append", "extend", "insert", "pop", "remove", "clear", "sort", "reverse", "__setitem__",
                       "__delitem__", "__iadd__", "__imul__"})
_DYNAMIC = frozenset({"exec", "eval", "globals", "vars", "setattr", "delattr", "__import__"})

# Import statements, found in the text (not the parse: it also works on a file that does not parse): at a line's
# start or after `;` / `:` (`try: import config`), names in parentheses across lines.
_FROM = re.compile(r"(?:^|[;:])[ \t]*from[ \t]+(\.*[ \t]*[\w.]*)[ \t]+import[ \t]*(\([^)]*\)|[^\n#;]*)", re.M)
_IMPORT = re.compile(r"(?:^|[;:])[ \t]*import[ \t]+([^\n#;]+)", re.M)


def imported_modules(text: str) -> set[str]:
    """Every module path an import statement of ``text`` may load (relative ones with their leading dots),
    with the parent packages of each and, for ``from M import a``, ``M.a`` (``a`` may be a submodule)."""
    text = text.replace("\\\n", " ")
    found: set[str] = set()
    for match in _FROM.finditer(text):
        module = re.sub(r"\s", "", match.group(1))
        found |= _with_parents(module)
        for name in re.split(r"[\s,()]+", match.group(2)):
            if name.isidentifier() and name != "as":
                found.add(f"{module}.{name}" if module.strip(".") else f"{module}{name}")
    for match in _IMPORT.finditer(text):
        for part in match.group(1).split(","):
            words = part.replace("(", " ").replace(")", " ").split()
            if words:
                found |= _with_parents(words[0])
    return {m for m in found if _followed(m)}


def _with_parents(module: str) -> set[str]:
    dots = len(module) - len(module.lstrip("."))
    parts = module[dots:].split(".") if module[dots:] else []
    found = {"." * dots} if dots else set()
    for i in range(1, len(parts) + 1):
        found.add("." * dots + ".".join(parts[:i]))
    return found


def _followed(module: str) -> bool:
    if module.startswith("."):
        return all(p.isidentifier() for p in module.lstrip(".").split(".")) if module.strip(".") else True
    parts = module.split(".")
    return all(p.isidentifier() for p in parts) and parts[0] not in _SKIPPED_ROOTS


def project_root(file: Path, root: Path | None) -> Path:
    """The folder nothing is read outside of: the configuration's root, or the file's folder when the file is
    not below it."""
    folder = file.parent
    if root is None:
        return folder
    root = Path(os.path.abspath(root))
    return root if _folder_below(str(folder), str(root)) else folder


@lru_cache(maxsize=1024)
def _folder_below(folder: str, root: str) -> bool:
    """_below for the folder of a file being checked: a run's files share few folders, and resolving their
    links again for every file cost a tenth of the analysis."""
    return _below(Path(folder), Path(root))


def _below(path: Path, root: Path) -> bool:
    try:
        rest = Path(os.path.realpath(path)).relative_to(os.path.realpath(root))
    except ValueError:
        return False
    return not (_ENVIRONMENTS & set(rest.parts))


def candidates(module: str, importer: Path, script_folder: Path, root: Path) -> list[Path]:
    """The files ``module`` may be, in the order Python looks (a package before a module of the same name),
    one or two per folder searched: the importer's folder for a relative import; else the script's folder and
    the root."""
    dots = len(module) - len(module.lstrip("."))
    parts = module[dots:].split(".") if module[dots:] else []
    if dots:
        base = importer.parent
        for _ in range(dots - 1):
            base = base.parent
        bases = [base]
    else:
        bases = list(dict.fromkeys([script_folder, root]))
    found = []
    for base in bases:
        if not parts:
            found.append(base / "__init__.py")
            continue
        folder = base.joinpath(*parts)
        found += [folder / "__init__.py", folder.with_name(parts[-1] + ".py")]
    return [path for path in found if _below(path.parent, root)]


@dataclass
class Table:
    """What one module binds at its top level, as far as a reader of its constants cares."""

    values: dict[str, object] = field(default_factory=dict)  # name -> int/float/str/bool/None/tuple/list
    reasons: dict[str, str] = field(default_factory=dict)  # name (assigned, but not known) -> why
    reexports: dict[str, tuple[str, str]] = field(default_factory=dict)  # name -> (module as written, its name)
    bound: set[str] = field(default_factory=set)  # every name bound at module level
    submodules: set[str] = field(default_factory=set)  # names bound by `from . import x`
    error: str | None = None  # why nothing of it is known


@dataclass
class FileState:
    """A file as read: None fields for a file that is not there (or cannot be read)."""

    path: str
    size: int | None
    mtime: int | None
    digest: str | None


_TABLES: dict[tuple[str, str], Table] = {}  # (absolute path, content digest) -> table, for this process


def read_module(path: Path) -> tuple[FileState, Table | None]:
    """The file's state and table (None when the file is not there)."""
    try:
        info = os.stat(path)
        data = read_regular(path, MAX_MODULE_BYTES)
    except (OSError, ReadError) as error:
        exists = os.path.lexists(path)
        reason = f"{path.name} cannot be read ({getattr(error, 'strerror', None) or error})"
        return FileState(str(path), None, None, None), (Table(error=reason) if exists else None)
    digest = hashlib.sha256(data).hexdigest()
    state = FileState(str(path), info.st_size, info.st_mtime_ns, digest)
    key = (str(path), digest)
    table = _TABLES.get(key)
    if table is None:
        table = _table(data, path.name)
        if len(_TABLES) > 4096:
            _TABLES.clear()
        _TABLES[key] = table
    return state, table


def _table(data: bytes, name: str) -> Table:
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


class ProjectConstants:
    """The constants one analysed file reads from its project's modules."""

    def __init__(self, path: str, root: Path | None, text: str) -> None:
        self.file = Path(os.path.abspath(path))
        self.root = project_root(self.file, root)
        self.text = text
        self._allowed: set[str] | None = None
        self._importer: _Importer | None = None
        self._modules: dict[Path, tuple[FileState, Table | None]] = {}

    def value(self, dotted: str, written: str) -> Value | None:
        """The value of ``dotted`` (a path the import table resolved, ``config.TIMESTEPS``) read as ``written``
        in this file: a known constant, an unknown with the reason when the module assigns the name but its
        value cannot be told, or None when it is not a constant of a project module (a class, a function,
        another library's name)."""
        if self._allowed is None:
            self._allowed = imported_modules(self.text)
        dots = len(dotted) - len(dotted.lstrip("."))
        head, _, name = dotted[dots:].rpartition(".")
        module = "." * dots + head  # `from . import X` reads X of this package's __init__: module "."
        if module not in self._allowed or not name.isidentifier():
            return None
        if self._importer is None:
            self._importer = _Importer(self.text)
        problem = self._importer.problem(written)
        found = self._lookup(module, name, self.file, MAX_DEPTH, set())
        if found is None:
            return None
        if isinstance(found, str):
            return Value.unknown(found, written)
        if problem is not None:
            return Value.unknown(problem, written)
        return Value.of(found[0], written)

    def _lookup(self, module: str, name: str, importer: Path, depth: int, seen: set):
        """(value,), a reason (str) or None (not a project constant)."""
        results = []
        packages: set[Path] = set()
        for path in candidates(module, importer, self.file.parent, self.root):
            state, table = self._read(path)
            if table is None:
                continue
            if os.path.realpath(path) == os.path.realpath(self.file):
                return f"`{name}` comes from {path.name}, the file itself"
            if path.name != "__init__.py" and path.with_suffix("") / "__init__.py" in packages:
                continue  # a package shadows a module of the same name in the same folder
            if path.name == "__init__.py":
                packages.add(path)
            results.append(self._in_table(table, path, name, depth, seen))
        results = [r for r in results if r is not None]
        if not results:
            return None
        if any(isinstance(r, str) for r in results):
            return next(r for r in results if isinstance(r, str))
        first = results[0]
        if any(_signature(r[0]) != _signature(first[0]) for r in results[1:]):
            return f"`{name}` has different values in the modules `{module}` may be"
        return first

    def _in_table(self, table: Table, path: Path, name: str, depth: int, seen: set):
        if table.error is not None:
            return table.error
        if name in table.values:
            return (table.values[name],)
        if name in table.reasons:
            return table.reasons[name]
        if name in table.reexports and name not in table.submodules:
            key = (str(path), name)
            if key in seen or depth <= 1:
                return f"`{name}` is re-exported through more than {MAX_DEPTH} modules"
            module, original = table.reexports[name]
            found = self._lookup(module, original, path, depth - 1, seen | {key})
            return found
        return None

    def _read(self, path: Path) -> tuple[FileState, Table | None]:
        known = self._modules.get(path)
        if known is None:
            known = self._modules[path] = read_module(path)
        return known


def _signature(value):
    if isinstance(value, (tuple, list)):
        return type(value).__name__, tuple(_signature(v) for v in value)
    return type(value).__name__, value


class _Importer:
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


def dependencies(path: str, root: Path | None, text: str) -> list[FileState]:
    """Every file a resolution for ``text`` (the file at ``path``) may read or find absent, with its state:
    the findings cache checks them before it answers for the file."""
    file = Path(os.path.abspath(path))
    project = project_root(file, root)
    found: dict[str, FileState] = {}
    todo = [(module, file, MAX_DEPTH) for module in sorted(imported_modules(text))]
    while todo:
        module, importer, depth = todo.pop()
        for candidate in candidates(module, importer, file.parent, project):
            if str(candidate) in found:
                continue
            state, table = read_module(candidate)
            found[str(candidate)] = state
            if table is not None and depth > 1:
                for reexported, _ in table.reexports.values():
                    if _followed(reexported):
                        todo.append((reexported, candidate, depth - 1))
    return list(found.values())


def unchanged(state: FileState) -> bool:
    """Whether the file is as recorded (a same-size, same-time file is taken as unchanged without reading)."""
    try:
        info = os.stat(state.path)
    except OSError:
        return state.size is None and not os.path.lexists(state.path)
    if state.size is None or info.st_size != state.size:
        return False
    if info.st_mtime_ns == state.mtime:
        return True
    try:
        return hashlib.sha256(read_regular(Path(state.path), MAX_MODULE_BYTES)).hexdigest() == state.digest
    except ReadError:
        return False
