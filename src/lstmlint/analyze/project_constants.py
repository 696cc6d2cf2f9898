"""Constants from the project's own modules: ``from config import TIMESTEPS``, ``import settings as s;
s.UNITS``, ``from .config import X``, ``from pkg.sub import X``.

A name the import table resolved into a project module is followed here to its value: through the files the
module may be (``project_modules.py``: found relative to the importing file's folder and to the project root,
the folder of the configuration file, else the working folder; never in site-packages, the standard library or
Keras), each one's constants as read with CPython's ``ast`` (``constants_ast.py``: the module is never imported
nor executed; ``project_files.py`` reads each file once per content and records its state for the findings
cache), and a package re-exporting the name (``from .constants import X``), ``MAX_DEPTH`` modules deep,
cycle-safe. Where the module paths disagree, or the importing file rebinds or changes the name, the value is
unknown with the reason; a file that cannot be read or parsed gives no constants.
"""

from __future__ import annotations

import os
from pathlib import Path

from lstmlint.analyze.constants_ast import Importer, Table
from lstmlint.analyze.project_files import read_module
from lstmlint.analyze.project_modules import MAX_DEPTH, candidates, imported_modules, project_root
from lstmlint.ir import Value


class ProjectConstants:
    """The constants one analysed file reads from its project's modules."""

    def __init__(self, path: str, root: Path | None, text: str) -> None:
        self.file = Path(os.path.abspath(path))
        self.root = project_root(self.file, root)
        self.text = text
        self._allowed: set[str] | None = None
        self._importer: Importer | None = None
        self._modules: dict[Path, Table | None] = {}

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
            self._importer = Importer(self.text)
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
            table = self._read(path)
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
            return self._lookup(module, original, path, depth - 1, seen | {key})
        return None

    def _read(self, path: Path) -> Table | None:
        if path not in self._modules:
            self._modules[path] = read_module(path)[1]
        return self._modules[path]


def _signature(value):
    if isinstance(value, (tuple, list)):
        return type(value).__name__, tuple(_signature(v) for v in value)
    return type(value).__name__, value
