"""Writing a file so that a crash leaves either the old content or the new one, never half of either."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path


def replace_file(path: Path, data: bytes, *, mode: int | None = None, durable: bool = False,
                 prefix: str = ".tmp-", suffix: str = "") -> None:
    """Write ``data`` to a temporary file beside ``path`` and rename it over ``path`` (atomic on POSIX and
    Windows). ``durable`` syncs the data to disk first; ``mode`` sets the permissions of the result."""
    handle, temporary = tempfile.mkstemp(prefix=prefix, suffix=suffix, dir=path.parent)
    try:
        with os.fdopen(handle, "wb") as out:
            out.write(data)
            if durable:
                out.flush()
                os.fsync(out.fileno())
        if mode is not None:
            os.chmod(temporary, mode)
        os.replace(temporary, path)
    except BaseException:
        try:
            os.unlink(temporary)
        except FileNotFoundError:
            pass
        raise
