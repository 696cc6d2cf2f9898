"""Rule files: YAML (safe loader only) validated against rule.schema.json."""

from __future__ import annotations

import json
import re
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

    try:
        if path.stat().st_size > MAX_RULE_BYTES:
            raise RuleError(str(path), "", f"rule file larger than {MAX_RULE_BYTES // 1024} KiB")
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
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
        raise RuleError(str(path), where, error.message)
    if data["id"] != path.stem:
        raise RuleError(str(path), "id", f"the id {data['id']!r} must match the file name {path.stem!r}")
    _check_regexes(data["match"], str(path))
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
        runtime=data.get("runtime", {}),
        examples={kind: [_example(e, data.get("keras", (2, 3))) for e in items]
                  for kind, items in data["examples"].items()},
        path=str(path),
    )


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


# `name-matches` runs Python's backtracking `re` on names taken from the linted files, so the dialect is
# restricted to patterns that cannot backtrack catastrophically: no backreferences or lookaround, no repeated
# group that itself contains a repetition or an alternation (star height 1: `(a+)+`, `(a|ab)*`), at most
# MAX_REGEX_REPEATS repetitions in all; and names longer than MAX_NAME_LENGTH are not matched (unknown).
MAX_REGEX_REPEATS = 3
MAX_NAME_LENGTH = 100


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
    try:
        re.compile(pattern)
        parsed = _sre_parse(pattern)
    except re.error as error:
        return f"invalid regular expression: {error}"
    except RecursionError:
        return "regular expression nested too deeply"
    repeats = 0
    stack: list[tuple[Any, bool]] = [(parsed, False)]  # (subpattern, inside a repeat that can match twice)
    while stack:
        items, in_repeat = stack.pop()
        for op, arg in items:
            name = str(op)
            if name in ("GROUPREF", "GROUPREF_EXISTS", "GROUPREF_IGNORE", "ASSERT", "ASSERT_NOT"):
                return "regular expression uses a backreference or lookaround, which `name-matches` does not allow"
            if name in ("MAX_REPEAT", "MIN_REPEAT", "POSSESSIVE_REPEAT"):
                low, high, body = arg
                if high > 1:
                    if in_repeat:
                        return ("regular expression repeats a repetition (like `(a+)+`), which can take "
                                "exponential time; `name-matches` does not allow it")
                    repeats += 1
                    if repeats > MAX_REGEX_REPEATS:
                        return f"regular expression has more than {MAX_REGEX_REPEATS} repetitions"
                stack.append((body, in_repeat or high > 1))
            elif name == "BRANCH":
                if in_repeat:
                    return ("regular expression repeats an alternation (like `(a|ab)*`), which can take "
                            "exponential time; use a character class or drop the repetition")
                stack.extend((branch, in_repeat) for branch in arg[1])
            elif name == "SUBPATTERN":
                stack.append((arg[-1], in_repeat))
            elif name == "ATOMIC_GROUP":
                stack.append((arg, in_repeat))
    return None


def _sre_parse(pattern: str):
    try:
        from re import _parser as parser  # Python 3.11+
    except ImportError:  # pragma: no cover - Python 3.10
        import sre_parse as parser
    return parser.parse(pattern)


def rule_to_json(rule: Rule) -> dict[str, Any]:
    data = {k: v for k, v in rule.__dict__.items() if k not in ("gate", "compiled")}
    data["examples"] = {kind: [e.__dict__ for e in items] for kind, items in rule.examples.items()}
    return data


def rule_from_json(data: dict[str, Any]) -> Rule:
    examples = {kind: [Example(e["code"], tuple(e["keras"]), e.get("fixed")) for e in items]
                for kind, items in data["examples"].items()}
    return Rule(**{**data, "keras": tuple(data["keras"]), "examples": examples})


def load_rules_cached(folders: list[Path], cache_root: Path | None) -> list[Rule]:
    """load_rules, through a compiled copy in the cache keyed by the rule files' sizes and times."""
    if cache_root is None:
        return load_rules(folders)
    from lstmlint.cache import CACHE_DIR, rule_files, settings_digest, write_text_atomic

    from lstmlint import __version__

    key = settings_digest([__version__, rule_files(folders), [str(f) for f in folders]])
    path = cache_root / CACHE_DIR / __version__ / f"rules-{key[:20]}.json"
    try:
        return [rule_from_json(item) for item in json.loads(path.read_text(encoding="utf-8"))]
    except (OSError, ValueError, KeyError, TypeError):
        pass
    rules = load_rules(folders)
    try:
        write_text_atomic(path, json.dumps([rule_to_json(r) for r in rules]))
    except OSError:
        pass
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
