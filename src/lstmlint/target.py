"""The Keras version a project targets, inferred from what it declares, as ruff infers its Python target from
``requires-python``.

An explicit ``target-keras`` (configuration or ``--target-keras``) wins. Otherwise the project's declared
dependencies are read, in the config's project root: ``pyproject.toml`` (``[project]`` dependencies and
optional-dependencies), ``setup.cfg`` (``install_requires``, ``extras_require``), ``requirements*.txt``,
``environment.yml`` (conda and pip entries) and ``Pipfile``. The project targets Keras 2 when one of them
declares

- ``keras`` admitting no 3.x release (``keras<3``, ``keras==2.12.0``),
- ``tensorflow`` (or tensorflow-cpu/-gpu/-macos/-intel) admitting no release from 2.16 on, the first whose
  ``tf.keras`` is Keras 3 (``tensorflow==2.12``, ``tensorflow<2.16``),
- or ``tf-keras`` (Keras 2 as a package of its own),

and Keras 3 otherwise. Files are read with the bounded reader and YAML with the safe loader; nothing of the
project is executed, and a file that cannot be read or parsed is passed over.
"""

from __future__ import annotations

import re
import sys
from dataclasses import dataclass
from pathlib import Path

from lstmlint.bounded import ReadError, read_regular

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - exercised on Python 3.10 only
    import tomli as tomllib

MAX_DECLARATION_BYTES = 1 << 20
_TENSORFLOW = {"tensorflow", "tensorflow-cpu", "tensorflow-gpu", "tensorflow-macos", "tensorflow-intel"}
# Releases a specifier is probed with: "admits no Keras 3" means it admits none of these (every minor release
# so far and far-off ones, so an open bound such as `keras>=2.4` is seen to admit Keras 3).
_KERAS_3 = [f"3.{minor}.{patch}" for minor in range(0, 30) for patch in (0, 1, 9)] + ["4.0.0", "10.0.0"]
_TF_KERAS_3 = [f"2.{minor}.{patch}" for minor in range(16, 60) for patch in (0, 1, 9)] + ["3.0.0", "10.0.0"]


@dataclass(frozen=True)
class Target:
    keras: int
    why: str  # "from requirements.txt: tensorflow==2.12", "the default (no Keras or TensorFlow version declared)"


def infer(root: Path) -> Target:
    """The target declared by the project in ``root``; Keras 3 when it declares none."""
    seen = None
    for name, requirement in declared(root):
        verdict = _verdict(requirement)
        if verdict == 2:
            return Target(2, f"from {name}: {requirement}")
        if verdict == 3 and seen is None:
            seen = Target(3, f"from {name}: {requirement}")
    return seen or Target(3, "the default (no Keras or TensorFlow version declared)")


def _verdict(requirement: str) -> int | None:
    """2 or 3 for a requirement that decides the Keras version, None for another package or a bad line."""
    from packaging.requirements import InvalidRequirement, Requirement
    from packaging.utils import canonicalize_name

    try:
        parsed = Requirement(requirement)
    except InvalidRequirement:
        return None
    name = canonicalize_name(parsed.name)
    if name == "tf-keras":
        return 2
    probes = _KERAS_3 if name == "keras" else _TF_KERAS_3 if name in _TENSORFLOW else None
    if probes is None:
        return None
    if not str(parsed.specifier) or parsed.url:
        return 3  # the latest release
    admits = any(parsed.specifier.contains(version, prereleases=True) for version in probes)
    return 3 if admits else 2


def declared(root: Path):
    """(file name, requirement string) for every dependency the project declares, file by file."""
    readers = [("pyproject.toml", _pyproject), ("setup.cfg", _setup_cfg)]
    try:
        requirements = sorted(p.name for p in root.iterdir() if re.fullmatch(r"requirements.*\.(txt|in)", p.name))
    except OSError:
        requirements = []
    readers += [(name, _requirements) for name in requirements]
    readers += [("environment.yml", _environment), ("environment.yaml", _environment), ("Pipfile", _pipfile)]
    for name, reader in readers:
        path = root / name
        if not path.is_file():
            continue
        try:
            text = read_regular(path, MAX_DECLARATION_BYTES).decode("utf-8", "replace")
            found = list(reader(text))
        except (ReadError, ValueError, TypeError, AttributeError, OSError):
            continue  # an unreadable declaration is no declaration
        for requirement in found:
            if isinstance(requirement, str):
                yield name, requirement.strip()


def _pyproject(text: str):
    project = tomllib.loads(text).get("project", {})
    yield from project.get("dependencies", []) or []
    for extra in (project.get("optional-dependencies", {}) or {}).values():
        yield from extra or []


def _setup_cfg(text: str):
    import configparser

    parser = configparser.ConfigParser(interpolation=None)
    parser.read_string(text)
    if parser.has_option("options", "install_requires"):
        yield from _lines(parser.get("options", "install_requires"))
    if parser.has_section("options.extras_require"):
        for _, value in parser.items("options.extras_require"):
            yield from _lines(value)


def _requirements(text: str):
    for line in _lines(text):
        if not line.startswith("-"):  # -r other.txt, -e ., --index-url …
            yield line


def _lines(text: str):
    for line in text.splitlines():
        line = re.sub(r"(^|\s)#.*", "", line).strip()
        if line:
            yield line


def _environment(text: str):
    import yaml

    data = yaml.load(text, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
    for entry in (data or {}).get("dependencies", []) or []:
        if isinstance(entry, dict):
            yield from entry.get("pip", []) or []
        elif isinstance(entry, str):
            yield _conda(entry)


def _conda(entry: str) -> str:
    """A conda match spec as a PEP 508 requirement: ``tensorflow=2.12`` means 2.12.*, ``keras 2.12`` too."""
    entry = entry.split("::")[-1].strip()
    match = re.fullmatch(r"([A-Za-z0-9_.\-]+)\s*(?:=|\s)\s*([0-9][\w.*]*)(=[\w.]+)?", entry)
    if match:
        version = match.group(2)
        return f"{match.group(1)}=={version if version.endswith('*') else version + '.*'}"
    return entry


def _pipfile(text: str):
    data = tomllib.loads(text)
    for section in ("packages", "dev-packages"):
        for name, spec in (data.get(section, {}) or {}).items():
            version = spec.get("version", "*") if isinstance(spec, dict) else spec
            yield name if version in ("*", "", None) else f"{name}{version}"
