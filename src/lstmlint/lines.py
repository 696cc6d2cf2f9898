"""Python's line model, the only one lstmlint uses: a line ends at ``\\r\\n``, ``\\r`` or ``\\n`` and nowhere else.

CPython's tokenizer, libcst and LSP all split lines this way. ``str.splitlines()`` does not: it also breaks at
``\\f``, ``\\v``, ``\\x1c``-``\\x1e``, ``\\x85``, ``\\u2028`` and ``\\u2029``, which may sit in comments, strings or
(form feed) indentation, so a line number or column computed with it points at the wrong place.
"""

from __future__ import annotations

import bisect
import re
from collections import Counter

LINE_BREAK = re.compile(r"\r\n|\r|\n")


def split_lines(text: str) -> list[str]:
    """The lines without their ends; a final line break is followed by an empty last line (as in LSP)."""
    return LINE_BREAK.split(text)


def lines_with_ends(text: str) -> list[str]:
    """The lines with their ends, joining back to ``text``; no empty last line after a final line break."""
    lines: list[str] = []
    start = 0
    for match in LINE_BREAK.finditer(text):
        lines.append(text[start: match.end()])
        start = match.end()
    if start < len(text):
        lines.append(text[start:])
    return lines


def line_starts(text: str) -> list[int]:
    """The offset in ``text`` where each line starts (index 0 is line 1)."""
    return [0, *(match.end() for match in LINE_BREAK.finditer(text))]


def line_of(text: str, offset: int) -> int:
    """The 1-based line holding ``offset``."""
    return len(LINE_BREAK.findall(text, 0, offset)) + 1


def dominant_newline(text: str) -> str:
    """The line end a file uses most (the first one seen on a tie; ``\\n`` without any), for new lines."""
    counts = Counter(match.group() for match in LINE_BREAK.finditer(text))
    if not counts:
        return "\n"
    return max(counts, key=lambda end: counts[end])  # Counter keeps first-seen order; max keeps the first tie


class Positions:
    """One text's positions: character offsets <-> (1-based line, 1-based code-point column), lstmlint's own,
    and <-> CPython's (1-based line, 0-based UTF-8 byte column). The one converter the fixes and their proof
    use (the language server adds LSP's units on top of lines, see lstmlint.lsp.Positions)."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.starts = line_starts(text)
        self.lengths = [len(line) for line in split_lines(text)]  # without the line ends

    def offset(self, line: int, column: int) -> int:
        """ValueError for a position outside the text."""
        if not 1 <= line <= len(self.starts):
            raise ValueError(f"outside the file (line {line})")
        if not 1 <= column <= self.lengths[line - 1] + 1:
            raise ValueError(f"outside line {line} (column {column})")
        return self.starts[line - 1] + column - 1

    def position(self, offset: int) -> tuple[int, int]:
        line = bisect.bisect_right(self.starts, offset)
        return line, offset - self.starts[line - 1] + 1

    def byte_position(self, offset: int) -> tuple[int, int]:
        """CPython's (line, UTF-8 byte column) of a character offset."""
        line = bisect.bisect_right(self.starts, offset)
        start = self.starts[line - 1]
        return line, len(self.text[start:offset].encode("utf-8", "surrogatepass"))

    def byte_offset(self, position: tuple[int, int]) -> int:
        """The character offset of CPython's (line, UTF-8 byte column)."""
        line, column = position
        start = self.starts[line - 1]
        end = self.starts[line] if line < len(self.starts) else len(self.text)
        encoded = self.text[start:end].encode("utf-8", "surrogatepass")
        return start + len(encoded[:column].decode("utf-8", "surrogatepass"))
