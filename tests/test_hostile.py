"""Hostile inputs through the real CLI, each in a temp folder beside a normal faulty file: a clear per-file
diagnostic naming the file (and line where it makes sense), no traceback, and the other file still checked.
Then hostile configuration and rule files: exit 2 with a message naming the file and field, or bounded."""

from __future__ import annotations

import json
import os
import time
from pathlib import Path

import pytest

from conftest import run_cli

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
    ("(a+)+$", "repeats a repetition"),
    ("(a|aa)*$", "repeats an alternation"),
    (r"(\w)\1", "backreference"),
    (r"\w*\w*\w*\w*!", "more than 3 repetitions"),
    ("([", "invalid regular expression"),
])
def test_catastrophic_name_regex_is_rejected_at_load(tmp_path, pattern, words):
    match = ("match:\n  all:\n    - class: LSTM\n"
             f"    - arg: {{name: units, name-matches: {json.dumps(pattern)}}}\n")
    run = with_rule(tmp_path, RULE_HEAD + match)
    assert run.code == 2 and "TEAM001.yaml" in run.err and "match/all/1/arg/name-matches" in run.err, run.err
    assert words in run.err


def test_allowed_name_regex_against_a_huge_name_is_bounded(tmp_path):
    """The dialect's worst case (three overlapping repetitions) on a 5,000-character name finishes at once: such
    names are never matched."""
    match = ("match:\n  all:\n    - class: LSTM\n"
             "    - arg: {name: units, name-matches: '\\w*\\w*\\w*!'}\n")
    run = with_rule(tmp_path, RULE_HEAD + match)
    assert run.code == 1
    name = "a" * 5000
    (tmp_path / "long.py").write_text(f"import keras\n{name} = 8\nkeras.layers.LSTM({name})\n")
    start = time.monotonic()
    run = run_cli("check", "--no-cache", "long.py", cwd=tmp_path)
    assert time.monotonic() - start < 20 and "Traceback" not in run.err and "TEAM001" not in run.out


@pytest.mark.parametrize("toml, words", [
    ('[tool.lstmlint]\nselect = "LSTM"\n', "`select` must be a list"),
    ("[tool.lstmlint]\nbogus = 1\n", "unknown key `bogus`"),
    ("[tool.lstmlint]\ntarget-keras = 4\n", "`target-keras` must be 2 or 3"),
    ("[tool.lstmlint]\nrule-paths = [1]\n", "`rule-paths` must be a list"),
    ('[tool.lstmlint]\nrule-paths = ["nope"]\n', "nope: rule folder does not exist"),
    ("[tool.lstmlint\n", "invalid TOML"),
    ('[tool.lstmlint]\nper-file-ignores = {"*.py" = "LSTM1"}\n', "per-file-ignores"),
    ("[tool]\nlstmlint = 3\n", "must be a table"),
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
