"""The language server end to end: a real LSP client (pytest-lsp) drives `python -m lstmlint server` over stdio."""

from __future__ import annotations

import asyncio
import os
import sys
from pathlib import Path

import pytest
import pytest_lsp
from conftest import ROOT
from lsprotocol import types
from pygls.protocol import default_converter
from pytest_lsp import ClientServerConfig, LanguageClient, client_capabilities
from pytest_lsp.client import DEFAULT_CLIENT_FEATURES, register_lsp_features

PUBLISH = types.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS
TIMEOUT = 30

# A non-ASCII character (1 UTF-16 unit) and an astral one (2 UTF-16 units) precede the finding on its line.
STACKED = (
    "import keras\n"
    "from keras import layers\n"
    "\n"
    'tag = "é😀"; model = keras.Sequential([keras.Input(shape=(30, 1)), layers.LSTM(64), layers.LSTM(16)])\n'
)
FIXED = STACKED.replace("layers.LSTM(64)", "layers.LSTM(64, return_sequences=True)")

MULTILINE = """import keras
from keras import layers

model = keras.Sequential([
    keras.Input(shape=(30, 1)),
    layers.LSTM(64),
    layers.Dropout(0.2),
    layers.LSTM(16),
    layers.Dense(1),
])
"""

SYNTAX_ERROR = "import keras\nmodel = keras.Sequential([\n    keras.layers.LSTM(64\n])\n"


def _server_env() -> dict[str, str]:
    env = dict(os.environ)
    src = str(ROOT / "src")
    env["PYTHONPATH"] = src + (os.pathsep + env["PYTHONPATH"] if env.get("PYTHONPATH") else "")
    return env


def _make_client() -> LanguageClient:
    """pytest-lsp's client, also recording every publishDiagnostics (to see which versions were published)."""
    client = LanguageClient(converter_factory=default_converter)
    client.published = []  # type: ignore[attr-defined]

    def publish(client: LanguageClient, params: types.PublishDiagnosticsParams) -> None:
        client.diagnostics[params.uri] = params.diagnostics
        client.published.append(params)  # type: ignore[attr-defined]

    register_lsp_features(client, {**DEFAULT_CLIENT_FEATURES, PUBLISH: publish})
    return client


@pytest_lsp.fixture(config=ClientServerConfig(server_command=[sys.executable, "-m", "lstmlint", "server"],
                                              client_factory=_make_client, server_env=_server_env()))
async def client(lsp_client: LanguageClient, tmp_path: Path):
    await lsp_client.initialize_session(types.InitializeParams(
        capabilities=client_capabilities("visual-studio-code"),
        root_uri=tmp_path.as_uri(),
        workspace_folders=[types.WorkspaceFolder(uri=tmp_path.as_uri(), name="tmp")],
    ))
    yield
    await lsp_client.shutdown_session()


# ----------------------------------------------------------------------------------------------- helpers


def utf16(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


async def wait_until(client: LanguageClient, condition, timeout: float = TIMEOUT):
    async def loop():
        while not condition():
            await client.wait_for_notification(PUBLISH)

    await asyncio.wait_for(loop(), timeout)


def published(client: LanguageClient, uri: str, version: int | None = None) -> list[types.PublishDiagnosticsParams]:
    return [p for p in client.published if p.uri == uri and (version is None or p.version == version)]


async def open_document(client: LanguageClient, path: Path, text: str, language: str = "python",
                        version: int = 1) -> tuple[str, list[types.Diagnostic]]:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    uri = path.as_uri()
    client.text_document_did_open(types.DidOpenTextDocumentParams(
        text_document=types.TextDocumentItem(uri=uri, language_id=language, version=version, text=text)))
    if language == "python":
        await wait_until(client, lambda: published(client, uri, version))
        return uri, list(published(client, uri, version)[-1].diagnostics)
    return uri, []


def change(client: LanguageClient, uri: str, version: int, text: str) -> None:
    client.text_document_did_change(types.DidChangeTextDocumentParams(
        text_document=types.VersionedTextDocumentIdentifier(uri=uri, version=version),
        content_changes=[types.TextDocumentContentChangeWholeDocument(text=text)]))


def by_code(diagnostics, code: str) -> list[types.Diagnostic]:
    return [d for d in diagnostics if d.code == code]


def edits_of(action: types.CodeAction, uri: str) -> list[types.TextEdit]:
    edit = action.edit
    assert edit is not None
    if edit.document_changes:
        return [e for change in edit.document_changes if change.text_document.uri == uri for e in change.edits]
    return list(edit.changes[uri])


def apply(text: str, edits: list[types.TextEdit]) -> str:
    """Apply LSP edits (UTF-16 positions) to a text, as an editor does."""
    lines = text.split("\n")

    def offset(position: types.Position) -> int:
        line = lines[position.line]
        units, index = 0, 0
        while units < position.character:
            units += utf16(line[index])
            index += 1
        return sum(len(l) + 1 for l in lines[: position.line]) + index

    for edit in sorted(edits, key=lambda e: (e.range.start.line, e.range.start.character), reverse=True):
        start, end = offset(edit.range.start), offset(edit.range.end)
        text = text[:start] + edit.new_text + text[end:]
    return text


async def actions_at(client: LanguageClient, uri: str, diagnostic: types.Diagnostic) -> list[types.CodeAction]:
    result = await client.text_document_code_action_async(types.CodeActionParams(
        text_document=types.TextDocumentIdentifier(uri=uri),
        range=diagnostic.range,
        context=types.CodeActionContext(diagnostics=[diagnostic]),
    ))
    return [a for a in result or [] if isinstance(a, types.CodeAction)]


# ----------------------------------------------------------------------------------------------- tests


@pytest.mark.asyncio
async def test_stacked_lstm_diagnostic_then_cleared_when_fixed(client: LanguageClient, tmp_path: Path):
    uri, diagnostics = await open_document(client, tmp_path / "train.py", STACKED)
    [found] = by_code(diagnostics, "LSTM101")
    line = STACKED.splitlines()[3]
    start = line.index("layers.LSTM(64)")
    assert found.range == types.Range(
        start=types.Position(line=3, character=utf16(line[:start])),
        end=types.Position(line=3, character=utf16(line[: start + len("layers.LSTM(64)")])),
    )
    assert utf16(line[:start]) == start + 1  # the astral character counts twice
    assert found.severity == types.DiagnosticSeverity.Error
    assert found.source == "lstmlint"
    assert "return_sequences=True" in found.message

    change(client, uri, 2, FIXED)
    await wait_until(client, lambda: published(client, uri, 2))
    assert list(client.diagnostics[uri]) == []


@pytest.mark.asyncio
async def test_changes_are_debounced_and_only_the_latest_version_is_published(client: LanguageClient,
                                                                               tmp_path: Path):
    uri, _ = await open_document(client, tmp_path / "train.py", STACKED)
    change(client, uri, 2, FIXED)
    change(client, uri, 3, STACKED.replace("LSTM(16)", "LSTM(8)"))
    change(client, uri, 4, FIXED)
    await wait_until(client, lambda: published(client, uri, 4))
    assert list(client.diagnostics[uri]) == []
    assert not published(client, uri, 2) and not published(client, uri, 3)

    # Saving checks again at once.
    change(client, uri, 5, STACKED)
    client.text_document_did_save(types.DidSaveTextDocumentParams(text_document=types.TextDocumentIdentifier(uri=uri)))
    await wait_until(client, lambda: published(client, uri, 5))
    assert by_code(client.diagnostics[uri], "LSTM101")


@pytest.mark.asyncio
async def test_quickfix_sets_return_sequences(client: LanguageClient, tmp_path: Path):
    uri, diagnostics = await open_document(client, tmp_path / "train.py", STACKED)
    [found] = by_code(diagnostics, "LSTM101")
    fixes = [a for a in await actions_at(client, uri, found) if "LSTM101" in a.title and "Disable" not in a.title]
    assert len(fixes) == 1
    [fix] = fixes
    assert fix.kind == types.CodeActionKind.QuickFix
    assert fix.title == "Set return_sequences=True (LSTM101)"
    assert fix.is_preferred
    [edit] = edits_of(fix, uri)
    assert edit.new_text == ", return_sequences=True"
    line = STACKED.splitlines()[3]
    at = utf16(line[: line.index("layers.LSTM(64)") + len("layers.LSTM(64")])
    assert edit.range == types.Range(start=types.Position(line=3, character=at), end=types.Position(line=3, character=at))
    assert apply(STACKED, [edit]) == FIXED


@pytest.mark.asyncio
async def test_noqa_action_appends_or_extends_the_comment(client: LanguageClient, tmp_path: Path):
    uri, diagnostics = await open_document(client, tmp_path / "model.py", MULTILINE)
    [found] = by_code(diagnostics, "LSTM101")
    assert found.range.start == types.Position(line=5, character=4)
    [noqa] = [a for a in await actions_at(client, uri, found) if a.title == "Disable LSTM101 for this line"]
    assert noqa.kind == types.CodeActionKind.QuickFix
    [edit] = edits_of(noqa, uri)
    assert edit.new_text == "  # noqa: LSTM101"
    assert edit.range.start == edit.range.end == types.Position(line=5, character=len("    layers.LSTM(64),"))
    silenced = apply(MULTILINE, [edit])
    assert "    layers.LSTM(64),  # noqa: LSTM101\n" in silenced

    change(client, uri, 2, silenced)
    await wait_until(client, lambda: published(client, uri, 2))
    assert not by_code(client.diagnostics[uri], "LSTM101")

    # An existing noqa list on the line gets the code added to it.
    listed = MULTILINE.replace("    layers.LSTM(64),", "    layers.LSTM(64),  # noqa: LSTM301")
    change(client, uri, 3, listed)
    await wait_until(client, lambda: published(client, uri, 3))
    [found] = by_code(client.diagnostics[uri], "LSTM101")
    [noqa] = [a for a in await actions_at(client, uri, found) if a.title == "Disable LSTM101 for this line"]
    assert apply(listed, edits_of(noqa, uri)) == MULTILINE.replace(
        "    layers.LSTM(64),", "    layers.LSTM(64),  # noqa: LSTM301, LSTM101")


@pytest.mark.asyncio
async def test_hover_on_a_recurrent_layer_reads_it(client: LanguageClient, tmp_path: Path):
    uri, _ = await open_document(client, tmp_path / "model.py", MULTILINE)
    result = await client.text_document_hover_async(types.HoverParams(
        text_document=types.TextDocumentIdentifier(uri=uri),
        position=types.Position(line=5, character=len("    layers.LS"))))
    assert result is not None
    assert isinstance(result.contents, types.MarkupContent)
    assert result.contents.kind == types.MarkupKind.Markdown
    text = result.contents.value
    assert "is the size of the hidden state" in text
    assert "(None, 64)" in text
    assert "16,896" in text  # 4 × (64 × (1 + 64) + 64)
    assert result.range.start == types.Position(line=5, character=4)

    # The second LSTM is its own row; a Dense or an empty line has no hover.
    second = await client.text_document_hover_async(types.HoverParams(
        text_document=types.TextDocumentIdentifier(uri=uri), position=types.Position(line=7, character=12)))
    assert second is not None and "LSTM(16)" in second.contents.value
    for position in (types.Position(line=8, character=12), types.Position(line=2, character=0)):
        assert await client.text_document_hover_async(types.HoverParams(
            text_document=types.TextDocumentIdentifier(uri=uri), position=position)) is None


@pytest.mark.asyncio
async def test_hover_after_non_ascii_text_on_the_line(client: LanguageClient, tmp_path: Path):
    uri, _ = await open_document(client, tmp_path / "train.py", STACKED)
    line = STACKED.splitlines()[3]
    column = utf16(line[: line.index("LSTM(16)")])
    result = await client.text_document_hover_async(types.HoverParams(
        text_document=types.TextDocumentIdentifier(uri=uri), position=types.Position(line=3, character=column)))
    assert result is not None and "LSTM(16)" in result.contents.value


@pytest.mark.asyncio
async def test_project_config_ignores_a_rule(client: LanguageClient, tmp_path: Path):
    project = tmp_path / "project"
    project.mkdir()
    (project / "pyproject.toml").write_text('[tool.lstmlint]\nignore = ["LSTM101"]\n', encoding="utf-8")
    _, diagnostics = await open_document(client, project / "pkg" / "train.py", MULTILINE)
    assert not by_code(diagnostics, "LSTM101")

    # The same text outside that project does get it.
    _, diagnostics = await open_document(client, tmp_path / "elsewhere" / "train.py", MULTILINE)
    assert by_code(diagnostics, "LSTM101")


@pytest.mark.asyncio
async def test_broken_config_is_shown_not_fatal(client: LanguageClient, tmp_path: Path):
    project = tmp_path / "broken"
    project.mkdir()
    (project / "pyproject.toml").write_text('[tool.lstmlint]\nnot-a-key = 1\n', encoding="utf-8")
    _, diagnostics = await open_document(client, project / "train.py", MULTILINE)
    assert list(diagnostics) == []
    errors = [m for m in client.messages if m.type == types.MessageType.Error]
    assert errors and "not-a-key" in errors[0].message

    _, diagnostics = await open_document(client, tmp_path / "ok" / "train.py", MULTILINE)
    assert by_code(diagnostics, "LSTM101")


@pytest.mark.asyncio
async def test_typo_in_select_and_fifo_rule_file_are_shown_not_silent(client: LanguageClient, tmp_path: Path):
    """A code that names no rule would silence every diagnostic; a FIFO rule file hung the worker."""
    typo = tmp_path / "typo"
    typo.mkdir()
    (typo / "pyproject.toml").write_text('[tool.lstmlint]\nselect = ["LTSM1"]\n', encoding="utf-8")
    _, diagnostics = await open_document(client, typo / "train.py", MULTILINE)
    assert list(diagnostics) == []
    errors = [m.message for m in client.messages if m.type == types.MessageType.Error]
    assert any("`LTSM1` is not a rule code" in m for m in errors), errors

    fifo = tmp_path / "fifo"
    (fifo / "rules").mkdir(parents=True)
    os.mkfifo(fifo / "rules" / "TEAM001.yaml")
    (fifo / "pyproject.toml").write_text('[tool.lstmlint]\nrule-paths = ["rules"]\n', encoding="utf-8")
    _, diagnostics = await open_document(client, fifo / "train.py", MULTILINE)
    assert list(diagnostics) == []
    errors = [m.message for m in client.messages if m.type == types.MessageType.Error]
    assert any("TEAM001.yaml: not a regular file (a FIFO)" in m for m in errors), errors

    _, diagnostics = await open_document(client, tmp_path / "ok" / "train.py", MULTILINE)
    assert by_code(diagnostics, "LSTM101")


@pytest.mark.asyncio
async def test_syntax_error_is_a_diagnostic_and_the_server_keeps_working(client: LanguageClient, tmp_path: Path):
    uri, diagnostics = await open_document(client, tmp_path / "broken.py", SYNTAX_ERROR)
    [error] = by_code(diagnostics, "LSTM001")
    assert error.severity == types.DiagnosticSeverity.Error
    assert error.message.startswith("syntax error")

    hover = await client.text_document_hover_async(types.HoverParams(
        text_document=types.TextDocumentIdentifier(uri=uri), position=types.Position(line=2, character=20)))
    assert hover is None
    actions = await client.text_document_code_action_async(types.CodeActionParams(
        text_document=types.TextDocumentIdentifier(uri=uri), range=error.range,
        context=types.CodeActionContext(diagnostics=[error])))
    assert all("LSTM001" in a.title for a in actions or [])

    # Non-Python documents are left alone; the server still answers for the next file.
    other, _ = await open_document(client, tmp_path / "notes.md", "keras.layers.LSTM(64)\n", language="markdown")
    _, diagnostics = await open_document(client, tmp_path / "model.py", MULTILINE)
    assert by_code(diagnostics, "LSTM101")
    assert not published(client, other)

    change(client, uri, 2, MULTILINE)
    await wait_until(client, lambda: published(client, uri, 2))
    assert not by_code(client.diagnostics[uri], "LSTM001")
    assert by_code(client.diagnostics[uri], "LSTM101")


@pytest.mark.asyncio
async def test_pathological_nesting_is_a_syntax_error_and_the_server_lives_on(client: LanguageClient,
                                                                              tmp_path: Path):
    # libcst's native parser overflows its stack on this; CPython's parser, run first, refuses it cleanly.
    deep = "import keras\nx = " + "(" * 5000 + ")" * 5000 + "\n"
    _, diagnostics = await open_document(client, tmp_path / "deep.py", deep)
    assert [d.code for d in diagnostics] == ["LSTM001"]
    assert "too many nested parentheses" in diagnostics[0].message

    _, diagnostics = await open_document(client, tmp_path / "model.py", MULTILINE)
    assert by_code(diagnostics, "LSTM101")


# Python's and LSP's lines end at \r\n, \r and \n only: a form feed, NEL or U+2028 before the finding must not
# shift its line, and the columns count UTF-16 units (the astral character counts twice).
ODD_LINES = ('import keras\r\ns = "a\u2028b"  # \x85 \x0c\r\x0c\n'
             'tag = "é😀"; model = keras.Sequential([keras.Input(shape=(30, 1)), keras.layers.LSTM(64), '
             'keras.layers.LSTM(16)])\n')


def apply_lsp(text: str, edits: list[types.TextEdit]) -> str:
    """Apply LSP edits to a text split into lines as LSP splits it."""
    import re

    pieces = re.split(r"(\r\n|\r|\n)", text)
    lines, ends = pieces[0::2], pieces[1::2] + [""]

    def offset(position: types.Position) -> int:
        line = lines[position.line]
        units = index = 0
        while units < position.character:
            units += utf16(line[index])
            index += 1
        return sum(len(l) + len(e) for l, e in zip(lines[: position.line], ends)) + index

    for edit in sorted(edits, key=lambda e: (e.range.start.line, e.range.start.character), reverse=True):
        text = text[: offset(edit.range.start)] + edit.new_text + text[offset(edit.range.end):]
    return text


@pytest.mark.asyncio
async def test_positions_follow_python_lines_and_utf16_columns(client: LanguageClient, tmp_path: Path):
    uri, diagnostics = await open_document(client, tmp_path / "odd.py", ODD_LINES)
    [found] = by_code(diagnostics, "LSTM101")
    line = ODD_LINES.split("\n")[2]
    start = line.index("keras.layers.LSTM(64)")
    assert found.range == types.Range(
        start=types.Position(line=3, character=utf16(line[:start])),
        end=types.Position(line=3, character=utf16(line[: start + len("keras.layers.LSTM(64)")])))
    [fix] = [a for a in await actions_at(client, uri, found) if a.title == "Set return_sequences=True (LSTM101)"]
    assert apply_lsp(ODD_LINES, edits_of(fix, uri)) == ODD_LINES.replace("LSTM(64)", "LSTM(64, return_sequences=True)")


@pytest.mark.asyncio
async def test_a_quickfix_that_adds_lines_uses_the_documents_line_ends(client: LanguageClient, tmp_path: Path):
    text = ("import keras\r\nmodel = keras.Sequential([keras.Input(batch_shape=(1, 3, 2)), "
            "keras.layers.LSTM(4, stateful=True)])\r\nmodel.reset_states()\r\n")
    uri, diagnostics = await open_document(client, tmp_path / "crlf.py", text)
    [found] = by_code(diagnostics, "LSTM205")
    [fix] = [a for a in await actions_at(client, uri, found) if "LSTM205" in a.title and "Disable" not in a.title]
    fixed = apply_lsp(text, edits_of(fix, uri))
    assert "for layer in model.layers:\r\n    if getattr" in fixed
    assert "\n" not in fixed.replace("\r\n", "")


@pytest.mark.asyncio
async def test_hover_names_the_input_shape_and_why_a_value_is_unknown(client: LanguageClient, tmp_path: Path):
    text = ("import keras\n"
            "def build(units):\n"
            "    return keras.Sequential([keras.Input(shape=(20, 3)), keras.layers.LSTM(units)])\n")
    uri, _ = await open_document(client, tmp_path / "build.py", text)
    result = await client.text_document_hover_async(types.HoverParams(
        text_document=types.TextDocumentIdentifier(uri=uri),
        position=types.Position(line=2, character=text.splitlines()[2].index("LSTM"))))
    assert result is not None
    value = result.contents.value
    assert "Input shape: `(None, 20, 3)` · Output shape: `(None, ?)` · Parameters: unknown" in value
    assert "? units: \\`units\\` is a parameter of build() at line 2" in value
