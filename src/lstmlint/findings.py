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


@dataclass
class Fix:
    description: str
    applicability: str  # safe | unsafe
    edits: list[Edit] = field(default_factory=list)


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
    # The text of the finding's line as read from the file (see lstmlint.filelint.raw_lines), for SARIF's
    # fingerprints: carried here so that no reporter reads the file again. Not part of any output format.
    line_text: str | None = field(default=None, compare=False, repr=False)

    def sort_key(self) -> tuple:
        return (self.path, self.line, self.column, self.rule)

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
            "fix": asdict(self.fix) if self.fix else None,
            "runtime": self.runtime,
        }
        if self.cell is not None:
            data["cell"] = self.cell
        return data
