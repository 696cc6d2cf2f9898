"""The language server's analyzer, in a worker process of its own (see :mod:`lstmlint.subprocess_worker`): the
server sends (text, path, folder, version) and gets an :class:`Analysis` back, length-prefixed pickles on the
worker's stdin and stdout. Settings come from the nearest pyproject.toml above the document, read on every check;
rules are loaded again when a rule file changes."""

from __future__ import annotations

import logging
import os
import pickle
import struct
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from lstmlint.config import Config, ConfigError, check_codes, load_config
from lstmlint.findings import Finding
from lstmlint.ir import Module
from lstmlint.lines import split_lines

logger = logging.getLogger("lstmlint.lsp")

CHECK_TIMEOUT = float(os.environ.get("LSTMLINT_LSP_TIMEOUT", "30"))
# The analyzer's address-space limit: a 1 MB document (the size limit) of dense Keras code peaks near 1.6 GB.
DEFAULT_MEMORY_LIMIT = 3 * 2**30
LOG_DETAILS = "the server's log has the details"  # where an internal error's traceback goes


@dataclass
class Analysis:
    """One check of one version of a document."""

    version: int | None
    text: str
    lines: list[str]
    module: Module | None = None
    findings: list[Finding] = field(default_factory=list)
    config: Config | None = None
    error: str | None = None  # a configuration or rule-file error: nothing was checked


class Checker:
    """Config and rule loading (rules cached) and the check itself: runs inside the worker process."""

    def __init__(self) -> None:
        self._rules: dict[tuple, list] = {}

    def _rules_for(self, config: Config) -> list:
        from lstmlint.api import rules_for

        key = tuple(_folder_signature(p) for p in config.rule_paths)
        rules = self._rules.get(key)
        if rules is None:
            rules = rules_for(config)
            if len(self._rules) > 16:
                self._rules.clear()
            self._rules[key] = rules
        return rules

    def check(self, text: str, path: str, folder: str, version: int | None) -> Analysis:
        from lstmlint.api import analyze_and_lint
        from lstmlint.engine.loader import RuleError

        analysis = Analysis(version, text, split_lines(text))
        try:
            config = load_config(start=Path(folder))
            rules = self._rules_for(config)
            check_codes(config, {r.id for r in rules})  # a typo in `select` must not silence the editor
        except (ConfigError, RuleError) as error:
            analysis.error = str(error)
            return analysis
        analysis.config = config
        if "keras" not in text:  # as the CLI: no Keras spelling, no Keras code, nothing to parse
            return analysis
        try:  # (analyze_and_lint contains its own exceptions as LSTM003; this is for anything around it)
            analysis.module, analysis.findings = analyze_and_lint(text, path, config, rules, details=LOG_DETAILS)
        except Exception as error:  # noqa: BLE001 - reported as a diagnostic, never fatal
            from lstmlint.api import internal_error

            analysis.findings = [internal_error(path, error, LOG_DETAILS)]
        for finding in analysis.findings:
            if finding.traceback:
                logger.error("internal error on %s:\n%s", path, finding.traceback)
                finding.traceback = None  # logged here, in the worker: no need to send it
        return analysis


def _send(stream: Any, payload: Any) -> None:
    data = pickle.dumps(payload, protocol=pickle.HIGHEST_PROTOCOL)
    stream.write(struct.pack(">Q", len(data)) + data)
    stream.flush()


def _receive(stream: Any) -> Any:
    def exactly(size: int) -> bytes:
        chunks, left = [], size
        while left:
            chunk = stream.read(left)
            if not chunk:
                raise EOFError("the worker closed its pipe")
            chunks.append(chunk)
            left -= len(chunk)
        return b"".join(chunks)

    (size,) = struct.unpack(">Q", exactly(8))
    return pickle.loads(exactly(size))


def worker_main() -> None:
    """The worker process: reads (text, path, folder, version) requests on stdin, answers Analysis objects."""
    output = os.fdopen(os.dup(sys.stdout.fileno()), "wb")
    os.dup2(sys.stderr.fileno(), sys.stdout.fileno())  # nothing the analyzer prints can corrupt the answers
    sys.stdout = sys.stderr
    checker = Checker()
    while True:
        try:
            request = _receive(sys.stdin.buffer)
        except (EOFError, OSError):
            return
        try:
            answer = checker.check(*request)
        except Exception as error:  # noqa: BLE001 - e.g. reading the configuration: this document only
            from lstmlint.api import internal_error

            text, path, _, version = request
            logger.exception("internal error on %s", path)
            answer = Analysis(version, text, split_lines(text), findings=[internal_error(path, error, LOG_DETAILS)])
            answer.findings[0].traceback = None
        _send(output, answer)


class Worker:
    """The analyzer in an isolated child process (see :mod:`lstmlint.subprocess_worker`): libcst's native parser
    can abort (out of memory) or take minutes on pathological input; either way the worker is killed and
    restarted, the document gets an LSTM003 diagnostic saying what happened, and the server lives on."""

    def __init__(self, timeout: float = CHECK_TIMEOUT, memory_limit: int | None = None) -> None:
        from lstmlint.subprocess_worker import Child, memory_limit_from_env

        if memory_limit is None:
            memory_limit = memory_limit_from_env("LSTMLINT_LSP_MEMORY", DEFAULT_MEMORY_LIMIT)
        self.timeout = timeout
        self.child = Child("lstmlint.lsp_worker:worker_main", memory_limit=memory_limit)

    def stop(self) -> None:
        self.child.stop()

    def check(self, text: str, path: str, folder: Path, version: int | None) -> Analysis:
        process = self.child.ensure_started()
        try:
            with self.child.deadline(self.timeout):
                _send(process.stdin, (text, path, str(folder), version))
                return _receive(process.stdout)
        except (EOFError, OSError, ValueError, pickle.UnpicklingError):
            what = self.child.describe_exit()
            self.child.stop()
            logger.warning("the analyzer %s on %s; it is restarted for the next check", what, path)
            analysis = Analysis(version, text, split_lines(text))
            analysis.findings = [_failure(path, f"the analyzer {what} on this file")]
            return analysis


def too_large_to_check(text: str, path: str, version: int | None) -> Analysis | None:
    """The CLI's size limit, applied before the text goes to the worker: a document over it gets one LSTM002
    diagnostic (when it mentions Keras at all, as in the CLI) and is not analysed."""
    from lstmlint.api import MAX_BYTES, UNREADABLE, builtin_finding, too_large

    if len(text) * 4 <= MAX_BYTES:  # cheap: no UTF-8 character takes more than 4 bytes
        return None
    message = too_large(len(text.encode("utf-8", "surrogatepass")))
    if message is None:
        return None
    analysis = Analysis(version, text, split_lines(text))
    if "keras" in text:
        analysis.findings = [builtin_finding(path, UNREADABLE, message)]
    return analysis


def _failure(path: str, what: str) -> Finding:
    from lstmlint.api import internal_failure

    return internal_failure(path, what, LOG_DETAILS)


def _folder_signature(folder: Path) -> tuple:
    """A rule folder and the modification times of its rule files: edited rules are loaded again."""
    try:
        files = sorted([*folder.glob("*.yaml"), *folder.glob("*.yml")])
        return (str(folder.resolve()), tuple((f.name, f.stat().st_mtime_ns) for f in files))
    except OSError:
        return (str(folder), ())
