"""What a check produces: findings (and the edits of their fixes), independent of any output format."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any


@dataclass(frozen=True)
class Edit:
    """Replace [start, end) with ``content``; 1-based lines and columns."""

    line: int
    column: int
    end_line: int
    end_column: int
    content: str
    # the code the edit is meant for (line, column, end_line, end_column) when it is not the finding's own (an
    # import, another use of a renamed name): the fix's proof holds the edit to it (lstmlint.proof)
    aim: tuple[int, int, int, int] | None = field(default=None, compare=False, repr=False)

    def to_json(self) -> dict[str, Any]:
        return {"line": self.line, "column": self.column, "end_line": self.end_line, "end_column": self.end_column,
                "content": self.content}


@dataclass
class Fix:
    description: str
    applicability: str  # safe | unsafe
    edits: list[Edit] = field(default_factory=list)


class LineRef(int):
    """A line of the same file that a message cites: it prints as ``line N``, and make_finding records it in
    ``Finding.line_refs`` so that a notebook's message can cite the line as the finding's own position does (cell
    and line in the cell) rather than in the module of concatenated cells."""

    def __format__(self, spec: str) -> str:
        return f"line {int(self)}"

    def __str__(self) -> str:
        return f"line {int(self)}"


@dataclass
class Note:
    """A finding folded into another one (engine/cascade.py): derived from a declaration that the other finding
    reports as wrong, it is kept as a note of what else that declaration breaks."""

    rule: str
    name: str
    line: int
    column: int
    end_line: int
    end_column: int
    message: str
    cell: int | None = None

    def to_json(self) -> dict[str, Any]:
        data = {k: v for k, v in asdict(self).items() if k != "cell"}
        if self.cell is not None:
            data["cell"] = self.cell
        return data


@dataclass
class Finding:
    path: str
    line: int
    column: int
    end_line: int
    end_column: int
    rule: str
    name: str
    severity: str
    message: str
    fix: Fix | None = None
    runtime: str = "unchecked"
    cell: int | None = None  # notebooks: 1-based code cell
    # Where the finding came from in the IR: (index into Module.models, index into Model.layers or None), and
    # for a finding on a model call a third item, the index into Model.calls. Not part of any output format;
    # the runtime checker uses it to pair findings with Keras's verdict.
    origin: tuple[int, ...] | None = field(default=None, compare=False)
    # LSTM003 internal errors: the traceback, printed by --show-traceback; not part of any output format either.
    traceback: str | None = field(default=None, compare=False, repr=False)
    # The module lines the message cites as "line N", in order (see LineRef); not part of any output format.
    line_refs: tuple[int, ...] = field(default=(), compare=False, repr=False)
    # Findings folded into this one (engine/cascade.py): in JSON as "notes", in SARIF as related locations.
    notes: list[Note] = field(default_factory=list)
    # Declarations this finding reports as wrong (``blames``) or was derived from (``depends``), as (model index,
    # layer index) of the input node; how it reads when folded (``note``). Not part of any output format.
    blames: tuple[tuple[int, int], ...] = field(default=(), compare=False, repr=False)
    depends: tuple[tuple[int, int], ...] = field(default=(), compare=False, repr=False)
    note: str = field(default="", compare=False, repr=False)
    # The text of the finding's line as read from the file (see lstmlint.filelint.raw_lines), for SARIF's
    # fingerprints: carried here so that no reporter reads the file again. Not part of any output format.
    line_text: str | None = field(default=None, compare=False, repr=False)

    def sort_key(self) -> tuple:
        return (self.path, self.cell or 0, self.line, self.column, self.rule)

    def to_json(self) -> dict[str, Any]:
        data = {
            "path": self.path,
            "line": self.line,
            "column": self.column,
            "end_line": self.end_line,
            "end_column": self.end_column,
            "rule": self.rule,
            "name": self.name,
            "severity": self.severity,
            "message": self.message,
            "fix": {"description": self.fix.description, "applicability": self.fix.applicability,
                    "edits": [edit.to_json() for edit in self.fix.edits]} if self.fix else None,
            "runtime": self.runtime,
        }
        if self.cell is not None:
            data["cell"] = self.cell
        if self.notes:
            data["notes"] = [note.to_json() for note in self.notes]
        return data
