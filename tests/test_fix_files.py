"""--fix and the file system, with real files through the real CLI (and the writer's API where a failure must
be injected): symlinks are written through, hard links stay linked, owner and mode are kept, read-only files
and files changed since they were read are skipped with a message, two concurrent runs lose no fix."""

from __future__ import annotations

import hashlib
import os
import signal
import stat
import subprocess
import sys
import time
from pathlib import Path

import pytest
from conftest import run_cli

from lstmlint import writeback

# LSTM101 (LSTM(8) needs return_sequences=True) and LSTM402 (unroll=True on an unknown length): two findings
# on one layer, independent of each other, that two runs with different --select fix separately
FAULTY = ("import keras\n"
          "model = keras.Sequential([keras.Input((None, 3)), keras.layers.LSTM(8, unroll=True), keras.layers.GRU(4)])\n")
FIXED_101 = FAULTY.replace("unroll=True", "unroll=True, return_sequences=True")
FIXED_BOTH = FAULTY.replace("unroll=True", "unroll=False, return_sequences=True")
ROOT_ONLY = pytest.mark.skipif(os.geteuid() != 0, reason="needs root to give a file another owner (CI runs as root)")


def shim(tmp_path: Path, after_fix: str) -> dict:
    """Environment for a ``python -m lstmlint`` process in which ``after_fix`` runs inside the CLI between the
    fix of a file and its write (``path`` is the file): a way to act exactly in that window."""
    folder = tmp_path / "shim"
    folder.mkdir(exist_ok=True)
    (folder / "sitecustomize.py").write_text(
        "import time\n"
        "from pathlib import Path\n"
        "import lstmlint.api as api\n"
        "_real = api.fix_bytes\n"
        "def fix_bytes(data, path, *args, **kwargs):\n"
        "    outcome = _real(data, path, *args, **kwargs)\n"
        f"    {after_fix}\n"
        "    return outcome\n"
        "api.fix_bytes = fix_bytes\n")
    return {"PYTHONPATH": f"{folder}{os.pathsep}{os.environ.get('PYTHONPATH', '')}"}


def leftovers(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if "lstmlint-" in p.name)


# --- symlinks and hard links ------------------------------------------------------------------------------------


def test_fix_through_a_symlink_fixes_its_target_and_keeps_the_link(tmp_path):
    (tmp_path / "real").mkdir()
    (tmp_path / "proj").mkdir()
    target = tmp_path / "real" / "target.py"
    target.write_text(FAULTY)
    link = tmp_path / "proj" / "link.py"
    link.symlink_to("../real/target.py")
    run = run_cli("check", "--fix", "--select", "LSTM101", "link.py", cwd=tmp_path / "proj")
    assert (run.code, run.err) == (0, "")
    assert "Fixed 1 finding in 1 file." in run.out
    assert link.is_symlink() and os.readlink(link) == "../real/target.py"
    assert target.read_text() == FIXED_101
    assert leftovers(tmp_path / "real") == leftovers(tmp_path / "proj") == []


def test_fix_of_a_hard_linked_file_keeps_one_inode_for_both_names(tmp_path):
    first = tmp_path / "a.py"
    first.write_text(FAULTY)
    first.chmod(0o640)
    second = tmp_path / "b.py"
    os.link(first, second)
    inode = first.stat().st_ino
    run = run_cli("check", "--fix", "--select", "LSTM101", "a.py", cwd=tmp_path)
    assert (run.code, run.err) == (0, "")
    assert first.read_text() == second.read_text() == FIXED_101
    assert first.stat().st_ino == second.stat().st_ino == inode and first.stat().st_nlink == 2
    assert stat.S_IMODE(first.stat().st_mode) == 0o640
    assert leftovers(tmp_path) == []  # the backup copy is removed once the write is synced


# --- owner and mode -------------------------------------------------------------------------------------------


@ROOT_ONLY
def test_fix_as_root_keeps_another_users_owner_group_and_mode(tmp_path):
    target = tmp_path / "model.py"
    target.write_text(FAULTY)
    os.chown(target, 12345, 23456)
    target.chmod(0o664)
    run = run_cli("check", "--fix", "--select", "LSTM101", "model.py", cwd=tmp_path)
    assert (run.code, run.err) == (0, "")
    assert target.read_text() == FIXED_101
    st = target.stat()
    assert (st.st_uid, st.st_gid, stat.S_IMODE(st.st_mode)) == (12345, 23456, 0o664)


@ROOT_ONLY
def test_an_owner_the_new_file_cannot_get_is_kept_by_writing_in_place(tmp_path, monkeypatch):
    """A user who may write a file of someone else's cannot chown the replacement to them (as root here,
    chown is made to fail as it does for that user): the file is rewritten in place, inode and owner kept."""
    target = tmp_path / "model.py"
    target.write_text(FAULTY)
    os.chown(target, 12345, 23456)
    target.chmod(0o666)
    inode = target.stat().st_ino

    def refused(*args, **kwargs):
        raise PermissionError(1, "Operation not permitted")

    monkeypatch.setattr(os, "chown", refused)
    with writeback.locked(target) as file:
        assert file.read(1 << 20) == FAULTY.encode()
        file.write(FIXED_101.encode())
    st = target.stat()
    assert target.read_text() == FIXED_101
    assert (st.st_ino, st.st_uid, st.st_gid, stat.S_IMODE(st.st_mode)) == (inode, 12345, 23456, 0o666)
    assert leftovers(tmp_path) == []


@pytest.mark.parametrize("mode", [0o444, 0o400, 0o555], ids=oct)
def test_read_only_file_is_skipped_with_a_message_even_for_root(tmp_path, mode):
    target = tmp_path / "model.py"
    target.write_text(FAULTY)
    target.chmod(mode)
    run = run_cli("check", "--fix", "--select", "LSTM101", "model.py", cwd=tmp_path)
    assert target.read_text() == FAULTY
    assert run.err == f"lstmlint: error: model.py: the file is read-only (mode {mode:04o}); it was not fixed\n"
    assert run.out.startswith("model.py:2:51: LSTM101 [error]")  # the finding is still there, and reported
    assert "Fixed 0 findings in 0 files." in run.out
    assert run.code == 2
    assert leftovers(tmp_path) == []


# --- changed since read; two runs at once ---------------------------------------------------------------------


def test_file_saved_by_someone_else_during_the_fix_is_not_overwritten(tmp_path, monkeypatch):
    import lstmlint.api as api

    target = tmp_path / "model.py"
    target.write_text(FAULTY)
    edited = FAULTY + "print('saved in the editor meanwhile')\n"
    real = api.fix_bytes

    def fix_then_save(data, path, *args, **kwargs):  # the editor saves between the fix and its write
        outcome = real(data, path, *args, **kwargs)
        Path(path).write_text(edited)
        return outcome

    monkeypatch.setattr(api, "fix_bytes", fix_then_save)
    run = run_cli("check", "--fix", "--select", "LSTM101,LSTM402", "model.py", cwd=tmp_path)
    assert target.read_text() == edited  # the user's edit survives; the fix is not written over it
    assert run.err == ("lstmlint: error: model.py: the file changed since lstmlint read it; it was not fixed "
                       "(run lstmlint again)\n")
    assert run.code == 2
    assert leftovers(tmp_path) == []
    monkeypatch.undo()  # the editor is done
    again = run_cli("check", "--fix", "--select", "LSTM101,LSTM402", "model.py", cwd=tmp_path)
    assert again.code == 0 and target.read_text() == FIXED_BOTH + "print('saved in the editor meanwhile')\n"


@pytest.mark.parametrize("change", ["content", "mtime", "replaced", "removed"])
def test_writer_refuses_a_file_that_changed_after_the_read(tmp_path, change):
    """Each of the things compared just before the write: content (same size and mtime: only the hash tells),
    mtime alone, a new file under the name (an editor's atomic save), the file gone."""
    target = tmp_path / "model.py"
    target.write_text(FAULTY)
    with writeback.locked(target) as file:
        data = file.read(1 << 20)
        st = target.stat()
        if change == "content":
            target.write_text(FAULTY.replace("LSTM(8", "LSTM(9"))
            os.utime(target, ns=(st.st_atime_ns, st.st_mtime_ns))
            assert target.stat().st_size == st.st_size and target.read_bytes() != data
        elif change == "mtime":
            os.utime(target, ns=(st.st_atime_ns, st.st_mtime_ns + 1_000_000_000))
        elif change == "replaced":
            (tmp_path / "new.py").write_bytes(data)
            os.replace(tmp_path / "new.py", target)
        else:
            target.unlink()
        with pytest.raises(writeback.NotWritten, match="since (lstmlint read|it was read)"):
            file.write(FIXED_101.encode())
    if change != "removed":
        assert target.read_text() != FIXED_101
    assert leftovers(tmp_path) == []


@pytest.mark.slow
def test_two_concurrent_fix_runs_on_one_file_lose_no_fix(tmp_path):
    """Each run holds the file for a second between its fix and its write; without the lock both would read
    the original and the second write would drop the first run's fix."""
    target = tmp_path / "model.py"
    target.write_text(FAULTY)
    env = {**os.environ, **shim(tmp_path, "time.sleep(1.0)")}
    runs = [subprocess.Popen([sys.executable, "-m", "lstmlint", "check", "--fix", "--select", code, "model.py"],
                             cwd=tmp_path, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
            for code in ("LSTM101", "LSTM402")]
    results = [run.communicate(timeout=120) for run in runs]
    assert [run.returncode for run in runs] == [0, 0], results
    assert all("Fixed 1 finding in 1 file." in out and err == "" for out, err in results), results
    assert target.read_text() == FIXED_BOTH
    assert leftovers(tmp_path) == []


def test_a_run_waiting_for_the_lock_gives_up_with_a_message(tmp_path):
    import fcntl

    target = tmp_path / "model.py"
    target.write_text(FAULTY)
    with open(target, "rb") as held:
        fcntl.flock(held, fcntl.LOCK_EX)
        with pytest.raises(writeback.NotWritten, match="another process kept the file locked"), \
                writeback.locked(target, timeout=0.3):
            pass
    assert target.read_text() == FAULTY


# --- failures while writing -----------------------------------------------------------------------------------


@pytest.mark.parametrize("failing", ["replace", "fsync", "chmod"])
def test_atomic_write_failure_leaves_the_original(tmp_path, monkeypatch, failing):
    target = tmp_path / "model.py"
    original = FAULTY.encode() * 100
    target.write_bytes(original)
    target.chmod(0o640)

    def boom(*args, **kwargs):
        raise OSError(28, "No space left on device")

    with writeback.locked(target) as file:
        file.read(1 << 20)
        monkeypatch.setattr(os, failing, boom)
        with pytest.raises(OSError):
            file.write(b"new content\n" * 10_000)
        monkeypatch.undo()
    assert target.read_bytes() == original
    assert stat.S_IMODE(target.stat().st_mode) == 0o640
    assert [p.name for p in tmp_path.iterdir()] == ["model.py"]


def test_in_place_write_failure_restores_the_file(tmp_path, monkeypatch):
    target = tmp_path / "a.py"
    target.write_text(FAULTY)
    os.link(target, tmp_path / "b.py")
    real = os.ftruncate
    calls = []

    def fail_once(descriptor, length):
        calls.append(length)
        if len(calls) == 1:
            raise OSError(28, "No space left on device")
        return real(descriptor, length)

    monkeypatch.setattr(os, "ftruncate", fail_once)
    with writeback.locked(target) as file:
        file.read(1 << 20)
        with pytest.raises(OSError, match="No space left"):
            file.write(("#" * 5000 + "\n").encode() + FIXED_101.encode())
    assert target.read_text() == (tmp_path / "b.py").read_text() == FAULTY
    assert leftovers(tmp_path) == []


def test_in_place_write_that_cannot_restore_keeps_the_backup_and_names_it(tmp_path, monkeypatch):
    target = tmp_path / "a.py"
    target.write_text(FAULTY)
    os.link(target, tmp_path / "b.py")

    def fail(descriptor, length):
        raise OSError(5, "Input/output error")

    monkeypatch.setattr(os, "ftruncate", fail)
    with writeback.locked(target) as file:
        file.read(1 << 20)
        with pytest.raises(writeback.NotWritten, match="its original content is in .*lstmlint-backup") as error:
            file.write(b"x = 1\n")
    backup = Path(str(error.value).rsplit(" ", 1)[-1])
    assert backup.parent == tmp_path and backup.read_text() == FAULTY


WRITER = """
import sys
from pathlib import Path
from lstmlint import writeback
target = Path(sys.argv[1])
big = b"x = 1  # keras\\n" * 2_000_000  # 30 MB: each write takes long enough to be killed mid-way
print("ready", flush=True)
while True:
    with writeback.locked(target) as file:
        file.read(1 << 26)
        file.write(big)
"""


@pytest.mark.parametrize("links", [1, 2], ids=["replace", "in-place"])
def test_sigkill_while_writing_leaves_the_content_recoverable(tmp_path, links):
    """Killed mid-write, an atomic replace leaves the old or the new file (and at most a temporary); an
    in-place write (hard links) may leave a torn file, but then its backup beside it holds the original."""
    target = tmp_path / "model.py"
    original = b"import keras\n" * 1000
    big = b"x = 1  # keras\n" * 2_000_000
    for delay in (0.05, 0.2, 0.5):
        target.write_bytes(original)
        target.chmod(0o600)
        if links == 2:
            os.link(target, tmp_path / "other.py")
        proc = subprocess.Popen([sys.executable, "-c", WRITER, str(target)], stdout=subprocess.PIPE)
        assert proc.stdout.readline().strip() == b"ready"
        time.sleep(delay)
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        data = target.read_bytes()
        backups = [p for p in tmp_path.iterdir() if p.name.endswith(writeback.BACKUP_SUFFIX)]
        if data not in (original, big):
            assert links == 2 and [b.read_bytes() for b in backups] in ([original], [big]), "torn, no backup"
        assert stat.S_IMODE(target.stat().st_mode) == 0o600
        for p in tmp_path.iterdir():
            if p != target:
                assert p.name == "other.py" or (p.name.startswith(".model.py.") and "lstmlint-" in p.name), p
                p.unlink()


def test_digest_of_what_was_read_is_what_is_checked(tmp_path):
    """The read is bounded: a file larger than the limit is read in part and never written."""
    target = tmp_path / "model.py"
    target.write_bytes(b"# keras\n" * 10)
    with writeback.locked(target) as file:
        assert file.read(16) == b"# keras\n# keras\n"
        assert file.seen.digest == hashlib.sha256(b"# keras\n# keras\n").digest()
        with pytest.raises(writeback.NotWritten):
            file.write(b"x\n")
    assert target.read_bytes() == b"# keras\n" * 10
