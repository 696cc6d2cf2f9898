"""What the CLI, the language server and the tests call: lint a source text, lint paths."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from lstmlint.config import Config
from lstmlint.engine.loader import Rule, builtin_rules_dir
from lstmlint.findings import Edit, Finding, Fix
from lstmlint.ir import Module
from lstmlint.source import DecodeError, decode, noqa_lines

SYNTAX_ERROR = ("LSTM001", "syntax-error")
UNREADABLE = ("LSTM002", "unreadable-file")
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

    def statistics(self) -> str:
        """One line for --statistics: how many files were parsed, skipped, and could not be parsed or read."""
        unparseable = len({f.path for f in self.findings if f.rule == SYNTAX_ERROR[0]})
        unreadable = len({f.path for f in self.findings if f.rule == UNREADABLE[0]})
        return (f"{self.files} files: {self.parsed} parsed, {self.cached} from the cache, {self.skipped} skipped "
                f"(no recurrent layer), {unparseable} could not be parsed, {unreadable} could not be read")


def rules_for(config: Config, cache_root: Path | None = None) -> list[Rule]:
    """Built-in rules plus the config's rule-paths (raises RuleError on a bad file); with ``cache_root``,
    through the compiled copy in the cache."""
    from lstmlint.engine.loader import load_rules_cached

    return load_rules_cached([builtin_rules_dir(), *config.rule_paths], cache_root)


def open_cache(config: Config):
    """The per-file findings cache for these settings (in the config's folder, else the working folder)."""
    from lstmlint.cache import Cache, ensure_folder, rule_files, settings_digest

    root = config.root if config.source is not None else Path.cwd()
    try:
        ensure_folder(root)
    except OSError:
        return None
    settings = settings_digest([config.select, config.ignore, config.per_file_ignores, config.target_keras,
                                rule_files([builtin_rules_dir(), *config.rule_paths])])
    return Cache(root, settings)


def _error(path: str, code: tuple[str, str], message: str, line: int = 1, column: int = 1) -> Finding:
    return Finding(path, line, column, line, column, code[0], code[1], "error", message)


def lint_source(text: str, path: str, config: Config, rules: list[Rule]) -> list[Finding]:
    """Findings for one decoded source text, after select/ignore, per-file-ignores and noqa."""
    return analyze_and_lint(text, path, config, rules)[1]


def analyze_and_lint(text: str, path: str, config: Config, rules: list[Rule]) -> tuple[Module | None, list[Finding]]:
    """The module's IR and its findings; no IR when it does not parse, and neither IR nor findings when it
    builds no recurrent layer (libcst never runs on a file whose code calls no recurrent class)."""
    from lstmlint.analyze import AnalysisError, analyze_source, python_ast
    from lstmlint.scope import calls_recurrent

    module = None
    try:
        python = python_ast(text)
        if not calls_recurrent(python):
            return None, []
        module = analyze_source(text, path, python)
    except AnalysisError as error:
        findings = [_error(path, SYNTAX_ERROR, error.message, error.line, error.column)]
    except RecursionError:
        findings = [_error(path, SYNTAX_ERROR, "syntax error: nesting too deep to analyse")]
    else:
        if not module.recurrent:
            return None, []
        from lstmlint.engine.evaluate import run_rules

        findings = run_rules(module, enabled_rules(rules, config), config.target_keras)
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
    noqa = noqa_lines(text)
    ignored = config.ignored_for(path)
    kept = []
    for finding in findings:
        if not config.enabled(finding.rule) or any(finding.rule.startswith(p) for p in ignored):
            continue
        codes = noqa.get(finding.line, ...)
        if codes is None or (codes is not ... and any(finding.rule.startswith(c) for c in codes)):
            continue
        kept.append(finding)
    return sorted(kept, key=Finding.sort_key)


def analyze_and_lint_bytes(data: bytes, path: str, config: Config, rules: list[Rule]
                           ) -> tuple[Module | None, list[Finding]]:
    from lstmlint.scope import may_hold_recurrent

    if not may_hold_recurrent(data, path.endswith(".ipynb")):
        return None, []
    if len(data) > MAX_BYTES:
        message = f"file too large to analyse ({len(data) / 1e6:.1f} MB; the limit is {MAX_BYTES / 1e6:.1f} MB)"
        return None, filter_findings([_error(path, UNREADABLE, message)], "", path, config)
    if path.endswith(".ipynb"):
        return _lint_notebook(data, path, config, rules)
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
    module, findings = analyze_and_lint(book.text, path, config, rules)
    return module, [to_cells(finding, book) for finding in findings]


def to_cells(finding: Finding, book) -> Finding:
    """Module positions -> notebook cell and line in the cell (JSON and text output carry the cell)."""
    cell, line = book.locate(finding.line)
    end_cell, end_line = book.locate(finding.end_line)
    finding.cell = cell
    finding.line = line
    finding.end_line, finding.end_column = (end_line, finding.end_column) if end_cell == cell else (
        line, finding.column)
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


@dataclass
class FileFix:
    path: Path
    shown: str
    before: bytes
    after: bytes
    applied: int
    remaining: list[Finding]
    refused: bool = False


def fix_file(path: Path, config: Config, rules: list[Rule], unsafe: bool = False) -> FileFix | None:
    """The fixed bytes of one file (None when it has no Keras code or cannot be read)."""
    from lstmlint import notebook
    from lstmlint.analyze import AnalysisError, analyze_source
    from lstmlint.fix import fix_text
    from lstmlint.scope import may_hold_recurrent

    shown = display_path(path)
    try:
        data = _read_regular(path)
    except OSError:
        return None
    if not may_hold_recurrent(data, shown.endswith(".ipynb")) or len(data) > MAX_BYTES:
        return None  # the caller lints it instead, which reports why it was not analysed
    book = None
    try:
        if shown.endswith(".ipynb"):
            book = notebook.load(data, shown)
            text = book.text
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
            if book is not None and any("\n" in e.content for e in finding.fix.edits):
                finding.fix = None  # a fix that adds lines would shift the notebook's cells
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
    if book is not None:
        after = book.with_module(outcome.text).encode("utf-8") if outcome.applied else data
        remaining = [to_cells(f, book) for f in outcome.remaining]
    else:
        after = source.encode(outcome.text) if outcome.applied else data
        remaining = outcome.remaining
    return FileFix(path, shown, data, after, len(outcome.applied), remaining, outcome.refused)


def lint_paths(paths: list[Path], config: Config, rules: list[Rule] | None = None,
               keep_modules: bool = False, jobs: int = 1, cache=None) -> Result:
    """Lint files and folders: prefilter by bytes, answer from the cache where it can, analyse the rest in
    ``jobs`` processes. Findings come back in a stable order whatever ``jobs`` is."""
    from lstmlint.discover import iter_files
    from lstmlint.scope import may_hold_recurrent

    rules = rules_for(config) if rules is None else rules
    result = Result()
    todo: list[tuple[str, bytes, str | None]] = []
    for path in iter_files(paths, config.exclude, config.root):
        result.files += 1
        shown = display_path(path)
        try:
            data = _read_regular(path)
        except IsADirectoryError:
            continue
        except OSError as error:
            reason = error.strerror or str(error)
            result.findings.append(_error(shown, UNREADABLE, f"cannot read file: {reason}"))
            continue
        if not may_hold_recurrent(data, shown.endswith(".ipynb")):
            result.skipped += 1
            continue
        key = None
        if cache is not None and not keep_modules:
            key = cache.key(shown, data)
            hit = cache.get(key)
            if hit is not None:
                result.findings.extend(hit)
                result.cached += 1
                continue
        todo.append((shown, data, key))
    for (shown, _, key), (parsed, module, findings) in zip(todo, _analyse(todo, config, rules, jobs, keep_modules)):
        result.findings.extend(findings)
        result.parsed += parsed is True
        result.skipped += parsed is None
        if module is not None:
            result.modules.append(module)
        if key is not None:
            cache.put(key, findings)
    result.findings.sort(key=Finding.sort_key)
    return result


def _read_regular(path: Path) -> bytes:
    """The file's bytes; a FIFO, socket or device is refused (reading a FIFO with no writer blocks forever)."""
    import stat

    mode = path.stat().st_mode
    if stat.S_ISDIR(mode):
        raise IsADirectoryError(path)
    if not stat.S_ISREG(mode):
        raise OSError(f"not a regular file ({_kind(mode)})")
    return path.read_bytes()


def _kind(mode: int) -> str:
    import stat

    for test, name in ((stat.S_ISFIFO, "a FIFO"), (stat.S_ISSOCK, "a socket"), (stat.S_ISCHR, "a character device"),
                       (stat.S_ISBLK, "a block device")):
        if test(mode):
            return name
    return "a special file"


# Below this many files a process pool costs more than it saves.
_POOL_THRESHOLD = 8


def _analyse(todo, config: Config, rules: list[Rule], jobs: int, keep_modules: bool):
    if jobs <= 1 or len(todo) < _POOL_THRESHOLD:
        return [_one(item, config, rules, keep_modules) for item in todo]
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    method = "fork" if "fork" in multiprocessing.get_all_start_methods() else "spawn"
    workers = min(jobs, len(todo))
    chunk = max(1, len(todo) // (workers * 8))
    with ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context(method),
                             initializer=_worker_init, initargs=(config, rules, keep_modules)) as pool:
        return list(pool.map(_worker_one, todo, chunksize=chunk))


_WORKER: dict = {}  # the settings of a pool worker process, set once by its initializer


def _worker_init(config: Config, rules: list[Rule], keep_modules: bool) -> None:
    _WORKER.update(config=config, rules=rules, keep_modules=keep_modules)


def _worker_one(item):
    return _one(item, _WORKER["config"], _WORKER["rules"], _WORKER["keep_modules"])


def _one(item, config: Config, rules: list[Rule], keep_modules: bool):
    """(parsed, module when kept, findings) for one file; parsed is None for a file outside the scope (no IR and
    nothing to report: a file that cannot be parsed or read has its finding, unless config silenced it)."""
    shown, data, _ = item
    module, findings = analyze_and_lint_bytes(data, shown, config, rules)
    parsed = True if module is not None else None if not findings else False
    return parsed, module if keep_modules else None, findings


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
    try:
        # the folder resolved, the name kept: a symlinked (or dangling) file is reported under its own name
        full = _resolved(path.parent) / path.name if path.name not in ("", "..") else path.resolve()
        return full.relative_to(_resolved(Path.cwd())).as_posix()
    except (ValueError, OSError, RuntimeError):  # RuntimeError: a symlink loop (Python < 3.13)
        return path.as_posix()


_RESOLVED: dict[tuple[str, str], Path] = {}


def _resolved(folder: Path) -> Path:
    """``folder.resolve()``, once per folder and working directory: resolving walks every component with a
    system call, and a tree's files share their folders."""
    import os

    key = (str(folder), os.getcwd())
    found = _RESOLVED.get(key)
    if found is None:
        found = _RESOLVED[key] = folder.resolve()
    return found
