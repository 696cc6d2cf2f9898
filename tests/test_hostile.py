"""Hostile inputs through the real CLI, each in a temp folder beside a normal faulty file: a clear per-file
diagnostic naming the file (and line where it makes sense), no traceback, and the other file still checked.
Then hostile configuration and rule files: exit 2 with a message naming the file and field, or bounded."""

from __future__ import annotations

import json
import os
import time
from pathlib import Path

import pytest

# In a process of its own: a hostile input that hangs or exhausts memory fails its test, not the session.
from conftest import run_process as run_cli

FAULTY = ("import keras\n"
          "model = keras.Sequential([keras.Input((10, 3)), keras.layers.LSTM(8), keras.layers.LSTM(4)])\n")


def check_beside(tmp_path: Path, *extra: str, timeout_s: float = 60):
    """Run `lstmlint check` on the folder holding the hostile file and faulty.py; common assertions."""
    (tmp_path / "faulty.py").write_text(FAULTY)
    start = time.monotonic()
    run = run_cli("check", "--no-cache", "--format", "json", *extra, ".", cwd=tmp_path)
    assert time.monotonic() - start < timeout_s
    assert "Traceback" not in run.err, run.err
    assert run.code == 1, (run.code, run.err)
    findings = run.json()
    assert any(f["path"] == "faulty.py" and f["rule"] == "LSTM101" and f["line"] == 2 for f in findings), findings
    return findings


def only(findings, path: str) -> list[dict]:
    return [f for f in findings if f["path"] == path]


def test_invalid_utf8_is_lstm002_at_its_line(tmp_path):
    (tmp_path / "bad.py").write_bytes(b"from keras.layers import LSTM\nx = 1\ns = '\xff\xfe'\n")
    [f] = only(check_beside(tmp_path), "bad.py")
    assert f["rule"] == "LSTM002" and f["line"] == 3 and "utf-8" in f["message"]


def test_latin1_cookie_is_read_correctly(tmp_path):
    (tmp_path / "latin.py").write_bytes(b"# -*- coding: latin-1 -*-\ns = 'caf\xe9'\n" + FAULTY.encode())
    [f] = only(check_beside(tmp_path), "latin.py")
    assert f["rule"] == "LSTM101" and f["line"] == 4


def test_bom_and_crlf_and_mixed_newlines_and_tabs(tmp_path):
    (tmp_path / "bom.py").write_bytes(b"\xef\xbb\xbf" + FAULTY.encode())
    (tmp_path / "crlf.py").write_bytes(FAULTY.replace("\n", "\r\n").encode())
    (tmp_path / "mixed.py").write_bytes(b"x = 1\r\ny = 2\n" + FAULTY.replace("\n", "\r\n", 1).encode())
    (tmp_path / "tabs.py").write_bytes(b"import keras\nif True:\n\tm = keras.Sequential([keras.Input((10, 3)), "
                                       b"keras.layers.LSTM(8), keras.layers.LSTM(4)])\n")
    findings = check_beside(tmp_path)
    lines = {path: [(f["rule"], f["line"]) for f in only(findings, path)]
             for path in ("bom.py", "crlf.py", "mixed.py", "tabs.py")}
    assert lines == {"bom.py": [("LSTM101", 2)], "crlf.py": [("LSTM101", 2)], "mixed.py": [("LSTM101", 4)],
                     "tabs.py": [("LSTM101", 3)]}
    assert only(findings, "bom.py")[0]["column"] == only(findings, "faulty.py")[0]["column"]


def test_nul_byte(tmp_path):
    (tmp_path / "nul.py").write_bytes(b"from keras.layers import LSTM\nx = 1\ny = '\x00'\n")
    [f] = only(check_beside(tmp_path), "nul.py")
    assert f["rule"] == "LSTM002" and f["line"] == 3 and "NUL" in f["message"]


def test_empty_file(tmp_path):
    (tmp_path / "empty.py").write_bytes(b"")
    (tmp_path / "keras_empty.py").write_bytes(b"import keras\n")
    findings = check_beside(tmp_path)
    assert only(findings, "empty.py") == [] and only(findings, "keras_empty.py") == []


def test_ten_megabyte_file_is_refused_quickly(tmp_path):
    (tmp_path / "big.py").write_bytes(b"from keras.layers import LSTM\n" + b"x = 1\n" * (10 * 1024 * 1024 // 6))
    [f] = only(check_beside(tmp_path, timeout_s=30), "big.py")
    assert f["rule"] == "LSTM002" and "too large" in f["message"]


@pytest.mark.parametrize("body", ["(" * 5000 + "1" + ")" * 5000, "[" * 5000 + "]" * 5000, "-" * 5000 + "1",
                                  "1" + " + 1" * 5000, "f(" * 5000 + ")" * 5000])
def test_five_thousand_deep_nesting(tmp_path, body):
    (tmp_path / "deep.py").write_text(f"from keras.layers import LSTM\nx = {body}\n")
    [f] = only(check_beside(tmp_path), "deep.py")
    assert f["rule"] == "LSTM001" and f["message"].startswith("syntax error")


def test_python2_and_truncated_files(tmp_path):
    (tmp_path / "py2.py").write_text('from keras.layers import LSTM\nprint "x"\n')
    (tmp_path / "cut.py").write_text("import keras\nm = keras.Sequential([keras.layers.LSTM(8,")
    findings = check_beside(tmp_path)
    [py2] = only(findings, "py2.py")
    [cut] = only(findings, "cut.py")
    assert py2["rule"] == "LSTM001" and py2["line"] == 2 and "print" in py2["message"]
    assert cut["rule"] == "LSTM001" and cut["line"] == 2


@pytest.mark.parametrize("content, words", [
    ('{"cells": [ "keras.LSTM"', "invalid notebook JSON"),
    ('{"nbformat": 4, "keras.LSTM": 1}', 'no "cells" list'),
    ('{"cells": [{"cell_type": "code", "keras.LSTM": 1}]}', 'has no "source"'),
    ('{"cells": [{"source": "from keras.layers import LSTM"}]}', 'no "cell_type"'),
    ('{"cells": [{"cell_type": "code", "source": 5, "x": "keras.LSTM"}]}', "not a string or a list of strings"),
    ('{"cells": [{"cell_type": "code", "source": ["from keras.layers import LSTM\\n", 5]}]}', "not a string or a list"),
    ('["keras.LSTM"]', 'no "cells" list'),
    (b'{"cells": ["keras.LSTM\xff"]}', "not UTF-8"),
])
def test_broken_notebooks(tmp_path, content, words):
    (tmp_path / "nb.ipynb").write_bytes(content if isinstance(content, bytes) else content.encode())
    [f] = only(check_beside(tmp_path), "nb.ipynb")
    assert f["rule"] == "LSTM002" and words in f["message"], f


def test_notebook_with_odd_metadata_is_still_linted(tmp_path):
    cells = [{"cell_type": "code", "source": FAULTY, "metadata": {}, "outputs": [], "execution_count": None}]
    (tmp_path / "nb.ipynb").write_text(json.dumps({"cells": cells, "metadata": {"language_info": "python"}}))
    [f] = only(check_beside(tmp_path), "nb.ipynb")
    assert f["rule"] == "LSTM101" and f["cell"] == 1 and f["line"] == 2


def test_directory_named_like_a_source_file(tmp_path):
    (tmp_path / "x.py").mkdir()
    (tmp_path / "x.py" / "inner.py").write_text(FAULTY)
    findings = check_beside(tmp_path)
    assert [f["line"] for f in only(findings, "x.py/inner.py")] == [2]
    run = run_cli("check", "--no-cache", "x.py", cwd=tmp_path)  # named explicitly: walked as a folder
    assert run.code == 1 and "x.py/inner.py:2:" in run.out and "Traceback" not in run.err


def test_symlink_loops_and_dangling_links(tmp_path):
    os.symlink("loop_b.py", tmp_path / "loop_a.py")
    os.symlink("loop_a.py", tmp_path / "loop_b.py")
    os.symlink("nowhere.py", tmp_path / "dangling.py")
    os.symlink(".", tmp_path / "self")  # a folder loop: os.walk does not follow links
    findings = check_beside(tmp_path)
    for name in ("loop_a.py", "loop_b.py"):
        [f] = only(findings, name)
        assert f["rule"] == "LSTM002" and "symbolic links" in f["message"]
    [f] = only(findings, "dangling.py")
    assert f["rule"] == "LSTM002" and "No such file" in f["message"]
    run = run_cli("check", "--no-cache", "loop_a.py", "faulty.py", cwd=tmp_path)  # named explicitly too
    assert run.code == 1 and "loop_a.py:1:1: LSTM002" in run.out and "Traceback" not in run.err


def test_unreadable_file(tmp_path):
    """chmod 000 stops a normal user; root reads it anyway, so as root a FIFO stands in for the file whose
    read cannot succeed (and without the guard it would block the run forever)."""
    locked = tmp_path / "locked.py"
    locked.write_text(FAULTY)
    locked.chmod(0)
    os.mkfifo(tmp_path / "fifo.py")
    try:
        findings = check_beside(tmp_path, timeout_s=30)
    finally:
        locked.chmod(0o644)
    [fifo] = only(findings, "fifo.py")
    assert fifo["rule"] == "LSTM002" and "not a regular file (a FIFO)" in fifo["message"]
    if os.geteuid() == 0:
        assert [f["rule"] for f in only(findings, "locked.py")] == ["LSTM101"]  # root: chmod does not apply
    else:
        [f] = only(findings, "locked.py")
        assert f["rule"] == "LSTM002" and "Permission denied" in f["message"]


def test_missing_path_is_exit_2_and_the_rest_is_checked(tmp_path):
    (tmp_path / "faulty.py").write_text(FAULTY)
    run = run_cli("check", "--no-cache", "faulty.py", "does/not/exist.py", cwd=tmp_path)
    assert run.code == 2
    assert "does/not/exist.py: no such file or directory" in run.err and "Traceback" not in run.err
    assert "faulty.py:2:" in run.out
    run = run_cli("check", "--no-cache", "--fix", "does/not/exist.py", cwd=tmp_path)
    assert run.code == 2 and "no such file or directory" in run.err and "Traceback" not in run.err


def test_fix_over_the_hostile_zoo_leaves_it_untouched(tmp_path):
    """--fix walks the same files: none of them crashes it or is rewritten, and the fixable one is fixed."""
    zoo = {"bad.py": b"import keras\n'\xff'\n", "nul.py": b"import keras\n\x00\n", "py2.py": b'import keras\nprint "x"\n',
           "nb.ipynb": b'{"cells": [ "keras"', "big.py": b"import keras\n" + b"x = 1\n" * 200_000}
    for name, data in zoo.items():
        (tmp_path / name).write_bytes(data)
    os.mkfifo(tmp_path / "fifo.py")
    os.symlink("loop2.py", tmp_path / "loop1.py")
    os.symlink("loop1.py", tmp_path / "loop2.py")
    (tmp_path / "faulty.py").write_text(FAULTY)
    run = run_cli("check", "--no-cache", "--fix", ".", cwd=tmp_path)
    assert "Traceback" not in run.err, run.err
    assert "Fixed 1 finding in 1 file." in run.out
    assert "return_sequences=True" in (tmp_path / "faulty.py").read_text()
    for name, data in zoo.items():
        assert (tmp_path / name).read_bytes() == data


# --- hostile configuration and rule files ---------------------------------------------------------------------

RULE_HEAD = ("id: TEAM001\nname: team-rule\nseverity: warning\nsummary: s\nmessage: m\nexplanation: e\n"
             "examples: {bad: [\"import keras\\n\"], good: [\"import keras\\n\"]}\n")


def with_rule(tmp_path: Path, text: str):
    (tmp_path / "rules").mkdir()
    (tmp_path / "rules" / "TEAM001.yaml").write_text(text)
    (tmp_path / "pyproject.toml").write_text('[tool.lstmlint]\nrule-paths = ["rules"]\n')
    (tmp_path / "faulty.py").write_text(FAULTY)
    start = time.monotonic()
    run = run_cli("check", "--no-cache", "faulty.py", cwd=tmp_path)
    assert time.monotonic() - start < 30
    assert "Traceback" not in run.err, run.err
    return run


def test_python_object_tag_is_rejected_never_executed(tmp_path):
    marker = tmp_path / "PWNED"
    run = with_rule(tmp_path, RULE_HEAD + f'match: !!python/object/apply:os.system ["touch {marker}"]\n')
    assert run.code == 2 and "TEAM001.yaml" in run.err and "python/object/apply" in run.err
    assert not marker.exists()
    run = with_rule_again(tmp_path, RULE_HEAD + f"match: !!python/object/new:pathlib.Path ['{marker}']\n")
    assert run.code == 2 and not marker.exists()


def with_rule_again(tmp_path: Path, text: str):
    (tmp_path / "rules" / "TEAM001.yaml").write_text(text)
    return run_cli("check", "--no-cache", "faulty.py", cwd=tmp_path)


def test_billion_laughs_is_bounded(tmp_path):
    lines = ["match:", "  all:", "    - &a0 {class: LSTM}"]
    lines += [f"    - &a{i} {{all: [*a{i - 1}, *a{i - 1}, *a{i - 1}, *a{i - 1}]}}" for i in range(1, 30)]
    run = with_rule(tmp_path, RULE_HEAD + "\n".join(lines) + "\n")
    assert run.code == 2 and "TEAM001.yaml" in run.err and "expands to more than" in run.err


def test_classic_list_billion_laughs_and_recursive_alias(tmp_path):
    lines = ['lol: &a ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]']
    lines += [f"l{i}: &a{i} [{', '.join(['*a' + (str(i - 1) if i > 1 else '')] * 9)}]" for i in range(1, 10)]
    run = with_rule(tmp_path, RULE_HEAD + "match: {class: LSTM}\n" + "\n".join(lines) + "\n")
    assert run.code == 2 and "TEAM001.yaml" in run.err and "expands to more than" in run.err
    run = with_rule_again(tmp_path, RULE_HEAD + "match: &m {all: [*m]}\n")
    assert run.code == 2 and "recursive" in run.err and "Traceback" not in run.err
    for deep in ("[" * 50_000 + "]" * 50_000, "{a: " * 500 + "1" + "}" * 500):  # libyaml segfaulted on the first
        run = with_rule_again(tmp_path, RULE_HEAD + "match: " + deep + "\n")
        assert run.code == 2 and "TEAM001.yaml" in run.err and "nested more than" in run.err, run
    block = "".join(" " * i + "all:\n" + " " * i + "- \n" for i in range(0, 600, 2))
    run = with_rule_again(tmp_path, RULE_HEAD + "match:\n" + block)
    assert run.code == 2 and "TEAM001.yaml" in run.err and "Traceback" not in run.err, run


def test_oversized_rule_file(tmp_path):
    run = with_rule(tmp_path, RULE_HEAD + "match: {class: LSTM}\n" + "# padding\n" * 40_000)
    assert run.code == 2 and "TEAM001.yaml" in run.err and "larger than" in run.err


def _fifo(path: Path) -> None:
    os.mkfifo(path)


def _dev_zero(path: Path) -> None:
    os.symlink("/dev/zero", path)


def _sparse_5_gb(path: Path) -> None:
    with open(path, "wb") as handle:
        handle.truncate(5 << 30)  # no disk used, but a plain read would want 5 GB of memory


def _dangling(path: Path) -> None:
    os.symlink("nowhere.yaml", path)


@pytest.mark.slow
@pytest.mark.parametrize("make, words", [
    (_fifo, "not a regular file (a FIFO)"),
    (_dev_zero, "not a regular file (a character device)"),
    (_sparse_5_gb, "larger than 256 KiB"),
    (_dangling, "cannot read: No such file or directory"),
])
def test_rule_file_that_never_ends_is_refused_by_check_rules_and_server(tmp_path, make, words):
    """A FIFO blocked `check`, `rules` and the server forever; /dev/zero ate memory at ~1 GB/s."""
    (tmp_path / "rules").mkdir()
    make(tmp_path / "rules" / "TEAM001.yaml")
    (tmp_path / "pyproject.toml").write_text('[tool.lstmlint]\nrule-paths = ["rules"]\n')
    (tmp_path / "faulty.py").write_text(FAULTY)
    for args in (("check", "--no-cache", "faulty.py"), ("check", "faulty.py"), ("rules",), ("rule", "LSTM101")):
        start = time.monotonic()
        run = run_cli(*args, cwd=tmp_path)
        assert time.monotonic() - start < 30
        assert run.code == 2 and "TEAM001.yaml" in run.err and words in run.err and "Traceback" not in run.err, run
    # the server's worker loads rules through the same code: its error names the file, and it returns
    code = ("import sys; from lstmlint.lsp_worker import Checker; "
            "print(Checker().check(sys.argv[1], 'faulty.py', sys.argv[2], 1).error)")
    import subprocess
    import sys

    done = subprocess.run([sys.executable, "-c", code, FAULTY, str(tmp_path)], capture_output=True, text=True,
                          timeout=60)
    assert "TEAM001.yaml" in done.stdout and words in done.stdout, done


@pytest.mark.parametrize("text, field", [
    (RULE_HEAD.replace("severity: warning", "severity: 5") + "match: {class: LSTM}\n", "severity"),
    (RULE_HEAD + "match: {class: LSTM}\nbogus: 1\n", "(top level)"),
    (RULE_HEAD + "match: {klass: LSTM}\n", "match"),
    (RULE_HEAD + "match: {arg: {name: units, lt: sixteen}}\n", "match/arg/lt"),
    (RULE_HEAD + "match: [1, 2]\n", "match"),
    ("- just\n- a list\n", "a rule file must be a mapping"),
])
def test_wrong_types_and_unknown_keys_name_the_field(tmp_path, text, field):
    run = with_rule(tmp_path, text)
    assert run.code == 2 and "TEAM001.yaml" in run.err and field in run.err, run.err


@pytest.mark.parametrize("pattern, words", [
    (r"(\w)\1", "invalid escape sequence"),  # a backreference
    ("(?=a)", "invalid perl operator"),  # a lookaround
    ("a{2000}", "invalid repetition size"),
    ("([", "missing ]"),
])
def test_name_regex_re2_cannot_compile_is_rejected_at_load(tmp_path, pattern, words):
    match = ("match:\n  all:\n    - class: LSTM\n"
             f"    - arg: {{name: units, name-matches: {json.dumps(pattern)}}}\n")
    run = with_rule(tmp_path, RULE_HEAD + match)
    assert run.code == 2 and "TEAM001.yaml" in run.err and "match/all/1/arg/name-matches" in run.err, run.err
    assert "RE2 cannot compile" in run.err and words in run.err, run.err
    assert "re2.cc" not in run.err  # RE2's own log line is not printed beside ours


def backtracking_hangs(pattern: str, text: str, seconds: float = 3) -> bool:
    """Whether Python's backtracking `re` is still searching after ``seconds``: the case a test must exercise."""
    import subprocess
    import sys

    code = "import re, sys; re.search(sys.argv[1], sys.argv[2])"
    try:
        subprocess.run([sys.executable, "-I", "-c", code, pattern, text], timeout=seconds, capture_output=True)
    except subprocess.TimeoutExpired:
        return True
    return False


@pytest.mark.slow
@pytest.mark.parametrize("pattern, fires, silent, hangs", [
    # the two patterns that passed the old backtracking guard, each with the name that then hung `check`
    ("^(?:aa?)*$", "a" * 70, "a" * 70 + "b", "silent"),
    ("(a?){40}a{40}", "a" * 40, "a" * 39, "fires"),
])
def test_name_regex_is_linear_where_backtracking_hangs(tmp_path, pattern, fires, silent, hangs):
    assert backtracking_hangs(pattern, fires if hangs == "fires" else silent), "not the case that hangs"
    match = ("match:\n  all:\n    - class: LSTM\n"
             f"    - arg: {{name: units, name-matches: {json.dumps(pattern)}}}\n")
    with_rule(tmp_path, RULE_HEAD + match)
    (tmp_path / "long.py").write_text(f"import keras\n{fires} = 8\n{silent} = 8\n"
                                      f"keras.layers.LSTM({fires})\nkeras.layers.LSTM({silent})\n")
    start = time.monotonic()
    run = run_cli("check", "--no-cache", "--format", "json", "long.py", cwd=tmp_path)
    assert time.monotonic() - start < 20 and "Traceback" not in run.err, run.err
    assert [(f["rule"], f["line"]) for f in run.json()] == [("TEAM001", 4)]


def _ambiguous_patterns():
    """Patterns built to be ambiguous (nested repetitions, overlapping alternations, optional runs): each one
    of the shapes that made Python's backtracking `re` exponential."""
    from hypothesis import strategies as st

    atom = st.sampled_from(["a", "a?", "aa?", "[ab]", r"\w", "."])

    def extend(inner):
        return st.one_of(
            st.tuples(inner, inner).map("".join),
            st.tuples(inner, inner).map(lambda p: f"(?:{p[0]}|{p[1]})"),
            st.tuples(inner, st.sampled_from(["*", "+", "?", "{2,5}", "{7}"])).map(lambda p: f"(?:{p[0]}){p[1]}"),
        )

    body = st.recursive(atom, extend, max_leaves=8)
    return st.tuples(st.sampled_from(["", "^"]), body, st.sampled_from(["", "$", "b$", "!"])).map("".join)


def test_generated_ambiguous_name_patterns_match_in_linear_time():
    """Whatever the pattern a rule author writes, `name-matches` on a 5,000-character name (the worst case for
    backtracking: a long run the pattern almost matches) takes milliseconds, or the pattern is refused at load."""
    from hypothesis import HealthCheck, given, settings

    from lstmlint.engine.loader import name_regex, regex_problem

    @settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
    @given(_ambiguous_patterns())
    def run(pattern):
        if regex_problem(pattern) is not None:
            assert "RE2 cannot compile" in regex_problem(pattern)
            return
        compiled = name_regex(pattern)
        for name in ("a" * 5000 + "c", "ab" * 2500 + "!", "a" * 4999):
            start = time.perf_counter()
            compiled.search(name)
            assert time.perf_counter() - start < 0.25, (pattern, len(name))

    run()


DEEP_PATTERN = "**/a*/**/a*/**/a*/**/a*/**/a*/**/a*/**/a*/**/a*/**/a*/b"


@pytest.mark.slow
def test_path_patterns_on_a_deep_tree_are_linear(tmp_path):
    """`exclude` and `per-file-ignores` patterns against a path 40 folders deep: pathspec's regular expression
    for this pattern backtracks for hours on Python's `re` (checked below); matched by RE2, the run is quick."""
    import subprocess
    import sys

    deep = "/".join(["a"] * 40)
    probe = ("import sys, warnings; warnings.simplefilter('ignore'); import pathspec; "
             "pathspec.PathSpec.from_lines('gitwildmatch', [sys.argv[1]], backend='simple').match_file(sys.argv[2])")
    with pytest.raises(subprocess.TimeoutExpired):  # the case this test must exercise
        subprocess.run([sys.executable, "-I", "-c", probe, DEEP_PATTERN, deep + "/y.py"], timeout=3,
                       capture_output=True)
    (tmp_path / deep).mkdir(parents=True)
    (tmp_path / deep / "y.py").write_text(FAULTY)
    (tmp_path / deep / "b").mkdir()
    (tmp_path / deep / "b" / "z.py").write_text(FAULTY)  # matched: excluded
    for table in (f"exclude = [{json.dumps(DEEP_PATTERN)}]",
                  f"[tool.lstmlint.per-file-ignores]\n{json.dumps(DEEP_PATTERN + '/*')} = [\"LSTM1\"]"):
        (tmp_path / "pyproject.toml").write_text(f"[tool.lstmlint]\n{table}\n")
        start = time.monotonic()
        run = run_cli("check", "--no-cache", "--format", "json", ".", cwd=tmp_path)
        assert time.monotonic() - start < 30 and "Traceback" not in run.err, run.err
        assert [f["path"] for f in run.json()] == [f"{deep}/y.py"], run.out  # b/z.py excluded or ignored


@pytest.mark.parametrize("toml, words", [
    ('[tool.lstmlint]\nselect = "LSTM"\n', "`select` must be a list"),
    ("[tool.lstmlint]\nbogus = 1\n", "unknown key `bogus`"),
    ("[tool.lstmlint]\ntarget-keras = 4\n", "`target-keras` must be 2 or 3"),
    ("[tool.lstmlint]\nrule-paths = [1]\n", "`rule-paths` must be a list"),
    ('[tool.lstmlint]\nrule-paths = ["nope"]\n', "nope: rule folder does not exist"),
    ("[tool.lstmlint\n", "invalid TOML"),
    ('[tool.lstmlint]\nper-file-ignores = {"*.py" = "LSTM1"}\n', "per-file-ignores"),
    ("[tool]\nlstmlint = 3\n", "must be a table"),
    ('[tool.lstmlint]\nexclude = ["ok/", "[z-a]"]\n', "`exclude`: invalid path pattern '[z-a]'"),
    ('[tool.lstmlint.per-file-ignores]\n"!" = ["LSTM1"]\n', "`per-file-ignores`: invalid path pattern '!'"),
])
def test_bad_configuration_is_exit_2_naming_file_and_key(tmp_path, toml, words):
    (tmp_path / "pyproject.toml").write_text(toml)
    (tmp_path / "faulty.py").write_text(FAULTY)
    run = run_cli("check", "--no-cache", "faulty.py", cwd=tmp_path)
    assert run.code == 2 and words in run.err and "Traceback" not in run.err, run.err
    assert "pyproject.toml" in run.err or "nope" in words  # a missing rule folder is named itself


def test_config_file_that_is_not_utf8(tmp_path):
    (tmp_path / "pyproject.toml").write_bytes(b"[tool.lstmlint]\nselect = ['\xff']\n")
    (tmp_path / "faulty.py").write_text(FAULTY)
    run = run_cli("check", "--no-cache", "faulty.py", cwd=tmp_path)
    assert run.code == 2 and "pyproject.toml" in run.err and "Traceback" not in run.err
