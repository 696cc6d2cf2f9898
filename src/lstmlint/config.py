"""``[tool.lstmlint]`` in the nearest pyproject.toml, merged with command-line options."""

from __future__ import annotations

import re
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - exercised on Python 3.10 only
    import tomli as tomllib

_CODE = re.compile(r"^[A-Z]+[0-9]*$")
KNOWN_KEYS = {"select", "ignore", "per-file-ignores", "exclude", "extend-exclude", "target-keras", "rule-paths"}


class ConfigError(Exception):
    """A configuration that cannot be used: exit code 2."""


@dataclass
class Config:
    select: list[str] = field(default_factory=lambda: ["LSTM"])
    ignore: list[str] = field(default_factory=list)
    per_file_ignores: dict[str, list[str]] = field(default_factory=dict)
    exclude: list[str] = field(default_factory=list)
    target_keras: int = 3
    rule_paths: list[Path] = field(default_factory=list)
    root: Path = field(default_factory=Path.cwd)  # the folder of the config file (patterns are relative to it)
    source: Path | None = None

    def enabled(self, code: str) -> bool:
        return _matches(code, self.select) and not _matches(code, self.ignore)

    def ignored_for(self, path: str) -> list[str]:
        if not self.per_file_ignores:
            return []
        import pathspec

        relative = _relative(path, self.root)
        codes: list[str] = []
        for pattern, ignored in self.per_file_ignores.items():
            if pathspec.PathSpec.from_lines("gitwildmatch", [pattern]).match_file(relative):
                codes.extend(ignored)
        return codes


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


def _codes(value: Any, key: str, where: str) -> list[str]:
    if not isinstance(value, list) or not all(isinstance(v, str) and _CODE.match(v) for v in value):
        raise ConfigError(f"{where}: `{key}` must be a list of rule codes or prefixes like \"LSTM1\"")
    return list(value)


def load_config(path: Path | None = None, start: Path | None = None) -> Config:
    """Read ``path`` (an explicit --config) or the nearest pyproject.toml above ``start``."""
    source = path if path is not None else find_pyproject(start or Path.cwd())
    if source is None:
        return Config()
    where = str(source)
    try:
        data = tomllib.loads(source.read_text(encoding="utf-8"))
    except OSError as error:
        raise ConfigError(f"{where}: cannot read: {error.strerror or error}") from None
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
        config.select = _codes(section["select"], "select", where)
    if "ignore" in section:
        config.ignore = _codes(section["ignore"], "ignore", where)
    if "per-file-ignores" in section:
        table = section["per-file-ignores"]
        if not isinstance(table, dict):
            raise ConfigError(f"{where}: `per-file-ignores` must be a table of pattern = [codes]")
        config.per_file_ignores = {k: _codes(v, f"per-file-ignores.{k}", where) for k, v in table.items()}
    for key in ("exclude", "extend-exclude"):
        if key in section:
            value = section[key]
            if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
                raise ConfigError(f"{where}: `{key}` must be a list of path patterns")
            config.exclude.extend(value)
    if "target-keras" in section:
        config.target_keras = parse_target(section["target-keras"], where)
    if "rule-paths" in section:
        value = section["rule-paths"]
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise ConfigError(f"{where}: `rule-paths` must be a list of folders")
        config.rule_paths = [(source.parent / v) for v in value]
    return config


def parse_target(value: Any, where: str = "--target-keras") -> int:
    if str(value) in ("2", "3"):
        return int(value)
    raise ConfigError(f"{where}: `target-keras` must be 2 or 3, got {value!r}")
