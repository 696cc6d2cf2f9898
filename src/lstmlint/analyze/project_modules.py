"""Which files an import of the project's own modules may load, decided from the importing file's text alone
(so that the findings cache can list every file a resolution may have read or found absent): a module of the
same project is looked for relative to the importing file's folder and to the project root, never in
site-packages nor outside the root, never in the standard library or Keras."""

from __future__ import annotations

import os
import re
import sys
from functools import lru_cache
from pathlib import Path

MAX_DEPTH = 3  # modules followed through re-exports (`from .constants import X` in a package __init__)
_SKIPPED_ROOTS = frozenset({"keras", "tensorflow", "tf_keras", "__future__"}) | frozenset(
    getattr(sys, "stdlib_module_names", ()))
_ENVIRONMENTS = frozenset({"site-packages", "dist-packages"})

# Import statements, found in the text (not the parse: it also works on a file that does not parse): at a line's
# start or after `;` / `:` (`try: import config`), names in parentheses across lines.
_FROM = re.compile(r"(?:^|[;:])[ \t]*from[ \t]+(\.*[ \t]*[\w.]*)[ \t]+import[ \t]*(\([^)]*\)|[^\n#;]*)", re.M)
_IMPORT = re.compile(r"(?:^|[;:])[ \t]*import[ \t]+([^\n#;]+)", re.M)


def imported_modules(text: str) -> set[str]:
    """Every module path an import statement of ``text`` may load (relative ones with their leading dots),
    with the parent packages of each and, for ``from M import a``, ``M.a`` (``a`` may be a submodule)."""
    text = text.replace("\\\n", " ")
    found: set[str] = set()
    for match in _FROM.finditer(text):
        module = re.sub(r"\s", "", match.group(1))
        found |= _with_parents(module)
        for name in re.split(r"[\s,()]+", match.group(2)):
            if name.isidentifier() and name != "as":
                found.add(f"{module}.{name}" if module.strip(".") else f"{module}{name}")
    for match in _IMPORT.finditer(text):
        for part in match.group(1).split(","):
            words = part.replace("(", " ").replace(")", " ").split()
            if words:
                found |= _with_parents(words[0])
    return {m for m in found if followed(m)}


def _with_parents(module: str) -> set[str]:
    dots = len(module) - len(module.lstrip("."))
    parts = module[dots:].split(".") if module[dots:] else []
    found = {"." * dots} if dots else set()
    for i in range(1, len(parts) + 1):
        found.add("." * dots + ".".join(parts[:i]))
    return found


def followed(module: str) -> bool:
    if module.startswith("."):
        return all(p.isidentifier() for p in module.lstrip(".").split(".")) if module.strip(".") else True
    parts = module.split(".")
    return all(p.isidentifier() for p in parts) and parts[0] not in _SKIPPED_ROOTS


def project_root(file: Path, root: Path | None) -> Path:
    """The folder nothing is read outside of: the configuration's root, or the file's folder when the file is
    not below it."""
    folder = file.parent
    if root is None:
        return folder
    root = Path(os.path.abspath(root))
    return root if _folder_below(str(folder), str(root)) else folder


@lru_cache(maxsize=1024)
def _folder_below(folder: str, root: str) -> bool:
    """_below for the folder of a file being checked: a run's files share few folders, and resolving their
    links again for every file cost a tenth of the analysis."""
    return _below(Path(folder), Path(root))


def _below(path: Path, root: Path) -> bool:
    try:
        rest = Path(os.path.realpath(path)).relative_to(os.path.realpath(root))
    except ValueError:
        return False
    return not (_ENVIRONMENTS & set(rest.parts))


def candidates(module: str, importer: Path, script_folder: Path, root: Path) -> list[Path]:
    """The files ``module`` may be, in the order Python looks (a package before a module of the same name),
    one or two per folder searched: the importer's folder for a relative import; else the script's folder and
    the root."""
    dots = len(module) - len(module.lstrip("."))
    parts = module[dots:].split(".") if module[dots:] else []
    if dots:
        base = importer.parent
        for _ in range(dots - 1):
            base = base.parent
        bases = [base]
    else:
        bases = list(dict.fromkeys([script_folder, root]))
    found = []
    for base in bases:
        if not parts:
            found.append(base / "__init__.py")
            continue
        folder = base.joinpath(*parts)
        found += [folder / "__init__.py", folder.with_name(parts[-1] + ".py")]
    return [path for path in found if _below(path.parent, root)]
