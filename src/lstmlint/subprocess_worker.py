"""Worker processes that run lstmlint's own code and never the user's: the language server's analyzer and the
runtime checker's Keras worker share this start, isolation, memory limit, timeout and restart.

Isolation: the child is ``python -I`` (no ``PYTHON*`` variables, no user site folder, neither the script's nor the
working folder on ``sys.path``), its working folder is a fresh empty temporary folder, and ``sys.path`` gets one
explicit entry: the folder holding the *running* lstmlint package, so the child runs the same lstmlint as the
parent. A ``yaml.py`` (or any module's name) in the editor's working folder or in the workspace is never imported.

Memory: the child sets its own ``RLIMIT_AS`` before it imports anything (``preexec_fn`` is not safe in a threaded
parent such as the server). A MemoryError that reaches the top ends it with ``EXIT_OUT_OF_MEMORY``; native code
that cannot allocate aborts (SIGABRT). Either way :meth:`Child.describe_exit` says so.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import signal
import site
import subprocess
import sys
import tempfile
import threading
from collections.abc import Iterator
from pathlib import Path

EXIT_OUT_OF_MEMORY = 86  # the bootstrap's exit code for a MemoryError that nothing else caught

# Run by ``python -I -c``: limit memory, set sys.path, then call ``module:function`` with sys.argv set to
# [entry, *args]; its return value is the exit code. Only the standard library is imported before the entry.
_BOOTSTRAP = """\
import sys

def _bootstrap():
    import json
    spec = json.loads(sys.argv[1])
    if spec["memory"] > 0:
        try:
            import resource
            resource.setrlimit(resource.RLIMIT_AS, (spec["memory"], spec["memory"]))
        except (ImportError, ValueError, OSError):
            pass
    if spec["sites"]:
        import site
        for folder in spec["sites"]:
            site.addsitedir(folder)
    if spec["path"] not in sys.path:
        sys.path.insert(0, spec["path"])
    sys.argv = [spec["entry"], *spec["args"]]
    module, _, function = spec["entry"].partition(":")
    try:
        import importlib
        return getattr(importlib.import_module(module), function)()
    except MemoryError:
        import os
        os.write(2, b"lstmlint worker: out of memory\\n")
        os._exit(spec["oom_exit"])

sys.exit(_bootstrap())
"""


def package_parent() -> str:
    """The folder that holds the running ``lstmlint`` package (``src/`` in a checkout, site-packages when
    installed)."""
    return str(Path(__file__).resolve().parent.parent)


def _user_sites() -> list[str]:
    """The user site folder, when this interpreter uses it: ``-I`` turns it off, and lstmlint's dependencies may
    be installed there (``pip install --user``)."""
    try:
        folder = site.getusersitepackages()
    except (AttributeError, OSError):
        return []
    return [folder] if site.ENABLE_USER_SITE and folder in sys.path else []


def isolated_command(entry: str, args: list[str] | tuple[str, ...] = (), memory_limit: int = 0,
                     python_flags: tuple[str, ...] = ()) -> list[str]:
    """The command line that runs ``module:function`` in an isolated interpreter (see the module doc)."""
    spec = {"entry": entry, "args": list(args), "memory": int(memory_limit), "path": package_parent(),
            "sites": _user_sites(), "oom_exit": EXIT_OUT_OF_MEMORY}
    return [sys.executable, "-I", *python_flags, "-c", _BOOTSTRAP, json.dumps(spec)]


def gib(size: int) -> str:
    return f"{size / 2**30:g} GiB" if size >= 2**30 else f"{size / 2**20:g} MiB"


class Child:
    """One worker process: started on demand (:meth:`ensure_started`), killed with its process group, restarted
    after a death; its temporary working folder is removed with it."""

    def __init__(self, entry: str, args: list[str] | tuple[str, ...] = (), *, memory_limit: int = 0,
                 env: dict[str, str] | None = None, stderr=None, python_flags: tuple[str, ...] = ()) -> None:
        self.entry = entry
        self.args = list(args)
        self.memory_limit = memory_limit
        self.env = env
        self.stderr = stderr
        self.python_flags = python_flags
        self.process: subprocess.Popen | None = None
        self.folder: str | None = None
        self.timed_out: float | None = None  # the timeout that killed the current process, if one did

    def start(self) -> subprocess.Popen:
        self.stop()
        self.folder = tempfile.mkdtemp(prefix="lstmlint-worker-")
        self.timed_out = None
        self.process = subprocess.Popen(
            isolated_command(self.entry, self.args, self.memory_limit, self.python_flags),
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=self.stderr, cwd=self.folder,
            env=self.env if self.env is not None else dict(os.environ), start_new_session=True)
        return self.process

    def alive(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def ensure_started(self) -> subprocess.Popen:
        """The running process; a dead one (or none yet) is replaced by a fresh one."""
        if not self.alive():
            return self.start()
        assert self.process is not None
        return self.process

    def kill(self) -> None:
        """Kill the process and everything it started (its own process group); it stays to be described."""
        process = self.process
        if process is None or process.poll() is not None:
            return
        try:
            os.killpg(process.pid, signal.SIGKILL)
        except (ProcessLookupError, PermissionError, OSError):
            with contextlib.suppress(OSError):
                process.kill()

    @contextlib.contextmanager
    def deadline(self, seconds: float) -> Iterator[None]:
        """Kill the process if the block takes longer than ``seconds`` (a blocked read then ends with EOF)."""
        def expire() -> None:
            self.timed_out = seconds
            self.kill()

        timer = threading.Timer(seconds, expire)
        timer.daemon = True
        timer.start()
        try:
            yield
        finally:
            timer.cancel()

    def describe_exit(self, wait: float = 5.0) -> str:
        """How the process ended, in words (after a failed read: it is reaped first, never "exit code None")."""
        process = self.process
        if process is None:
            return "was not running"
        try:
            code = process.wait(timeout=wait)
        except subprocess.TimeoutExpired:
            self.kill()
            code = process.wait()
            if self.timed_out is None:
                return "stopped answering (it was killed)"
        if self.timed_out is not None:
            return f"took longer than {self.timed_out:g} s (it was stopped)"
        limit = f" (its limit is {gib(self.memory_limit)})" if self.memory_limit > 0 else ""
        if code == EXIT_OUT_OF_MEMORY:
            return f"ran out of memory{limit}"
        if code < 0:
            number = -code
            try:
                name = signal.Signals(number).name
            except ValueError:
                name = "unknown signal"
            text = f"was killed by signal {number} ({name})"
            if number == signal.SIGABRT and self.memory_limit > 0:
                text += f", which usually means it ran out of memory{limit}"
            elif number == signal.SIGKILL:
                text += ", by the system (out of memory?) or another process"
            return text
        return f"exited with code {code}"

    def stop(self) -> None:
        """Kill the process (if any), reap it, close its pipes and remove its working folder."""
        process, self.process = self.process, None
        if process is not None:
            if process.poll() is None:
                try:
                    os.killpg(process.pid, signal.SIGKILL)
                except (ProcessLookupError, PermissionError, OSError):
                    with contextlib.suppress(OSError):
                        process.kill()
            with contextlib.suppress(Exception):
                process.wait(timeout=5)
            for stream in (process.stdin, process.stdout):
                if stream is not None:
                    with contextlib.suppress(OSError):
                        stream.close()
        if self.folder is not None:
            shutil.rmtree(self.folder, ignore_errors=True)
            self.folder = None

    def close(self, wait: float = 5.0) -> None:
        """End the process politely (close its stdin, let it exit), then :meth:`stop`."""
        process = self.process
        if process is not None and process.poll() is None and process.stdin is not None:
            try:
                process.stdin.close()
                process.wait(timeout=wait)
            except (OSError, subprocess.TimeoutExpired):
                pass
        self.stop()
