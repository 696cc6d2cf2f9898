"""Jupyter notebooks as one module of their code cells, in order, with a map back to cell and line.

IPython syntax that is not Python (``%magic``, ``!shell``, ``%%cell_magic``, ``x = !cmd``, ``obj?``) is
masked line by line with ``pass`` at the same indentation, so line numbers never shift; the continuation lines
of a ``!cmd \\`` or ``%magic \\`` are blanked with it. A cell whose first line is indented is dedented as
IPython does (its ``leading_indent`` transform): the columns of findings there are shifted back, and fixes in
it are not offered. A code cell that does not parse is reported (LSTM001) at its cell, and the module holds
:data:`lstmlint.partial_parse.UNSEEN` in its place, so the other cells are still analysed. Fixes rewrite only
the cells' sources; the rest of the notebook JSON is written back as Jupyter writes it.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field

from lstmlint.lines import LINE_BREAK, split_lines
from lstmlint.source import DecodeError

# Cell magics whose body is Python; any other %%magic (bash, html, writefile…) masks its whole cell.
_PYTHON_CELL_MAGICS = {"time", "timeit", "capture", "prun", "debug", "tensorflow_version"}
_MAGIC_LINE = re.compile(r"^(\s*)(%|!|\?\?|\?)")
_SHELL_ASSIGN = re.compile(r"^(\s*)[\w.,\s\[\]]+=\s*[!%]")
_HELP_SUFFIX = re.compile(r"^(\s*)[\w.]+\?\??\s*$")


# A notebook's JSON is read whole before its code is weighed: saved outputs (images, tables) make real
# notebooks of many megabytes around a few kilobytes of code. Past this size the JSON itself is not read.
MAX_JSON_BYTES = 64 << 20


@dataclass
class Cell:
    index: int  # position in the notebook's "cells" list
    number: int  # 1-based among code cells
    first_line: int  # 1-based line of the module where the cell starts
    lines: int  # how many module lines the cell occupies
    as_list: bool  # the JSON held the source as a list of lines
    indent: int = 0  # characters of leading indentation removed from its lines (IPython's leading_indent)
    dedented: frozenset[int] = frozenset()  # the lines (1-based in the cell) they were removed from


@dataclass
class Notebook:
    path: str
    data: dict
    text: str  # the module built from the code cells
    cells: list[Cell] = field(default_factory=list)

    def cell_at(self, line: int) -> Cell | None:
        for cell in self.cells:
            if cell.first_line <= line < cell.first_line + cell.lines:
                return cell
        return None

    def shift(self, line: int) -> int:
        """Columns a module line lost to the dedent of its cell."""
        cell = self.cell_at(line)
        return cell.indent if cell is not None and line - cell.first_line + 1 in cell.dedented else 0

    def code_size(self) -> int:
        """Bytes of code (UTF-8) in the module: what the size limit weighs, not the saved outputs."""
        return len(self.text.encode("utf-8", "surrogatepass"))

    def isolate_broken(self) -> list[tuple[int, int, int, str]]:
        """Replace each code cell that does not parse on its own by the unseen-code placeholder; returns
        (module line, column, cell number, message) of each error. Nothing changes when every cell parses."""
        from lstmlint.analyze import AnalysisError, python_ast
        from lstmlint.partial_parse import UNSEEN

        lines = split_lines(self.text)
        broken = []
        for cell in self.cells:
            code = "\n".join(lines[cell.first_line - 1: cell.first_line - 1 + cell.lines])
            try:
                python_ast(code)
            except AnalysisError as error:
                broken.append((cell.first_line + error.line - 1, error.column, cell.number, error.message))
                lines[cell.first_line - 1: cell.first_line - 1 + cell.lines] = [UNSEEN] + [""] * (cell.lines - 1)
        if broken:
            self.text = "\n".join(lines)
        return broken

    def locate(self, line: int) -> tuple[int, int]:
        """Module line -> (code cell number, line in that cell)."""
        for cell in self.cells:
            if cell.first_line <= line < cell.first_line + cell.lines:
                return cell.number, line - cell.first_line + 1
        last = self.cells[-1] if self.cells else None
        return (last.number, line - last.first_line + 1) if last else (1, line)

    def with_module(self, text: str) -> str:
        """The notebook JSON with each code cell's source taken from ``text`` (a fixed module). A line the fix
        left alone keeps its original text (IPython syntax behind its ``pass`` mask) and every line keeps its
        own line end; a fix that changed a masked line or the number of lines raises CellMapError."""
        lines = split_lines(text)
        module = split_lines(self.text)  # each cell's lines as masked when the notebook was loaded
        for cell in self.cells:
            raw = self.data["cells"][cell.index]
            original = _source_text(raw.get("source", ""))
            original_lines = split_lines(original)
            ends = [match.group() for match in LINE_BREAK.finditer(original)] + [""]
            masked = module[cell.first_line - 1: cell.first_line - 1 + cell.lines]
            fixed = lines[cell.first_line - 1: cell.first_line - 1 + cell.lines]
            if not len(fixed) == len(masked) == len(original_lines) == cell.lines:
                raise CellMapError(f"code cell {cell.number}: the fix changed the number of lines")
            merged = []
            for number, (new, mask, old) in enumerate(zip(fixed, masked, original_lines), start=1):
                if new != mask and mask != old:
                    raise CellMapError(f"code cell {cell.number}, line {number}: the fix edits IPython syntax")
                merged.append(old if new == mask else new)
            updated = "".join(line + end for line, end in zip(merged, ends))
            if updated != original:
                raw["source"] = _jupyter_lines(updated) if cell.as_list else updated
        return json.dumps(self.data, indent=1, ensure_ascii=False) + "\n"


class CellMapError(Exception):
    """A fixed module that does not map back onto the notebook's cells."""


def _jupyter_lines(source: str) -> list[str]:
    """A cell source as a JSON list of strings, split where Jupyter's writer (nbformat) splits it, with
    ``str.splitlines(True)``: a storage detail, not a line model. Joined, the list is ``source`` again."""
    return source.splitlines(keepends=True)


def _source_text(source) -> str:
    return "".join(source) if isinstance(source, list) else str(source)


def dedent_cell(source: str) -> tuple[str, int, frozenset[int]]:
    """IPython's leading_indent: when the cell's first non-blank line is indented, that indentation is removed
    from every line that starts with it. (text, characters removed, 1-based lines they were removed from)."""
    lines = source.split("\n")
    first = next((line for line in lines if line.strip()), "")
    indent = first[: len(first) - len(first.lstrip(" \t"))]
    if not indent:
        return source, 0, frozenset()
    done = frozenset(number for number, line in enumerate(lines, start=1) if line.startswith(indent))
    return "\n".join(line[len(indent):] if line.startswith(indent) else line for line in lines), len(indent), done


def mask_cell(source: str) -> str:
    lines = source.split("\n")
    first = lines[0].strip() if lines else ""
    if first.startswith("%%"):
        name = first[2:].split()[0] if len(first) > 2 else ""
        if name not in _PYTHON_CELL_MAGICS:
            return "\n".join("" for _ in lines)
        lines[0] = ""
    out = []
    continued = False
    for line in lines:
        if continued:  # a continuation line of a `!cmd \` or `%magic \`: part of the masked command
            out.append("")
        else:
            match = _MAGIC_LINE.match(line) or _SHELL_ASSIGN.match(line) or _HELP_SUFFIX.match(line)
            out.append(f"{match.group(1)}pass" if match else line)
            if not match:
                continue
        continued = line.endswith("\\")
    return "\n".join(out)


def load(data: bytes, path: str) -> Notebook:
    """Parse a notebook; invalid JSON or a missing key is a DecodeError naming the place."""
    try:
        nb = json.loads(data.decode("utf-8-sig"))
    except UnicodeDecodeError as error:
        raise DecodeError(f"invalid notebook: not UTF-8 ({error.reason})") from None
    except json.JSONDecodeError as error:
        raise DecodeError(f"invalid notebook JSON: {error.msg} (column {error.colno})", error.lineno) from None
    if not isinstance(nb, dict) or not isinstance(nb.get("cells"), list):
        raise DecodeError("invalid notebook: no \"cells\" list")
    language = (nb.get("metadata") or {}).get("language_info", {}) if isinstance(nb.get("metadata"), dict) else {}
    if isinstance(language, dict) and language.get("name") not in (None, "python"):
        return Notebook(path, nb, "")
    notebook = Notebook(path, nb, "")
    parts: list[str] = []
    line = 1
    number = 0
    for index, cell in enumerate(nb["cells"]):
        if not isinstance(cell, dict) or "cell_type" not in cell:
            raise DecodeError(f"invalid notebook: cell {index + 1} has no \"cell_type\"")
        if cell["cell_type"] != "code":
            continue
        if "source" not in cell:
            raise DecodeError(f"invalid notebook: code cell {number + 1} has no \"source\"")
        number += 1
        raw = cell["source"]
        # nbformat: a string or a list of strings; anything else would be linted as its repr (or crash join)
        if not (isinstance(raw, str) or (isinstance(raw, list) and all(isinstance(x, str) for x in raw))):
            raise DecodeError(f"invalid notebook: code cell {number} \"source\" is not a string or a list of strings")
        # every line end as "\n", in Python's line model: the module's lines are the cell's, one for one
        source = "\n".join(split_lines(_source_text(raw)))
        source, indent, dedented = dedent_cell(source)
        masked = mask_cell(source)
        count = masked.count("\n") + 1
        notebook.cells.append(Cell(index, number, line, count, isinstance(cell["source"], list), indent, dedented))
        parts.append(masked)
        line += count
    notebook.text = "\n".join(parts) + "\n"
    return notebook


def too_large(book: Notebook, data: bytes) -> str | None:
    """Why a notebook is not analysed: its code cells past the limit of a source file (api.MAX_BYTES), or
    its JSON past MAX_JSON_BYTES; None when it is analysed."""
    from lstmlint.api import MAX_BYTES

    if len(data) > MAX_JSON_BYTES:
        return f"notebook too large to read ({len(data) / 1e6:.1f} MB; the limit is {MAX_JSON_BYTES / 1e6:.1f} MB)"
    size = book.code_size()
    if size > MAX_BYTES:
        return f"notebook code too large to analyse ({size / 1e6:.1f} MB of code cells; the limit is " \
               f"{MAX_BYTES / 1e6:.1f} MB)"
    return None


def lint_cells(book: Notebook, findings: list, analyse, keep):
    """(module, findings) for a notebook whose module did not parse: each code cell that does not parse on its
    own is reported (LSTM001 at that cell, ``keep`` applying noqa and selection) and left out of the module;
    ``analyse`` lints the rest. When every cell parses alone, ``findings`` (the whole module's) stand."""
    from lstmlint.filelint import builtin_finding
    from lstmlint.builtin_codes import SYNTAX_ERROR
    from lstmlint.findings import Finding
    from lstmlint.partial_parse import python2_message

    original = book.text
    broken = book.isolate_broken()
    if not broken:
        return None, findings
    errors = []
    for line, column, number, message in broken:
        cell = book.cells[number - 1]
        cell_text = "\n".join(split_lines(original)[cell.first_line - 1: cell.first_line - 1 + cell.lines])
        message = python2_message(cell_text, message, line - cell.first_line + 1) or message
        errors.append(builtin_finding(book.path, SYNTAX_ERROR, message, line, column))
    module, more = analyse(book.text)
    return module, sorted(keep(errors) + more, key=Finding.sort_key)
