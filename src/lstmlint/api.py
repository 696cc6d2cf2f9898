"""What the CLI, the language server and the tests call: lint a source text, lint paths."""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from lstmlint.bounded import kind
from lstmlint.builtin_codes import (CODES, INTERNAL_ERROR, ISSUES_URL, SYNTAX_ERROR, UNREADABLE, BuiltinCode,
                                     exception_line)
from lstmlint.config import Config
from lstmlint.engine.loader import Rule, builtin_rules_dir
from lstmlint.findings import Edit, Finding, Fix
from lstmlint.ir import Module
from lstmlint.source import DecodeError, decode, noqa_lines

# libcst parses about 8,000 lines a second: a larger file (generated code, a pasted data dump) would hold the
# whole run for minutes, so it is reported as unreadable instead of analysed. No hand-written model comes close.
MAX_BYTES = 1 << 20


@dataclass
class Result:
    findings: list[Finding] = field(default_factory=list)
    files: int = 0  # files looked at
    parsed: int = 0  # files that went through the analyzer and build a recurrent layer
    modules: list[Module] = field(default_factory=list)  # kept only when asked for (runtime, explain)
    cached: int = 0  # files answered from the cache
    skipped: int = 0  # files outside lstmlint's scope (no recurrent layer: see scope.py), mostly never parsed
    # recurrent layers found, in a model, fully known (explain.coverage), summed over the files: asked for by
    # --statistics, and kept in the cache beside each file's findings
    reach: list[int] = field(default_factory=lambda: [0, 0, 0])

    def statistics(self) -> str:
        """One line for --statistics: how many files were parsed, skipped, and could not be parsed or read."""
        unparseable = len({f.path for f in self.findings if f.rule == SYNTAX_ERROR.id})
        unreadable = len({f.path for f in self.findings if f.rule == UNREADABLE.id})
        return (f"{self.files} files: {self.parsed} parsed, {self.cached} from the cache, {self.skipped} skipped "
                f"(no recurrent layer), {unparseable} could not be parsed, {unreadable} could not be read, "
                f"{len(self.internal_errors())} failed with an internal error")

    def internal_errors(self) -> list[Finding]:
        return internal_errors(self.findings)


def rules_for(config: Config, cache=None) -> list[Rule]:
    """Built-in rules plus the config's rule-paths (raises RuleError on a bad file); with a ``cache``
    (see :func:`open_cache`), through the compiled copy in it."""
    from lstmlint.engine.loader import load_rules_cached

    return load_rules_cached([builtin_rules_dir(), *config.rule_paths], cache)


def open_cache(config: Config, warn=None):
    """The per-file findings cache for these settings (in the config's folder, else the working folder), or
    None when it cannot be used; ``warn(message)`` is told why when the reason is worth a warning (a
    ``.lstmlint_cache`` that is a symlink or not lstmlint's)."""
    from lstmlint.cache import Cache, CacheUnusable, rule_files, settings_digest

    root = config.root if config.source is not None else Path.cwd()
    settings = settings_digest([config.select, config.ignore, config.per_file_ignores, config.target_keras,
                                rule_files([builtin_rules_dir(), *config.rule_paths])])
    try:
        return Cache.open(root, settings)
    except CacheUnusable as error:
        if warn is not None:
            warn(str(error))
    except OSError:
        pass  # a read-only tree still gets checked, just not cached
    return None


def _error(path: str, code: BuiltinCode, message: str, line: int = 1, column: int = 1) -> Finding:
    return Finding(path, line, column, line, column, code.id, code.name, code.severity, message)


SHOW_TRACEBACK = "--show-traceback prints the details"


def internal_error(path: str, error: BaseException, details: str = SHOW_TRACEBACK) -> Finding:
    """LSTM003 for a file on which lstmlint raised: the exception in one line, where it was raised, a request to
    report it; the traceback travels with the finding (not in any output format) for --show-traceback."""
    import traceback

    frames = traceback.extract_tb(error.__traceback__)
    where = f" (at {Path(frames[-1].filename).name}:{frames[-1].lineno})" if frames else ""
    finding = internal_failure(path, f"{exception_line(error, 300)}{where}", details)
    finding.traceback = "".join(traceback.format_exception(type(error), error, error.__traceback__))
    return finding


def internal_errors(findings: list[Finding]) -> list[Finding]:
    """The LSTM003 findings among ``findings``: a file with one was not fully checked (nor cached, nor fixed)."""
    return [f for f in findings if f.rule == INTERNAL_ERROR.id]


def internal_failure(path: str, what: str, details: str = SHOW_TRACEBACK) -> Finding:
    """LSTM003 for a file lstmlint failed on, ``what`` saying how (an exception, a worker that died)."""
    return _error(path, INTERNAL_ERROR, f"internal error: {what}. This is a bug in lstmlint, not in this file: "
                                        f"please report it at {ISSUES_URL} ({details}).")


def lint_source(text: str, path: str, config: Config, rules: list[Rule]) -> list[Finding]:
    """Findings for one decoded source text, after select/ignore, per-file-ignores and noqa."""
    return analyze_and_lint(text, path, config, rules)[1]


def analyze_and_lint(text: str, path: str, config: Config, rules: list[Rule], *, details: str = SHOW_TRACEBACK
                     ) -> tuple[Module | None, list[Finding]]:
    """The module's IR and its findings; no IR when it does not parse or when lstmlint failed on it, and
    neither IR nor findings when it builds no recurrent layer (libcst never runs on a file whose code calls no
    recurrent class). An exception of lstmlint's own becomes an LSTM003 finding for this file alone
    (``details``: where its traceback can be seen)."""
    from lstmlint.analyze import AnalysisError, analyze_source, python_ast
    from lstmlint.scope import calls_recurrent

    module = None
    try:
        python = python_ast(text)
        if not calls_recurrent(python):
            return None, []
        module = analyze_source(text, path, python, root=config.root)
    except AnalysisError as error:
        from lstmlint.partial_parse import salvage

        return salvage(text, path, error, lambda code: analyze_and_lint(code, path, config, rules, details=details),
                       lambda found: filter_findings(found, text, path, config))
    except RecursionError:
        findings = [_error(path, SYNTAX_ERROR, "syntax error: nesting too deep to analyse")]
    except Exception as error:  # noqa: BLE001 - contained: one file never sinks a run
        return None, [internal_error(path, error, details)]
    else:
        if not module.recurrent:
            return None, []
        try:
            from lstmlint.engine.evaluate import run_rules

            findings = run_rules(module, enabled_rules(rules, config), config.target_keras)
            return module, filter_findings(findings, text, path, config)
        except Exception as error:  # noqa: BLE001 - the file was not checked: nothing downstream may use it
            return None, [internal_error(path, error, details)]
    return module, filter_findings(findings, text, path, config)


_ENABLED: list = [None, None, []]  # the last (rules, (select, ignore), enabled rules)


def enabled_rules(rules: list[Rule], config: Config) -> list[Rule]:
    """The rules the config enables, worked out once per rule list and selection rather than per file (matching
    every code against every prefix cost a seventh of a small file's parse)."""
    key = (tuple(config.select), tuple(config.ignore))
    if _ENABLED[0] is not rules or _ENABLED[1] != key:
        _ENABLED[:] = [rules, key, [r for r in rules if config.enabled(r.id)]]
    return _ENABLED[2]


def filter_findings(findings: list[Finding], text: str, path: str, config: Config) -> list[Finding]:
    from lstmlint.engine.cascade import fold

    noqa = noqa_lines(text)
    ignored = config.ignored_for(path)
    kept = []
    for finding in findings:
        builtin = CODES.get(finding.rule)
        if builtin is not None and not builtin.suppressible:  # lstmlint's failure, not a verdict on the code
            kept.append(finding)
            continue
        if not config.enabled(finding.rule) or any(finding.rule.startswith(p) for p in ignored):
            continue
        codes = noqa.get(finding.line, ...)
        if codes is None or (codes is not ... and any(finding.rule.startswith(c) for c in codes)):
            continue
        kept.append(finding)
    return fold(sorted(kept, key=Finding.sort_key))  # one root cause, one finding (after noqa: a kept blamer)


def analyze_and_lint_bytes(data: bytes, path: str, config: Config, rules: list[Rule]
                           ) -> tuple[Module | None, list[Finding]]:
    """As analyze_and_lint, from the file's bytes (prefilter, size limit, decoding, notebooks)."""
    try:
        return _analyze_and_lint_bytes(data, path, config, rules)
    except Exception as error:  # noqa: BLE001 - decoding, notebooks, cell mapping: still this file alone
        return None, [internal_error(path, error)]


def too_large(size: int) -> str | None:
    """Why a source of ``size`` bytes is not analysed (the CLI and the language server share the limit)."""
    if size <= MAX_BYTES:
        return None
    return f"file too large to analyse ({size / 1e6:.1f} MB; the limit is {MAX_BYTES / 1e6:.1f} MB)"


def _analyze_and_lint_bytes(data: bytes, path: str, config: Config, rules: list[Rule]
                            ) -> tuple[Module | None, list[Finding]]:
    from lstmlint.scope import may_hold_recurrent

    if not may_hold_recurrent(data, path.endswith(".ipynb")):
        return None, []
    if path.endswith(".ipynb"):
        return _lint_notebook(data, path, config, rules)
    message = too_large(len(data))
    if message is not None:
        return None, filter_findings([_error(path, UNREADABLE, message)], "", path, config)
    try:
        source = decode(data, path)
    except DecodeError as error:
        return None, filter_findings([_error(path, UNREADABLE, error.message, error.line)], "", path, config)
    return analyze_and_lint(source.text, path, config, rules)


def _lint_notebook(data: bytes, path: str, config: Config, rules: list[Rule]) -> tuple[Module | None, list[Finding]]:
    from lstmlint import notebook

    try:
        book = notebook.load(data, path)
    except DecodeError as error:
        return None, filter_findings([_error(path, UNREADABLE, error.message, error.line)], "", path, config)
    message = notebook.too_large(book, data)  # the code cells are weighed, not the saved outputs
    if message is not None:
        return None, filter_findings([_error(path, UNREADABLE, message)], "", path, config)
    module, findings = analyze_and_lint(book.text, path, config, rules)
    if any(f.rule == SYNTAX_ERROR.id for f in findings):
        module, findings = notebook.lint_cells(book, findings, lambda code: analyze_and_lint(code, path, config, rules),
                                               lambda found: filter_findings(found, book.text, path, config))
    # an internal error is about the whole file: it stays at the notebook's first line, outside any cell
    return module, [f if f.rule == INTERNAL_ERROR.id else to_cells(f, book) for f in findings]


def to_cells(finding: Finding, book) -> Finding:
    """Module positions -> notebook cell and line in the cell (JSON and text output carry the cell)."""
    if book.shift(finding.line) or book.shift(finding.end_line):  # a dedented cell: columns as the user sees them
        finding.column, finding.end_column = finding.column + book.shift(finding.line), \
            finding.end_column + book.shift(finding.end_line)
        finding.fix = None
    cell, line = book.locate(finding.line)
    end_cell, end_line = book.locate(finding.end_line)
    finding.message = cite_cells(finding.message, finding.line_refs, cell, book)
    for note in finding.notes:  # folded findings: in the same coordinates as the finding they are folded into
        note.cell, note.line = book.locate(note.line)
        note.end_line = book.locate(note.end_line)[1]
    finding.cell = cell
    finding.line = line
    finding.end_line, finding.end_column = (end_line, finding.end_column) if end_cell == cell else (
        line, finding.column)
    if finding.fix is not None and not _fits_cells(finding.fix):
        finding.fix = None
    if finding.fix is not None:
        edits = []
        for edit in finding.fix.edits:
            (start_cell, start), (stop_cell, stop) = book.locate(edit.line), book.locate(edit.end_line)
            if start_cell != cell or stop_cell != cell:
                finding.fix = None  # an edit across cells cannot be told in cell coordinates
                return finding
            edits.append(Edit(start, edit.column, stop, edit.end_column, edit.content))
        finding.fix = Fix(finding.fix.description, finding.fix.applicability, edits)
    return finding


def cite_cells(message: str, refs: tuple[int, ...], cell: int, book) -> str:
    """The lines a message cites (``line 8`` of the module) as the finding's own position counts them: ``line 3``
    in the same cell, ``cell 1, line 3`` in another."""
    import re

    todo = list(refs)

    def place(match: re.Match) -> str:
        if not todo or int(match.group(1)) != todo[0]:
            return match.group(0)
        where, line = book.locate(todo.pop(0))
        return f"line {line}" if where == cell else f"cell {where}, line {line}"

    return re.sub(r"\bline (\d+)\b", place, message) if refs else message


def _fits_cells(fix: Fix) -> bool:
    """A fix that adds or removes lines would shift every later cell of a notebook: not offered there."""
    from lstmlint.lines import LINE_BREAK

    return not any(LINE_BREAK.search(e.content) or e.line != e.end_line for e in fix.edits)


@dataclass
class FileFix:
    path: Path
    shown: str
    before: bytes
    after: bytes
    applied: int
    remaining: list[Finding]  # on ``after``
    refusals: list[tuple[Finding, str]] = field(default_factory=list)  # fixes not applied, and why
    initial: list[Finding] = field(default_factory=list)  # on ``before``: what stays if ``after`` is not written

    @property
    def refused(self) -> bool:
        return bool(self.refusals)


def fix_file(path: Path, config: Config, rules: list[Rule], unsafe: bool = False) -> FileFix | None:
    """The fixed bytes of one file (None when it builds no recurrent layer or cannot be read)."""
    try:
        data = _read_regular(path)
    except OSError:
        return None
    return fix_bytes(data, path, config, rules, unsafe)


def fix_bytes(data: bytes, path: Path, config: Config, rules: list[Rule], unsafe: bool = False) -> FileFix | None:
    """The fixed bytes of a file's content ``data`` (None when it names no recurrent layer or cannot be decoded).
    Every fix is proven (:func:`lstmlint.fix.fix_text`); the bytes must decode back to the fixed text."""
    import copy

    from lstmlint import notebook
    from lstmlint.analyze import AnalysisError, analyze_source
    from lstmlint.fix import fix_text
    from lstmlint.scope import may_hold_recurrent

    shown = display_path(path)
    if not may_hold_recurrent(data, shown.endswith(".ipynb")) or len(data) > notebook.MAX_JSON_BYTES or (
            len(data) > MAX_BYTES and not shown.endswith(".ipynb")):
        return None  # the caller lints it instead, which reports why it was not analysed
    book = None
    try:
        if shown.endswith(".ipynb"):
            book = notebook.load(data, shown)
            text = book.text
            if notebook.too_large(book, data) is not None:
                return None
        else:
            source = decode(data, shown)
            text = source.text
    except DecodeError:
        return None

    newline = "\n" if book is not None else source.newline

    def lint(code: str) -> list[Finding]:
        findings = analyze_and_lint(code, shown, config, rules)[1]
        for finding in findings:
            if finding.fix is None:
                continue
            if book is not None and not _fits_cells(finding.fix):
                finding.fix = None
            elif newline != "\n":
                finding.fix.edits = [Edit(e.line, e.column, e.end_line, e.end_column,
                                          e.content.replace("\n", newline)) for e in finding.fix.edits]
        return findings

    def compiles(code: str) -> bool:
        import warnings

        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # SyntaxWarnings about the user's code are not ours to print
            try:
                compile(code, shown, "exec", dont_inherit=True)
            except (SyntaxError, ValueError, RecursionError, MemoryError):
                return False
        return True

    strict = compiles(text)  # top-level `await` in a notebook never compiles: then libcst alone decides

    def parses(code: str) -> bool:
        """libcst's grammar accepts it, and so does CPython's compiler where it accepted the original (it
        also rejects what the grammar allows, such as a repeated keyword argument)."""
        try:
            analyze_source(code, shown)
        except (AnalysisError, RecursionError):
            return False
        return compiles(code) or not strict

    outcome = fix_text(text, lint, parses, unsafe)

    def place(finding: Finding) -> Finding:
        return to_cells(copy.copy(finding), book) if book is not None else finding

    refusals = [(place(r.finding), r.reason) for r in outcome.refusals]
    initial = [place(f) for f in outcome.initial]
    after = data
    if outcome.applied:
        try:
            after = _encode_fixed(outcome.text, book, source if book is None else None)
        except ValueError as error:  # the bytes would not read back as the fixed code: write nothing
            refusals.extend((place(f), str(error)) for f in outcome.applied)
            return FileFix(path, shown, data, data, 0, initial, refusals, initial)
    remaining = [place(f) for f in outcome.remaining] if after != data else initial
    return FileFix(path, shown, data, after, len(outcome.applied), remaining, refusals, initial)


def _encode_fixed(text: str, book, source) -> bytes:
    """The file's bytes for the fixed text, checked to read back as exactly that text (ValueError if not)."""
    from lstmlint import notebook

    if book is not None:
        try:
            data = book.with_module(text).encode("utf-8")
        except notebook.CellMapError as error:
            raise ValueError(f"the fix does not map back onto the notebook's cells ({error})") from None
        if notebook.load(data, book.path).text != text:
            raise ValueError("the fixed notebook does not read back as the fixed code")
        return data
    try:
        data = source.encode(text)
    except UnicodeEncodeError:
        raise ValueError(f"the fixed code cannot be written in the file's encoding ({source.encoding})") from None
    if decode(data, source.path).text != text:
        raise ValueError("the fixed file does not read back as the fixed code")
    return data


def lint_paths(paths: list[Path], config: Config, rules: list[Rule] | None = None,
               keep_modules: bool = False, jobs: int = 1, cache=None, coverage: bool = False) -> Result:
    """Lint files and folders: prefilter by bytes, answer from the cache where it can, analyse the rest in
    ``jobs`` processes. Findings come back in a stable order whatever ``jobs`` is."""
    from lstmlint.discover import iter_files

    rules = rules_for(config) if rules is None else rules
    result = Result()
    todo: list[tuple[str, bytes, str | None]] = []
    for path in iter_files(paths, config.exclude, config.root):
        result.files += 1
        shown = display_path(path)
        try:
            item = _prepare(path, shown, result, cache if not keep_modules else None, coverage)
        except Exception as error:  # noqa: BLE001 - contained to this file
            result.findings.append(internal_error(shown, error))
            continue
        if item is not None:
            todo.append(item)
    # the counts are worked out whenever a cache is written too, so that its entries can answer --statistics
    counting = coverage or (cache is not None and not keep_modules)
    for (shown, _, key), (parsed, module, findings, reach) in zip(
            todo, _analyse(todo, config, rules, jobs, keep_modules, counting)):
        result.findings.extend(findings)
        result.reach = [a + b for a, b in zip(result.reach, reach)]
        result.parsed += parsed is True
        result.skipped += parsed is None
        if module is not None:
            result.modules.append(module)
        if key is not None and not internal_errors(findings):
            cache.put(key, findings, reach if counting else None)  # an internal error is never cached: the next run tries again
    result.findings.sort(key=Finding.sort_key)
    return result


def _prepare(path: Path, shown: str, result: Result, cache, coverage: bool = False
             ) -> tuple[str, bytes, str | None] | None:
    """Read one file and answer it from the cache when possible; else the (shown, data, cache key) to analyse."""
    from lstmlint.scope import may_hold_recurrent

    try:
        data = _read_regular(path)
    except IsADirectoryError:
        return None
    except OSError as error:
        reason = error.strerror or str(error)
        result.findings.append(_error(shown, UNREADABLE, f"cannot read file: {reason}"))
        return None
    if not may_hold_recurrent(data, shown.endswith(".ipynb")):
        result.skipped += 1
        return None
    key = None
    if cache is not None:
        key = cache.key(path, shown, data)
        hit = cache.get(key, coverage)
        if hit is not None:
            findings, reach = hit
            result.findings.extend(findings)
            result.reach = [a + b for a, b in zip(result.reach, reach)]
            result.cached += 1
            return None
    return shown, data, key


def _read_regular(path: Path) -> bytes:
    """The file's bytes; a FIFO, socket or device is refused (reading a FIFO with no writer blocks forever)."""
    import stat

    mode = path.stat().st_mode
    if stat.S_ISDIR(mode):
        raise IsADirectoryError(path)
    if not stat.S_ISREG(mode):
        raise OSError(f"not a regular file ({kind(mode)})")
    return path.read_bytes()


# Below this many files a process pool costs more than it saves.
_POOL_THRESHOLD = 8


def _analyse(todo, config: Config, rules: list[Rule], jobs: int, keep_modules: bool, coverage: bool = False):
    if jobs <= 1 or len(todo) < _POOL_THRESHOLD:
        return [_one(item, config, rules, keep_modules, coverage) for item in todo]
    from lstmlint.pool import map_contained, preload

    # imported once here, before the workers fork, instead of once in each of them
    preload("lstmlint.analyze.analyzer", "lstmlint.analyze.cst_parse", "lstmlint.engine.evaluate")
    return map_contained(_worker_chunk, todo, jobs, _worker_init, (config, rules, keep_modules, coverage), _crashed)


_WORKER: dict = {}  # the settings of a pool worker process, set once by its initializer


def _worker_init(config: Config, rules: list[Rule], keep_modules: bool, coverage: bool = False) -> None:
    _WORKER.update(config=config, rules=rules, keep_modules=keep_modules, coverage=coverage)


def _worker_chunk(items):
    return [_one(item, _WORKER["config"], _WORKER["rules"], _WORKER["keep_modules"], _WORKER["coverage"])
            for item in items]


def _crashed(item, error: BaseException):
    """The result for a file whose analysis killed its worker process."""
    return False, None, [internal_error(item[0], error)], (0, 0, 0)


def _one(item, config: Config, rules: list[Rule], keep_modules: bool, coverage: bool = False):
    """(parsed, module when kept, findings, (recurrent layers found, in a model, fully known) when ``coverage``)
    for one file; parsed is None for a file outside the scope (no IR and
    nothing to report: a file that cannot be parsed or read has its finding, unless config silenced it)."""
    shown, data, _ = item
    module, findings = analyze_and_lint_bytes(data, shown, config, rules)
    parsed = True if module is not None else None if not findings else False
    reach = reach_counts(module, config) if coverage else (0, 0, 0)
    return parsed, module if keep_modules else None, findings, reach


def reach_counts(module: Module | None, config: Config) -> tuple[int, int, int]:
    """(recurrent layers found, in a model, fully known) in one file's module, as --statistics sums them."""
    if module is None:
        return 0, 0, 0
    from lstmlint.explain import coverage

    counted = coverage(module, config.target_keras)
    return counted.found, counted.in_model, counted.known


def suppressed(findings: list[Finding], config: Config) -> list[Finding]:
    """Findings made after linting (LSTM900 from the runtime checker) go through the same select/ignore,
    per-file-ignores and noqa as the static ones; each file's text is read once for its noqa comments."""
    texts: dict[str, str] = {}
    kept = []
    for finding in findings:
        if finding.path not in texts:
            try:
                data = Path(finding.path).read_bytes()
                texts[finding.path] = notebook_or_source_text(data, finding.path)
            except (OSError, DecodeError):
                texts[finding.path] = ""
        if finding.cell is not None:  # noqa lines of notebooks are in module coordinates: already applied
            kept.append(finding)
            continue
        kept.extend(filter_findings([finding], texts[finding.path], finding.path, config))
    return sorted(kept, key=Finding.sort_key)


def notebook_or_source_text(data: bytes, path: str) -> str:
    if path.endswith(".ipynb"):
        from lstmlint import notebook

        return notebook.load(data, path).text
    return decode(data, path).text


def display_path(path: Path) -> str:
    """Paths relative to the working directory when below it, as ruff prints them."""
    import os

    try:
        # the folder resolved, the name kept: a symlinked (or dangling) file is reported under its own name
        if path.name in ("", ".."):
            full = _resolved(os.path.abspath(path))
        else:
            full = _resolved(os.path.abspath(path.parent)) / path.name
        return full.relative_to(_resolved(os.getcwd())).as_posix()
    except (ValueError, OSError, RuntimeError):  # RuntimeError: a symlink loop (Python < 3.13)
        return path.as_posix()


@lru_cache(maxsize=4096)
def _resolved(folder: str) -> Path:
    """An absolute folder with its links resolved: every file of a folder (and the working folder, for every
    file) would otherwise walk the same links again."""
    return Path(folder).resolve()
