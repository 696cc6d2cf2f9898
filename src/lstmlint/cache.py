"""The on-disk cache in ``.lstmlint_cache/`` (gitignored by a file inside it, as ruff does).

- Per file: findings keyed by the file's content hash, its path, the lstmlint version and a digest of the
  effective settings and rule files. A damaged entry is ignored and written again.
- Rules: the validated rule files, so that a warm start imports neither PyYAML nor jsonschema.

Every write goes through a temporary file and ``os.replace``: concurrent runs never see half an entry.
"""

from __future__ import annotations

import hashlib
import json
import os
from dataclasses import asdict
from pathlib import Path
from typing import Any

from lstmlint import __version__
from lstmlint.atomic import replace_file
from lstmlint.findings import Edit, Finding, Fix

CACHE_DIR = ".lstmlint_cache"


class Cache:
    def __init__(self, root: Path, settings: str) -> None:
        self.folder = root / CACHE_DIR / __version__
        self.settings = settings

    def _path(self, key: str) -> Path:
        return self.folder / key[:2] / f"{key}.json"

    def key(self, path: str, data: bytes) -> str:
        digest = hashlib.sha256()
        for part in (self.settings.encode(), path.encode(), b"\0", data):
            digest.update(part)
        return digest.hexdigest()

    def get(self, key: str) -> list[Finding] | None:
        try:
            raw = json.loads(self._path(key).read_text(encoding="utf-8"))
            return [finding_from_json(item) for item in raw["findings"]]
        except (OSError, ValueError, KeyError, TypeError, AttributeError):
            return None  # missing or damaged: analyse again and overwrite

    def put(self, key: str, findings: list[Finding]) -> None:
        payload = {"findings": [finding_to_json(f) for f in findings]}
        try:
            write_text_atomic(self._path(key), json.dumps(payload))
        except OSError:
            pass  # a read-only tree still gets checked, just not cached


def finding_to_json(finding: Finding) -> dict[str, Any]:
    data = asdict(finding)
    data["origin"] = list(finding.origin) if finding.origin is not None else None
    return data


def finding_from_json(data: dict[str, Any]) -> Finding:
    fix = data.get("fix")
    if fix is not None:
        fix = Fix(fix["description"], fix["applicability"], [Edit(**e) for e in fix["edits"]])
    origin = data.get("origin")
    return Finding(**{**data, "fix": fix, "origin": tuple(origin) if origin is not None else None})


def ensure_folder(root: Path) -> None:
    top = root / CACHE_DIR
    if not (top / ".gitignore").exists():
        top.mkdir(parents=True, exist_ok=True)
        write_text_atomic(top / ".gitignore", "# Automatically created by lstmlint.\n*\n")
        write_text_atomic(top / "CACHEDIR.TAG", "Signature: 8a477f597d28d172789f06886806bc55\n")


def write_text_atomic(path: Path, text: str) -> None:
    """Cache entries: atomic (concurrent runs never read half an entry) but not synced: a lost entry is
    only recomputed."""
    path.parent.mkdir(parents=True, exist_ok=True)
    replace_file(path, text.encode("utf-8"))


def settings_digest(parts: list[Any]) -> str:
    return hashlib.sha256(json.dumps(parts, sort_keys=True, default=str).encode()).hexdigest()


def rule_files(folders: list[Path]) -> list[tuple[str, int, int]]:
    """(path, size, mtime) of every rule file: a cheap fingerprint that needs no YAML parsing."""
    found = []
    for folder in folders:
        try:
            entries = sorted(os.scandir(folder), key=lambda e: e.name)
        except OSError:
            continue
        for entry in entries:
            if entry.name.endswith((".yaml", ".yml")):
                try:
                    info = entry.stat()
                except OSError:  # a dangling link: loading the rules reports it, naming the file
                    found.append((entry.path, -1, -1))
                    continue
                found.append((entry.path, info.st_size, info.st_mtime_ns))
    return found
