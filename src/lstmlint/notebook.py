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
    raw: bytes = b""  # the file as read: its JSON layout is kept when fixes write it back
    written: dict[int, list[bool]] = field(default_factory=dict, repr=False)  # see as_written

    def as_written(self, cell: Cell, line: int) -> bool:
        """Whether the 0-based ``line`` of a cell is in the module as the user wrote it (not masked IPython
        syntax, not dedented)."""
        if not self.written:
            module = split_lines(self.text)
            for each in self.cells:
                original = split_lines(_source_text(self.data["cells"][each.index].get("source", "")))
                masked = module[each.first_line - 1: each.first_line - 1 + each.lines]
                self.written[each.number] = [n < len(original) and m == original[n] for n, m in enumerate(masked)]
        return self.written[cell.number][line]

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
            self.written.clear()
        return broken

    def locate(self, line: int) -> tuple[int, int]:
        """Module line -> (code cell number, line in that cell)."""
        for cell in self.cells:
            if cell.first_line <= line < cell.first_line + cell.lines:
                return cell.number, line - cell.first_line + 1
        last = self.cells[-1] if self.cells else None
        return (last.number, line - last.first_line + 1) if last else (1, line)

    def with_module(self, text: str, cells: CellMap | None = None) -> str:
        """The notebook JSON with each code cell's source taken from ``text`` (a fixed module) where ``cells``
        (the map that followed the fixes, :meth:`CellMap.after`; None: no line added or removed) puts it. A
        line no fix touched keeps its original text (IPython syntax behind its ``pass`` mask) and every line
        keeps its own line end; lines a fix wrote take the cell's. The JSON is written back in its own layout
        (indentation, escaping, final newline): outside the edited sources it stays byte for byte the same.
        CellMapError when the fixed module does not fit the cells or the layout cannot be reproduced."""
        cells = cells or CellMap.of(self)
        lines = split_lines(text)
        if len(lines) != cells.total:
            raise CellMapError("the fixed code does not fit the notebook's cells; the notebook is unchanged")
        for placed in cells.cells:
            cell = placed.cell
            raw = self.data["cells"][cell.index]
            original = _source_text(raw.get("source", ""))
            original_lines = split_lines(original)
            ends = [match.group() for match in LINE_BREAK.finditer(original)] + [""]
            default = next((end for end in ends if end), "\n")
            fixed = lines[placed.first - 1: placed.first - 1 + len(placed.origins)]
            merged = []
            for new, origin, end in zip(fixed, placed.origins, placed.ends):
                # untouched by any fix: as it was written (a masked magic keeps its text)
                merged.append((new if origin is None else original_lines[origin], ends[end] or default))
            updated = "".join(line + end for line, end in merged[:-1]) + merged[-1][0]
            if updated != original:
                raw["source"] = _jupyter_lines(updated) if cell.as_list else updated
        return _dump(self.data, self.raw)


@dataclass
class PlacedCell:
    cell: Cell
    first: int  # the module line where the cell starts now
    origins: list[int | None]  # per line now: the 0-based line of the loaded cell it still is; None: a fix wrote it
    ends: list[int]  # per line now: the line of the loaded cell whose line end it keeps (\n, \r\n or a lone \r)


class CellMap:
    """Where each code cell's lines are in a module that fixes may have made longer or shorter. A fix may edit
    only lines of one cell that hold the user's code as written (not a masked magic, not a dedented line)."""

    def __init__(self, book: Notebook, cells: list[PlacedCell]) -> None:
        self.book = book
        self.cells = cells
        self.total = sum(len(c.origins) for c in cells) + 1  # the module's last, empty line

    @staticmethod
    def of(book: Notebook) -> CellMap:
        return CellMap(book, [PlacedCell(cell, cell.first_line, list(range(cell.lines)), list(range(cell.lines)))
                              for cell in book.cells])

    def locate(self, line: int) -> tuple[PlacedCell, int] | None:
        """The cell holding a module line and the line's 0-based place in it."""
        for placed in self.cells:
            if placed.first <= line < placed.first + len(placed.origins):
                return placed, line - placed.first
        return None

    def writable(self, line: int) -> bool:
        where = self.locate(line)
        if where is None:
            return False
        placed, index = where
        origin = placed.origins[index]
        return origin is None or self.book.as_written(placed.cell, origin)

    def holds(self, edits, line: int) -> bool:
        """Whether a fix's edits (module positions) all lie in the cell of module ``line``, on lines it may edit:
        then they can be told in that cell's coordinates and written back."""
        where = self.locate(line)
        if where is None:
            return False
        for edit in edits:
            first, last = self.locate(edit.line), self.locate(edit.end_line)
            if first is None or last is None or first[0] is not where[0] or last[0] is not where[0]:
                return False
            if not all(self.writable(n) for n in range(edit.line, edit.end_line + 1)):
                return False
        return True

    def after(self, text: str, candidate: str, spans: list[tuple[int, int, str]]) -> CellMap | str:
        """The map of ``candidate``, ``text`` with ``spans`` applied, or why the edits do not fit the cells. A
        cell ends where its last line ends: text inserted there, or at its start, is the cell's own."""
        from lstmlint.fix import moved
        from lstmlint.lines import Positions

        old, new = Positions(text), Positions(candidate)
        touched: set[int] = set()
        written: dict[int, int] = {}  # a candidate line an edit wrote -> the line of text whose end it keeps
        shift = 0
        for start, end, content in spans:
            first, last = old.position(start)[0], old.position(end)[0]
            where, other = self.locate(first), self.locate(last)
            if where is None or other is None or where[0] is not other[0]:
                return "an edit spans two notebook cells"
            if not all(self.writable(line) for line in range(first, last + 1)):
                return "the fix edits IPython syntax or a dedented cell"
            touched.update(range(first, last + 1))
            top, bottom = new.position(start + shift)[0], new.position(start + shift + len(content))[0]
            for line in range(top, bottom + 1):  # the last keeps the end of the last line, the others their own
                written[line] = last if line == bottom else min(first + line - top, max(first, last - 1))
            shift += len(content) - (end - start)
        cells: list[PlacedCell] = []
        start = 0
        for placed in self.cells:
            last = placed.first + len(placed.origins) - 1
            end = moved(old.starts[last - 1] + old.lengths[last - 1], spans)
            first_line, last_line = new.position(start)[0], new.position(end)[0]
            origins: list[int | None] = [None] * (last_line - first_line + 1)
            ends = [placed.ends[-1]] * len(origins)
            for index, origin in enumerate(placed.origins):
                line = placed.first + index
                if line not in touched:
                    now = new.position(moved(old.starts[line - 1], spans))[0] - first_line
                    origins[now], ends[now] = origin, placed.ends[index]
            for line, source in written.items():
                if first_line <= line <= last_line:
                    ends[line - first_line] = placed.ends[source - placed.first]
            cells.append(PlacedCell(placed.cell, first_line, origins, ends))
            start = end + 1
        return CellMap(self.book, cells)


def _dump(data: dict, raw: bytes) -> str:
    """The notebook as JSON in the layout of ``raw``, the file it was read from (nbformat writes one space
    of indentation, others two or none; non-ASCII raw or escaped; a final newline or not; \n or \r\n)."""
    text = raw.decode("utf-8-sig")
    bom = "\ufeff" if raw.startswith(b"\xef\xbb\xbf") else ""
    # saved on Windows: every line of the JSON ends in \r\n (json.dumps writes no raw line break in a string)
    crlf = "\r\n" in text and "\n" not in text.replace("\r\n", "")
    if crlf:
        text = text.replace("\r\n", "\n")
    original = json.loads(text)
    for indent in (1, 2, 4, None, "\t", 3):
        for ascii_only in (False, True):
            for separators in ((",", ": "), (", ", ": "), (",", ":")):
                dumped = json.dumps(original, indent=indent, ensure_ascii=ascii_only, separators=separators)
                for end in ("\n", ""):
                    if dumped + end == text:
                        written = json.dumps(data, indent=indent, ensure_ascii=ascii_only, separators=separators)
                        return bom + (written + end).replace("\n", "\r\n" if crlf else "\n")
    raise CellMapError("the notebook's JSON layout (its indentation, spacing or line ends) is not one lstmlint can "
                       "write back unchanged outside the fixed cells; the notebook is unchanged")


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
    notebook = Notebook(path, nb, "", raw=data)
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
