"""The editor never runs the workspace's code, and the server survives whatever its worker does.

A real LSP client (pytest-lsp) starts `lstmlint server` the way an editor starts the console script (a launcher in
a folder of its own, so only the working folder is the editor's) with its working folder full of modules named
like lstmlint's dependencies, each of which leaves a marker file when imported; the workspace holds the same.
Then: a worker killed mid-check, out of time, out of memory; a document over the size limit; didChange for a
closed document. The runtime checker's worker is checked for the same isolation through the real CLI.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest
from lsprotocol import types
from pytest_lsp import client_capabilities

from conftest import ROOT
from test_lsp import MULTILINE, _make_client, by_code, change, open_document, published, wait_until

pytestmark = pytest.mark.slow  # workers and servers started, killed and waited on at their limits
CRASHES = Path(__file__).parent / "fixtures" / "crash"
SRC = str(ROOT / "src")


def dense_keras(size: int) -> str:
    """About ``size`` bytes of Keras models: slow and memory-hungry to analyse, yet under the 1 MB limit."""
    lines = ["import keras"]
    total, index = 0, 0
    while total < size:
        line = (f"m{index} = keras.Sequential([keras.Input((10, 3)), keras.layers.LSTM({index % 50 + 1}, "
                f"return_sequences=True), keras.layers.LSTM(8)])")
        lines.append(line)
        total += len(line) + 1
        index += 1
    return "\n".join(lines) + "\n"


def shadow_modules(folder: Path, names: list[str], markers: Path) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    for name in names:
        (folder / f"{name}.py").write_text(f"open({str(markers / name)!r}, 'w').close()\n")


def imported_modules(code: str) -> list[str]:
    """Top-level modules a fresh interpreter has imported after ``code``: every one a file could shadow."""
    probe = "try:\n" + textwrap.indent(code, "    ") + "except SystemExit:\n    pass\n" + textwrap.dedent(
        """
        import json, sys
        names = {name.split(".")[0] for name in sys.modules}
        print(json.dumps(sorted(n for n in names if n not in sys.builtin_module_names and not n.startswith("_"))))
        """)
    proc = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, timeout=600,
                          cwd=Path(__file__).parent, env={**os.environ, "PYTHONPATH": SRC})
    assert proc.returncode == 0, proc.stderr
    return [n for n in json.loads(proc.stdout.splitlines()[-1]) if n not in ("lstmlint", "conftest")]


def launcher(tmp_path: Path, command: str) -> Path:
    """A script like the `lstmlint` console script, in a folder of its own."""
    folder = tmp_path / "bin"
    folder.mkdir(exist_ok=True)
    script = folder / f"lstmlint_{command}.py"
    script.write_text("import sys\nfrom lstmlint.cli import main\nmain(sys.argv[1:], prog_name='lstmlint')\n")
    return script


@contextlib.asynccontextmanager
async def server(tmp_path: Path, cwd: Path, workspace: Path, **env: str):
    client = _make_client()
    await client.start_io(sys.executable, str(launcher(tmp_path, "server")), "server", cwd=str(cwd),
                          env={**os.environ, "PYTHONPATH": SRC, **env})
    await client.initialize_session(types.InitializeParams(
        capabilities=client_capabilities("visual-studio-code"), root_uri=workspace.as_uri(),
        workspace_folders=[types.WorkspaceFolder(uri=workspace.as_uri(), name="workspace")]))
    try:
        yield client
    finally:
        await client.shutdown_session()


def workers(client) -> list[int]:
    """The pids of the server's analysis worker processes (Linux /proc)."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            parent = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
            command = (entry / "cmdline").read_bytes()
        except (OSError, IndexError, ValueError):
            continue
        if parent == client._server.pid and b"lstmlint.lsp_worker:worker_main" in command:
            found.append(int(entry.name))
    return found


def cpu_ticks(pid: int) -> int:
    fields = (Path("/proc") / str(pid) / "stat").read_text().rsplit(")", 1)[1].split()
    return int(fields[11]) + int(fields[12])  # utime + stime


def internal(diagnostics) -> types.Diagnostic:
    [found] = by_code(diagnostics, "LSTM003")
    assert found.severity == types.DiagnosticSeverity.Error and found.range.start.line == 0
    return found


# ---------------------------------------------------------------------------------------------- isolation


@pytest.mark.asyncio
async def test_server_worker_never_imports_workspace_modules(tmp_path: Path):
    names = imported_modules(
        "from lstmlint.lsp_worker import Checker\n"
        f"Checker().check({MULTILINE!r}, 'model.py', '.', 1)\n")
    assert {"libcst", "yaml", "jsonschema"} <= set(names)
    markers = tmp_path / "markers"
    markers.mkdir()
    editor = tmp_path / "editor"  # the folder the editor starts the server in
    workspace = tmp_path / "workspace"
    shadow_modules(editor, names, markers)
    shadow_modules(workspace, names, markers)
    (workspace / "pyproject.toml").write_text('[tool.lstmlint]\nignore = ["LSTM401"]\n')
    async with server(tmp_path, editor, workspace) as client:
        _, diagnostics = await open_document(client, workspace / "model.py", MULTILINE)
        assert by_code(diagnostics, "LSTM101"), diagnostics  # the real modules ran
        [pid] = workers(client)
        command = (Path("/proc") / str(pid) / "cmdline").read_bytes().split(b"\0")
        assert command[1] == b"-I"
        cwd = Path(os.readlink(f"/proc/{pid}/cwd"))
        assert cwd.name.startswith("lstmlint-worker-") and not list(cwd.iterdir())
    assert sorted(p.name for p in markers.iterdir()) == []
    assert not cwd.exists(), "the worker's folder is removed with it"


def test_runtime_worker_never_imports_workspace_modules(tmp_path: Path):
    pytest.importorskip("tensorflow")
    names = imported_modules(
        "import sys\nsys.argv = ['worker']\n"
        "from lstmlint.runtime import worker\n"
        "import tensorflow, keras\n")
    assert {"tensorflow", "keras", "numpy"} <= set(names)
    markers = tmp_path / "markers"
    markers.mkdir()
    project = tmp_path / "project"
    shadow_modules(project, names, markers)
    (project / "m.py").write_text("import keras\nmodel = keras.Sequential([keras.Input((10, 3)), "
                                  "keras.layers.LSTM(8), keras.layers.LSTM(4)])\n")
    proc = subprocess.run([sys.executable, str(launcher(tmp_path, "check")), "check", "--runtime", "--format",
                           "json", "m.py"], cwd=project, capture_output=True, text=True, timeout=600,
                          env={**os.environ, "PYTHONPATH": SRC})
    assert proc.returncode == 1, proc.stderr
    [finding] = json.loads(proc.stdout)
    assert (finding["rule"], finding["runtime"]) == ("LSTM101", "confirmed")  # Keras itself ran
    assert sorted(p.name for p in markers.iterdir()) == []


def test_python_dash_m_does_not_import_from_the_working_folder(tmp_path: Path):
    names = imported_modules("from lstmlint.cli import main\n"
                             "main(['check', '--no-cache', '../examples/forecast_stacked.py'], standalone_mode=False)\n")
    names = [n for n in names if n in ("click", "yaml", "libcst", "jsonschema", "pathspec", "typing_extensions")]
    assert {"click", "libcst"} <= set(names)
    markers = tmp_path / "markers"
    markers.mkdir()
    shadow_modules(tmp_path, names, markers)
    (tmp_path / "m.py").write_text(MULTILINE)
    proc = subprocess.run([sys.executable, "-m", "lstmlint", "check", "--no-cache", "m.py"], cwd=tmp_path,
                          capture_output=True, text=True, timeout=120, env={**os.environ, "PYTHONPATH": SRC})
    assert proc.returncode == 1 and "LSTM101" in proc.stdout, proc.stderr
    assert sorted(p.name for p in markers.iterdir()) == []


# ---------------------------------------------------------------------------------------------- the worker


@pytest.mark.asyncio
async def test_worker_killed_mid_check_is_a_diagnostic_naming_the_signal(tmp_path: Path):
    async with server(tmp_path, tmp_path, tmp_path) as client:
        uri, _ = await open_document(client, tmp_path / "model.py", MULTILINE)
        [pid] = workers(client)
        before = cpu_ticks(pid)
        change(client, uri, 2, dense_keras(500_000))
        deadline = time.monotonic() + 60
        while cpu_ticks(pid) < before + 50:  # half a second of CPU into the check of version 2
            assert time.monotonic() < deadline, "the worker never started the check"
            await asyncio.sleep(0.05)
        os.kill(pid, signal.SIGKILL)
        await wait_until(client, lambda: published(client, uri, 2))
        found = internal(client.diagnostics[uri])
        assert "the analyzer was killed by signal 9 (SIGKILL)" in found.message, found.message
        assert "exit code None" not in found.message and "please report it" in found.message

        change(client, uri, 3, MULTILINE)  # a fresh worker takes over
        await wait_until(client, lambda: published(client, uri, 3))
        assert by_code(client.diagnostics[uri], "LSTM101") and not by_code(client.diagnostics[uri], "LSTM003")
        assert len(workers(client)) == 1 and workers(client) != [pid]
        assert not [m for m in client.messages if m.type == types.MessageType.Error]


@pytest.mark.asyncio
async def test_worker_timeout_is_a_diagnostic(tmp_path: Path):
    async with server(tmp_path, tmp_path, tmp_path, LSTMLINT_LSP_TIMEOUT="8") as client:
        uri, diagnostics = await open_document(client, tmp_path / "model.py", MULTILINE)
        assert by_code(diagnostics, "LSTM101")
        started = time.monotonic()
        change(client, uri, 2, dense_keras(800_000))  # about 15 s of CPU to analyse
        await wait_until(client, lambda: published(client, uri, 2), timeout=60)
        assert time.monotonic() - started < 30
        assert "the analyzer took longer than 8 s (it was stopped)" in internal(client.diagnostics[uri]).message
        change(client, uri, 3, MULTILINE)
        await wait_until(client, lambda: published(client, uri, 3))
        assert by_code(client.diagnostics[uri], "LSTM101")


@pytest.mark.asyncio
async def test_worker_memory_limit_is_a_diagnostic(tmp_path: Path):
    limit = 400 * 2**20  # the 500 KB document needs about twice that
    async with server(tmp_path, tmp_path, tmp_path, LSTMLINT_LSP_MEMORY=str(limit)) as client:
        uri, diagnostics = await open_document(client, tmp_path / "model.py", MULTILINE)
        assert by_code(diagnostics, "LSTM101")
        [pid] = workers(client)
        soft = int(next(line.split()[3] for line in Path(f"/proc/{pid}/limits").read_text().splitlines()
                        if line.startswith("Max address space")))
        assert soft == limit
        change(client, uri, 2, dense_keras(500_000))
        await wait_until(client, lambda: published(client, uri, 2), timeout=120)
        message = internal(client.diagnostics[uri]).message
        assert "ran out of memory (its limit is 400 MiB)" in message or "MemoryError" in message, message
        change(client, uri, 3, MULTILINE)
        await wait_until(client, lambda: published(client, uri, 3))
        assert by_code(client.diagnostics[uri], "LSTM101")


@pytest.mark.asyncio
async def test_document_over_the_size_limit_is_not_analysed(tmp_path: Path):
    async with server(tmp_path, tmp_path, tmp_path, LSTMLINT_LSP_TIMEOUT="20") as client:
        text = dense_keras(1_200_000)
        started = time.monotonic()
        uri, diagnostics = await open_document(client, tmp_path / "huge.py", text)
        assert time.monotonic() - started < 15  # not analysed (that takes minutes), not even sent to the worker
        assert [d.code for d in diagnostics] == ["LSTM002"]
        size = len(text.encode()) / 1e6
        assert diagnostics[0].message == f"file too large to analyse ({size:.1f} MB; the limit is 1.0 MB)"
        assert workers(client) == []
        change(client, uri, 2, MULTILINE)
        await wait_until(client, lambda: published(client, uri, 2))
        assert by_code(client.diagnostics[uri], "LSTM101")


@pytest.mark.asyncio
async def test_did_change_for_a_closed_document_is_ignored(tmp_path: Path):
    async with server(tmp_path, tmp_path, tmp_path) as client:
        uri, _ = await open_document(client, tmp_path / "model.py", MULTILINE)
        client.text_document_did_close(types.DidCloseTextDocumentParams(
            text_document=types.TextDocumentIdentifier(uri=uri)))
        change(client, uri, 2, MULTILINE)
        never_opened = (tmp_path / "other.py").as_uri()
        change(client, never_opened, 1, MULTILINE)
        _, diagnostics = await open_document(client, tmp_path / "third.py", MULTILINE)
        assert by_code(diagnostics, "LSTM101")  # the server answers as before
        assert not published(client, uri, 2) and not published(client, never_opened)
        assert not [m for m in client.messages if m.type == types.MessageType.Error], client.messages


@pytest.mark.asyncio
async def test_files_lstmlint_fails_on_are_diagnostics(tmp_path: Path):
    """The Keras 1 files that crashed the analyzer: an LSTM003 diagnostic if lstmlint still fails on them (never an
    error popup or a dead worker), and the server goes on."""
    async with server(tmp_path, tmp_path, tmp_path) as client:
        for source in sorted(CRASHES.glob("*.py")):
            _, diagnostics = await open_document(client, tmp_path / source.name, source.read_text())
            for found in by_code(diagnostics, "LSTM003"):
                assert found.message.startswith("internal error: ") and "server's log" in found.message
        _, diagnostics = await open_document(client, tmp_path / "model.py", MULTILINE)
        assert by_code(diagnostics, "LSTM101")
        assert not [m for m in client.messages if m.type == types.MessageType.Error], client.messages
        assert len(workers(client)) == 1


def test_shared_worker_helper_describes_how_a_child_ended(tmp_path: Path):
    """subprocess_worker.Child: the words for each way a worker ends, on real processes."""
    from lstmlint.subprocess_worker import EXIT_OUT_OF_MEMORY, Child

    child = Child("builtins:input", memory_limit=2**30)  # waits for a line on its stdin
    process = child.start()
    os.kill(process.pid, signal.SIGKILL)
    assert child.describe_exit() == "was killed by signal 9 (SIGKILL), by the system (out of memory?) or " \
                                    "another process"
    folder = child.folder
    child.stop()
    assert folder is not None and not Path(folder).exists()

    child = Child("builtins:input")
    child.start()
    with child.deadline(0.5):
        assert child.process.stdout.read() == b""  # blocks until the deadline kills it
    assert child.describe_exit() == "took longer than 0.5 s (it was stopped)"
    child.stop()

    child = Child("lstmlint.subprocess_worker:gib", stderr=subprocess.DEVNULL)  # gib() lacks its argument
    child.start()
    assert child.describe_exit() == "exited with code 1"
    child.stop()

    # a MemoryError that escapes the entry point is the out-of-memory exit, told as such (cProfile.main runs the
    # script named in sys.argv: a way to get a MemoryError out of an entry point of the standard library)
    script = tmp_path / "alloc.py"
    script.write_text("data = bytearray(2**30)\n")
    child = Child("cProfile:main", args=[str(script)], memory_limit=256 * 2**20, stderr=subprocess.DEVNULL)
    child.start()
    assert child.describe_exit() == "ran out of memory (its limit is 256 MiB)"
    assert EXIT_OUT_OF_MEMORY not in (0, 1, 2)
    child.stop()
