"""The ``lstmlint`` command: thin wrappers that parse options, call :mod:`lstmlint.api`, pick a reporter."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from lstmlint import __version__, builtin_codes

from lstmlint.cli_output import (EXIT_CLEAN, EXIT_ERROR, EXIT_FINDINGS, SHOW_TRACEBACK, TRACEBACK_OFFERED, UsageError,
                                 emit, exit_code, quiet_stdout, render, report_internal_errors, runtime_contained,
                                 summary_is_true)

FORMATS = ("text", "json")
CHECK_FORMATS = ("text", "json", "sarif", "github")


class Lstmlint(click.Group):
    """The command group; anything unexpected outside a file ends the run with one line on stderr and exit 2
    (never a traceback, never Python's default exit code 1, which CI would read as "findings")."""

    def invoke(self, ctx: click.Context):
        try:
            return super().invoke(ctx)
        except (click.exceptions.Exit, click.ClickException, click.Abort, SystemExit):
            raise
        except KeyboardInterrupt:
            emit("lstmlint: interrupted\n", err=True)
            sys.exit(130)  # 128 + SIGINT, as shells report it; never 1, which would read as "findings"
        except BrokenPipeError:
            quiet_stdout()  # `lstmlint check | head`: the reader left; nothing more to say
            sys.exit(EXIT_ERROR)
        except Exception as error:  # noqa: BLE001 - see the class docstring
            import traceback

            if ctx.meta.get(SHOW_TRACEBACK):
                emit(traceback.format_exc(), err=True)
            hint = "" if ctx.meta.get(SHOW_TRACEBACK) or not ctx.meta.get(TRACEBACK_OFFERED) else \
                "; --show-traceback prints the details"
            emit(f"lstmlint: internal error: {builtin_codes.exception_line(error)}. This is a bug "
                 f"in lstmlint: please report it at {builtin_codes.ISSUES_URL}{hint}\n", err=True)
            sys.exit(EXIT_ERROR)


def _show_traceback_option(function):
    def remember(ctx: click.Context, _param, value: bool) -> bool:
        ctx.meta[TRACEBACK_OFFERED] = True
        ctx.meta[SHOW_TRACEBACK] = value
        return value

    return click.option("--show-traceback", is_flag=True, expose_value=False, callback=remember, is_eager=True,
                        help="Print the traceback of an internal error (LSTM003) on stderr.")(function)


def _codes(value: str | None) -> list[str] | None:
    if value is None:
        return None
    return [c.strip().upper() for c in value.split(",") if c.strip()]


def _load(config_path: Path | None, select, ignore, extend_select, target_keras, fail_on=None):
    from lstmlint.config import ConfigError, load_config, parse_target

    try:
        config = load_config(config_path)
        for option, codes in (("--select", select), ("--extend-select", extend_select), ("--ignore", ignore)):
            if codes:
                config.code_sources.append((option, codes))
        if select is not None:
            config.select = select
        if extend_select:
            config.select = [*config.select, *extend_select]
        if ignore is not None:
            config.ignore = [*config.ignore, *ignore]
        if target_keras is not None:
            config.target_keras, config.target_why = parse_target(target_keras), "from --target-keras"
        if fail_on is not None:
            config.fail_on = fail_on
    except ConfigError as error:
        raise UsageError(f"configuration error: {error}") from None
    return config


def _rules(config, cache=None, check_codes: bool = True):
    """The rules, once every code the settings name is known to exist (built-in or from rule-paths). The
    catalog commands skip that check: they are where a user looks the right code up."""
    from lstmlint.api import rules_for
    from lstmlint.config import ConfigError
    from lstmlint.config import check_codes as known_codes
    from lstmlint.engine.loader import RuleError

    try:
        rules = rules_for(config, cache)
    except RuleError as error:
        raise UsageError(f"invalid rule file: {error}") from None
    try:
        if check_codes:
            known_codes(config, {r.id for r in rules})
    except ConfigError as error:
        raise UsageError(f"configuration error: {error}") from None
    return rules


@click.group(cls=Lstmlint, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="lstmlint")
def main() -> None:
    """Find the ways Keras recurrent layers (LSTM, GRU, SimpleRNN…) get misconfigured, before anything runs."""


@main.command()
@click.argument("paths", nargs=-1, type=click.Path(path_type=Path))
@click.option("--format", "output_format", type=click.Choice(CHECK_FORMATS), default="text", show_default=True)
@click.option("--select", help="Comma-separated rule codes or prefixes to enable (e.g. LSTM1,LSTM201) "
                                "[default: every rule, rule-paths included].")
@click.option("--extend-select", help="Codes or prefixes to enable on top of the configured ones.")
@click.option("--ignore", "--extend-ignore", "ignore",
              help="Comma-separated rule codes or prefixes to disable (on top of the configured ones).")
@click.option("--fail-on", type=click.Choice(["error", "warning", "info"]),
              help="The lowest severity that makes the run exit 1; findings below it are shown but pass "
                   "[default: warning].")
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
              help="Print on stderr how many files were parsed, skipped and could not be parsed or read, and how "
                   "many recurrent layers are in a model and fully known.")
@_show_traceback_option
def check(paths, output_format, select, extend_select, ignore, fail_on, target_keras, config_path, stdin_filename,
          exit_zero, runtime, runtime_timeout, jobs, no_cache, apply_fixes, show_diff, unsafe_fixes,
          statistics) -> None:
    """Check files and folders (default: the current folder). `-` reads stdin."""
    config = _load(config_path, _codes(select), _codes(ignore), _codes(extend_select), target_keras, fail_on)
    cache = None
    if not no_cache and not runtime and not (apply_fixes or show_diff):
        from lstmlint.api import open_cache

        cache = open_cache(config, warn=lambda message: emit(f"lstmlint: warning: {message}\n", err=True))
    rules = _rules(config, cache)
    if apply_fixes or show_diff:
        from lstmlint.cli_fix import run_fix

        run_fix(paths, config, rules, unsafe_fixes, write=not show_diff, output_format=output_format,
             exit_zero=exit_zero)
    result, missing = _lint(paths, config, rules, stdin_filename, keep_modules=runtime, coverage=statistics,
                            jobs=_jobs(jobs), cache=cache)
    runtime_failed = False
    if runtime:
        from lstmlint.runtime.checker import apply_runtime

        def verdicts():
            by_id = {r.id: r for r in rules}
            result.findings, _ = apply_runtime(result.modules, result.findings, by_id, config.target_keras,
                                               timeout=runtime_timeout, progress=sys.stderr.isatty())
            from lstmlint.api import suppressed

            result.findings = suppressed(result.findings, config, result.texts)

        runtime_failed = not runtime_contained(verdicts)
    if not result.files and not missing:
        emit(f"lstmlint: warning: no Python files found in {', '.join(map(str, paths or ['.']))}\n", err=True)
    if summary_is_true(output_format, result, missing):
        emit(render(output_format, result, rules))
    if statistics:
        from lstmlint.explain import Coverage

        reach = Coverage(*result.reach)
        emit(result.statistics() + f"\n{reach.text()}\ntarget: Keras {config.target_keras}, {config.target_why}\n",
             err=True)
    report_internal_errors(result)
    sys.exit(exit_code(result, config, missing or runtime_failed, exit_zero))


def _jobs(jobs: int | None) -> int:
    """--jobs, else the CPUs this process may run on."""
    import os

    if jobs:
        return jobs
    if hasattr(os, "sched_getaffinity"):
        return len(os.sched_getaffinity(0))
    return os.cpu_count() or 1


def _lint(paths, config, rules, stdin_filename, keep_modules: bool, jobs: int = 1, cache=None,
          coverage: bool = False):
    """Lint paths (and stdin for `-`); report missing paths on stderr."""
    from lstmlint import api

    paths = list(paths) or [Path(".")]
    result = api.Result()
    if any(str(p) == "-" for p in paths):
        data = sys.stdin.buffer.read()
        shown = stdin_filename or "-"
        linted = api.lint_bytes(data, shown, config, rules)
        result.findings.extend(linted.findings)
        result.files += 1
        result.parsed += linted.module is not None
        if linted.module is not None and keep_modules:
            result.modules.append(linted.module)
            result.texts[shown] = api.FileText(linted.noqa, api.raw_lines(data))
        if coverage:
            result.reach = list(api.reach_counts(linted.module, config))
        paths = [p for p in paths if str(p) != "-"]
    missing = [p for p in paths if not p.exists() and not p.is_symlink()]
    for path in missing:
        emit(f"lstmlint: error: {path}: no such file or directory\n", err=True)
    if paths:
        found = api.lint_paths([p for p in paths if p not in missing], config, rules, keep_modules=keep_modules,
                               jobs=jobs, cache=cache, coverage=coverage)
        result.findings.extend(found.findings)
        result.modules.extend(found.modules)
        result.texts.update(found.texts)
        result.files += found.files
        result.parsed += found.parsed
        result.cached += found.cached
        result.skipped += found.skipped
        result.reach = [a + b for a, b in zip(result.reach, found.reach)]
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
@_show_traceback_option
def explain(paths, output_format, runtime, runtime_timeout, target_keras, config_path, stdin_filename) -> None:
    """Per model: output shapes, parameter counts and a plain reading of each recurrent layer."""
    import json

    from lstmlint.api import internal_error
    from lstmlint.explain import explain_module, render_text
    from lstmlint.report.text import location

    config = _load(config_path, None, None, None, target_keras)
    rules = _rules(config)
    result, missing = _lint(paths, config, rules, stdin_filename, keep_modules=True, jobs=_jobs(None))
    keras_results: dict = {}
    runtime_failed = False
    if runtime:
        from lstmlint.runtime.checker import apply_runtime

        def verdicts():
            result.findings, results = apply_runtime(result.modules, result.findings, {r.id: r for r in rules},
                                                     config.target_keras, timeout=runtime_timeout,
                                                     progress=sys.stderr.isatty())
            keras_results.update(results)

        runtime_failed = not runtime_contained(verdicts)
    rendered = []  # per module: its JSON objects, or its text
    for module in result.modules:
        findings = [f for f in result.findings if f.path == module.path]
        try:  # one module the advisor fails on is an internal error of that file; the others are explained
            reports = explain_module(module, findings, config.target_keras)
            for index, report in enumerate(reports):
                if runtime:
                    report.runtime = _runtime_json(keras_results.get((module.path, index)))
            if reports:
                rendered.append([r.to_json() for r in reports] if output_format == "json" else render_text(reports))
        except Exception as error:  # noqa: BLE001
            result.findings.append(internal_error(module.path, error))
    if output_format == "json":
        emit(json.dumps([item for part in rendered for item in part], indent=2) + "\n")
    else:
        emit(f"Target: Keras {config.target_keras}, {config.target_why}\n\n"  # the rules' and shapes' Keras
             + ("\n".join(rendered) if rendered else render_text([])))
    # explain prints models, not findings: the files it could not explain are named on stderr
    for finding in sorted(result.internal_errors(), key=lambda f: f.sort_key()):
        emit(f"{location(finding)}: {finding.rule} [{finding.severity}] {finding.message}\n", err=True)
    report_internal_errors(result)
    sys.exit(EXIT_ERROR if missing or runtime_failed or result.internal_errors() else EXIT_CLEAN)


def _runtime_json(outcome) -> dict:
    if outcome is None or outcome.status == "unchecked":
        reason = outcome.reason if outcome is not None else "model not checked"
        return {"built": False, "error": reason, "output_shape": None, "total_params": None}
    return {"built": outcome.built, "error": outcome.error, "output_shape": outcome.output_shape,
            "total_params": outcome.total_params}


@main.command(name="rules")
@click.option("--format", "output_format", type=click.Choice([*FORMATS, "markdown"]), default="text",
              show_default=True)
@click.option("--config", "config_path", type=click.Path(path_type=Path, dir_okay=False))
def list_rules(output_format, config_path) -> None:
    """List the rule catalog (built-in rules and the configured rule-paths)."""
    import json

    rules = _rules(_load(config_path, None, None, None, None), check_codes=False)
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
    rule = builtin_codes.lookup(code)
    if rule is None:
        rules = {r.id: r for r in _rules(_load(config_path, None, None, None, None), check_codes=False)}
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
