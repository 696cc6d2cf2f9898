"""Proof that a fix changed only what it meant to: black's "equivalent AST" check, narrowed to our edits.

Each edit belongs to the smallest syntax node of the original that holds it (an insertion right before a node
belongs to that node: a statement or list element put in front of it). Those nodes are the fix's *regions*.
The fixed text must then

- equal the original character for character outside the regions, and
- have the same syntax tree as the original once each region is masked on both sides: in the fixed tree a
  region is the node, or the run of sibling nodes (statements, list elements), that exactly covers the
  region's new text;
- keep each region's kind (a call keeps its callee unless an edit is in it; several siblings only where an
  insertion put one in front; anything only where an edit replaced the whole node), and
- with targets (the layer or call each finding is about), hold each region inside its target, or, for an
  insertion in front of a node, hold the target.

So an edit that lands one character outside the call it was meant for, or that changes how the code around
it parses (an unclosed bracket or quote, a keyword moved into the enclosing call), is caught even when the
result still parses.
"""

from __future__ import annotations

import ast
import bisect
import warnings
from dataclasses import dataclass

from lstmlint.lines import Positions

Position = tuple[int, int]  # (1-based line, 0-based UTF-8 byte column): CPython's own coordinates
_PLACEHOLDER = "\x00edited region {}"


@dataclass
class Region:
    start: Position
    end: Position
    node: ast.AST
    edits: list[int]  # indexes of the edits it holds
    removed: bool = False  # a statement deleted with its whole lines (``node``, gone from the fixed tree)


def _parse(text: str) -> ast.Module | None:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            return ast.parse(text)
        except (SyntaxError, ValueError, RecursionError, MemoryError):
            return None


def _span(node: ast.AST) -> tuple[Position, Position] | None:
    if getattr(node, "end_lineno", None) is None or getattr(node, "lineno", None) is None:
        return None
    return (node.lineno, node.col_offset), (node.end_lineno, node.end_col_offset)  # type: ignore[attr-defined]


class _Tree:
    """Finds the node an edit is in by walking down from the root (each level bisected by position)."""

    def __init__(self, tree: ast.AST) -> None:
        self.tree = tree
        self.levels: dict[int, tuple[list[ast.AST], list[Position]]] = {}

    def _children(self, node: ast.AST) -> tuple[list[ast.AST], list[Position]]:
        """The positioned nodes right below ``node`` (through nodes without a position, such as ``arguments``),
        in source order, and their starts."""
        cached = self.levels.get(id(node))
        if cached is None:
            found: list[ast.AST] = []
            stack = list(reversed(list(ast.iter_child_nodes(node))))
            while stack:
                child = stack.pop()
                if _span(child) is None:
                    stack.extend(reversed(list(ast.iter_child_nodes(child))))
                else:
                    found.append(child)
            found.sort(key=lambda n: _span(n)[0])
            cached = self.levels[id(node)] = (found, [_span(n)[0] for n in found])
        return cached

    def _holder(self, node: ast.AST, start: Position, end: Position, strict: bool) -> ast.AST | None:
        """The child of ``node`` that holds [start, end) (strictly inside, for a point)."""
        children, starts = self._children(node)
        index = bisect.bisect_right(starts, start)
        # siblings do not overlap: the holder is among the last ones that start at or before ``start``
        for child in reversed(children[max(index - 3, 0): index]):
            s, e = _span(child)
            if (s < start < e) if strict else (s <= start and end <= e):
                return child
        return None

    def region(self, start: Position, end: Position) -> ast.AST | None:
        """The smallest node holding [start, end) (the outermost of nodes with that same span); for an
        insertion, the outermost node that begins there, else the smallest holding the point strictly."""
        path: list[ast.AST] = []
        node = self.tree
        while True:
            if start == end:
                children, starts = self._children(node)
                index = bisect.bisect_left(starts, start)
                if index < len(starts) and starts[index] == start:
                    return children[index]
            child = self._holder(node, start, end, strict=start == end)
            if child is None:
                break
            path.append(child)
            node = child
        if not path:
            return None
        span = _span(path[-1])
        index = next(i for i, n in enumerate(path) if _span(n) == span)
        # an argument that an edit replaces whole may change from positional to keyword (``LSTM(8)`` ->
        # ``LSTM(units=16)``): its region is the whole call, whose callee must still stay the same
        parents = [self.tree, *path[:index]]
        node, parent = path[index], parents[-1]
        if isinstance(parent, ast.keyword) and len(parents) > 1:
            node, parent = parent, parents[-2]
        if span == (start, end) and isinstance(parent, ast.Call) and (node in parent.args or node in parent.keywords):
            return parent
        return path[index]


@dataclass
class Expected:
    """What a region may become in the fixed tree."""

    kind: tuple[str, str | None] | None  # the node type (and a call's callee) it keeps; None: anything
    run: bool  # may become several sibling nodes (an insertion put one in front of it)


def _kind(node: ast.AST, callee_edited: bool) -> tuple[str, str | None]:
    """What an edited node must stay: its type and, for a call whose callee no edit touches, the callee (a
    keyword inserted into ``LSTM(4)`` may not turn it into ``LSTM(4)(x)`` or ``LSTM(4) + 1``)."""
    if isinstance(node, ast.Call) and not callee_edited:
        return type(node).__name__, ast.dump(node.func)
    return type(node).__name__, None


def _mask(tree: ast.AST, regions: list[tuple[Position, Position]],
          expected: list[Expected] | None = None) -> tuple[set[int], set[int]]:
    """Replace, in place, each region by a placeholder name: the outermost node with exactly its span, or a
    run of sibling nodes in one list field from its start to its end. With ``expected``, the node (or a
    run's last node, the one that was there) must keep its kind. Returns the regions met and those that did
    not become what was expected."""
    by_start = {start: (index, end) for index, (start, end) in enumerate(regions)}
    met: set[int] = set()
    wrong: set[int] = set()

    def placeholder(index: int, nodes: list[ast.AST]) -> ast.Name:
        met.add(index)
        if expected is not None:
            rule = expected[index]
            if len(nodes) > 1 and not rule.run:
                wrong.add(index)
            if rule.kind is not None and _kind(nodes[-1], rule.kind[1] is None) != rule.kind:
                wrong.add(index)
        return ast.Name(id=_PLACEHOLDER.format(index), ctx=ast.Load())

    stack = [tree]
    while stack:
        node = stack.pop()
        for field, value in ast.iter_fields(node):
            if isinstance(value, list):
                replaced: list = []
                i = 0
                while i < len(value):
                    child = value[i]
                    run = _run(value, i, by_start)
                    if run is not None:
                        replaced.append(placeholder(run[0], value[i: run[1] + 1]))
                        i = run[1] + 1
                        continue
                    replaced.append(child)
                    if isinstance(child, ast.AST):
                        stack.append(child)
                    i += 1
                setattr(node, field, replaced)
            elif isinstance(value, ast.AST):
                span = _span(value)
                hit = by_start.get(span[0]) if span else None
                if hit is not None and span[1] == hit[1]:
                    setattr(node, field, placeholder(hit[0], [value]))
                else:
                    stack.append(value)
    return met, wrong


def _run(siblings: list, first: int, by_start) -> tuple[int, int] | None:
    """(region, index of the last sibling) when the siblings from ``first`` on exactly cover a region."""
    span = _span(siblings[first]) if isinstance(siblings[first], ast.AST) else None
    hit = by_start.get(span[0]) if span else None
    if hit is None:
        return None
    index, end = hit
    for last in range(first, len(siblings)):
        later = _span(siblings[last]) if isinstance(siblings[last], ast.AST) else None
        if later is None or later[1] > end:
            return None
        if later[1] == end:
            return index, last
    return None


def check(before: str, after: str, edits: list[tuple[int, int, str]],
          targets: list[tuple[int, int]] | None = None) -> str | None:
    """None when ``after`` is ``before`` with ``edits`` (character offsets ``[start, end)`` in ``before`` and
    the new text, sorted and not overlapping) changing nothing outside the syntax nodes they edit; else why
    not, in a few words. ``targets`` (one per edit) are the spans of the code each edit is meant for (the
    finding's layer or call): an edit's node must lie inside it or, for an insertion in front of a node,
    hold it."""
    if not edits:
        return None if before == after else "the text changed where no edit was"
    old_tree, new_tree = _parse(before), _parse(after)
    if old_tree is None or new_tree is None:
        return "the code does not parse"
    old, new = Positions(before), Positions(after)
    finder = _Tree(old_tree)
    found: list[Region] = []
    for number, (start, end, content) in enumerate(edits):
        statement = _removed_statement(old_tree, old, start, end) if content == "" else None
        if statement is not None:  # a whole statement deleted with its lines: it must be the one aimed at
            s, e = _span(statement)
            if targets is not None and not (targets[number][0] <= old.byte_offset(s)
                                            and old.byte_offset(e) <= targets[number][1]):
                return "an edit lies outside the code it fixes"
            found.append(Region(old.byte_position(start), old.byte_position(end), statement, [number], True))
            continue
        node = finder.region(old.byte_position(start), old.byte_position(end))
        if node is None:
            return "an edit lies outside any statement"
        s, e = _span(node)
        if targets is not None:
            first, last = old.byte_offset(s), old.byte_offset(e)
            aim = targets[number]
            if start == end == first:
                inside = first <= aim[0] and aim[1] <= last
            else:
                inside = aim[0] <= first and last <= aim[1]
            if not inside:
                return "an edit lies outside the code it fixes"
        found.append(Region(s, e, node, [number]))
    # nested or equal regions merge into the outer one
    found.sort(key=lambda r: (r.start, (-r.end[0], -r.end[1])))
    regions: list[Region] = []
    for region in found:
        if regions and (region.removed or regions[-1].removed) and region.start < regions[-1].end:
            return "two edited regions overlap"
        if regions and region.start >= regions[-1].start and region.end <= regions[-1].end:
            regions[-1].edits.extend(region.edits)
        elif regions and region.start < regions[-1].end:
            return "two edited regions overlap"
        else:
            regions.append(region)
    # each region's text in the fixed file: shifted by the edits before it, grown by its own
    shift = 0
    spans_before: list[tuple[int, int]] = []
    spans_after: list[tuple[int, int]] = []
    for region in regions:
        a, b = old.byte_offset(region.start), old.byte_offset(region.end)
        own = sum(len(edits[i][2]) - (edits[i][1] - edits[i][0]) for i in region.edits)
        if any(not a <= edits[i][0] <= edits[i][1] <= b for i in region.edits):
            return "an edit lies outside its region"
        spans_before.append((a, b))
        spans_after.append((a + shift, b + shift + own))
        shift += own
    if len(after) != len(before) + shift:
        return "the text changed where no edit was"
    previous_old = previous_new = 0
    for (a, b), (a2, b2) in zip(spans_before, spans_after):
        if before[previous_old:a] != after[previous_new:a2]:
            return "the text changed outside the edited code"
        previous_old, previous_new = b, b2
    if before[previous_old:] != after[previous_new:]:
        return "the text changed outside the edited code"
    for region in regions:
        if region.removed:
            _remove(old_tree, region.node)
    kept = [(r, before_span, after_span) for r, before_span, after_span in zip(regions, spans_before, spans_after)
            if not r.removed]
    old_marks = [(r.start, r.end) for r, _, _ in kept]
    new_marks = [(new.byte_position(a), new.byte_position(b)) for _, _, (a, b) in kept]
    everything = set(range(len(kept)))
    expected = [_expected(r, span, edits, old) for r, span, _ in kept]
    if _mask(old_tree, old_marks)[0] != everything:
        return "an edited region is not a syntax node"
    met, wrong = _mask(new_tree, new_marks, expected)
    if met != everything:
        return "the edited code does not form the same syntax nodes"
    if wrong:
        return "an edited node became a different kind of node"
    if ast.dump(old_tree) != ast.dump(new_tree):
        return "the syntax tree changed outside the edited code"
    return None


def _removed_statement(tree: ast.Module, old: Positions, start: int, end: int) -> ast.stmt | None:
    """The statement that ``[start, end)`` deletes with its whole lines — from the start of its first line
    (indentation only before it) to the start of the line after its last (a comment only after it) — or None.
    A statement sharing a line with another (``a; b``) is never one."""
    import re

    (first, column), (after, end_column) = old.byte_position(start), old.byte_position(end)
    if column != 0 or end_column != 0 or after <= first:
        return None
    lines = old.text[start:end]
    indent = len(lines) - len(lines.lstrip(" \t"))
    for node in ast.walk(tree):
        if not isinstance(node, ast.stmt) or node.lineno != first:
            continue
        if node.col_offset != len(lines[:indent].encode()) or node.end_lineno != after - 1:
            return None
        rest = old.text[old.byte_offset((node.end_lineno, node.end_col_offset)):end]  # type: ignore[arg-type]
        return node if re.fullmatch(r"[ \t]*(#[^\r\n]*)?(\r\n|\r|\n)", rest) else None
    return None


def _remove(tree: ast.AST, statement: ast.stmt) -> None:
    """Take a statement out of the body that holds it."""
    for node in ast.walk(tree):
        for _, value in ast.iter_fields(node):
            if isinstance(value, list) and any(item is statement for item in value):
                value[:] = [item for item in value if item is not statement]
                return


def _expected(region: Region, span: tuple[int, int], edits: list[tuple[int, int, str]], old: Positions) -> Expected:
    """A region replaced as a whole may become anything (``model.reset_states()`` -> a loop); one with an
    insertion at its start may gain siblings in front (an ``Input`` before the layer); otherwise it keeps its
    kind, and a call keeps its callee unless an edit is in it."""
    mine = [edits[i] for i in region.edits]
    if any((start, end) == span for start, end, _ in mine):
        return Expected(None, run=False)
    run = any(start == end == span[0] for start, end, _ in mine)
    func = getattr(region.node, "func", None)
    callee = _span(func) if isinstance(region.node, ast.Call) and func is not None else None
    edited = callee is not None and any(
        start < old.byte_offset(callee[1]) and end > old.byte_offset(callee[0]) for start, end, _ in mine)
    return Expected(_kind(region.node, edited), run)
