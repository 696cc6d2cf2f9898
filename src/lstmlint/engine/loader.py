"""Rule files: YAML (safe loader only) validated against rule.schema.json."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

SCHEMA_PATH = Path(__file__).with_name("rule.schema.json")


class RuleError(Exception):
    """A rule file that cannot be used: names the file, the field and the reason."""

    def __init__(self, path: str, where: str, reason: str) -> None:
        super().__init__(f"{path}: {where}: {reason}" if where else f"{path}: {reason}")
        self.path = path
        self.where = where
        self.reason = reason


@dataclass
class Example:
    code: str  # bad examples mark expected findings with `# expect: CODE` comments (lstmlint.ruletest)
    keras: tuple[int, ...]  # the Keras versions under which the example holds
    # bad examples of a rule with a fix: the code after the fix, or False when the fix does not apply to it
    fixed: str | bool | None = None


@dataclass
class Rule:
    id: str
    name: str
    severity: str
    summary: str
    message: str
    explanation: str
    match: dict[str, Any]
    subject: str = "layer"  # what the rule is evaluated on: layer | call | import
    keras: tuple[int, ...] = (2, 3)
    fix: dict[str, Any] | None = None
    blames: str | None = None  # the declaration the rule reports as wrong (engine/cascade.py)
    note: str | None = None  # how a finding of the rule reads folded into the one that blames its declaration
    runtime: dict[str, Any] = field(default_factory=dict)
    examples: dict[str, list[Example]] = field(default_factory=dict)
    path: str = ""
    gate: Any = field(default=None, repr=False, compare=False)  # a quick layer test, built on first use
    compiled: Any = field(default=None, repr=False, compare=False)  # the match as closures, built on first use

    def __getstate__(self) -> dict[str, Any]:
        return {**self.__dict__, "gate": None, "compiled": None}  # closures do not pickle; workers rebuild them


def builtin_rules_dir() -> Path:
    """The top-level rules/ folder: inside the package when installed from a wheel, beside src/ in a checkout."""
    packaged = Path(__file__).resolve().parent.parent / "rules"
    if packaged.is_dir():
        return packaged
    return Path(__file__).resolve().parents[3] / "rules"


@lru_cache(maxsize=1)
def _validator():
    import jsonschema

    schema = json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))
    return jsonschema.Draft202012Validator(schema)


def load_rule(path: Path) -> Rule:
    import yaml

    from lstmlint.bounded import ReadError, read_regular

    try:
        text = read_regular(path, MAX_RULE_BYTES).decode("utf-8")
    except ReadError as error:
        raise RuleError(str(path), "", str(error)) from None
    except UnicodeDecodeError as error:
        raise RuleError(str(path), "", f"cannot read: {error}") from None
    if _flow_depth(text) > MAX_RULE_DEPTH:  # libyaml's C parser overflows the stack (SIGSEGV) at ~30,000
        raise RuleError(str(path), "", f"nested more than {MAX_RULE_DEPTH} levels deep")
    try:
        # libyaml's safe loader when PyYAML was built with it (several times faster); both build only plain
        # Python data — no tags that construct objects
        data = yaml.load(text, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        where = f"line {mark.line + 1}" if mark is not None else ""
        raise RuleError(str(path), where, f"invalid YAML: {getattr(error, 'problem', None) or error}") from None
    except RecursionError:
        raise RuleError(str(path), "", "invalid YAML: nested too deeply") from None
    if not isinstance(data, dict):
        raise RuleError(str(path), "", "a rule file must be a mapping")
    _check_size(data, str(path))
    errors = sorted(_validator().iter_errors(data), key=lambda e: (len(e.path), list(map(str, e.path))))
    if errors:
        error = errors[0]
        where = "/".join(str(p) for p in error.absolute_path) or "(top level)"
        raise RuleError(str(path), *_misplaced(error, data.get("subject", "layer"), where))
    if data["id"] != path.stem:
        raise RuleError(str(path), "id", f"the id {data['id']!r} differs from the file name {path.name!r}: a rule "
                                         f"file is named after its id ({data['id']}.yaml)")
    _check_regexes(data["match"], str(path))
    _check_placeholders(data, str(path))
    return Rule(
        id=data["id"],
        name=data["name"],
        severity=data["severity"],
        summary=data["summary"],
        message=data["message"],
        explanation=data["explanation"],
        match=data["match"],
        subject=data.get("subject", "layer"),
        keras=tuple(data.get("keras", (2, 3))),
        fix=data.get("fix"),
        blames=data.get("blames"),
        note=data.get("note"),
        runtime=data.get("runtime", {}),
        examples={kind: [_example(e, data.get("keras", (2, 3))) for e in items]
                  for kind, items in data["examples"].items()},
        path=str(path),
    )


SUBJECTS = ("layer", "call", "import")


def _misplaced(error, subject: str, where: str) -> tuple[str, str]:
    """(where, reason) for a schema error; a predicate of another subject (``class`` in a ``subject: call``
    rule, which could never hold) is named with the subjects it belongs to."""
    if error.validator == "additionalProperties" and where.split("/")[0] == "match" and isinstance(
            error.instance, dict):
        clauses = {s: set(_validator().schema["$defs"][f"{s}-clause"]["properties"]) for s in SUBJECTS}
        for key in error.instance:
            owners = [s for s in SUBJECTS if key in clauses[s]]
            if key not in error.schema.get("properties", {}) and owners:
                hop = next((h for h in ("feeds", "fed-by") if f"/{h}/" in f"/{where}/"), None)
                if hop is not None:  # a hop's clauses are evaluated on the layer it reaches
                    subject, context = "layer", f"the clauses of `{hop}` are evaluated on a layer"
                else:
                    default = " (the default)" if subject == "layer" else ""
                    context = f"this rule has `subject: {subject}`{default}"
                return (f"{where}/{key}", f"`{key}` is a predicate of {' and '.join(owners)} rules; {context}, "
                        "whose predicates are: " + ", ".join(sorted(clauses[subject] - {"all", "any", "not"})))
    return where, error.message


def _check_placeholders(data: dict[str, Any], path: str) -> None:
    from lstmlint.engine.placeholders import available, problem, templates

    known = available(data.get("subject", "layer"), data["match"])
    for where, text in templates(data):
        reason = problem(text, known)
        if reason is not None:
            raise RuleError(path, where, reason)


def _example(item: str | dict[str, Any], versions) -> Example:
    if isinstance(item, str):
        return Example(item, tuple(versions))
    return Example(item["code"], tuple(v for v in item.get("keras", versions) if v in versions), item.get("fixed"))


# A rule file is small; these bound what a hostile one can cost before the schema validator (and later the
# evaluator, and the rules cache) walk it.
MAX_RULE_BYTES = 256 * 1024
# YAML anchors and aliases are built by reference, so a few hundred bytes can stand for billions of nodes
# ("billion laughs"): everything after loading walks the expanded tree. Count it first, sharing-aware.
MAX_RULE_NODES = 20_000
MAX_RULE_DEPTH = 200  # the schema validator recurses once per level; real rules nest a handful of levels


def _flow_depth(text: str) -> int:
    """The deepest nesting of YAML flow brackets, counted over the raw text (quoted brackets included: an
    over-estimate that only matters for absurd files)."""
    depth = deepest = 0
    for char in text:
        if char in "[{":
            depth += 1
            deepest = max(deepest, depth)
        elif char in "]}":
            depth = max(depth - 1, 0)
    return deepest


def _check_size(data: Any, path: str) -> None:
    """Reject a document whose alias-expanded tree exceeds MAX_RULE_NODES, or that contains itself (a
    recursive alias). Linear in the distinct nodes: each is expanded once and its size remembered."""
    sizes: dict[int, int] = {}
    active: set[int] = set()
    stack: list[tuple[Any, bool, int]] = [(data, False, 0)]
    while stack:
        node, done, depth = stack.pop()
        if depth > MAX_RULE_DEPTH:
            raise RuleError(path, "", f"nested more than {MAX_RULE_DEPTH} levels deep")
        key = id(node)
        children = list(node.values()) if isinstance(node, dict) else node
        if done:
            active.discard(key)
            size = 1 + sum(sizes.get(id(c), 1) for c in children)
            if size > MAX_RULE_NODES:
                raise RuleError(path, "", f"the document expands to more than {MAX_RULE_NODES} nodes "
                                          "(YAML aliases nested too deeply?)")
            sizes[key] = size
            continue
        if key in sizes:
            continue
        if key in active:
            raise RuleError(path, "", "a YAML alias refers to a node that contains it (a recursive document)")
        active.add(key)
        stack.append((node, True, depth))
        stack.extend((c, False, depth + 1) for c in children if isinstance(c, (dict, list)))


# `name-matches` runs on RE2 (google-re2), whose matching time is linear in the length of the name whatever the
# pattern: there is no backtracking to bound. A pattern RE2 cannot compile (a backreference, a lookaround, a
# repetition count over 1,000) is rejected when the rule loads.


def _check_regexes(clause: Any, path: str, where: str = "match") -> None:
    if isinstance(clause, dict):
        for key, value in clause.items():
            if key == "name-matches" and isinstance(value, str):
                reason = regex_problem(value)
                if reason is not None:
                    raise RuleError(path, f"{where}/name-matches", reason)
            _check_regexes(value, path, f"{where}/{key}")
    elif isinstance(clause, list):
        for index, item in enumerate(clause):
            _check_regexes(item, path, f"{where}/{index}")


def regex_problem(pattern: str) -> str | None:
    """Why ``pattern`` is not allowed in `name-matches` (None when it is)."""
    import re2

    try:
        name_regex(pattern)
    except re2.error as error:
        reason = error.args[0] if error.args else error
        if isinstance(reason, bytes):
            reason = reason.decode("utf-8", "replace")
        return (f"RE2 cannot compile this regular expression ({reason}); `name-matches` takes RE2 syntax, "
                "which has no backreferences or lookarounds")
    return None


@lru_cache(maxsize=256)
def name_regex(pattern: str):
    """The compiled `name-matches` pattern (RE2: linear-time matching, no backtracking)."""
    import re2

    options = re2.Options()
    options.log_errors = False  # RE2 would print its own copy of every compile error on stderr
    return re2.compile(pattern, options)


def rule_to_json(rule: Rule) -> dict[str, Any]:
    data = {k: v for k, v in rule.__dict__.items() if k not in ("gate", "compiled")}
    data["examples"] = {kind: [e.__dict__ for e in items] for kind, items in rule.examples.items()}
    return data


def rule_from_json(data: dict[str, Any]) -> Rule:
    examples = {kind: [Example(e["code"], tuple(e["keras"]), e.get("fixed")) for e in items]
                for kind, items in data["examples"].items()}
    return Rule(**{**data, "keras": tuple(data["keras"]), "examples": examples})


def load_rules_cached(folders: list[Path], cache) -> list[Rule]:
    """load_rules, through a compiled copy in the cache (a :class:`lstmlint.cache.Cache`, or None) keyed by the
    rule files' sizes and times."""
    if cache is None:
        return load_rules(folders)
    from lstmlint.cache import settings_digest

    from lstmlint import __version__

    # the checks a rule passed when it was cached are part of the key: a rule file that stricter checks reject
    # must not keep loading from an entry written before them
    checks = [Path(__file__).read_bytes(), SCHEMA_PATH.read_bytes(),
              Path(__file__).with_name("placeholders.py").read_bytes()]
    key = settings_digest([__version__, [hashlib.sha256(c).hexdigest() for c in checks], cache.rule_files(folders),
                           [str(f) for f in folders]])
    name = f"rules-{key[:20]}.json"
    text = cache.read_blob(name)
    if text is not None:
        try:
            return [rule_from_json(item) for item in json.loads(text)]
        except (ValueError, KeyError, TypeError):
            pass
    rules = load_rules(folders)
    cache.write_blob(name, json.dumps([rule_to_json(r) for r in rules]))
    return rules


def load_rules(folders: list[Path]) -> list[Rule]:
    """Every *.yaml / *.yml rule in the folders; a duplicate id is an error."""
    rules: dict[str, Rule] = {}
    for folder in folders:
        if not folder.is_dir():
            raise RuleError(str(folder), "", "rule folder does not exist")
        for path in sorted([*folder.glob("*.yaml"), *folder.glob("*.yml")]):
            rule = load_rule(path)
            if rule.id in rules:
                raise RuleError(str(path), "id", f"duplicate rule id {rule.id} (also in {rules[rule.id].path})")
            rules[rule.id] = rule
    return sorted(rules.values(), key=lambda r: r.id)
