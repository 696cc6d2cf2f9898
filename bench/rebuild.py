"""Rebuild: is every output shape and parameter count `lstmlint explain` states one Keras computes?

Run by hand (never by CI; a test runs it on a small fixture tree), from anywhere:

    python bench/rebuild.py                       # ../shared/corpus relative to the repository root
    python bench/rebuild.py some/tree --target-keras 2 --json rebuild.json
    python bench/rebuild.py some/tree --stated explain.json   # check a saved `lstmlint explain --format json`

What it does, as a user would run lstmlint in the tree (its working folder is the tree, its config and
target-keras are the tree's, or ``--target-keras``; a model whose explain report names its own ``"target"`` is
rebuilt under that one):

1. analyses every file of the tree with lstmlint's API and takes, per model, the rows ``lstmlint explain
   --format json`` prints (the same function builds them; ``--stated`` reads them from a saved explain output
   instead, matched by file and by the model's position in it);
2. sends every model the runtime checker can rebuild (``runtime.known.fully_known``: every layer, argument and
   edge known) to the project's own runtime worker — one subprocess per target, TensorFlow imported once, the
   models rebuilt from their IR one after another, no call replayed, nothing of the tree imported or run.
   A model that is not fully known is rebuilt as far as it can be: when its only unknowns are sizes (``units``,
   ``input_dim``, ``output_dim``, ``filters``, a dim of a declared input shape), twice, with them set to 5 and
   then to 7, 11, 15… (a value explain states must hold whatever they are; ``Sizes``); otherwise its known
   part (``runtime.known.known_part``: a Sequential up to its first unknown layer, a graph's layers whose
   every input is known), each kept layer with the inputs it has in the whole model;
3. compares, layer by layer, every value explain states — each known dim of an output shape (``"?"`` is not a
   statement; ``null``, a dynamic dim, is) and each parameter count — with what Keras built, and each whole
   model's total parameter count.

It prints the counts (models compared, layers compared, equal, different, Keras refused, not rebuilt and why)
and every difference as ``file:line: layer: ours vs Keras's``; the exit code is 1 when there is a difference,
0 when there is none, 2 on a usage error. A model Keras refuses is counted as refused; the layers Keras built
before refusing are still compared. A model whose target is Keras 2 when tf_keras is not installed is counted
as "not compared (target 2)".
"""

from __future__ import annotations

import argparse
import json
import os
import re
import sys
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
if __name__ == "__main__" and os.environ.get("LSTMLINT_BENCH_INSTALLED") != "1":
    sys.path.insert(0, str(ROOT / "src"))  # this checkout's lstmlint (set the variable to use the installed one)

UNKNOWN = "?"
NO_TF_KERAS_NOTE = "not compared (target 2)"


@dataclass
class Difference:
    path: str
    line: int
    layer: str
    what: str  # "output shape" | "parameters" | "total parameters"
    ours: Any
    keras: Any
    note: str = ""  # how the model's unknown values were set for the rebuild, when they were

    def text(self) -> str:
        note = f" ({self.note})" if self.note else ""
        return (f"{self.path}:{self.line}: {self.layer}: {self.what}: ours {_show(self.ours)}, "
                f"Keras {_show(self.keras)}{note}")

    def key(self) -> tuple:
        return self.path, self.line, self.layer, self.what


@dataclass
class Tally:
    models: int = 0  # models explain lists
    stating: int = 0  # models with at least one stated shape dim or parameter count
    compared: int = 0  # models rebuilt (built or refused) with at least one layer compared
    built: int = 0
    refused: int = 0
    layers: int = 0  # layers with a stated value compared with Keras's
    equal: int = 0
    different: int = 0
    values: int = 0  # stated values (shapes and counts) compared
    totals: int = 0  # models whose stated total parameter count was compared
    partial: int = 0  # models not fully known, rebuilt in part (runtime.known.known_part)
    sized: int = 0  # models not fully known, rebuilt with their unknown sizes set (Sizes)
    left_out: int = 0  # stated layers of those models outside the part rebuilt
    unrebuilt_layers: int = 0  # stated layers of models not rebuilt at all
    not_rebuilt: Counter = field(default_factory=Counter)  # why, for models stating something
    classes: Counter = field(default_factory=Counter)  # layers compared, by class
    differences: list[Difference] = field(default_factory=list)
    refusals: list[str] = field(default_factory=list)


def _show(value: Any) -> str:
    if isinstance(value, int) and not isinstance(value, bool):
        return f"{value:,}"
    if isinstance(value, list):
        if value and all(isinstance(v, list) or v == UNKNOWN for v in value):
            return "[" + ", ".join(_show(v) for v in value) + "]"
        return "(" + ", ".join("None" if v is None else str(v) for v in value) + ("," if len(value) == 1 else "") + ")"
    return str(value)


# ------------------------------------------------------------------------------------------- comparing


def _multi(shape: list) -> bool:
    return any(isinstance(item, list) for item in shape)


def states(shape: Any) -> bool:
    """Whether an explain shape states anything: a known dim (an int or null) somewhere."""
    if not isinstance(shape, list):
        return False
    if _multi(shape):
        return any(states(part) for part in shape)
    return any(d != UNKNOWN for d in shape)


def shape_equal(stated: Any, keras: Any) -> bool:
    """Every dim explain states equals Keras's; the rank (and the number of outputs) too, when anything is stated."""
    if not states(stated):
        return True
    if not isinstance(keras, list):
        return False
    if _multi(stated) or (keras and all(isinstance(k, list) for k in keras) and _multi(keras)):
        if not (_multi(stated) and keras and all(isinstance(k, list) for k in keras) and len(stated) == len(keras)):
            return False
        return all(part == UNKNOWN or shape_equal(part, k) for part, k in zip(stated, keras))
    if len(stated) != len(keras) or any(isinstance(k, list) for k in keras):
        return False
    return all(s == UNKNOWN or s == k for s, k in zip(stated, keras))


@dataclass
class Verdicts:
    """What one rebuild of a model says of its stated values: per explain row, its stated values and the
    differences; the model's total (None: not compared)."""

    rows: dict[int, tuple[str, int, list[Difference]]] = field(default_factory=dict)  # row: (class, values, diffs)
    left_out: int = 0
    total: list[Difference] | None = None


def compare_model(path: str, report: dict, model, result, kept: list[int] | None = None, note: str = ""
                  ) -> Verdicts:
    """Compare one rebuilt model's stated rows with Keras's layers. ``kept``: the model was rebuilt in part
    (``known_part``), these are its layers' indices in the whole model; ``note``: how its unknowns were set."""
    from lstmlint.explain import shown_layers

    verdicts = Verdicts()
    position = {old: new for new, old in enumerate(kept)} if kept is not None else None
    for number, (row, index) in enumerate(zip(report["layers"], shown_layers(model))):
        if position is not None:
            if index not in position:
                verdicts.left_out += stated_row(row)  # stated, in the part that could not be rebuilt
                continue
            index = position[index]
        keras = result.layers[index] if index < len(result.layers) else None
        if keras is None:  # an implicit input, or a layer after the one Keras refused
            continue
        shape, params = row.get("output_shape"), row.get("params")
        stated_params = isinstance(params, int) and not isinstance(params, bool)
        if not states(shape) and not stated_params:
            continue
        name = row.get("class", "?")
        values, wrong = 0, []
        if states(shape):
            values += 1
            if keras.output_shape is None or not shape_equal(shape, keras.output_shape):
                wrong.append(Difference(path, row["line"], name, "output shape", shape, keras.output_shape, note))
        if stated_params:
            values += 1
            if keras.params is None or params != keras.params:
                wrong.append(Difference(path, row["line"], name, "parameters", params, keras.params, note))
        verdicts.rows[number] = (name, values, wrong)
    total = report.get("total_params")
    if kept is None and result.status == "built" and isinstance(total, int) and not isinstance(total, bool):
        # the model's total, as summary() prints it (a shared layer counted once)
        verdicts.total = [] if total == result.total_params else [
            Difference(path, report["line"], "the model", "total parameters", total, result.total_params, note)]
    return verdicts


def tally_model(verdicts: list[Verdicts], tally: Tally) -> bool:
    """Count one model's verdicts (one per rebuild: unknowns set two ways give two); a row is different when a
    rebuild finds it so. Returns whether a layer was compared."""
    rows: dict[int, tuple[str, int, list[Difference]]] = {}
    for one in verdicts:
        for number, (name, values, wrong) in one.rows.items():
            _, before, found = rows.get(number, (name, 0, []))
            rows[number] = (name, max(before, values), found + [d for d in wrong if d.key() not in
                                                              {f.key() for f in found}])
    for name, values, wrong in rows.values():
        tally.layers += 1
        tally.values += values
        tally.classes[name] += 1
        tally.differences.extend(wrong)
        if wrong:
            tally.different += 1
        else:
            tally.equal += 1
    totals = [one.total for one in verdicts if one.total is not None]
    if totals:
        tally.values += 1
        tally.totals += 1
        tally.differences.extend(totals[0] or next((t for t in totals if t), []))
    tally.left_out += max((one.left_out for one in verdicts), default=0)
    return bool(rows)


def stated_row(row: dict) -> bool:
    params = row.get("params")
    return states(row.get("output_shape")) or (isinstance(params, int) and not isinstance(params, bool))


def stating(report: dict) -> bool:
    return any(stated_row(row) for row in report["layers"])


_NUMBERS = re.compile(r"\b(line|lines) \d+")


def why(reason: str) -> str:
    """A reason with its line numbers and spelled values taken out, so that equal causes count together."""
    reason = _NUMBERS.sub(r"\1 N", reason)
    reason = re.sub(r"^model not fully known: ", "", reason)
    reason = re.sub(r"= of \w+ \(line N\) is not known \(.*\)$", "= of a layer is not known", reason)
    reason = re.sub(r"^\w+= of a layer", "an argument of a layer", reason)
    reason = re.sub(r"^\w+ \(line N\) is not a known Keras layer", "a layer that is not a known Keras layer", reason)
    reason = re.sub(r"^the input of \w+ \(line N\)", "the input of a layer", reason)
    reason = re.sub(r"^\w+ \(line N\) gets", "a layer gets", reason)
    reason = re.sub(r"^\w+ does not exist in (the installed )?", r"a layer class does not exist in \1", reason)
    reason = re.sub(r"^the model called at line N: .*", "a model called as a layer is not fully known", reason)
    reason = re.sub(r"^the shape given to build\(\) is not known.*", "the shape given to build() is not known", reason)
    reason = re.sub(r"^runtime check failed: (\w+): .*", r"the rebuild failed (\1)", reason)
    return reason


# ------------------------------------------------------------------------------------------- running


def analyse(tree: Path, target: int | None, jobs: int):
    """(config, modules, explain reports per (path, model index)) for the tree, as `lstmlint explain` sees it."""
    from lstmlint.api import lint_paths, rules_for
    from lstmlint.config import load_config
    from lstmlint.explain import explain_module

    os.chdir(tree)  # paths, config and target as when the user runs lstmlint in the tree
    config = load_config()
    if target is not None:
        config.target_keras, config.target_why = target, "from --target-keras"
    result = lint_paths([Path(".")], config, rules_for(config), keep_modules=True, jobs=jobs)
    reports: dict[tuple[str, int], dict] = {}
    for module in result.modules:
        try:
            for index, report in enumerate(explain_module(module, [], config.target_keras)):
                reports[(module.path, index)] = report.to_json()
        except Exception as error:  # noqa: BLE001 - explain fails on this file: it states nothing
            print(f"{module.path}: explain failed: {type(error).__name__}: {error}", file=sys.stderr)
    return config, result.modules, reports


def saved_reports(path: Path, modules) -> dict[tuple[str, int], dict]:
    """A saved `lstmlint explain --format json`, matched to the analysed models by file and position."""
    by_path: dict[str, list[dict]] = {}
    for report in json.loads(path.read_text(encoding="utf-8")):
        by_path.setdefault(report["path"], []).append(report)
    out = {}
    for module in modules:
        for index, report in enumerate(by_path.get(module.path, [])):
            if index < len(module.models) and report.get("line") == module.models[index].span.line:
                out[(module.path, index)] = report
    return out


# Unknown values that are sizes: an int argument Keras reads as a count, or a dim of a declared input shape. A
# value explain states must hold whatever they are, so a model whose other values are known is rebuilt with
# them set, twice: all 5, then 7, 11, 15... (the same name or text, the same size both times).
SIZE_ARGS = ("units", "input_dim", "output_dim", "filters")
SHAPE_ARGS = ("shape", "input_shape", "batch_input_shape", "batch_shape")
NOT_SIZES = ("dataset", "generator", "sequence", "ndarray")


class Sizes:
    def __init__(self, note: str, first: int, step: int) -> None:
        self.note, self.next, self.step = note, first, step
        self.given: dict[str, int] = {}
        self.count = 0

    def value(self, value):
        from lstmlint.ir import Value

        if value.kind != "unknown" or value.tag in NOT_SIZES:
            return value
        key = value.name or value.text or value.reason or str(id(value))
        if key not in self.given:
            self.given[key] = self.next
            self.next += self.step
        self.count += 1
        return Value.of(self.given[key], text=value.text, name=value.name)

    def shape(self, value):
        import dataclasses

        if value is None or value.kind != "tuple":
            return value
        return dataclasses.replace(value, items=[self.value(item) for item in value.items])

    def layer(self, layer):
        import dataclasses

        args = {}
        for name, arg in layer.args.items():
            value = self.value(arg.value) if name in SIZE_ARGS else self.shape(arg.value) if name in SHAPE_ARGS \
                else arg.value
            args[name] = arg if value is arg.value else dataclasses.replace(arg, value=value)
        return dataclasses.replace(layer, args=args, wrapped=None if layer.wrapped is None else self.layer(layer.wrapped),
                                   cells=[self.layer(cell) for cell in layer.cells],
                                   submodel=None if layer.submodel is None else self.model(layer.submodel))

    def model(self, model):
        import dataclasses

        from lstmlint.ir import Value

        build_shape = self.shape(model.build_shape)
        if build_shape is None and _embedding_first_without_input(model):
            # token ids of an unknown length: what explain states past the Embedding holds for every length
            build_shape = Value("tuple", items=[Value.of(None), self.value(Value.unknown("the sequence length"))])
        return dataclasses.replace(model, layers=[self.layer(layer) for layer in model.layers],
                                   build_shape=build_shape)


def _embedding_first_without_input(model) -> bool:
    """A Sequential that declares no input and starts with an Embedding (Keras builds it on its first call)."""
    declaring = ("shape", "input_shape", "batch_input_shape", "batch_shape", "input_length", "batch_size")
    return (model.kind == "sequential" and bool(model.layers) and model.layers[0].cls == "Embedding"
            and not any(key in model.layers[0].args for key in declaring))


def sized(model, target: int) -> list[tuple[Any, list[int] | None, str]] | None:
    """The model rebuilt with its unknown sizes set two ways (see Sizes), whole or in part: (model, kept, note)
    per rebuild; None when it has no unknown size or nothing of it can be rebuilt so."""
    from lstmlint.runtime.known import fully_known, known_part

    builds = []
    for sizes in (Sizes("unknown sizes set to 5", 5, 0), Sizes("unknown sizes set to 7, 11, 15…", 7, 4)):
        model_ = sizes.model(model)
        if not sizes.count:
            return None
        if fully_known(model_, target) is None:
            builds.append((model_, None, sizes.note))
            continue
        part = known_part(model_, target)
        if part is None:
            return None
        builds.append((part[0], part[1], sizes.note))
    return builds


def run(tree: Path, target: int | None, jobs: int, timeout: float, stated: Path | None, whole: bool = False
        ) -> tuple[Tally, dict]:
    import importlib.util

    from lstmlint.runtime.known import fully_known
    from lstmlint.runtime.process import NO_TF_KERAS, run_models

    try:
        from lstmlint.runtime.known import known_part
    except ImportError:  # an lstmlint from before known_part: fully known models only
        known_part = None

    started = time.perf_counter()
    config, modules, reports = analyse(tree, target, jobs)
    if stated is not None:
        reports = saved_reports(stated if stated.is_absolute() else Path(START) / stated, modules)
    analysed = time.perf_counter() - started
    tally = Tally()
    target = config.target_keras
    # per model: (path, report, the model as analysed, how it is rebuilt: [(model, kept, note)])
    entries: list[tuple[str, dict, Any, list[tuple[Any, list[int] | None, str]], int]] = []
    for module in modules:
        for index, model in enumerate(module.models):
            report = reports.get((module.path, index))
            if report is None:
                continue
            tally.models += 1
            if not stating(report):
                continue
            tally.stating += 1
            # the file's own target when the report names one, else the run's
            target_ = report.get("target") if report.get("target") in (2, 3) else target
            if target_ == 2 and importlib.util.find_spec("tf_keras") is None:
                tally.not_rebuilt[NO_TF_KERAS_NOTE] += 1
                tally.unrebuilt_layers += sum(map(stated_row, report["layers"]))
                continue
            reason = fully_known(model, target_)
            if reason is None:
                entries.append((module.path, report, model, [(model, None, "")], target_))
                continue
            builds = None
            if not whole and known_part is not None:
                builds = sized(model, target_)
                if builds is None:
                    part = known_part(model, target_)
                    builds = None if part is None else [(part[0], part[1], "")]
            if builds is None:
                tally.not_rebuilt[why(reason)] += 1
                tally.unrebuilt_layers += sum(map(stated_row, report["layers"]))
                continue
            entries.append((module.path, report, model, builds, target_))
    started = time.perf_counter()
    import inspect

    # builds only; an lstmlint from before run_models(replay=) also replays the models' calls (slower, same shapes)
    only_build = {"replay": False} if "replay" in inspect.signature(run_models).parameters else {}
    flat = [(built, target_) for *_, builds, target_ in entries for built, _, _ in builds]
    results = iter(run_models(flat, timeout=timeout, progress=True, **only_build) if flat else [])
    rebuilt = time.perf_counter() - started
    for path, report, model, builds, _ in entries:
        outcomes = [(next(results), kept, note) for _, kept, note in builds]
        done = [(result, kept, note) for result, kept, note in outcomes if result.status != "unchecked"]
        if not done:
            reason = outcomes[0][0].reason or "unchecked"
            tally.not_rebuilt[NO_TF_KERAS_NOTE if reason == NO_TF_KERAS else why(reason)] += 1
            tally.unrebuilt_layers += sum(map(stated_row, report["layers"]))
            continue
        tally.partial += any(kept is not None for _, kept, _ in done)
        tally.sized += any(note for _, _, note in done)
        if tally_model([compare_model(path, report, model, result, kept, note) for result, kept, note in done],
                       tally):
            tally.compared += 1
        if all(result.status == "failed" for result, _, _ in done):
            tally.refused += 1
            error = (done[0][0].error or "").splitlines()
            note = f" ({done[0][2]})" if done[0][2] else ""
            tally.refusals.append(f"{path}:{model.span.line}{note}: {error[0][:160] if error else ''}")
        else:
            tally.built += 1
    timing = {"analysis_seconds": round(analysed, 1), "rebuild_seconds": round(rebuilt, 1),
              "models_sent": len(flat), "target": target, "target_why": config.target_why}
    return tally, timing


def render(tree: Path, tally: Tally, timing: dict, show_refused: bool) -> str:
    totals = sum(d.what == "total parameters" for d in tally.differences)
    lines = [
        f"tree: {tree}",
        f"target: Keras {timing['target']} ({timing['target_why']})",
        f"models in explain:                 {tally.models} ({tally.stating} state a shape or a count)",
        (f"models rebuilt:                    {tally.built + tally.refused} ({tally.built} built, "
         f"{tally.refused} Keras refused)"),
        (f"models compared:                   {tally.compared} (a layer's stated value compared; "
         f"{tally.partial} not fully known, rebuilt in part; {tally.sized} with unknown sizes set)"),
        (f"layers compared:                   {tally.layers} ({tally.values} values, with "
         f"{tally.totals} models' total parameters)"),
        f"  equal:                           {tally.equal}",
        f"  different:                       {tally.different}"
        + (f" (and {totals} models' total parameters)" if totals else ""),
        (f"stated layers not compared:        {tally.left_out + tally.unrebuilt_layers} ({tally.left_out} past "
         f"the part of a model rebuilt, {tally.unrebuilt_layers} in models not rebuilt)"),
        f"models not rebuilt:                {sum(tally.not_rebuilt.values())}",
    ]
    for reason, n in tally.not_rebuilt.most_common():
        lines.append(f"  {n:5d}  {reason}")
    lines.append(f"time: analysis {timing['analysis_seconds']} s, {timing['models_sent']} models through the "
                 f"runtime worker in {timing['rebuild_seconds']} s (TensorFlow import included)")
    if tally.differences:
        lines.append("")
        lines.append("differences:")
        lines.extend(f"  {d.text()}" for d in tally.differences)
    if show_refused and tally.refusals:
        lines.append("")
        lines.append("models Keras refused:")
        lines.extend(f"  {r}" for r in tally.refusals)
    return "\n".join(lines) + "\n"


START = os.getcwd()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    default = ROOT.parent / "shared" / "corpus"
    parser.add_argument("tree", nargs="?", type=Path, default=default if default.exists() else None)
    parser.add_argument("--target-keras", type=int, choices=(2, 3), help="instead of the tree's own target")
    parser.add_argument("--stated", type=Path, help="a saved `lstmlint explain --format json` of the tree to check")
    parser.add_argument("--json", type=Path, help="also write the counts and the differences as JSON here")
    parser.add_argument("--jobs", type=int, default=len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity")
                        else (os.cpu_count() or 1))
    parser.add_argument("--timeout", type=float, default=20.0, help="seconds per model in the worker")
    parser.add_argument("--whole-only", action="store_true",
                        help="rebuild fully known models only (no known part, no unknown size set)")
    parser.add_argument("--list-refused", action="store_true", help="print Keras's error for each refused model")
    args = parser.parse_args(argv)
    if args.tree is None:
        parser.error("no tree given, and ../shared/corpus does not exist")
    tree = args.tree.resolve()
    if not tree.is_dir():
        parser.error(f"{args.tree}: not a folder")
    if args.stated is not None and not (Path(START) / args.stated).is_file():
        parser.error(f"{args.stated}: no such file")
    tally, timing = run(tree, args.target_keras, args.jobs, args.timeout, args.stated, args.whole_only)
    sys.stdout.write(render(tree, tally, timing, args.list_refused))
    if args.json:
        data = {"tree": str(tree), **timing, "models": tally.models, "stating": tally.stating,
                "compared": tally.compared, "built": tally.built, "refused": tally.refused, "partial": tally.partial, "sized": tally.sized, "left_out": tally.left_out,
                "unrebuilt_layers": tally.unrebuilt_layers,
                "layers": tally.layers, "totals": tally.totals,
                "values": tally.values, "equal": tally.equal, "different": tally.different,
                "not_rebuilt": dict(tally.not_rebuilt.most_common()), "classes": dict(tally.classes.most_common()),
                "differences": [d.__dict__ for d in tally.differences], "refusals": tally.refusals}
        out = args.json if args.json.is_absolute() else Path(START) / args.json
        out.write_text(json.dumps(data, indent=1) + "\n", encoding="utf-8")
    return 1 if tally.differences else 0


if __name__ == "__main__":
    sys.exit(main())
