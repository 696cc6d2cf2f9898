"""What the CLI, the language server and the tests call: lint a source text, lint paths, fix files. Linting
one file is :mod:`lstmlint.filelint`, fixing one :mod:`lstmlint.filefix`; this module runs many (cache, pool)."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from lstmlint.builtin_codes import INTERNAL_ERROR, SYNTAX_ERROR, UNREADABLE
from lstmlint.config import Config
from lstmlint.discover import display_path, read_regular
from lstmlint.engine.loader import Rule, builtin_rules_dir
from lstmlint.filefix import FileFix, fix_bytes, fix_file
from lstmlint.filelint import (MAX_BYTES, SHOW_TRACEBACK, FileText, Linted, analyze_and_lint, analyze_and_lint_bytes,
                               builtin_finding, enabled_rules, filter_findings, internal_error, internal_errors,
                               internal_failure, lint_bytes, lint_source, lint_text, raw_lines, to_cells, too_large,
                               with_line_texts)
from lstmlint.findings import Finding
from lstmlint.ir import Module

__all__ = ["INTERNAL_ERROR", "MAX_BYTES", "SHOW_TRACEBACK", "SYNTAX_ERROR", "UNREADABLE", "FileFix", "FileText",
           "Linted", "Result", "analyze_and_lint", "analyze_and_lint_bytes", "builtin_finding", "display_path",
           "enabled_rules", "filter_findings", "fix_bytes", "fix_file", "internal_error", "internal_errors",
           "internal_failure", "lint_bytes", "lint_paths", "lint_source", "lint_text", "open_cache", "raw_lines",
           "rules_for", "suppressed", "to_cells", "too_large", "with_line_texts"]


@dataclass
class Result:
    findings: list[Finding] = field(default_factory=list)
    files: int = 0  # files looked at
    parsed: int = 0  # files that went through the analyzer and build a recurrent layer
    modules: list[Module] = field(default_factory=list)  # kept only when asked for (runtime, explain)
    texts: dict[str, FileText] = field(default_factory=dict)  # for each kept module's file, by its path
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
    from lstmlint.cache import Cache, CacheUnusable

    root = config.root if config.source is not None else Path.cwd()
    settings = [config.select, config.ignore, config.per_file_ignores, config.target_keras]
    try:
        return Cache.open(root, settings, [builtin_rules_dir(), *config.rule_paths])
    except CacheUnusable as error:
        if warn is not None:
            warn(str(error))
    except OSError:
        pass  # a read-only tree still gets checked, just not cached
    return None


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
    for (shown, data, key), (parsed, module, findings, noqa, reach) in zip(
            todo, _analyse(todo, config, rules, jobs, keep_modules, counting)):
        result.findings.extend(findings)
        result.reach = [a + b for a, b in zip(result.reach, reach)]
        result.parsed += parsed is True
        result.skipped += parsed is None
        if module is not None:
            result.modules.append(module)
            result.texts[shown] = FileText(noqa, raw_lines(data))
        if key is not None and not internal_errors(findings):
            cache.put(key, findings, reach if counting else None)  # an internal error is never cached: the next run tries again
    result.findings.sort(key=Finding.sort_key)
    return result


def _prepare(path: Path, shown: str, result: Result, cache, coverage: bool = False
             ) -> tuple[str, bytes, str | None] | None:
    """Read one file and answer it from the cache when possible; else the (shown, data, cache key) to analyse."""
    from lstmlint.scope import may_hold_recurrent

    try:
        data = read_regular(path)
    except IsADirectoryError:
        return None
    except OSError as error:
        reason = error.strerror or str(error)
        result.findings.append(builtin_finding(shown, UNREADABLE, f"cannot read file: {reason}"))
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
    shown, data, _ = item
    return False, None, with_line_texts([internal_error(shown, error)], raw_lines(data)), None, (0, 0, 0)


def _one(item, config: Config, rules: list[Rule], keep_modules: bool, coverage: bool = False):
    """(parsed, module, findings, noqa comments, (recurrent layers found, in a model, fully known)) for one
    file: module and comments only when kept, the counts only with ``coverage``; parsed is None for a file
    outside the scope (no IR and nothing to report: a file that cannot be parsed or read has its finding, unless
    config silenced it)."""
    shown, data, _ = item
    linted = lint_bytes(data, shown, config, rules)
    parsed = True if linted.module is not None else None if not linted.findings else False
    reach = reach_counts(linted.module, config) if coverage else (0, 0, 0)
    if not keep_modules:
        return parsed, None, linted.findings, None, reach
    return parsed, linted.module, linted.findings, linted.noqa, reach


def reach_counts(module: Module | None, config: Config) -> tuple[int, int, int]:
    """(recurrent layers found, in a model, fully known) in one file's module, as --statistics sums them."""
    if module is None:
        return 0, 0, 0
    from lstmlint.explain import coverage

    counted = coverage(module, config.target_keras)
    return counted.found, counted.in_model, counted.known


def suppressed(findings: list[Finding], config: Config, texts: dict[str, FileText]) -> list[Finding]:
    """Findings made after linting (LSTM900 from the runtime checker) go through the same select/ignore,
    per-file-ignores and noqa as the static ones, and get their line's text, from ``texts`` (Result.texts):
    nothing here reads a file again."""
    kept = []
    for finding in findings:
        if finding.cell is not None:  # noqa lines of notebooks are in module coordinates: already applied
            kept.append(finding)
            continue
        text = texts.get(finding.path)
        if text is None:
            kept.extend(filter_findings([finding], {}, finding.path, config))
            continue
        if finding.line_text is None:
            with_line_texts([finding], text.lines)
        kept.extend(filter_findings([finding], text.noqa, finding.path, config))
    return sorted(kept, key=Finding.sort_key)
