"""Python's line model, the only one lstmlint uses: a line ends at ``\\r\\n``, ``\\r`` or ``\\n`` and nowhere else.

CPython's tokenizer, libcst and LSP all split lines this way. ``str.splitlines()`` does not: it also breaks at
``\\f``, ``\\v``, ``\\x1c``-``\\x1e``, ``\\x85``, ``\\u2028`` and ``\\u2029``, which may sit in comments, strings or
(form feed) indentation, so a line number or column computed with it points at the wrong place.
"""

from __future__ import annotations

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
