"""The language server: ``lstmlint server`` speaks LSP on stdio (pygls).

- diagnostics on open, on change (debounced; only the latest version is published) and on save;
- code actions: each finding's fix as a quickfix, and "Disable CODE for this line" (a ``# noqa:`` comment);
- hover on a recurrent layer call: the advisor's reading of that layer, its output shape and parameters.

Settings come from ``[tool.lstmlint]`` in the nearest pyproject.toml above the document, read again on every
check; a broken configuration or rule file is shown as an error message, never a crash.

Positions: lstmlint counts 1-based lines and 1-based code-point columns; LSP counts 0-based lines and columns
in the negotiated encoding (UTF-16 code units unless the client offers another). Lines are split as Python and
LSP both split them: at ``\\r\\n``, ``\\r`` and ``\\n`` only.
"""

from __future__ import annotations

import asyncio
import atexit
import logging
import re
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any
from urllib.parse import unquote

from lsprotocol import types
from pygls.lsp.server import LanguageServer
from pygls.protocol import LanguageServerProtocol
from pygls.protocol.language_server import lsp_method
from pygls.uris import to_fs_path

from lstmlint import __version__
from lstmlint.findings import Finding
from lstmlint.ir import Layer, Span
from lstmlint.lines import dominant_newline, split_lines
from lstmlint.lsp_worker import LOG_DETAILS, Analysis, Worker, too_large_to_check

logger = logging.getLogger("lstmlint.lsp")

SOURCE = "lstmlint"
DEBOUNCE_SECONDS = 0.3
_SEVERITY = {
    "error": types.DiagnosticSeverity.Error,
    "warning": types.DiagnosticSeverity.Warning,
    "info": types.DiagnosticSeverity.Information,
}
_HOVER_CLASSES = ("LSTM", "GRU", "SimpleRNN", "RNN", "Bidirectional", "CuDNNLSTM", "CuDNNGRU")
_MARKDOWN_SPECIAL = re.compile(r"([\\`*_\[\]<>])")


# --------------------------------------------------------------------------------------------- positions


class Positions:
    """Converts between lstmlint's (1-based line, 1-based code point) and LSP's (0-based line, code units)."""

    def __init__(self, lines: list[str], encoding: Any) -> None:
        self.lines = lines
        if encoding == types.PositionEncodingKind.Utf8:
            self.units = lambda s: len(s.encode("utf-8", "surrogatepass"))
        elif encoding == types.PositionEncodingKind.Utf32:
            self.units = len
        else:
            self.units = lambda s: len(s) + sum(1 for c in s if ord(c) > 0xFFFF)

    def to_lsp(self, line: int, column: int) -> types.Position:
        if not self.lines:
            return types.Position(line=0, character=0)
        index = line - 1
        if index >= len(self.lines):
            index = len(self.lines) - 1
            column = len(self.lines[index]) + 1
        index = max(index, 0)
        text = self.lines[index]
        column = min(max(column, 1), len(text) + 1)
        return types.Position(line=index, character=self.units(text[: column - 1]))

    def range(self, line: int, column: int, end_line: int, end_column: int) -> types.Range:
        return types.Range(start=self.to_lsp(line, column), end=self.to_lsp(end_line, end_column))

    def span(self, span: Span) -> types.Range:
        return self.range(span.line, span.column, span.end_line, span.end_column)

    def from_lsp(self, position: types.Position) -> tuple[int, int]:
        """(1-based line, 1-based code-point column)."""
        if position.line >= len(self.lines):
            return len(self.lines) + 1, 1
        text = self.lines[position.line]
        units = 0
        for index, char in enumerate(text):
            if units >= position.character:
                return position.line + 1, index + 1
            units += self.units(char)
        return position.line + 1, len(text) + 1


# --------------------------------------------------------------------------------------------- server


class Protocol(LanguageServerProtocol):
    @lsp_method(types.TEXT_DOCUMENT_DID_CHANGE)
    def lsp_text_document__did_change(self, params: types.DidChangeTextDocumentParams):
        """A change to a document that is not open (a client bug, or a race with didClose) is ignored: pygls's
        own handler raises KeyError for it and shows "Error in server" in the editor."""
        uri = params.text_document.uri
        documents = self.workspace.text_documents
        if uri not in documents and unquote(uri) not in documents:
            logger.warning("didChange for %s, which is not open: ignored", uri)
            return
        yield from super().lsp_text_document__did_change(params)


class LstmlintServer(LanguageServer):
    def __init__(self) -> None:
        super().__init__(
            "lstmlint",
            __version__,
            # Whole texts: no incremental edits to replay, so line splitting can never drift from the client's.
            text_document_sync_kind=types.TextDocumentSyncKind.Full,
            protocol_cls=Protocol,
        )
        self.worker = Worker()
        atexit.register(self.worker.stop)
        self.executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="lstmlint-check")
        self.analyses: dict[str, Analysis] = {}
        self.pending: dict[str, asyncio.Task] = {}
        self.shown_errors: dict[str, str] = {}

    # -- documents

    def document(self, uri: str) -> Any:
        """The open document (None once it is closed); the workspace keys documents by unquoted URI."""
        documents = self.workspace.text_documents
        return documents.get(uri) or documents.get(unquote(uri))

    def is_python(self, uri: str) -> bool:
        document = self.document(uri)
        if document is None:
            return False
        if document.language_id:
            return document.language_id == "python"
        return (document.path or uri).endswith((".py", ".pyi"))

    def _where(self, uri: str) -> tuple[str, Path]:
        path = to_fs_path(uri) if uri.startswith("file:") else None
        if path:
            return path, Path(path).parent
        root = self.workspace.root_path
        return uri, Path(root) if root else Path.cwd()

    def positions(self, analysis: Analysis) -> Positions:
        return Positions(analysis.lines, self.workspace.position_encoding)

    async def analyse(self, uri: str) -> Analysis | None:
        """The analysis of the document's current version (from the cache when it is current)."""
        document = self.document(uri)
        if document is None:
            return None
        cached = self.analyses.get(uri)
        if cached is not None and cached.version == document.version and cached.text == document.source:
            return cached
        text, version = document.source, document.version
        path, folder = self._where(uri)
        oversized = too_large_to_check(text, path, version)
        loop = asyncio.get_running_loop()
        try:
            if oversized is not None:
                analysis = oversized
            else:
                analysis = await loop.run_in_executor(self.executor, self.worker.check, text, path, folder, version)
        except Exception as error:  # never let one document take the server down
            from lstmlint.api import internal_error

            logger.exception("lstmlint failed on %s", uri)
            analysis = Analysis(version, text, split_lines(text))
            analysis.findings = [internal_error(path, error, LOG_DETAILS)]
        current = self.document(uri)
        if current is not None and current.version == version:
            self.analyses[uri] = analysis
        return analysis

    async def python_analysis(self, uri: str) -> Analysis | None:
        """The current analysis of an open Python document (None for another language or a closed one)."""
        return await self.analyse(uri) if self.is_python(uri) else None

    async def publish(self, uri: str) -> None:
        if not self.is_python(uri):
            return
        version = self.document(uri).version
        analysis = await self.analyse(uri)
        current = self.document(uri)
        if analysis is None or current is None or current.version != version or analysis.version != version:
            return  # a newer version is on its way, or the document was closed
        problem = analysis.error  # (a failure of the analyzer is an LSTM003 diagnostic of the document)
        if problem:
            self.error_once(problem, uri)
        else:
            self.shown_errors.pop(uri, None)
        positions = self.positions(analysis)
        diagnostics = [diagnostic(f, positions) for f in analysis.findings]
        self.text_document_publish_diagnostics(
            types.PublishDiagnosticsParams(uri=uri, diagnostics=diagnostics, version=version))

    def schedule(self, uri: str, delay: float) -> None:
        self.cancel(uri)

        async def later() -> None:
            try:
                if delay:
                    await asyncio.sleep(delay)
                await self.publish(uri)
            except asyncio.CancelledError:
                raise
            except Exception:
                logger.exception("publishing diagnostics for %s failed", uri)
            finally:
                if self.pending.get(uri) is task:
                    del self.pending[uri]

        task = asyncio.get_running_loop().create_task(later())
        self.pending[uri] = task

    def cancel(self, uri: str) -> None:
        task = self.pending.pop(uri, None)
        if task is not None:
            task.cancel()

    def error_once(self, message: str, uri: str = "") -> None:
        """Show an error message, once until the document's problem changes or goes away."""
        if self.shown_errors.get(uri) == message:
            return
        self.shown_errors[uri] = message
        self.window_show_message(types.ShowMessageParams(type=types.MessageType.Error, message=f"lstmlint: {message}"))

    def edit(self, uri: str, version: int | None, edits: list[types.TextEdit]) -> types.WorkspaceEdit:
        supports = False
        try:
            supports = bool(self.client_capabilities.workspace.workspace_edit.document_changes)
        except AttributeError:
            pass
        if supports:
            identifier = types.OptionalVersionedTextDocumentIdentifier(uri=uri, version=version)
            return types.WorkspaceEdit(document_changes=[types.TextDocumentEdit(text_document=identifier, edits=edits)])
        return types.WorkspaceEdit(changes={uri: edits})


def diagnostic(finding: Finding, positions: Positions) -> types.Diagnostic:
    return types.Diagnostic(
        range=positions.range(finding.line, finding.column, finding.end_line, finding.end_column),
        message=finding.message,
        severity=_SEVERITY.get(finding.severity, types.DiagnosticSeverity.Warning),
        code=finding.rule,
        source=SOURCE,
    )


# --------------------------------------------------------------------------------------------- code actions


def noqa_edit(finding: Finding, positions: Positions) -> types.TextEdit | None:
    """Add ``finding.rule`` to the ``# noqa:`` list of its line, or append ``  # noqa: CODE`` to the line."""
    from lstmlint.source import _NOQA

    index = finding.line - 1
    if not 0 <= index < len(positions.lines):
        return None
    text = positions.lines[index]
    match = _NOQA.search(text) if "#" in text else None
    if match is not None:
        if match.group("codes") is None:
            return None  # a bare noqa already silences everything on the line
        at, insert = match.end("codes") + 1, f", {finding.rule}"
    else:
        if text.rstrip().endswith("\\"):
            return None  # a comment cannot follow a line continuation
        at, insert = len(text) + 1, f"  # noqa: {finding.rule}"
    position = positions.to_lsp(finding.line, at)
    return types.TextEdit(range=types.Range(start=position, end=position), new_text=insert)


def _overlaps(a: types.Range, b: types.Range) -> bool:
    def key(p: types.Position) -> tuple[int, int]:
        return (p.line, p.character)

    return key(a.start) <= key(b.end) and key(b.start) <= key(a.end)


def code_actions(server: LstmlintServer, uri: str, analysis: Analysis, wanted: types.Range,
                 only: list[str] | None) -> list[types.CodeAction]:
    if only is not None and not any(types.CodeActionKind.QuickFix.startswith(kind) for kind in only):
        return []
    positions = server.positions(analysis)
    fixes: list[types.CodeAction] = []
    disables: list[types.CodeAction] = []
    newline = None
    for finding in analysis.findings:
        diag = diagnostic(finding, positions)
        if not _overlaps(diag.range, wanted):
            continue
        if finding.fix is not None and finding.fix.edits:
            if newline is None:
                newline = dominant_newline(analysis.text)  # new lines end as the document's do
            edits = [types.TextEdit(range=positions.range(e.line, e.column, e.end_line, e.end_column),
                                    new_text=e.content.replace("\n", newline)) for e in finding.fix.edits]
            fixes.append(types.CodeAction(
                title=f"{finding.fix.description} ({finding.rule})",
                kind=types.CodeActionKind.QuickFix,
                diagnostics=[diag],
                is_preferred=finding.fix.applicability == "safe",
                edit=server.edit(uri, analysis.version, edits),
            ))
        noqa = noqa_edit(finding, positions)
        if noqa is not None:
            disables.append(types.CodeAction(
                title=f"Disable {finding.rule} for this line",
                kind=types.CodeActionKind.QuickFix,
                diagnostics=[diag],
                edit=server.edit(uri, analysis.version, [noqa]),
            ))
    return fixes + disables


# --------------------------------------------------------------------------------------------- hover


def _contains(span: Span, line: int, column: int) -> bool:
    return (span.line, span.column) <= (line, column) < (span.end_line, span.end_column)


def _is_recurrent(layer: Layer) -> bool:
    from lstmlint.engine.predicates import effective

    if layer.family in ("recurrent", "conv-recurrent") or layer.cls.startswith("ConvLSTM"):
        return True
    if layer.cls in _HOVER_CLASSES:
        return True
    try:
        return effective(layer).family in ("recurrent", "conv-recurrent")
    except Exception:  # noqa: BLE001 - no hover rather than an error
        return False


def _escape(text: str) -> str:
    return _MARKDOWN_SPECIAL.sub(r"\\\1", text)


def hover(analysis: Analysis, line: int, column: int, positions: Positions) -> types.Hover | None:
    from lstmlint.explain import explain_module, number, shown_layers

    module = analysis.module
    if module is None or analysis.config is None:
        return None
    best: tuple[int, int, Layer] | None = None
    for m, model in enumerate(module.models):
        for i in shown_layers(model):
            layer = model.layers[i]
            if layer.family == "input" or not _contains(layer.span, line, column) or not _is_recurrent(layer):
                continue
            size = (layer.span.end_line - layer.span.line, layer.span.end_column - layer.span.column)
            if best is None or size < (best[2].span.end_line - best[2].span.line,
                                       best[2].span.end_column - best[2].span.column):
                best = (m, i, layer)
    if best is None:
        return None
    m, i, layer = best
    report = explain_module(module, analysis.findings, analysis.config.target_keras)[m]
    rows = dict(zip(shown_layers(module.models[m]), report.layers))
    row = rows.get(i)
    if row is None:
        return None
    params = "unknown" if row.params is None else number(row.params)
    parts = [f"**{_escape(row.label or row.cls)}** (line {row.line})",
             f"Input shape: `{row.input_text}` · Output shape: `{row.shape_text}` · Parameters: {params}"]
    parts.extend(_escape(f"? {unknown.what}: {unknown.reason}") for unknown in row.unknown)
    parts.extend(_escape(note) for note in row.notes)
    content = types.MarkupContent(kind=types.MarkupKind.Markdown, value="\n\n".join(parts))
    return types.Hover(contents=content, range=positions.span(layer.span))


# --------------------------------------------------------------------------------------------- wiring


def create_server() -> LstmlintServer:
    server = LstmlintServer()

    @server.feature(types.TEXT_DOCUMENT_DID_OPEN)
    async def did_open(ls: LstmlintServer, params: types.DidOpenTextDocumentParams) -> None:
        ls.schedule(params.text_document.uri, 0)

    @server.feature(types.TEXT_DOCUMENT_DID_CHANGE)
    async def did_change(ls: LstmlintServer, params: types.DidChangeTextDocumentParams) -> None:
        ls.schedule(params.text_document.uri, DEBOUNCE_SECONDS)

    @server.feature(types.TEXT_DOCUMENT_DID_SAVE)
    async def did_save(ls: LstmlintServer, params: types.DidSaveTextDocumentParams) -> None:
        uri = params.text_document.uri
        ls.analyses.pop(uri, None)  # the configuration beside it may have changed too
        ls.schedule(uri, 0)

    @server.feature(types.TEXT_DOCUMENT_DID_CLOSE)
    async def did_close(ls: LstmlintServer, params: types.DidCloseTextDocumentParams) -> None:
        uri = params.text_document.uri
        ls.cancel(uri)
        ls.analyses.pop(uri, None)
        ls.text_document_publish_diagnostics(types.PublishDiagnosticsParams(uri=uri, diagnostics=[]))

    @server.feature(types.TEXT_DOCUMENT_CODE_ACTION,
                    types.CodeActionOptions(code_action_kinds=[types.CodeActionKind.QuickFix]))
    async def code_action(ls: LstmlintServer, params: types.CodeActionParams) -> list[types.CodeAction] | None:
        uri = params.text_document.uri
        analysis = await ls.python_analysis(uri)
        if analysis is None:
            return None
        try:
            return code_actions(ls, uri, analysis, params.range, params.context.only)
        except Exception:
            logger.exception("code actions for %s failed", uri)
            return None

    @server.feature(types.TEXT_DOCUMENT_HOVER)
    async def on_hover(ls: LstmlintServer, params: types.HoverParams) -> types.Hover | None:
        uri = params.text_document.uri
        analysis = await ls.python_analysis(uri)
        if analysis is None:
            return None
        positions = ls.positions(analysis)
        line, column = positions.from_lsp(params.position)
        try:
            return hover(analysis, line, column, positions)
        except Exception:
            logger.exception("hover on %s failed", uri)
            return None

    @server.feature(types.SHUTDOWN)
    def on_shutdown(ls: LstmlintServer, *args: Any) -> None:
        for uri in list(ls.pending):
            ls.cancel(uri)
        ls.worker.stop()

    return server


def main() -> None:
    logging.basicConfig(level=logging.WARNING, format="lstmlint server: %(levelname)s %(message)s")
    create_server().start_io()
