"""The SARIF and GitHub-annotation reporters, through the real CLI (and render() for notebook cells)."""

from __future__ import annotations

import json
import re
import textwrap
from functools import lru_cache
from pathlib import Path
from urllib.parse import unquote, urlsplit

import pytest

from conftest import ROOT, run_cli
from test_cli import CLEAN, STACKED, golden, write

# The OASIS schema, vendored with its notice (tests/schemas/NOTICE.md).
SARIF_SCHEMA = Path(__file__).parent / "schemas" / "sarif-schema-2.1.0.json"

FIXABLE = textwrap.dedent(
    """\
    import keras
    from keras.layers import GRU, LSTM
    model = keras.Sequential([keras.Input((10, 3)), LSTM(8), LSTM(4)])
    other = keras.Sequential([keras.Input((10, 3)), keras.layers.CuDNNLSTM(8)])
    third = keras.Sequential([keras.Input((10, 3)), GRU(8, return_sequence=True), GRU(2)])
    """
)

GITHUB_LINE = re.compile(
    r"^::(?P<command>error|warning|notice) file=(?P<file>[^,:]+),line=(?P<line>\d+),col=(?P<col>\d+),"
    r"endLine=(?P<end_line>\d+),endColumn=(?P<end_col>\d+),title=(?P<title>[^,:]+)::(?P<message>[^\r\n]*)$"
)


# -- helpers ----------------------------------------------------------------------------------------------


@lru_cache(maxsize=1)
def sarif_validator():
    import jsonschema

    schema = json.loads(SARIF_SCHEMA.read_text(encoding="utf-8"))
    assert schema["$schema"] == "http://json-schema.org/draft-07/schema#", "the SARIF schema is Draft 7"
    if "properties" not in schema and "Root" in schema.get("definitions", {}):
        # This copy keeps the log's top-level schema in definitions/Root and nothing at its own top level,
        # so validating against the file as-is would accept anything: point the top level at Root.
        schema = {**schema, "$ref": "#/definitions/Root"}
    jsonschema.Draft7Validator.check_schema(schema)
    return jsonschema.Draft7Validator(schema, format_checker=jsonschema.Draft7Validator.FORMAT_CHECKER)


def assert_valid_sarif(log: dict) -> None:
    errors = sorted(sarif_validator().iter_errors(log), key=lambda e: list(map(str, e.absolute_path)))
    assert not errors, "\n".join(f"{'/'.join(map(str, e.absolute_path))}: {e.message}" for e in errors[:10])


def sarif(*args: str, cwd: Path | None = None, code: int = 1) -> dict:
    run = run_cli("check", *args, "--format", "sarif", cwd=cwd)
    assert run.code == code, run.err
    log = json.loads(run.out)
    assert_valid_sarif(log)
    return log


def offset(text: str, line: int, column: int) -> int:
    lines = text.splitlines(keepends=True)
    return sum(len(t) for t in lines[: line - 1]) + column - 1


def apply_replacements(text: str, replacements: list[dict]) -> str:
    spans = []
    for r in replacements:
        region = r["deletedRegion"]
        start = offset(text, region["startLine"], region["startColumn"])
        end = offset(text, region["endLine"], region["endColumn"])
        spans.append((start, end, r["insertedContent"]["text"]))
    for start, end, content in sorted(spans, reverse=True):
        text = text[:start] + content + text[end:]
    return text


def unescape(value: str) -> str:
    return (value.replace("%2C", ",").replace("%3A", ":").replace("%0A", "\n").replace("%0D", "\r")
            .replace("%25", "%"))


def uris(log: dict):
    run = log["runs"][0]
    for result in run["results"]:
        for location in result["locations"]:
            yield location["physicalLocation"]["artifactLocation"]
        for fix in result.get("fixes", []):
            for change in fix["artifactChanges"]:
                yield change["artifactLocation"]


# -- SARIF ------------------------------------------------------------------------------------------------


def test_schema_validation_is_not_vacuous():
    validator = sarif_validator()
    assert not validator.is_valid({}), "an empty object is not a SARIF log"
    assert not validator.is_valid({"version": "2.0.0", "runs": []})
    assert not validator.is_valid({"version": "2.1.0", "runs": [{"tool": {}}]}), "tool.driver is required"
    assert validator.is_valid({"version": "2.1.0", "runs": [{"tool": {"driver": {"name": "x"}}}]})


def test_schema_rejects_broken_logs():
    """Each of these damages one field of a real log; the schema must notice every one."""
    log = json.loads(run_cli("check", "examples", "--format", "sarif").out)
    assert_valid_sarif(log)

    def damaged(change) -> dict:
        copy = json.loads(json.dumps(log))
        change(copy)
        return copy

    def result(log: dict) -> dict:
        return log["runs"][0]["results"][0]

    breakages = {
        "unknown top-level key": lambda l: l.update(extra=1),
        "level not in the enum": lambda l: result(l).update(level="fatal"),
        "startLine below 1": lambda l: result(l)["locations"][0]["physicalLocation"]["region"].update(startLine=0),
        "message text not a string": lambda l: result(l).update(message={"text": 3}),
        "ruleIndex below -1": lambda l: result(l).update(ruleIndex=-2),
        "rule descriptor without id": lambda l: l["runs"][0]["tool"]["driver"]["rules"][0].pop("id"),
        "columnKind not in the enum": lambda l: l["runs"][0].update(columnKind="bytes"),
        "replacement without deletedRegion": lambda l: next(
            r for r in l["runs"][0]["results"] if "fixes" in r)["fixes"][0]["artifactChanges"][0]["replacements"][0]
        .pop("deletedRegion"),
    }
    validator = sarif_validator()
    accepted = [name for name, change in breakages.items() if validator.is_valid(damaged(change))]
    assert not accepted, f"the schema accepts broken logs: {accepted}"


def test_sarif_examples_golden():
    run = run_cli("check", "examples", "--format", "sarif")
    assert run.code == 1
    assert_valid_sarif(json.loads(run.out))
    golden("examples.sarif", run.out)


def test_sarif_matches_the_json_findings():
    log = sarif("examples")
    findings = run_cli("check", "examples", "--format", "json").json()
    assert len(log["runs"]) == 1, "GitHub code scanning takes one run per tool"
    results = log["runs"][0]["results"]
    assert len(results) == len(findings)
    levels = {"error": "error", "warning": "warning", "info": "note"}
    for result, finding in zip(results, findings):
        region = result["locations"][0]["physicalLocation"]["region"]
        assert result["ruleId"] == finding["rule"]
        assert result["level"] == levels[finding["severity"]]
        assert result["message"]["text"] == finding["message"]
        assert result["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] == finding["path"]
        assert (region["startLine"], region["startColumn"], region["endLine"], region["endColumn"]) == (
            finding["line"], finding["column"], finding["end_line"], finding["end_column"])
        assert result["properties"]["runtime"] == finding["runtime"] == "unchecked"
        assert ("fixes" in result) == (finding["fix"] is not None)


def test_sarif_rules_and_rule_indexes():
    log = sarif("examples")
    run = log["runs"][0]
    driver = run["tool"]["driver"]
    from lstmlint import __version__

    assert driver["name"] == "lstmlint"
    assert driver["version"] == driver["semanticVersion"] == __version__
    assert re.match(r"^https?://", driver["informationUri"])
    rules = driver["rules"]
    ids = [r["id"] for r in rules]
    assert len(ids) == len(set(ids)), "rule ids are unique"
    catalog = {r["id"]: r for r in run_cli("rules", "--format", "json").json()}
    from lstmlint.builtin_codes import CODES

    assert set(catalog) | set(CODES) == set(ids)
    levels = {"error": "error", "warning": "warning", "info": "note"}
    for rule in rules:
        assert rule["name"] and rule["shortDescription"]["text"] and rule["fullDescription"]["text"]
        assert rule["help"]["text"] and rule["help"]["markdown"], "GitHub shows the help of every rule"
        assert 0 < len(rule["properties"]["tags"]) <= 20, "GitHub keeps at most 20 tags a rule"
        if rule["id"] in catalog:
            entry = catalog[rule["id"]]
            assert rule["name"] == entry["name"]
            assert rule["shortDescription"]["text"] == entry["summary"]
            assert rule["defaultConfiguration"]["level"] == levels[entry["severity"]]
            assert rule["help"]["markdown"].startswith("## What it does")
            assert "##" not in rule["fullDescription"]["text"]
    lstm101 = rules[ids.index("LSTM101")]
    assert lstm101["fullDescription"]["text"].startswith("Flags a recurrent layer")
    assert "## Use instead" in lstm101["help"]["markdown"]
    for result in run["results"]:
        assert result["ruleId"] in ids
        assert rules[result["ruleIndex"]]["id"] == result["ruleId"]
        assert result["level"] in {"error", "warning", "note"}


def test_sarif_paths_are_relative_to_srcroot():
    log = sarif("examples")
    run = log["runs"][0]
    assert "%SRCROOT%" in run["originalUriBaseIds"]
    text = json.dumps(log)
    assert str(ROOT) not in text, "no absolute path of the checkout in the log"
    locations = list(uris(log))
    assert locations
    for location in locations:
        assert location["uriBaseId"] == "%SRCROOT%"
        parts = urlsplit(location["uri"])
        assert not parts.scheme and not parts.netloc and not location["uri"].startswith("/")
        assert (ROOT / unquote(location["uri"])).is_file()


def test_sarif_fingerprints_are_unique_and_stable(tmp_path):
    log = sarif("examples")
    prints = [r["partialFingerprints"]["lstmlint/v1"] for r in log["runs"][0]["results"]]
    assert len(prints) == len(set(prints)), "two results with one fingerprint would be merged by GitHub"

    write(tmp_path, "m.py", STACKED)
    before = sarif("m.py", cwd=tmp_path)["runs"][0]["results"]
    write(tmp_path, "m.py", "# a comment\n\n" + STACKED)  # the finding moves down two lines
    after = sarif("m.py", cwd=tmp_path)["runs"][0]["results"]
    assert [r["locations"][0]["physicalLocation"]["region"]["startLine"] for r in after] == [
        r["locations"][0]["physicalLocation"]["region"]["startLine"] + 2 for r in before]
    assert [r["partialFingerprints"] for r in after] == [r["partialFingerprints"] for r in before]


def test_sarif_fingerprints_come_from_the_text_lstmlint_read(tmp_path):
    """The reporter reads no file: code from stdin under a name that exists nowhere gets the fingerprints of
    the same code read from that file, and --fix reports the fingerprints of the text it wrote."""
    write(tmp_path / "disk", "m.py", STACKED)
    (tmp_path / "elsewhere").mkdir()
    from_disk = sarif("m.py", cwd=tmp_path / "disk")["runs"][0]["results"]
    run = run_cli("check", "--format", "sarif", "--stdin-filename", "m.py", "-", cwd=tmp_path / "elsewhere",
                  stdin=STACKED)
    from_stdin = json.loads(run.out)["runs"][0]["results"]
    assert from_disk and [r["partialFingerprints"] for r in from_stdin] == [r["partialFingerprints"] for r in from_disk]
    # a GRU that cannot use the cuDNN kernel (LSTM401, no fix), on a line its other fix changes
    write(tmp_path / "fixed", "fixable.py", FIXABLE + "fourth = keras.Sequential([keras.Input((10, 3)), "
                                                      "GRU(10, return_sequence=True, activation='relu'), GRU(2)])\n")
    fixed = run_cli("check", "--fix", "--format", "sarif", "fixable.py", cwd=tmp_path / "fixed")
    after = sarif("fixable.py", cwd=tmp_path / "fixed", code=0)["runs"][0]["results"]  # LSTM401 does not fail
    assert after and [r["partialFingerprints"] for r in json.loads(fixed.out)["runs"][0]["results"]] == [
        r["partialFingerprints"] for r in after]


def test_sarif_fixes_reapply_to_the_file(tmp_path):
    write(tmp_path, "sub dir/fixable.py", FIXABLE)
    log = sarif("sub dir", cwd=tmp_path)
    results = log["runs"][0]["results"]
    findings = run_cli("check", "sub dir", "--format", "json", cwd=tmp_path).json()
    assert [(r["ruleId"], "fixes" in r) for r in results] == [(f["rule"], f["fix"] is not None) for f in findings]
    fixed_rules = set()
    for result in results:
        if "fixes" not in result:
            continue
        (fix,) = result["fixes"]
        assert fix["description"]["text"] and fix["properties"]["applicability"] in {"safe", "unsafe"}
        (change,) = fix["artifactChanges"]
        assert change["artifactLocation"] == {"uri": "sub%20dir/fixable.py", "uriBaseId": "%SRCROOT%"}
        path = tmp_path / unquote(change["artifactLocation"]["uri"])
        original = path.read_text(encoding="utf-8")
        fixed = apply_replacements(original, change["replacements"])
        for replacement in change["replacements"]:
            assert replacement["insertedContent"]["text"] in fixed
        assert fixed != original
        compile(fixed, str(path), "exec")
        path.write_text(fixed, encoding="utf-8")
        again = sarif("sub dir", cwd=tmp_path, code=run_cli("check", "sub dir", cwd=tmp_path).code)
        remaining = [(r["ruleId"], r["locations"][0]["physicalLocation"]["region"]["startLine"])
                     for r in again["runs"][0]["results"]]
        line = result["locations"][0]["physicalLocation"]["region"]["startLine"]
        assert (result["ruleId"], line) not in remaining, f"the fix of {result['ruleId']} removes the finding"
        path.write_text(original, encoding="utf-8")
        fixed_rules.add(result["ruleId"])
    assert {"LSTM101", "LSTM501", "LSTM502"} <= fixed_rules
    fixed = (tmp_path / "sub dir/fixable.py").read_text(encoding="utf-8")
    assert "LSTM(8, return_sequences=True)" in apply_replacements(
        fixed, next(r for r in results if r["ruleId"] == "LSTM101")["fixes"][0]["artifactChanges"][0]["replacements"])


def test_sarif_fixes_in_examples_apply_cleanly():
    log = sarif("examples")
    count = 0
    for result in log["runs"][0]["results"]:
        for fix in result.get("fixes", []):
            for change in fix["artifactChanges"]:
                path = ROOT / unquote(change["artifactLocation"]["uri"])
                original = path.read_text(encoding="utf-8")
                fixed = apply_replacements(original, change["replacements"])
                assert fixed != original
                assert all(r["insertedContent"]["text"] in fixed for r in change["replacements"])
                compile(fixed, str(path), "exec")
                count += 1
    assert count >= 1


def test_sarif_syntax_error_and_unreadable_have_descriptors(tmp_path):
    write(tmp_path, "broken.py", "import keras\nmodel = keras.Sequential([keras.layers.LSTM(4)\n")
    (tmp_path / "latin.py").write_bytes(b"from keras.layers import LSTM\nname = '\xe9t\xe9'\n")
    log = sarif(".", cwd=tmp_path)
    run = log["runs"][0]
    ids = [r["id"] for r in run["tool"]["driver"]["rules"]]
    by_rule = {r["ruleId"]: r for r in run["results"]}
    assert set(by_rule) == {"LSTM001", "LSTM002"}
    for code, result in by_rule.items():
        assert ids[result["ruleIndex"]] == code
        assert result["level"] == "error"
        region = result["locations"][0]["physicalLocation"]["region"]
        assert region["startLine"] >= 1 and region["startColumn"] >= 1
    assert by_rule["LSTM001"]["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] == "broken.py"
    assert by_rule["LSTM002"]["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] == "latin.py"


def test_sarif_without_findings(tmp_path):
    write(tmp_path, "clean.py", CLEAN)
    log = sarif("clean.py", cwd=tmp_path, code=0)
    assert log["runs"][0]["results"] == []
    assert log["runs"][0]["tool"]["driver"]["rules"]


def test_sarif_notebook_cell():
    from lstmlint.engine.loader import builtin_rules_dir, load_rules
    from lstmlint.findings import Edit, Finding, Fix
    from lstmlint.report import sarif as reporter

    finding = Finding("nb/train.ipynb", 2, 5, 2, 12, "LSTM101", "stacked-without-return-sequences", "error",
                      "LSTM(8) returns only its last step", Fix("Set return_sequences=True", "safe",
                                                                [Edit(2, 11, 2, 11, ", return_sequences=True")]),
                      cell=3)
    log = json.loads(reporter.render([finding], 1, load_rules([builtin_rules_dir()])))
    assert_valid_sarif(log)
    (result,) = log["runs"][0]["results"]
    assert result["message"]["text"] == "cell 3: LSTM(8) returns only its last step"
    assert result["properties"]["cell"] == 3
    region = result["locations"][0]["physicalLocation"]["region"]
    assert (region["startLine"], region["startColumn"], region["endLine"], region["endColumn"]) == (2, 5, 2, 12)
    assert "fixes" not in result, "cell positions cannot be applied to the .ipynb file's bytes"


# -- GitHub annotations -----------------------------------------------------------------------------------


def test_github_examples_golden():
    run = run_cli("check", "examples", "--format", "github")
    assert run.code == 1
    golden("examples.github", run.out)


def test_github_lines_match_the_json_findings():
    out = run_cli("check", "examples", "--format", "github").out
    findings = run_cli("check", "examples", "--format", "json").json()
    lines = out.splitlines()
    assert len(lines) == len(findings), "one line per finding and no summary"
    commands = {"error": "error", "warning": "warning", "info": "notice"}
    for line, finding in zip(lines, findings):
        match = GITHUB_LINE.match(line)
        assert match, line
        assert match["command"] == commands[finding["severity"]]
        assert unescape(match["file"]) == finding["path"]
        assert (int(match["line"]), int(match["col"]), int(match["end_line"]), int(match["end_col"])) == (
            finding["line"], finding["column"], finding["end_line"], finding["end_column"])
        assert unescape(match["title"]) == f"{finding['rule']} {finding['name']}"
        assert unescape(match["message"]) == finding["message"]


def test_github_escaping_through_the_cli(tmp_path):
    write(tmp_path, "my_rules/TEAM001.yaml", textwrap.dedent(
        """\
        id: TEAM001
        name: small-lstm
        severity: info
        summary: Our team uses at least 16 units.
        message: "{layer}: 100% too small, at least 16\\r\\nunits"
        keras: [2, 3]
        subject: layer
        match:
          all:
            - class: LSTM
            - arg: {name: units, lt: 16}
        explanation: |
          ## What it does
          Flags small LSTMs.
          ## Why is this bad?
          Too small.
          ## Example
          LSTM(8)
          ## Use instead
          LSTM(32)
        examples:
          bad: ["import keras\\nkeras.layers.LSTM(8)\\n"]
          good: ["import keras\\nkeras.layers.LSTM(32)\\n"]
        """))
    write(tmp_path, "pyproject.toml", '[tool.lstmlint]\nrule-paths = ["my_rules"]\nselect = ["TEAM"]\n')
    write(tmp_path, "a,b:100%.py", "import keras\nlayer = keras.layers.LSTM(8)\n")
    run = run_cli("check", ".", "--format", "github", "--fail-on", "info", cwd=tmp_path)  # an info finding
    assert run.code == 1, run.err
    assert run.out == ("::notice file=a%2Cb%3A100%25.py,line=2,col=9,endLine=2,endColumn=29,"
                       "title=TEAM001 small-lstm::LSTM(8): 100%25 too small, at least 16%0D%0Aunits\n")
    log = sarif(".", cwd=tmp_path, code=0)  # one info finding: shown, and passes under the default fail-on
    (result,) = log["runs"][0]["results"]
    assert result["message"]["text"] == "LSTM(8): 100% too small, at least 16\r\nunits"
    assert result["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] == "a%2Cb%3A100%25.py"
    rule = log["runs"][0]["tool"]["driver"]["rules"][result["ruleIndex"]]
    assert rule["id"] == "TEAM001" and rule["defaultConfiguration"]["level"] == "note"


def test_github_escaping_of_properties_and_message():
    from lstmlint.findings import Finding
    from lstmlint.report import github

    finding = Finding("we,ird:dir/50%.py", 3, 1, 4, 2, "LSTM301", "units-look-like-timesteps", "warning",
                      "units: 50%, see\nhere\rnow", cell=2)
    assert github.render([finding], 1, []) == (
        "::warning file=we%2Cird%3Adir/50%25.py,line=3,col=1,endLine=4,endColumn=2,"
        "title=LSTM301 units-look-like-timesteps::cell 2: units: 50%25, see%0Ahere%0Dnow\n")
    assert github.render([], 3, []) == ""


def test_github_without_findings(tmp_path):
    write(tmp_path, "clean.py", CLEAN)
    run = run_cli("check", "clean.py", "--format", "github", cwd=tmp_path)
    assert run.code == 0 and run.out == ""
