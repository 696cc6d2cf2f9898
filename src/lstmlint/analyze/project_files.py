"""The project modules' files as read: their state, which the findings cache keeps and checks (a change to any
of them, or one appearing, drops the cache's entry), and their constants table, read once per content."""

from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass
from pathlib import Path

from lstmlint.analyze.constants_ast import Table, module_table
from lstmlint.analyze.project_modules import MAX_DEPTH, candidates, followed, imported_modules, project_root
from lstmlint.bounded import ReadError, read_regular

MAX_MODULE_BYTES = 1 << 20  # a constants module is small; a larger file is not read


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
        table = module_table(data, path.name)
        if len(_TABLES) > 4096:
            _TABLES.clear()
        _TABLES[key] = table
    return state, table


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
                    if followed(reexported):
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
