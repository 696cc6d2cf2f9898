"""Writing a file so that a crash leaves either the old content or the new one, never half of either."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path


def temporary_beside(path: Path, data: bytes, *, durable: bool = False, prefix: str = ".tmp-",
                     suffix: str = "") -> str:
    """A new file in ``path``'s folder holding ``data`` (synced to disk when ``durable``): its name. Nothing is
    left behind when writing it fails."""
    handle, temporary = tempfile.mkstemp(prefix=prefix, suffix=suffix, dir=path.parent)
    try:
        with os.fdopen(handle, "wb") as out:
            out.write(data)
            if durable:
                out.flush()
                os.fsync(out.fileno())
    except BaseException:
        _remove(temporary)
        raise
    return temporary


def replace_file(path: Path, data: bytes, *, mode: int | None = None, durable: bool = False,
                 prefix: str = ".tmp-", suffix: str = "") -> None:
    """Write ``data`` to a temporary file beside ``path`` and rename it over ``path`` (atomic on POSIX and
    Windows). ``durable`` syncs the data to disk first; ``mode`` sets the permissions of the result."""
    temporary = temporary_beside(path, data, durable=durable, prefix=prefix, suffix=suffix)
    try:
        if mode is not None:
            os.chmod(temporary, mode)
        os.replace(temporary, path)
    except BaseException:
        _remove(temporary)
        raise


def _remove(temporary: str) -> None:
    try:
        os.unlink(temporary)
    except FileNotFoundError:
        pass
