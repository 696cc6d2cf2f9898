"""``[tool.lstmlint]`` in the nearest pyproject.toml, merged with command-line options."""

from __future__ import annotations

import re
import sys
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

from lstmlint.bounded import ReadError, read_regular
from lstmlint.builtin_codes import CODES

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - exercised on Python 3.10 only
    import tomli as tomllib

_CODE = re.compile(r"^[A-Z]+[0-9]*$")
KNOWN_KEYS = {"select", "extend-select", "ignore", "extend-ignore", "per-file-ignores", "exclude", "extend-exclude",
              "target-keras", "rule-paths", "fail-on"}
SEVERITIES = ("info", "warning", "error")  # in increasing order: `fail-on` picks the lowest that fails a run
MAX_CONFIG_BYTES = 4 << 20


class ConfigError(Exception):
    """A configuration that cannot be used: exit code 2."""


@dataclass
class Config:
    select: list[str] = field(default_factory=lambda: ["ALL"])  # built-in rules and those of rule-paths
    ignore: list[str] = field(default_factory=list)
    per_file_ignores: dict[str, list[str]] = field(default_factory=dict)
    exclude: list[str] = field(default_factory=list)
    target_keras: int = 3
    target_why: str = ""  # where target_keras comes from, for --statistics and explain (see target.py)
    rule_paths: list[Path] = field(default_factory=list)
    fail_on: str = "warning"  # the lowest severity whose findings make the run exit 1
    root: Path = field(default_factory=Path.cwd)  # the folder of the config file (patterns are relative to it)
    source: Path | None = None
    # every list of codes as given, with where it was given ("pyproject.toml: `select`", "--ignore"), so that a
    # code naming no rule is reported where the user can fix it
    code_sources: list[tuple[str, list[str]]] = field(default_factory=list)

    def enabled(self, code: str) -> bool:
        return _matches(code, self.select) and not _matches(code, self.ignore)

    def ignored_for(self, path: str) -> list[str]:
        if not self.per_file_ignores:
            return []
        relative = _relative(path, self.root)
        codes: list[str] = []
        for pattern, ignored in self.per_file_ignores.items():
            if path_spec((pattern,)).match_file(relative):
                codes.extend(ignored)
        return codes

    def fails(self, severity: str) -> bool:
        """Whether a finding of this severity makes the run exit 1 (`fail-on`)."""
        return SEVERITIES.index(severity) >= SEVERITIES.index(self.fail_on)


@lru_cache(maxsize=64)
def path_spec(patterns: tuple[str, ...]):
    """gitignore-style patterns, matched by RE2 in time linear in the path. pathspec translates each pattern
    into a regular expression; Python's backtracking `re` takes exponential time on some of them (a pattern like
    `**/a*/**/a*/…/b` against a path 40 folders deep never finishes)."""
    import pathspec
    from pathspec.patterns.gitignore.spec import GitIgnoreSpecPattern  # git's own reading (was "gitwildmatch")

    return pathspec.PathSpec.from_lines(GitIgnoreSpecPattern, patterns, backend="re2")


def _matches(code: str, prefixes: list[str]) -> bool:
    return any(p == "ALL" or code.startswith(p) for p in prefixes)


def _relative(path: str, root: Path) -> str:
    try:
        return Path(path).resolve().relative_to(root.resolve()).as_posix()
    except (ValueError, OSError, RuntimeError):  # RuntimeError: a symlink loop (Python < 3.13)
        return Path(path).as_posix()


def find_pyproject(start: Path) -> Path | None:
    start = start.resolve()
    for folder in [start, *start.parents]:
        candidate = folder / "pyproject.toml"
        if candidate.is_file():
            return candidate
    return None


def _codes(value: Any, key: str, where: str, config: Config) -> list[str]:
    if not isinstance(value, list) or not all(isinstance(v, str) and _CODE.match(v) for v in value):
        raise ConfigError(f"{where}: `{key}` must be a list of rule codes or prefixes like \"LSTM1\"")
    config.code_sources.append((f"{where}: `{key}`", list(value)))
    return list(value)


def check_codes(config: Config, known: set[str]) -> None:
    """Every code or prefix in select / ignore / per-file-ignores names at least one known code: a typo
    (`LTSM101`) would otherwise select nothing, and the run would pass in silence."""
    known = known | set(CODES)  # codes no rule file defines (lstmlint.builtin_codes) are known too
    for where, codes in config.code_sources:
        for code in codes:
            if code == "ALL" or any(k.startswith(code) for k in known):
                continue
            import difflib  # for the hint alone: a run whose codes are all known does not import it

            prefixes = {k[:n] for k in known for n in range(len(code), len(k) + 1)}
            close = difflib.get_close_matches(code, sorted(prefixes), 1, 0.7)
            hint = f" (did you mean `{close[0]}`?)" if close else ""
            raise ConfigError(f"{where}: `{code}` is not a rule code or prefix of one{hint}; "
                              "`lstmlint rules` lists them")


def _check_pattern(pattern: str, key: str, where: str) -> None:
    """A path pattern that cannot be compiled is a configuration error now, not a traceback mid-walk."""
    import re as python_re

    import re2

    try:
        path_spec((pattern,))
    except (ValueError, python_re.error, re2.error) as error:
        raise ConfigError(f"{where}: `{key}`: invalid path pattern {pattern!r}: {error}") from None


def parse_fail_on(value: Any, where: str = "--fail-on") -> str:
    if value in SEVERITIES:
        return value
    raise ConfigError(f"{where}: `fail-on` must be one of error, warning, info, got {value!r}")


def load_config(path: Path | None = None, start: Path | None = None) -> Config:
    """Read ``path`` (an explicit --config) or the nearest pyproject.toml above ``start``."""
    source = path if path is not None else find_pyproject(start or Path.cwd())
    if source is None:
        return _inferred(Config())
    where = str(source)
    try:
        data = tomllib.loads(read_regular(source, MAX_CONFIG_BYTES).decode("utf-8"))
    except ReadError as error:
        raise ConfigError(f"{where}: {error}") from None
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as error:
        raise ConfigError(f"{where}: invalid TOML: {error}") from None
    if source.name == "pyproject.toml":
        section = data.get("tool", {}).get("lstmlint", {})
    else:  # a dedicated lstmlint.toml / .lstmlint.toml takes its keys at top level
        section = data.get("tool", {}).get("lstmlint", data)
    if not isinstance(section, dict):
        raise ConfigError(f"{where}: [tool.lstmlint] must be a table")
    unknown = sorted(set(section) - KNOWN_KEYS)
    if unknown:
        raise ConfigError(f"{where}: unknown key `{unknown[0]}` in [tool.lstmlint] (known: {', '.join(sorted(KNOWN_KEYS))})")
    config = Config(root=source.parent, source=source)
    if "select" in section:
        config.select = _codes(section["select"], "select", where, config)
    if "extend-select" in section:
        config.select = [*config.select, *_codes(section["extend-select"], "extend-select", where, config)]
    for key in ("ignore", "extend-ignore"):
        if key in section:
            config.ignore.extend(_codes(section[key], key, where, config))
    if "per-file-ignores" in section:
        table = section["per-file-ignores"]
        if not isinstance(table, dict):
            raise ConfigError(f"{where}: `per-file-ignores` must be a table of pattern = [codes]")
        config.per_file_ignores = {k: _codes(v, f"per-file-ignores.{k}", where, config) for k, v in table.items()}
        for pattern in table:
            _check_pattern(pattern, "per-file-ignores", where)
    if "fail-on" in section:
        config.fail_on = parse_fail_on(section["fail-on"], where)
    for key in ("exclude", "extend-exclude"):
        if key in section:
            value = section[key]
            if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
                raise ConfigError(f"{where}: `{key}` must be a list of path patterns")
            for pattern in value:
                _check_pattern(pattern, key, where)
            config.exclude.extend(value)
    if "target-keras" in section:
        config.target_keras = parse_target(section["target-keras"], where)
        config.target_why = f"from {source.name}: target-keras = {config.target_keras}"
    if "rule-paths" in section:
        value = section["rule-paths"]
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise ConfigError(f"{where}: `rule-paths` must be a list of folders")
        config.rule_paths = [(source.parent / v) for v in value]
    return _inferred(config)


def _inferred(config: Config) -> Config:
    """Without an explicit target-keras, the one the project's declared dependencies imply."""
    if not config.target_why:
        from lstmlint.target import infer

        target = infer(config.root)
        config.target_keras, config.target_why = target.keras, target.why
    return config


def parse_target(value: Any, where: str = "--target-keras") -> int:
    if str(value) in ("2", "3"):
        return int(value)
    raise ConfigError(f"{where}: `target-keras` must be 2 or 3, got {value!r}")
