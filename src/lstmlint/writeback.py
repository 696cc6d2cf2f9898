"""Writing a fix back to the user's file without losing anything of theirs.

- A symlink is written through: the file it points to gets the fix, the link stays a link.
- The file is locked (``flock``) from the read to the write, so two ``--fix`` runs on one file take turns:
  the second reads the first one's result.
- Just before the write, the file must still be the one that was read: same inode, size, mtime and
  content hash; else an editor (or anything else) saved it meanwhile, and it is skipped.
- A file whose permission bits do not let the user write it is skipped, even for root (who could).
- The new content replaces the file atomically (a temporary file renamed over it) with the original's
  mode, owner and group. When that would break something (a hard-linked file, whose other names would keep
  the old content; an owner the new file cannot be given) the file is rewritten in place instead, after a
  synced backup copy beside it, which is restored if the write fails and removed when it succeeded.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import stat
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

try:
    import fcntl
except ImportError:  # Windows: no advisory locks; the changed-since-read check still guards the write
    fcntl = None  # type: ignore[assignment]

LOCK_TIMEOUT = 120.0  # seconds to wait for another lstmlint fixing the same file
BACKUP_SUFFIX = ".lstmlint-backup"
TEMP_SUFFIX = ".lstmlint-tmp"


class NotWritten(Exception):
    """The fix was not written, for a reason the user can act on; the file is as it was."""


@dataclass
class _Seen:
    device: int
    inode: int
    size: int
    mtime_ns: int
    digest: bytes


def _seen(st: os.stat_result, data: bytes) -> _Seen:
    return _Seen(st.st_dev, st.st_ino, st.st_size, st.st_mtime_ns, hashlib.sha256(data).digest())


class Target:
    """One file, locked: ``read`` it, then ``write`` the fix of exactly what was read."""

    def __init__(self, path: Path, descriptor: int) -> None:
        self.path = path  # the real file, symlinks resolved
        self.descriptor = descriptor
        self.seen: _Seen | None = None
        self.data = b""

    def read(self, limit: int) -> bytes:
        """Up to ``limit`` bytes of the file (a larger file is not fixed: the caller sees it is too long)."""
        st = os.fstat(self.descriptor)
        os.lseek(self.descriptor, 0, os.SEEK_SET)
        chunks = []
        left = limit
        while left > 0:
            chunk = os.read(self.descriptor, min(left, 1 << 20))
            if not chunk:
                break
            chunks.append(chunk)
            left -= len(chunk)
        self.data = b"".join(chunks)
        self.seen = _seen(st, self.data)
        return self.data

    def write(self, data: bytes) -> None:
        """Replace the content read by ``data``; NotWritten (file untouched) when that is not safe."""
        assert self.seen is not None, "read before writing"
        st = os.fstat(self.descriptor)
        if _read_only(st):
            raise NotWritten(f"the file is read-only (mode {stat.S_IMODE(st.st_mode):04o}); it was not fixed")
        if st.st_nlink > 1:
            self._write_in_place(data)
            return
        try:
            temporary = self._prepared_copy(data, st)
        except _OwnerNotKept:
            self._write_in_place(data)
            return
        try:
            self._check_unchanged()
            os.replace(temporary, self.path)
        except BaseException:
            with contextlib.suppress(OSError):
                os.unlink(temporary)
            raise
        _sync_folder(self.path.parent)

    def _check_unchanged(self) -> None:
        try:
            st = os.stat(self.path, follow_symlinks=False)
        except FileNotFoundError:
            raise NotWritten("the file was removed since it was read; it was not fixed") from None
        seen = self.seen
        same = seen is not None and stat.S_ISREG(st.st_mode) and (
            (st.st_dev, st.st_ino, st.st_size, st.st_mtime_ns) == (seen.device, seen.inode, seen.size, seen.mtime_ns))
        if same:
            with open(self.path, "rb") as current:
                same = hashlib.sha256(current.read()).digest() == seen.digest
        if not same:
            raise NotWritten("the file changed since lstmlint read it; it was not fixed (run lstmlint again)")

    def _prepared_copy(self, data: bytes, st: os.stat_result) -> str:
        """A synced temporary file beside the target with its content, mode, owner and group."""
        handle, temporary = tempfile.mkstemp(prefix=f".{self.path.name}.", suffix=TEMP_SUFFIX, dir=self.path.parent)
        try:
            with os.fdopen(handle, "wb") as out:
                out.write(data)
                out.flush()
                os.fsync(out.fileno())
                mine = os.fstat(out.fileno())
            if (mine.st_uid, mine.st_gid) != (st.st_uid, st.st_gid) and hasattr(os, "chown"):
                try:
                    os.chown(temporary, st.st_uid, st.st_gid)
                except PermissionError:
                    raise _OwnerNotKept from None
            os.chmod(temporary, stat.S_IMODE(st.st_mode))  # after chown, which may clear set-id bits
        except BaseException:
            with contextlib.suppress(OSError):
                os.unlink(temporary)
            raise
        return temporary

    def _write_in_place(self, data: bytes) -> None:
        """Rewrite the file's own inode (its hard links and owner stay), guarded by a synced backup copy."""
        original = self.data  # what the file still holds: _check_unchanged makes sure of it
        handle, backup = tempfile.mkstemp(prefix=f".{self.path.name}.", suffix=BACKUP_SUFFIX, dir=self.path.parent)
        with os.fdopen(handle, "wb") as out:
            out.write(original)
            out.flush()
            os.fsync(out.fileno())
        try:
            self._check_unchanged()
        except BaseException:
            os.unlink(backup)
            raise
        try:
            _overwrite(self.path, data)
        except BaseException as error:
            try:
                _overwrite(self.path, original)
            except BaseException:  # noqa: BLE001 - whatever failed, the backup is where the content is
                raise NotWritten(f"writing the fix failed ({_reason(error)}) and so did restoring the file: "
                                 f"its original content is in {backup}") from error
            os.unlink(backup)
            raise
        os.unlink(backup)


class _OwnerNotKept(Exception):
    pass


def _overwrite(path: Path, data: bytes) -> None:
    descriptor = os.open(path, os.O_WRONLY | getattr(os, "O_NOFOLLOW", 0))
    try:
        view = memoryview(data)
        while view:
            written = os.write(descriptor, view)
            view = view[written:]
        os.ftruncate(descriptor, len(data))
        os.fsync(descriptor)
    finally:
        os.close(descriptor)


def _reason(error: BaseException) -> str:
    return (error.strerror if isinstance(error, OSError) else None) or str(error) or type(error).__name__


def _read_only(st: os.stat_result) -> bool:
    """The permission bits that apply to this user deny writing. Root's are the owner's: root may write
    anything, but a 0444 file was made read-only on purpose."""
    if not hasattr(os, "geteuid"):
        return not st.st_mode & stat.S_IWUSR
    user = os.geteuid()
    if user in (0, st.st_uid):
        bit = stat.S_IWUSR
    elif st.st_gid == os.getegid() or st.st_gid in os.getgroups():
        bit = stat.S_IWGRP
    else:
        bit = stat.S_IWOTH
    return not st.st_mode & bit


def _sync_folder(folder: Path) -> None:
    """The rename itself reaches the disk (POSIX); best effort."""
    with contextlib.suppress(OSError, AttributeError):
        descriptor = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(descriptor)
        finally:
            os.close(descriptor)


@contextlib.contextmanager
def locked(path: Path, timeout: float = LOCK_TIMEOUT) -> Iterator[Target]:
    """The file behind ``path`` (symlinks followed), held under an exclusive lock. OSError when it cannot be
    opened or is not a regular file; NotWritten when another process holds it longer than ``timeout``."""
    deadline = time.monotonic() + timeout
    while True:
        real = Path(os.path.realpath(path))
        # O_NONBLOCK: opening a FIFO would wait for a writer; O_NOFOLLOW: no symlink swapped in since realpath
        descriptor = os.open(real, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOFOLLOW", 0))
        try:
            if not stat.S_ISREG(os.fstat(descriptor).st_mode):
                raise OSError(f"{real}: not a regular file")  # linting it says what it is
            _lock(descriptor, deadline)
            # another lstmlint may have replaced the file while this one waited: lock the new one instead
            if _same_file(descriptor, real):
                yield Target(real, descriptor)
                return
        finally:
            os.close(descriptor)  # also releases the lock


def _lock(descriptor: int, deadline: float) -> None:
    if fcntl is None:
        return
    while True:
        try:
            fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)
            return
        except BlockingIOError:
            if time.monotonic() > deadline:
                raise NotWritten("another process kept the file locked; it was not fixed") from None
            time.sleep(0.02)


def _same_file(descriptor: int, path: Path) -> bool:
    try:
        st = os.stat(path, follow_symlinks=False)
    except FileNotFoundError:
        return False
    mine = os.fstat(descriptor)
    return (st.st_dev, st.st_ino) == (mine.st_dev, mine.st_ino)
