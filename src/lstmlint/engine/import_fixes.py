"""Fixes that depend on how the file imports Keras: spelling ``Input`` as the file can reach it, and renaming a
class imported by name (``from keras.layers import CuDNNLSTM``) with every use of it.

Both read the file's names through :mod:`lstmlint.engine.names`, which counts a name as an import's only when
nothing else in the whole file binds it; anything less certain gets no fix. An edit outside the finding's own
code (the import statement, another use) carries the code it is meant for (``Edit.aim``), to which the fix's
proof holds it.
"""

from __future__ import annotations

import re

from lstmlint.engine import names
from lstmlint.findings import Edit
from lstmlint.ir import Layer, Module, Span
from lstmlint.lines import split_lines

_COMMENT = re.compile(r"[ \t]*(#.*)?")  # what may follow a statement on its last line

# The Keras 3 packages whose ``layers`` module and root both export ``Input`` (keras/api/layers/__init__.py and
# keras/api/__init__.py of Keras 3; tensorflow.keras and tf_keras re-export them). ``tensorflow.compat.v1.keras``
# is left out: under TF 2.16+ it is a lazy attribute, and ``from tensorflow.compat.v1.keras... import`` fails.
_PACKAGES = ("tensorflow.keras", "tf_keras", "keras")


def _package(qualname: str) -> str | None:
    return next((p for p in _PACKAGES if qualname.startswith(p + ".")), None)


def _edit(span: Span, content: str, aim: Span) -> Edit:
    return Edit(span.line, span.column, span.end_line, span.end_column, content,
                (aim.line, aim.column, aim.end_line, aim.end_column))


def input_factory(module: Module, layer: Layer) -> tuple[str, list[Edit]] | None:
    """How this file spells Keras's ``Input`` for ``layer`` (same package as the layer's class), and the edits
    that make the spelling available (an ``Input`` added to the import of the layer's class) — or None when no
    spelling is certain."""
    package = _package(layer.qualname)
    table = names.table(module) if package is not None else None
    if table is None or table.star:
        return None
    wanted = {f"{package}.Input", f"{package}.layers.Input"}
    found: list[tuple[int, str]] = []
    for local, imported in table.imports.items():
        full = f"{imported.module}.{imported.name}" if imported.module else imported.name
        if full in wanted:
            found.append((0, local))
        elif full == package:
            found.append((1, f"{local}.Input"))
        elif full == f"{package}.layers":
            found.append((2, f"{local}.Input"))
        elif package.startswith(full + "."):
            found.append((3, f"{local}.{package[len(full) + 1:]}.Input"))
    if found:
        return min(found)[1], []
    # none: ``Input`` is imported where the layer's class is (the file has no other ``Input``): it joins that
    # import when its module exports Input, else a ``from <package>.layers import Input`` line goes before it
    # (``from keras.layers.recurrent import LSTM``: Keras 2's module, which has no Input)
    head = (layer.callee_text or "").split(".")[0]
    imported = table.imports.get(head)
    if imported is None or imported.module is None or "Input" in table.seen:
        return None
    statement = imported.statement
    if imported.module in (package, f"{package}.layers"):
        text = table.statement_text(imported)
        last = imported.aliases[-1]
        cut = _offset_in(statement, last.end_line, last.end_column, text)
        return "Input", [_edit(statement, f"{text[:cut]}, Input{text[cut:]}", statement)]
    if not imported.module.startswith(f"{package}.layers."):
        return None
    line = f"from {package}.layers import Input\n"
    return "Input", [_edit(Span(statement.line, 1, statement.line, 1), line, statement)]


def _offset_in(statement: Span, line: int, column: int, text: str) -> int:
    """The offset in a statement's text of a position of the file."""
    from lstmlint.lines import Positions

    return Positions(text).offset(line - statement.line + 1, column - (statement.column - 1 if line == statement.line
                                                                      else 0))


# Where each removed class's replacement lives, module by module: the ``layers`` module of the same package
# (keras.layers.cudnn_recurrent, Keras 2.2's home of CuDNNLSTM, has no LSTM). tensorflow.compat.v1.keras is
# reached through tensorflow.keras: Keras 3 has no importable tensorflow.compat.v1.keras module.
def _layers_module(module: str) -> str | None:
    if module.startswith(("tensorflow.compat.v1.keras.layers", "tensorflow.compat.v2.keras.layers")):
        return "tensorflow.keras.layers"
    for package in _PACKAGES:
        if module == f"{package}.layers" or module.startswith(f"{package}.layers."):
            return f"{package}.layers"
    return None


def rename_imported_class(module: Module, layer: Layer, mapping: dict[str, str]) -> list[Edit] | None:
    """``from keras.layers import CuDNNLSTM`` and every ``CuDNNLSTM`` of the file -> ``LSTM``, as one fix; the
    CuDNN name is dropped from the import instead when ``LSTM`` is imported there already. None where the
    rename could change what the code means: the name bound anywhere else, looked up by name in a string, the
    file exporting its names, ``LSTM`` meaning something else, a module with no ``LSTM``."""
    head = layer.callee_text
    table = names.table(module)
    if table is None or table.star or table.exports or not head or "." in head:
        return None
    imported = table.imports.get(head)
    if imported is None or imported.module is None or imported.name not in mapping:
        return None
    new = mapping[imported.name]
    target = _layers_module(imported.module)
    if target is None or head in table.unsafe or table.mentioned_in_string(imported.name) or (
            head != imported.name and table.mentioned_in_string(head)):
        return None
    text = table.statement_text(imported)
    statement = imported.statement
    alias = imported.alias
    start = _offset_in(statement, alias.line, alias.column, text)
    end = _offset_in(statement, alias.end_line, alias.end_column, text)
    if head != imported.name:  # ``import CuDNNLSTM as Recurrent``: the uses keep their name
        if target != imported.module and len(imported.aliases) > 1:
            return None  # the other names stay in the old module: the line would need splitting
        renamed = f"{new} as {head}" if head != new else new
        return [_edit(statement, _from(text, imported.module, target, (start, end, renamed)), statement)]
    other = table.imports.get(new)
    if other is None and new in table.seen:
        return None  # ``LSTM`` is something else here (a class of the file, a variable, another import)
    edits: list[Edit] = []
    if other is not None:
        # ``LSTM`` imported already: from the same module, drop the CuDNN name from this import
        if other.module is None or _layers_module(other.module) != target or other.name != new:
            return None
        if len(imported.aliases) > 1:
            edits.append(_edit(statement, _drop_alias(text, imported, start, end), statement))
        else:  # the import had only the CuDNN name: it goes, with its lines
            lines = split_lines(table.text)
            last = statement.end_line
            after = lines[last - 1][statement.end_column - 1:] if last < len(lines) else None
            if statement.column != 1 or after is None or not _COMMENT.fullmatch(after):
                return None  # something else shares its lines (``import x; y = 1``)
            edits.append(Edit(statement.line, 1, statement.end_line + 1, 1, "",
                              (statement.line, statement.column, statement.end_line, statement.end_column)))
    else:
        if target != imported.module and len(imported.aliases) > 1:
            return None
        edits.append(_edit(statement, _from(text, imported.module, target, (start, end, new)), statement))
    for use, holder in zip(imported.uses, imported.use_statements):
        edits.append(_edit(use, new, holder))
    return edits


def _from(text: str, module: str, target: str, alias: tuple[int, int, str] | None = None) -> str:
    """The statement's text with one alias replaced and its module (written once, after ``from``) renamed."""
    if alias is not None:
        start, end, content = alias
        text = text[:start] + content + text[end:]
    if target == module:
        return text
    at = text.index(module)
    return text[:at] + target + text[at + len(module):]


def _drop_alias(text: str, imported: names.Imported, start: int, end: int) -> str:
    """The statement without one of its names, with the comma that separated it from its neighbour."""
    index = imported.aliases.index(imported.alias)
    if index + 1 < len(imported.aliases):
        following = imported.aliases[index + 1]
        return text[:start] + text[_offset_in(imported.statement, following.line, following.column, text):]
    previous = imported.aliases[index - 1]
    return text[:_offset_in(imported.statement, previous.end_line, previous.end_column, text)] + text[end:]
