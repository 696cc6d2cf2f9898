"""Reach: of the Keras recurrent layers a tree constructs, how many `lstmlint explain` puts in a model, and of
how many it knows the parameter count (units and input features).

Run by hand (never by the tests or CI), from anywhere:

    python bench/reach.py                  # ../shared/corpus/apps relative to the repository root
    python bench/reach.py some/tree --json reach.json --list-missing

The count is independent of lstmlint: CPython's ``ast`` of every .py file and of every notebook's code cells,
no lstmlint import. Counting rule:

- a recurrent layer is a call whose callee is ``LSTM``, ``GRU``, ``SimpleRNN``, ``ConvLSTM1D``, ``ConvLSTM2D``,
  ``ConvLSTM3D``, ``CuDNNLSTM``, ``CuDNNGRU`` or ``RNN``, written as a bare name or as the last part of an
  attribute chain (``layers.LSTM``, ``tf.keras.layers.LSTM``), where the file is Keras code: the callee's
  name or the chain's first name is bound by an import from ``keras``, ``tensorflow`` or ``tf_keras``
  (``from keras.layers import *`` binds every bare name). Cells (``LSTMCell``…) are not layers: an
  ``RNN(LSTMCell(...))`` counts once, as the RNN;
- ``Bidirectional(LSTM(...))`` is one recurrent layer: the wrapped call counts, the wrapper does not. It is
  matched at either line (the wrapper's or the wrapped call's), since explain lists it as the wrapper's row;
  so is ``forward = LSTM(...)`` then ``Bidirectional(forward)`` in the same function (the latest such
  assignment before the wrapper);
- a layer is "in a model" when an explain row of the same file names that line (a recurrent class or
  ``Bidirectional``, or the ``RNN`` of a cell), and its parameters are known when that row's ``params`` is
  a number. A layer constructed once and used in two models counts once.

Notebook lines are module lines, as explain prints them: the code cells in order, one after another.
"""

from __future__ import annotations

import argparse
import ast
import json
import os
import re
import subprocess
import sys
import warnings
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RECURRENT = {"LSTM", "GRU", "SimpleRNN", "ConvLSTM1D", "ConvLSTM2D", "ConvLSTM3D", "CuDNNLSTM", "CuDNNGRU", "RNN"}
ROWS = RECURRENT | {"Bidirectional"}
KERAS_ROOTS = ("keras", "tensorflow", "tf_keras")
_MAGIC = re.compile(r"^\s*(%|!)")
_LINE_BREAK = re.compile(r"\r\n|\r|\n")


def notebook_code(path: Path) -> str | None:
    """The code cells joined in order, IPython lines (``%magic``, ``!shell``) blanked so lines keep their place."""
    try:
        book = json.loads(path.read_bytes().decode("utf-8-sig"))
    except (ValueError, OSError):
        return None
    cells = []
    for cell in book.get("cells", []) if isinstance(book, dict) else []:
        if isinstance(cell, dict) and cell.get("cell_type") == "code":
            source = cell.get("source", "")
            source = "".join(source) if isinstance(source, list) else str(source)
            # the module's lines are the cell's as lstmlint splits them (notebook.py): a source that ends with
            # a line break has an empty last line, and only \r\n, \r and \n break lines
            lines = _LINE_BREAK.split(source)
            if lines[0].lstrip().startswith("%%"):
                lines = [""] * len(lines)
            cells.append("\n".join("" if _MAGIC.match(line) else line for line in lines))
    return "\n".join(cells) + "\n"


def _keras_module(module: str | None) -> bool:
    return module is not None and module.split(".")[0] in KERAS_ROOTS


def recurrent_layers(tree: ast.AST) -> list[tuple[int, int]]:
    """(line of the layer's call, line of its Bidirectional wrapper or the same line) per recurrent layer."""
    bound: set[str] = set()  # local names bound by a Keras import
    star = False
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                if _keras_module(alias.name):
                    bound.add(alias.asname or alias.name.split(".")[0])
        elif isinstance(node, ast.ImportFrom) and not node.level and _keras_module(node.module):
            for alias in node.names:
                if alias.name == "*":
                    star = True
                else:
                    bound.add(alias.asname or alias.name)

    def name_of(func: ast.expr) -> str | None:
        if isinstance(func, ast.Name):
            return func.id if (func.id in bound or star) else None
        chain = func
        while isinstance(chain, ast.Attribute):
            chain = chain.value
        if isinstance(func, ast.Attribute) and isinstance(chain, ast.Name) and chain.id in bound:
            return func.attr
        return None

    wrapped: dict[int, int] = {}  # id(call) -> the wrapper's line
    for scope in (n for n in ast.walk(tree) if isinstance(n, (ast.Module, ast.FunctionDef, ast.AsyncFunctionDef))):
        # `forward = LSTM(...)` then `Bidirectional(forward)` in the same function: the wrapper's row stands for
        # that call too (the latest such assignment before the wrapper)
        assigned: list[tuple[int, str, ast.Call]] = []
        wrappers: list[ast.Call] = []
        for node in _own_nodes(scope):
            if isinstance(node, ast.Assign) and len(node.targets) == 1 and isinstance(node.targets[0], ast.Name) \
                    and isinstance(node.value, ast.Call) and name_of(node.value.func) in RECURRENT:
                assigned.append((node.lineno, node.targets[0].id, node.value))
            elif isinstance(node, ast.Call) and name_of(node.func) == "Bidirectional":
                wrappers.append(node)
        for node in wrappers:
            inner = node.args[0] if node.args else next((k.value for k in node.keywords if k.arg == "layer"), None)
            if isinstance(inner, ast.Call):
                wrapped[id(inner)] = node.lineno
            elif isinstance(inner, ast.Name):
                before = [(line, call) for line, name, call in assigned if name == inner.id and line < node.lineno]
                if before:
                    wrapped.setdefault(id(max(before, key=lambda pair: pair[0])[1]), node.lineno)
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and name_of(node.func) in RECURRENT:
            found.append((node.lineno, wrapped.get(id(node), node.lineno)))
    return found


def _own_nodes(scope: ast.AST):
    """The nodes of a module or function body, not those of the functions, lambdas and classes inside it."""
    stack = list(ast.iter_child_nodes(scope))
    while stack:
        node = stack.pop()
        yield node
        if not isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda, ast.ClassDef)):
            stack.extend(ast.iter_child_nodes(node))


def count(tree_root: Path) -> dict[str, list[tuple[int, int]]]:
    layers: dict[str, list[tuple[int, int]]] = {}
    for folder, dirs, files in os.walk(tree_root):
        dirs[:] = sorted(d for d in dirs if not d.startswith("."))
        for name in sorted(files):
            path = Path(folder, name)
            if name.endswith(".py"):
                try:
                    text = path.read_bytes().decode("utf-8", "replace")
                except OSError:
                    continue
            elif name.endswith(".ipynb"):
                text = notebook_code(path)
            else:
                continue
            if text is None:
                continue
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                try:
                    tree = ast.parse(text)
                except (SyntaxError, ValueError, RecursionError, MemoryError):
                    continue  # the count is of code Python reads; Python 2 files are not counted
            found = recurrent_layers(tree)
            if found:
                layers[str(path.resolve())] = found
    return layers


def explain(tree_root: Path, extra: list[str]) -> list[dict]:
    """`lstmlint explain --format json` over the tree, as the user runs it (the lstmlint this interpreter has)."""
    run = subprocess.run([sys.executable, "-m", "lstmlint", "explain", "--format", "json", *extra, str(tree_root)],
                         capture_output=True, text=True, cwd=tree_root)
    if run.returncode not in (0, 1) or not run.stdout.strip():
        sys.exit(f"lstmlint explain failed ({run.returncode}):\n{run.stderr[-2000:]}")
    return json.loads(run.stdout)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    default = ROOT.parent / "shared" / "corpus" / "apps"
    parser.add_argument("tree", nargs="?", type=Path, default=default if default.exists() else None)
    parser.add_argument("--json", type=Path, help="also write the figures (and the layers missed) as JSON here")
    parser.add_argument("--list-missing", action="store_true", help="print the layers not in a model, not known")
    parser.add_argument("--explain-arg", action="append", default=[], help="passed on to lstmlint explain")
    args = parser.parse_args()
    if args.tree is None:
        parser.error("no tree given, and ../shared/corpus/apps does not exist")
    root = args.tree.resolve()
    layers = count(root)
    rows: dict[tuple[str, int], list[dict]] = {}
    for model in explain(root, args.explain_arg):
        path = str((root / model["path"]).resolve())
        for row in model["layers"]:
            if row["class"] in ROWS:
                rows.setdefault((path, row["line"]), []).append(row)
    total = in_model = known = 0
    missing, unknown = [], []
    for path, found in sorted(layers.items()):
        for line, wrapper in found:
            total += 1
            matched = rows.get((path, line), []) + (rows.get((path, wrapper), []) if wrapper != line else [])
            if matched:
                in_model += 1
                if any(isinstance(r["params"], int) for r in matched):
                    known += 1
                else:
                    unknown.append(f"{os.path.relpath(path, root)}:{line}")
            else:
                missing.append(f"{os.path.relpath(path, root)}:{line}")
    share = (lambda n: f"{100 * n / total:.0f}%") if total else (lambda n: "-")
    print(f"tree: {root}")
    print(f"recurrent layers found by ast:          {total} (in {len(layers)} files)")
    print(f"in a model in `lstmlint explain`:       {in_model} ({share(in_model)})")
    print(f"parameter count known:                  {known} ({share(known)})")
    if args.list_missing:
        print("\nnot in a model:\n  " + "\n  ".join(missing))
        print("\nin a model, parameters unknown:\n  " + "\n  ".join(unknown))
    if args.json:
        args.json.write_text(json.dumps({"tree": str(root), "layers": total, "in_model": in_model, "known": known,
                                         "not_in_model": missing, "unknown_params": unknown}, indent=1) + "\n")


if __name__ == "__main__":
    main()
