"""The ``lstmlint`` command: thin wrappers that parse options, call :mod:`lstmlint.api`, pick a reporter."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from lstmlint import __version__

EXIT_CLEAN, EXIT_FINDINGS, EXIT_ERROR = 0, 1, 2
FORMATS = ("text", "json")
CHECK_FORMATS = ("text", "json", "sarif", "github")


class UsageError(click.ClickException):
    """Configuration and rule-file errors: exit 2, like click's own usage errors (and ruff)."""

    exit_code = EXIT_ERROR


def _codes(value: str | None) -> list[str] | None:
    if value is None:
        return None
    return [c.strip().upper() for c in value.split(",") if c.strip()]


def _load(config_path: Path | None, select, ignore, extend_select, target_keras):
    from lstmlint.config import ConfigError, load_config, parse_target

    try:
        config = load_config(config_path)
        if select is not None:
            config.select = select
        if extend_select:
            config.select = [*config.select, *extend_select]
        if ignore is not None:
            config.ignore = [*config.ignore, *ignore]
        if target_keras is not None:
            config.target_keras = parse_target(target_keras)
    except ConfigError as error:
        raise UsageError(f"configuration error: {error}") from None
    return config


def _rules(config, cache=None):
    from lstmlint.api import rules_for
    from lstmlint.engine.loader import RuleError

    try:
        return rules_for(config, cache.folder.parent.parent if cache is not None else None)
    except RuleError as error:
        raise UsageError(f"invalid rule file: {error}") from None


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="lstmlint")
def main() -> None:
    """Find the ways Keras recurrent layers (LSTM, GRU, SimpleRNN…) get misconfigured, before anything runs."""


@main.command()
@click.argument("paths", nargs=-1, type=click.Path(path_type=Path))
@click.option("--format", "output_format", type=click.Choice(CHECK_FORMATS), default="text", show_default=True)
@click.option("--select", help="Comma-separated rule codes or prefixes to enable (e.g. LSTM1,LSTM201).")
@click.option("--extend-select", help="Codes or prefixes to enable on top of the configured ones.")
@click.option("--ignore", help="Comma-separated rule codes or prefixes to disable.")
@click.option("--target-keras", type=click.Choice(["2", "3"]), help="Keras major version the code targets [default: 3].")
@click.option("--config", "config_path", type=click.Path(path_type=Path, dir_okay=False),
              help="Read settings from this TOML file instead of the nearest pyproject.toml.")
@click.option("--stdin-filename", help="The name to report for code read from stdin (`-`).")
@click.option("--exit-zero", is_flag=True, help="Exit 0 even when there are findings.")
@click.option("--runtime/--no-runtime", default=False,
              help="Rebuild each fully known model in real Keras (in a worker process) to confirm or refute findings.")
@click.option("--runtime-timeout", type=float, default=20.0, show_default=True, help="Seconds per model.")
@click.option("--jobs", "-j", type=click.IntRange(min=1), default=None,
              help="Processes to analyse files in [default: the CPU count].")
@click.option("--no-cache", is_flag=True, help="Neither read nor write the .lstmlint_cache folder.")
@click.option("--fix", "apply_fixes", is_flag=True, help="Apply fixes in place (safe ones; see --unsafe-fixes).")
@click.option("--diff", "show_diff", is_flag=True, help="Print the fixes as a unified diff; write nothing.")
@click.option("--unsafe-fixes", is_flag=True, help="Also apply fixes marked unsafe.")
@click.option("--statistics", is_flag=True,
              help="Print on stderr how many files were parsed, skipped and could not be parsed or read.")
def check(paths, output_format, select, extend_select, ignore, target_keras, config_path, stdin_filename,
          exit_zero, runtime, runtime_timeout, jobs, no_cache, apply_fixes, show_diff, unsafe_fixes,
          statistics) -> None:
    """Check files and folders (default: the current folder). `-` reads stdin."""
    config = _load(config_path, _codes(select), _codes(ignore), _codes(extend_select), target_keras)
    cache = None
    if not no_cache and not runtime and not (apply_fixes or show_diff):
        from lstmlint.api import open_cache

        cache = open_cache(config)
    rules = _rules(config, cache)
    if apply_fixes or show_diff:
        _fix(paths, config, rules, unsafe_fixes, write=not show_diff, output_format=output_format,
             exit_zero=exit_zero)
    result, missing = _lint(paths, config, rules, stdin_filename, keep_modules=runtime, jobs=_jobs(jobs),
                            cache=cache)
    if runtime:
        from lstmlint.runtime.checker import apply_runtime

        by_id = {r.id: r for r in rules}
        result.findings, _ = apply_runtime(result.modules, result.findings, by_id, config.target_keras,
                                           timeout=runtime_timeout, progress=sys.stderr.isatty())
        from lstmlint.api import suppressed

        result.findings = suppressed(result.findings, config)
    click.echo(_render(output_format, result, rules), nl=False)
    if statistics:
        click.echo(result.statistics(), err=True)
    if missing:
        sys.exit(EXIT_ERROR)
    sys.exit(EXIT_FINDINGS if result.findings and not exit_zero else EXIT_CLEAN)


def _fix(paths, config, rules, unsafe: bool, write: bool, output_format: str, exit_zero: bool):
    """--fix writes fixed files and reports what is left; --diff shows the fixes and writes nothing."""
    import difflib

    from lstmlint import api
    from lstmlint.discover import iter_files
    from lstmlint.fix import write_atomic

    paths = list(paths) or [Path(".")]
    if any(str(p) == "-" for p in paths):
        raise UsageError("--fix and --diff work on files, not on stdin")
    missing = [p for p in paths if not p.exists()]
    for path in missing:
        click.echo(f"lstmlint: error: {path}: no such file or directory", err=True)
    result = api.Result()
    fixed = 0
    changed = 0
    failed: list[Path] = []
    for path in iter_files([p for p in paths if p not in missing], config.exclude, config.root):
        result.files += 1
        outcome = api.fix_file(path, config, rules, unsafe)
        if outcome is None:
            result.findings.extend(api.lint_paths([path], config, rules).findings)
            continue
        if outcome.refused:
            click.echo(f"lstmlint: error: {outcome.shown}: a fix would leave code that does not parse; "
                       "that fix was not applied", err=True)
        result.findings.extend(outcome.remaining)
        if outcome.after == outcome.before:
            continue
        changed += 1
        fixed += outcome.applied
        if write:
            try:
                write_atomic(path, outcome.after)
            except OSError as error:  # a full disk, a read-only folder: the original is intact, say so
                click.echo(f"lstmlint: error: {outcome.shown}: cannot write the fix: {error.strerror or error}; "
                           "the file is unchanged", err=True)
                failed.append(path)
                changed -= 1
                fixed -= outcome.applied
                continue
        else:
            before = outcome.before.decode("utf-8", "replace").splitlines(keepends=True)
            after = outcome.after.decode("utf-8", "replace").splitlines(keepends=True)
            click.echo("".join(difflib.unified_diff(before, after, f"a/{outcome.shown}", f"b/{outcome.shown}")),
                       nl=False)
    result.findings.sort(key=lambda f: f.sort_key())
    if write:
        click.echo(_render(output_format, result, rules), nl=False)
        if output_format == "text":
            click.echo(f"Fixed {fixed} finding{'s' if fixed != 1 else ''} in {changed} file"
                       f"{'s' if changed != 1 else ''}.")
        code = EXIT_FINDINGS if result.findings and not exit_zero else EXIT_CLEAN
    else:
        code = EXIT_FINDINGS if changed and not exit_zero else EXIT_CLEAN
    sys.exit(EXIT_ERROR if missing or failed else code)


def _jobs(jobs: int | None) -> int:
    """--jobs, else the CPUs this process may run on."""
    import os

    if jobs:
        return jobs
    if hasattr(os, "sched_getaffinity"):
        return len(os.sched_getaffinity(0))
    return os.cpu_count() or 1


def _lint(paths, config, rules, stdin_filename, keep_modules: bool, jobs: int = 1, cache=None):
    """Lint paths (and stdin for `-`); report missing paths on stderr."""
    from lstmlint import api

    paths = list(paths) or [Path(".")]
    result = api.Result()
    if any(str(p) == "-" for p in paths):
        data = sys.stdin.buffer.read()
        module, findings = api.analyze_and_lint_bytes(data, stdin_filename or "-", config, rules)
        result.findings.extend(findings)
        result.files += 1
        result.parsed += module is not None
        if module is not None and keep_modules:
            result.modules.append(module)
        paths = [p for p in paths if str(p) != "-"]
    missing = [p for p in paths if not p.exists() and not p.is_symlink()]
    for path in missing:
        click.echo(f"lstmlint: error: {path}: no such file or directory", err=True)
    if paths:
        found = api.lint_paths([p for p in paths if p not in missing], config, rules, keep_modules=keep_modules,
                               jobs=jobs, cache=cache)
        result.findings.extend(found.findings)
        result.modules.extend(found.modules)
        result.files += found.files
        result.parsed += found.parsed
        result.cached += found.cached
        result.skipped += found.skipped
    result.findings.sort(key=lambda f: f.sort_key())
    return result, missing


@main.command()
@click.argument("paths", nargs=-1, type=click.Path(path_type=Path))
@click.option("--format", "output_format", type=click.Choice(FORMATS), default="text", show_default=True)
@click.option("--runtime/--no-runtime", default=False, help="Add the shapes and parameters Keras itself computes.")
@click.option("--runtime-timeout", type=float, default=20.0, show_default=True, help="Seconds per model.")
@click.option("--target-keras", type=click.Choice(["2", "3"]), help="Keras major version the code targets [default: 3].")
@click.option("--config", "config_path", type=click.Path(path_type=Path, dir_okay=False))
@click.option("--stdin-filename", help="The name to report for code read from stdin (`-`).")
def explain(paths, output_format, runtime, runtime_timeout, target_keras, config_path, stdin_filename) -> None:
    """Per model: output shapes, parameter counts and a plain reading of each recurrent layer."""
    import json

    from lstmlint.explain import explain_module, render_text

    config = _load(config_path, None, None, None, target_keras)
    rules = _rules(config)
    result, missing = _lint(paths, config, rules, stdin_filename, keep_modules=True)
    reports = []
    keras_results = {}
    if runtime:
        from lstmlint.runtime.checker import apply_runtime

        result.findings, keras_results = apply_runtime(result.modules, result.findings, {r.id: r for r in rules},
                                                       config.target_keras, timeout=runtime_timeout,
                                                       progress=sys.stderr.isatty())
    for module in result.modules:
        findings = [f for f in result.findings if f.path == module.path]
        for index, report in enumerate(explain_module(module, findings, config.target_keras)):
            if runtime:
                outcome = keras_results.get((module.path, index))
                report.runtime = _runtime_json(outcome)
            reports.append(report)
    if output_format == "json":
        click.echo(json.dumps([r.to_json() for r in reports], indent=2))
    else:
        click.echo(render_text(reports), nl=False)
    sys.exit(EXIT_ERROR if missing else EXIT_CLEAN)


def _runtime_json(outcome) -> dict:
    if outcome is None or outcome.status == "unchecked":
        reason = outcome.reason if outcome is not None else "model not checked"
        return {"built": False, "error": reason, "output_shape": None, "total_params": None}
    return {"built": outcome.built, "error": outcome.error, "output_shape": outcome.output_shape,
            "total_params": outcome.total_params}


def _render(output_format: str, result, rules) -> str:
    """Reporters are modules of lstmlint.report with ``render(findings, files, rules) -> str``."""
    import importlib

    reporter = importlib.import_module(f"lstmlint.report.{output_format}")
    return reporter.render(result.findings, result.files, rules)


@main.command(name="rules")
@click.option("--format", "output_format", type=click.Choice([*FORMATS, "markdown"]), default="text",
              show_default=True)
@click.option("--config", "config_path", type=click.Path(path_type=Path, dir_okay=False))
def list_rules(output_format, config_path) -> None:
    """List the rule catalog (built-in rules and the configured rule-paths)."""
    import json

    rules = _rules(_load(config_path, None, None, None, None))
    if output_format == "json":
        click.echo(json.dumps([{"id": r.id, "name": r.name, "severity": r.severity, "summary": r.summary,
                                "keras": list(r.keras), "fixable": r.fix is not None} for r in rules], indent=2))
        return
    if output_format == "markdown":
        click.echo(rules_markdown(rules), nl=False)
        return
    width = max(len(r.name) for r in rules)
    for r in rules:
        click.echo(f"{r.id}  {r.severity:<7}  {r.name:<{width}}  {r.summary}")


def rules_markdown(rules) -> str:
    """The README's rule table (a test keeps the README in sync with rules/)."""
    lines = ["| Code | Name | Severity | Keras | Fix | Summary |", "|---|---|---|---|---|---|"]
    for r in rules:
        fix = r.fix.get("applicability", "safe") if r.fix else ""
        versions = ", ".join(str(v) for v in r.keras)
        lines.append(f"| {r.id} | {r.name} | {r.severity} | {versions} | {fix} | {r.summary} |")
    return "\n".join(lines) + "\n"


@main.command(name="rule")
@click.argument("code")
@click.option("--config", "config_path", type=click.Path(path_type=Path, dir_okay=False))
def show_rule(code, config_path) -> None:
    """Print one rule's explanation: what it does, why it is bad, an example, what to use instead."""
    rules = {r.id: r for r in _rules(_load(config_path, None, None, None, None))}
    rule = rules.get(code.upper())
    if rule is None:
        raise UsageError(f"unknown rule {code!r}; `lstmlint rules` lists them")
    versions = " and ".join(f"Keras {v}" for v in rule.keras)
    fixable = f"Fix ({rule.fix.get('applicability', 'safe')}): {rule.fix['description']}\n" if rule.fix else ""
    click.echo(f"# {rule.id} {rule.name} [{rule.severity}]\n\n{rule.summary}\n\nApplies to {versions}.\n"
               f"{fixable}\n{rule.explanation.rstrip()}\n")


@main.command(name="test-rules")
@click.argument("paths", nargs=-1, type=click.Path(path_type=Path))
@click.option("--config", "config_path", type=click.Path(path_type=Path, dir_okay=False))
def run_rule_tests(paths, config_path) -> None:
    """Check rules against their own examples: `# expect:` lines and fixed text (default: the built-in rules and
    the configured rule-paths; PATHS are rule files or folders)."""
    from dataclasses import replace

    from lstmlint.api import display_path
    from lstmlint.engine.loader import RuleError
    from lstmlint.ruletest import check_rules, load_tested

    rules = _rules(_load(config_path, None, None, None, None))
    tested = rules
    missing = [p for p in paths if not p.exists()]
    for path in missing:
        click.echo(f"lstmlint: error: {path}: no such file or directory", err=True)
    if paths:
        try:
            tested = load_tested([p for p in paths if p not in missing])
        except RuleError as error:
            raise UsageError(f"invalid rule file: {error}") from None
        if not tested and not missing:
            raise UsageError(f"no rule files (*.yaml, *.yml) in {', '.join(map(str, paths))}")
        # the tested files take the place of a loaded rule with the same id; expect comments may name any rule
        rules = sorted({**{r.id: r for r in rules}, **{r.id: r for r in tested}}.values(), key=lambda r: r.id)
    report = check_rules(tested, rules)
    for failure in report.failures:
        click.echo(str(replace(failure, path=display_path(Path(failure.path)))))
    count = len(report.failures)
    outcome = f"{count} failure{'s' if count != 1 else ''}" if count else "all pass"
    click.echo(f"{report.rules} rule{'s' if report.rules != 1 else ''}, {report.examples} examples: {outcome}.")
    sys.exit(EXIT_ERROR if missing else EXIT_FINDINGS if report.failures else EXIT_CLEAN)


@main.command()
def server() -> None:
    """Run the language server on stdio (diagnostics, code actions, hover) for editors."""
    from lstmlint.lsp import main as serve

    serve()


if __name__ == "__main__":  # pragma: no cover
    main()
