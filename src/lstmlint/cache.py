"""The on-disk cache in ``.lstmlint_cache/`` (gitignored by a file inside it, as ruff does).

- Per file: findings keyed by the file's content hash, its absolute path and the path it is reported under, the
  lstmlint version and a digest of the effective settings and rule files. A damaged entry is ignored and
  written again; an internal error (LSTM003) is never cached. The entry also lists the project modules the
  file's imports may read constants from (or found absent), with their size, time and content hash: a change
  to any of them (or one appearing) drops the entry (see analyze/project_files.py).
- Rules: the validated rule files, so that a warm start imports neither PyYAML nor jsonschema.

Every write goes through a temporary file and ``os.replace``: concurrent runs never see half an entry. The cache
writes only inside a folder it created itself (with its ``.gitignore`` and ``CACHEDIR.TAG``): a
``.lstmlint_cache`` that is a symlink or another program's folder is not used, so a run never writes elsewhere.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import stat
import tempfile
import time
from dataclasses import asdict
from pathlib import Path
from typing import Any

from lstmlint import __version__
from lstmlint.atomic import replace_file
from lstmlint.analyze.project_files import FileState, dependencies, unchanged
from lstmlint.findings import Edit, Finding, Fix, Note
from lstmlint.source import DecodeError, decode

CACHE_DIR = ".lstmlint_cache"
_RACY_NS = 2_000_000_000  # a module written this close to a file's analysis may have changed during it
_GITIGNORE = "# Automatically created by lstmlint.\n*\n"
_CACHEDIR_TAG = "Signature: 8a477f597d28d172789f06886806bc55\n"  # https://bford.info/cachedir/


class CacheUnusable(Exception):
    """The cache folder exists but must not be used (a symlink, or a folder lstmlint did not create)."""


# Part of every entry's key: entries written before findings carried their line's text are not read.
_ENTRY_FORMAT = b"findings-2"


class Cache:
    def __init__(self, root: Path, settings: str, rules: tuple[list[Path], list] | None = None) -> None:
        self.folder = root / CACHE_DIR / __version__
        self.root = root  # the project root, as the analysis saw it (the constants of the project's modules)
        # key -> (path, shown, content, when the key was made: before the analysis), until put
        self._sources: dict[str, tuple[Path, str, bytes, int]] = {}
        self.settings = settings
        self._safe: set[Path] = set()  # entry folders checked to be real folders, not symlinks
        self._rule_files = {} if rules is None else {tuple(map(str, rules[0])): rules[1]}

    @classmethod
    def open(cls, root: Path, settings: list[Any], rule_folders: list[Path]) -> Cache:
        """The cache in ``root`` for these settings and rule folders, creating its folder; raises CacheUnusable
        (with the reason, for a warning) or OSError (an unwritable tree: no cache, no warning)."""
        files = rule_files(rule_folders)
        digest = settings_digest([*settings, files])
        top = root / CACHE_DIR
        if not os.path.lexists(top):
            _create(top)
        problem = _not_ours(top)
        if problem is not None:
            raise CacheUnusable(f"{top} {problem}; not using the cache (remove it, or run with --no-cache)")
        cache = cls(root, digest, (rule_folders, files))
        try:
            cache.folder.mkdir(exist_ok=True)
        except FileExistsError:
            pass
        if not _real_folder(cache.folder):
            raise CacheUnusable(f"{cache.folder} is not a folder of lstmlint's (a symbolic link?); "
                                "not using the cache (remove it, or run with --no-cache)")
        return cache

    def rule_files(self, folders: list[Path]) -> list[tuple[str, int, int]]:
        """:func:`rule_files`, once per run: the settings digest and the compiled rules' key both need it."""
        key = tuple(map(str, folders))
        if key not in self._rule_files:
            self._rule_files[key] = rule_files(folders)
        return self._rule_files[key]

    def _path(self, key: str) -> Path:
        return self.folder / key[:2] / f"{key}.json"

    def key(self, path: Path, shown: str, data: bytes) -> str:
        """The entry of one file: its absolute path (identical files in two folders may get different
        per-file-ignores), the path it is reported under, its content and the settings. Paths are hashed
        as bytes, so a file name that is not valid UTF-8 works too."""
        digest = hashlib.sha256()
        for part in (_ENTRY_FORMAT, self.settings.encode(), os.fsencode(os.path.abspath(path)), b"\0", os.fsencode(shown), b"\0",
                     data):
            digest.update(part)
        key = digest.hexdigest()
        self._sources[key] = (path, shown, data, time.time_ns())
        return key

    def get(self, key: str, coverage: bool = False) -> tuple[list[Finding], tuple[int, int, int]] | None:
        """(findings, recurrent layers found / in a model / fully known) of an entry; with ``coverage``, None
        for an entry written without the counts (a run without --statistics)."""
        path = self._path(key)
        if not self._checked(path.parent):
            return None
        try:
            raw = json.loads(path.read_text(encoding="utf-8"))
            if not all(unchanged(FileState(*dep)) for dep in raw.get("deps", ())):
                return None  # a module it read constants from changed: analyse again
            reach = raw.get("reach")
            if coverage and reach is None:
                return None
            return [finding_from_json(item) for item in raw["findings"]], tuple(reach or (0, 0, 0))
        except (OSError, ValueError, KeyError, TypeError, AttributeError):
            return None  # missing or damaged: analyse again and overwrite

    def put(self, key: str, findings: list[Finding], reach: tuple[int, int, int] | None = None) -> None:
        deps = self._dependencies(key)
        if deps is None:
            return
        payload = {"findings": [finding_to_json(f) for f in findings], "deps": deps}
        if reach is not None:
            payload["reach"] = list(reach)
        self.write(self._path(key), json.dumps(payload))

    def _dependencies(self, key: str) -> list[list] | None:
        """The project modules the file's analysis may have read (or found absent), as they are now; None (do
        not cache) when one of them was written since the analysis began: the findings may be of its old
        content, and the entry would take them for the new one's."""
        source = self._sources.pop(key, None)
        if source is None:
            return []
        path, shown, data, began = source
        try:
            if shown.endswith(".ipynb"):
                from lstmlint.notebook import load

                text = load(data, shown).text
            else:
                text = decode(data, shown).text
        except DecodeError:
            return []
        found = dependencies(str(path), self.root, text)
        if any(d.mtime is not None and d.mtime >= began - _RACY_NS for d in found):
            return None
        return [[d.path, d.size, d.mtime, d.digest] for d in found]

    def read_blob(self, name: str) -> str | None:
        """A named entry of this version's folder (the compiled rules), or None."""
        try:
            return (self.folder / name).read_text(encoding="utf-8")
        except (OSError, ValueError):
            return None

    def write_blob(self, name: str, text: str) -> None:
        self.write(self.folder / name, text)

    def write(self, path: Path, text: str) -> None:
        try:
            path.parent.mkdir(exist_ok=True)
        except FileExistsError:
            pass
        except OSError:
            return
        if not self._checked(path.parent):
            return  # a symlinked entry folder would make us write elsewhere
        try:  # atomic (concurrent runs never read half an entry), not synced (a lost entry is only recomputed)
            replace_file(path, text.encode("utf-8"))
        except OSError:
            pass  # a read-only tree still gets checked, just not cached

    def _checked(self, folder: Path) -> bool:
        if folder in self._safe:
            return True
        if folder == self.folder or _real_folder(folder):
            self._safe.add(folder)
            return True
        return False


def _real_folder(path: Path) -> bool:
    try:
        return stat.S_ISDIR(os.lstat(path).st_mode)
    except OSError:
        return False


def _create(top: Path) -> None:
    """Create the folder with its markers complete before it appears under its name (a concurrent run sees
    either no folder or a finished one)."""
    staging = Path(tempfile.mkdtemp(prefix=f"{CACHE_DIR}.tmp-", dir=top.parent))
    try:
        (staging / ".gitignore").write_text(_GITIGNORE, encoding="utf-8")
        (staging / "CACHEDIR.TAG").write_text(_CACHEDIR_TAG, encoding="utf-8")
        os.rename(staging, top)
    except OSError:
        if not os.path.lexists(top):
            raise
    finally:
        shutil.rmtree(staging, ignore_errors=True)


def _not_ours(top: Path) -> str | None:
    """Why ``top`` is not a cache folder lstmlint created (None when it is)."""
    try:
        info = os.lstat(top)
    except OSError as error:
        return f"cannot be read ({error.strerror or error})"
    if stat.S_ISLNK(info.st_mode):
        return "is a symbolic link"
    if not stat.S_ISDIR(info.st_mode):
        return "is not a folder"
    if not (_starts_with(top / ".gitignore", _GITIGNORE.splitlines()[0])
            and _starts_with(top / "CACHEDIR.TAG", _CACHEDIR_TAG.strip())):
        return "was not created by lstmlint (it has no .gitignore and CACHEDIR.TAG of lstmlint's)"
    return None


def _starts_with(path: Path, text: str) -> bool:
    """A regular file (not a symlink) whose first bytes are ``text``."""
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0))
    except OSError:
        return False
    try:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            return False
        return os.read(fd, len(text.encode())) == text.encode()
    finally:
        os.close(fd)


def finding_to_json(finding: Finding) -> dict[str, Any]:
    data = asdict(finding)
    data["origin"] = list(finding.origin) if finding.origin is not None else None
    return data


def finding_from_json(data: dict[str, Any]) -> Finding:
    fix = data.get("fix")
    if fix is not None:
        fix = Fix(fix["description"], fix["applicability"], [Edit(**e) for e in fix["edits"]])
    origin = data.get("origin")
    return Finding(**{**data, "fix": fix, "origin": tuple(origin) if origin is not None else None,
                      "line_refs": tuple(data.get("line_refs", ())),
                      "notes": [Note(**n) for n in data.get("notes", ())],
                      "blames": tuple(tuple(k) for k in data.get("blames", ())),
                      "depends": tuple(tuple(k) for k in data.get("depends", ()))})


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
