"""Safe fixes: properties over random Keras programs dressed in hostile text (random line ends per line,
form feeds, non-ASCII and U+2028, NEL, \\v, \\x1c in strings and comments): every result parses, its syntax
tree equals the original's outside the edited layer calls, no fix is refused, fixing again changes nothing and
every line end is kept. Plus the CLI's handling of permissions, encodings and a failing write."""

from __future__ import annotations

import ast
import os
import re
import stat
from collections import Counter

import pytest
from conftest import run_cli
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from test_fuzz import CONFIG, RULES, keras_programs

from lstmlint import api

FAULTY = ("import keras\n"
          "model = keras.Sequential([keras.Input((10, 3)), keras.layers.LSTM(8), keras.layers.LSTM(4)])\n")
# Python's line ends, written out here rather than imported: this test checks lstmlint's line model
LINE_END = re.compile(r"\r\n|\r|\n")
ODD = ["é", "\u2028", "\u2029", "\x85", "\x0c", "\x0b", "\x1c", "\x1d", "\x1e", "\U0001f600", "ß", "\t"]


def compiles(text: str) -> bool:
    import warnings

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            compile(text, "f.py", "exec", dont_inherit=True)
    except (SyntaxError, ValueError):
        return False
    return True


@st.composite
def hostile_programs(draw):
    """A Keras program with each line's end drawn from \\n, \\r\\n and \\r, and odd characters around the code:
    a string statement before a statement (so columns after it count non-ASCII), comments, form-feed lines."""
    program = draw(keras_programs()).replace("\r\n", "\n")
    odd = st.text(st.sampled_from(ODD), min_size=1, max_size=4)
    out = []
    depth = 0  # open brackets: a continuation line cannot take a statement in front
    for line in program.split("\n"):
        code = line.split("#", 1)[0]
        stripped = line.lstrip(" \t")
        indent = line[: len(line) - len(stripped)]
        if depth == 0 and stripped[:1].isalpha():
            if draw(st.integers(0, 3)) == 0:
                out.append("\f" if not indent else indent + "pass  # \f")
            if draw(st.integers(0, 2)) == 0:
                line = f'{indent}_s = "{draw(odd)}"; {stripped}'
        if line and draw(st.integers(0, 3)) == 0:
            line += f"  # {draw(odd)}"
        out.append(line)
        depth += sum(code.count(c) for c in "([{") - sum(code.count(c) for c in ")]}")
    ends = draw(st.lists(st.sampled_from(["\n", "\r\n", "\r"]), min_size=len(out), max_size=len(out)))
    text = "".join(line + end for line, end in zip(out, ends))
    if not program.endswith("\n"):
        text = text[: -len(ends[-1])]
    return text if compiles(text) == compiles(program) else program


FIX_KEYWORDS = {"return_sequences", "retrun_sequences", "return_state", "unroll", "input_shape", "batch_size",
                "batch_input_shape"}
RENAMED = {"CuDNNLSTM": "LSTM", "CuDNNGRU": "GRU"}


def _last_name(func: ast.AST) -> str | None:
    return func.attr if isinstance(func, ast.Attribute) else func.id if isinstance(func, ast.Name) else None


def _is_input(node: ast.AST) -> bool:
    return isinstance(node, ast.Call) and _last_name(node.func) == "Input"


class Normalize(ast.NodeTransformer):
    """What the built-in fixes may change, undone on both sides, and nothing else: keywords they set, rename
    or move in a layer's call (a class, capitalised: never ``model.add``), the CuDNN class names, the Input
    layer they put in front, and the loop that replaces ``model.reset_states()``."""

    def visit_Call(self, node: ast.Call) -> ast.AST:
        self.generic_visit(node)
        name = _last_name(node.func)
        if name and name[:1].isupper():
            node.keywords = [k for k in node.keywords if k.arg not in FIX_KEYWORDS]
            if name in RENAMED and isinstance(node.func, ast.Attribute):
                node.func.attr = RENAMED[name]
        return node

    def visit_Name(self, node: ast.Name) -> ast.AST:
        node.id = RENAMED.get(node.id, node.id)  # LSTM501 renames a class imported by name with its uses
        return node

    def visit_ImportFrom(self, node: ast.ImportFrom) -> ast.AST | None:
        # LSTM501 renames an imported CuDNN class; LSTM503 may import Input for the layer it puts in front
        names = []
        for alias in node.names:
            name = RENAMED.get(alias.name, alias.name)
            if name != "Input" and name not in [a.name for a in names]:
                names.append(ast.alias(name, alias.asname))
        node.names = names
        return node if names else None

    def visit_List(self, node: ast.List) -> ast.AST:
        self.generic_visit(node)
        node.elts = [e for e in node.elts if not _is_input(e)]
        return node

    def visit_ListComp(self, node: ast.ListComp) -> ast.AST:
        if ast.unparse(node.elt) == "layer.reset_state()":
            return _reset_call(node.generators[0].iter)
        return self.generic_visit(node)

    def visit_For(self, node: ast.For) -> ast.AST:
        if isinstance(node.target, ast.Name) and node.target.id == "layer" and "reset_state()" in ast.unparse(node):
            return ast.Expr(_reset_call(node.iter))
        return self.generic_visit(node)

    def visit_Expr(self, node: ast.Expr) -> ast.AST | None:
        value = node.value
        if isinstance(value, ast.Call) and _last_name(value.func) == "add" and value.args and _is_input(value.args[0]):
            return None
        return self.generic_visit(node)


def _reset_call(layers: ast.AST) -> ast.Call:
    model = layers.value if isinstance(layers, ast.Attribute) else layers
    return ast.Call(ast.Attribute(model, "reset_states", ast.Load()), [], [])


def normalized(text: str) -> str:
    return ast.dump(Normalize().visit(ast.parse(text)))


@pytest.mark.slow
@settings(max_examples=200, deadline=None, suppress_health_check=list(HealthCheck))
@given(hostile_programs())
def test_fix_parses_keeps_the_tree_outside_the_edits_is_idempotent_and_keeps_line_ends(tmp_path_factory, text):
    folder = tmp_path_factory.mktemp("fix")
    path = folder / "model.py"
    path.write_bytes(text.encode())
    outcome = api.fix_file(path, CONFIG, RULES)
    if outcome is None:
        return
    # every built-in fix that parses is proven: no refusal but the compiler's (a keyword it would repeat, say)
    assert [r for r in outcome.refusals if r[1] != "the result does not parse"] == [], (outcome.refusals, text)
    after = outcome.after.decode()
    # nothing left that a safe fix would change
    assert not [f for f in outcome.remaining if f.fix is not None and f.fix.applicability == "safe"], after
    if compiles(text):
        assert compiles(after), after
        assert normalized(after) == normalized(text), (text, after)
    # every remaining finding is inside the text, in Python's lines
    lines = LINE_END.split(after)
    for f in outcome.remaining:
        assert 1 <= f.line <= f.end_line <= len(lines), f
        assert 1 <= f.column <= len(lines[f.line - 1]) + 1 and 1 <= f.end_column <= len(lines[f.end_line - 1]) + 1, f
    # idempotent: fixing the fixed file changes nothing more
    path.write_bytes(outcome.after)
    again = api.fix_file(path, CONFIG, RULES)
    assert again is None or again.after == outcome.after
    # line ends: the original's are all there, in order; the only new ones are the file's most common kind
    before_ends, after_ends = LINE_END.findall(text), LINE_END.findall(after)
    common = Counter(before_ends).most_common(1)[0][0] if before_ends else "\n"
    assert only_inserted(before_ends, after_ends, common), (text, after)


def only_inserted(before: list[str], after: list[str], extra: str) -> bool:
    """``after`` is ``before`` with some ``extra`` items inserted anywhere. (A diff's opcodes cannot tell: where
    insertions interleave with equal items it may pair them as a replacement.)"""
    reachable = {0}  # how many items of ``before`` the items of ``after`` read so far can stand for
    for item in after:
        reachable = {i + 1 for i in reachable if i < len(before) and before[i] == item} | (
            reachable if item == extra else set())
        if not reachable:
            return False
    return len(before) in reachable


def test_only_inserted_is_strict():
    assert only_inserted(["\r\n", "\r\n", "\n"], ["\n", "\r\n", "\n", "\n", "\r\n", "\n"], "\n")
    assert not only_inserted(["\r\n", "\n"], ["\n", "\r\n"], "\n")
    assert not only_inserted(["\r\n"], ["\r"], "\n")
    assert not only_inserted(["\n"], [], "\n")


@pytest.mark.slow
def test_hostile_programs_are_hostile():
    """The strategy is not vacuous: over a fixed sample it yields every line end, form feeds, U+2028 and fixes."""
    seen: Counter = Counter()

    @settings(max_examples=150, deadline=None, database=None, derandomize=True,
              suppress_health_check=list(HealthCheck))
    @given(hostile_programs())
    def collect(text):
        seen.update(k for k, v in {"crlf": "\r\n" in text, "cr": bool(re.search("\r(?!\n)", text)),
                                   "ff": "\f" in text, "u2028": "\u2028" in text, "nel": "\x85" in text}.items() if v)
        seen.update(f.rule for f in api.lint_source(text, "m.py", CONFIG, RULES) if f.fix is not None)

    collect()
    assert {"crlf", "cr", "ff", "u2028", "nel"} <= set(seen), seen
    assert len({k for k in seen if k.startswith("LSTM")}) >= 4, seen


def test_cli_fix_keeps_permissions_encoding_bom_and_line_endings(tmp_path):
    latin = tmp_path / "latin.py"
    latin.write_bytes(b"# -*- coding: latin-1 -*-\r\ns = 'caf\xe9'\r\n" + FAULTY.replace("\n", "\r\n").encode())
    latin.chmod(0o751)
    bom = tmp_path / "bom.py"
    bom.write_bytes(b"\xef\xbb\xbf" + FAULTY.encode())
    json_before = run_cli("check", "--format", "json", "--no-cache", ".", cwd=tmp_path).json()
    assert {f["path"] for f in json_before if f["fix"]} == {"latin.py", "bom.py"}
    run = run_cli("check", "--fix", ".", cwd=tmp_path)
    assert "Traceback" not in run.err and "Fixed 2 findings in 2 files." in run.out
    data = latin.read_bytes()
    assert b"caf\xe9" in data and b"return_sequences=True" in data
    assert data.count(b"\r\n") == data.count(b"\n") == 4
    assert stat.S_IMODE(latin.stat().st_mode) == 0o751
    assert bom.read_bytes().startswith(b"\xef\xbb\xbfimport keras\n") and b"return_sequences=True" in bom.read_bytes()
    assert sorted(p.name for p in tmp_path.iterdir() if "lstmlint-tmp" in p.name) == []


def test_cli_fix_failing_write_is_a_clean_error(tmp_path, monkeypatch):
    """The real CLI with the rename failing (a read-only folder cannot be simulated as root): the original is
    intact, no temp file is left, and the user gets a message naming the file rather than a traceback."""
    target = tmp_path / "model.py"
    target.write_text(FAULTY)

    def boom(*_args, **_kwargs):
        raise OSError(28, "No space left on device")

    with monkeypatch.context() as patch:
        patch.setattr(os, "replace", boom)
        run = run_cli("check", "--fix", "model.py", cwd=tmp_path)
    assert target.read_text() == FAULTY
    assert sorted(p.name for p in tmp_path.iterdir()) == ["model.py"]
    assert "Traceback" not in run.err, run.err
    assert run.code == 2 and "model.py" in run.err and "No space left on device" in run.err
