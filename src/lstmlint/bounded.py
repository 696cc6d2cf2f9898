"""Read a settings file (a rule file, a TOML configuration) with bounded work.

Only a regular file is read, and at most ``limit`` bytes of it: a FIFO blocks the open and the read forever, a
device such as /dev/zero (directly or through a symbolic link) never ends, and a file may grow while it is read.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path


class ReadError(Exception):
    """Why the file was not read, in words for a message that names the file."""


def read_regular(path: Path, limit: int) -> bytes:
    """The bytes of the regular file at ``path`` (symbolic links followed), at most ``limit`` of them."""
    try:
        info = os.stat(path)  # before opening: opening some devices has effects of its own
    except OSError as error:
        raise ReadError(f"cannot read: {error.strerror or error}") from None
    _check(info, limit)
    try:
        # O_NONBLOCK: if a FIFO replaced the file since the stat, the open returns instead of waiting for a writer
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_BINARY", 0))
    except OSError as error:
        raise ReadError(f"cannot read: {error.strerror or error}") from None
    try:
        _check(os.fstat(fd), limit)  # what was opened, not what was there a moment ago
        chunks, size = [], 0
        while size <= limit:
            chunk = os.read(fd, min(1 << 16, limit + 1 - size))
            if not chunk:
                break
            chunks.append(chunk)
            size += len(chunk)
    except OSError as error:
        raise ReadError(f"cannot read: {error.strerror or error}") from None
    finally:
        os.close(fd)
    if size > limit:
        raise ReadError(_too_large(limit))
    return b"".join(chunks)


def _check(info: os.stat_result, limit: int) -> None:
    if not stat.S_ISREG(info.st_mode):
        raise ReadError(f"not a regular file ({kind(info.st_mode)})")
    if info.st_size > limit:
        raise ReadError(_too_large(limit))


def _too_large(limit: int) -> str:
    return f"the file is larger than {limit // 1024} KiB"


def kind(mode: int) -> str:
    for test, name in ((stat.S_ISDIR, "a directory"), (stat.S_ISFIFO, "a FIFO"), (stat.S_ISSOCK, "a socket"),
                       (stat.S_ISCHR, "a character device"), (stat.S_ISBLK, "a block device")):
        if test(mode):
            return name
    return "a special file"
