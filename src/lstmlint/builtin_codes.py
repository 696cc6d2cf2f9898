"""The codes that no YAML rule produces: lstmlint's own diagnostics about a file (it does not parse, cannot be
read, crashed the analyzer) and the runtime checker's verdicts. Defined here once; the CLI (`lstmlint rule`), the
API that makes these findings and the SARIF reporter's rule descriptors all read this table.

Kept free of heavy imports: a warm `lstmlint check` imports it.
"""

from __future__ import annotations

from dataclasses import dataclass

# Where a user reports a bug (an LSTM003 internal error, an LSTM900 that Keras contradicts).
ISSUES_URL = "https://github.com/your-org/lstmlint/issues"


@dataclass(frozen=True)
class BuiltinCode:
    id: str
    name: str
    severity: str
    summary: str
    explanation: str  # the four sections of a rule's explanation
    # Built-in codes are lstmlint's own verdicts: never filtered by select/ignore/noqa when False.
    suppressible: bool = True
    category: str = "parse"  # the SARIF descriptor's tag
    keras: tuple[int, ...] = (2, 3)
    fix: None = None  # none of them has a fix; the attribute lets `lstmlint rule` treat them like rules


SYNTAX_ERROR = BuiltinCode(
    "LSTM001", "syntax-error", "error", "The file does not parse as Python, so lstmlint cannot check it.",
    "## What it does\nReports a file that is not valid Python (or nests too deeply to analyse), at the position "
    "of the error. The other files are still checked.\n\n## Why is this bad?\nNothing in the file can be checked, "
    "and Python rejects it too.\n\n## Example\n```python\nmodel = keras.Sequential([\n```\n\n## Use instead\n"
    "Fix the syntax error.")

UNREADABLE = BuiltinCode(
    "LSTM002", "unreadable-file", "error", "The file cannot be read or decoded as Python source.",
    "## What it does\nReports a file that cannot be read, or whose bytes do not decode in the encoding Python "
    "would use (UTF-8, a BOM or a PEP 263 coding cookie), a special file (FIFO, device) and a file over 1 MB, "
    "which is not analysed. The other files are still checked.\n\n## Why is this bad?\nNothing in the file can be "
    "checked, and Python cannot import it either.\n\n## Example\nA Latin-1 file without a "
    "`# -*- coding: latin-1 -*-` line.\n\n## Use instead\nSave the file as UTF-8, or declare its encoding with a "
    "coding cookie; split generated files over 1 MB or exclude them.")

INTERNAL_ERROR = BuiltinCode(
    "LSTM003", "internal-error", "error", "lstmlint failed on this file: a bug in lstmlint, not in your code.",
    "## What it does\nReports a file on which lstmlint itself raised an exception while analysing, linting, "
    "explaining, fixing or reporting it, with the exception in one line. The file was not checked (and a fix was "
    "not written); every other file still is, and the run exits 2, as ruff does for its internal errors. "
    "`--show-traceback` prints the traceback on stderr. An internal error cannot be silenced by `--ignore`, "
    "`per-file-ignores` or `# noqa`: exclude the file instead until lstmlint is fixed.\n\n"
    "## Why is this bad?\nA file that lstmlint could not check may hide any of the mistakes the rules look "
    f"for.\n\n## Example\nA construct the analyzer does not expect.\n\n## Use instead\nPlease report it at "
    f"{ISSUES_URL} with the file (or the smallest part of it that still fails) and the output of "
    "`--show-traceback`.",
    suppressible=False, category="internal")

KERAS_BUILD_ERROR = BuiltinCode(
    "LSTM900", "keras-build-error", "error", "Keras refuses to build a model that no rule flagged.",
    "## What it does\nWith `--runtime`, lstmlint rebuilds every fully known model in real Keras, in a worker "
    "process that never imports or runs your code. When Keras refuses to build a model and no static rule "
    "predicted it, this finding carries Keras's own message at the layer that failed.\n\n## Why is this bad?\n"
    "The script fails when it builds the model, often after its data has been loaded.\n\n## Example\n"
    "```python\nkeras.Sequential([keras.Input((None, 40, 40, 1)), keras.layers.ConvLSTM2D(4, (50, 50))])\n```\n"
    "(a kernel larger than the frame)\n\n## Use instead\nFollow Keras's message. If you believe Keras builds the "
    f"model, please report it at {ISSUES_URL}.", category="runtime")

KERAS_CALL_ERROR = BuiltinCode(
    "LSTM901", "keras-call-error", "error", "Keras refuses a fit/predict/evaluate call that no rule flagged.",
    "## What it does\nWith `--runtime`, lstmlint runs each rebuilt model on zero arrays of the shapes a `fit`, "
    "`predict` or `evaluate` call passes (never your data, never your code). When Keras refuses the call and no "
    "static rule predicted it, this finding carries Keras's own message at the call.\n\n## Why is this bad?\n"
    "The script fails at that call, usually after the model was built and the data loaded.\n\n## Example\n"
    "Data of shape `(100, 20, 1)` given to a model whose input is `(1, 20)`.\n\n## Use instead\nFollow Keras's "
    f"message. If you believe Keras accepts the call, please report it at {ISSUES_URL}.", category="runtime")

STATIC_RUNTIME_MISMATCH = BuiltinCode(
    "LSTM902", "static-runtime-mismatch", "warning",
    "Keras computes other shapes or parameter counts than lstmlint for a model.",
    "## What it does\nWith `--runtime`, Keras is lstmlint's oracle: a rebuilt model is confirmed only when the "
    "output shapes and parameter counts Keras computes equal the ones lstmlint computed statically. Where they "
    "differ (a layer, or the model's total), this finding names both values, and every finding on that model "
    "stays `unchecked`.\n\n## Why is this bad?\nlstmlint printed a shape or count Keras would not compute: a bug "
    "in lstmlint, and its findings on that model cannot be trusted.\n\n## Example\nA model whose layers lstmlint "
    "reads differently from Keras.\n\n## Use instead\nNothing to change in your code: please report it at "
    f"{ISSUES_URL} with the model's code.", category="runtime")

CODES: dict[str, BuiltinCode] = {code.id: code for code in (
    SYNTAX_ERROR, UNREADABLE, INTERNAL_ERROR, KERAS_BUILD_ERROR, KERAS_CALL_ERROR, STATIC_RUNTIME_MISMATCH)}


def lookup(code: str) -> BuiltinCode | None:
    return CODES.get(code.upper())
