"""The runtime checker, parent side: which models can be rebuilt, the worker subprocess, and the verdicts.

API (what the CLI's ``check --runtime`` / ``explain --runtime`` call)::

    @dataclass
    class LayerResult:
        output_shape: list | None   # list of int|None, or a list of such lists for several outputs
        params: int | None

    @dataclass
    class ModelResult:
        built: bool
        error: str | None            # "ValueError: <Keras's message>" when Keras refused the model
        error_layer: int | None      # index into Model.layers of the layer being added/called when Keras failed
        layers: list[LayerResult | None]   # aligned with Model.layers; None for layers Keras did not build
                                           # (implicit inputs, layers after the failing one)
        output_shape: list | None
        total_params: int | None
        status: str                  # "built" | "failed" | "unchecked"
        reason: str | None           # why unchecked, e.g. "model not fully known: <what>", "timeout after 20s",
                                     # "worker crashed", "TensorFlow is not installed: runtime check needs
                                     # `pip install 'lstmlint[runtime]'`"
        seconds: float | None        # the worker's build time for this model (bench/runtime.py)
        calls: list[CallResult]      # the model's calls replayed on zero arrays (``calls.plan_calls``), by
                                     # Model.calls index: status "ran" | "failed" | "unchecked", what ran, the
                                     # shapes and batches, Keras's error, the time each took
        mismatch: Mismatch | None    # where lstmlint's static shapes/parameters differ from Keras's (the oracle)
        keras: str | None            # "Keras 3.15.1", for messages

    fully_known(model, target) -> str | None
        None when the model can be rebuilt from the IR alone, else "model not fully known: <what>".

    run_models(models: list[tuple[Model, int]], timeout=20.0, progress=False, memory_limit=None, replay=True)
            -> list[ModelResult]
        One result per (model, target-keras), in order. One worker subprocess per target version per call
        (TensorFlow imported once in it); a model that exceeds ``timeout`` seconds gets the worker killed and
        restarted for the remaining models; a model's replayed calls get their own ``timeout`` (on expiry they
        are unchecked and the build result stands). ``memory_limit`` (bytes; default LSTMLINT_RUNTIME_MEMORY or 4 GiB,
        0 = none) is the worker's RLIMIT_AS: a model that runs out of it is unchecked. ``progress`` prints
        "runtime: built 3/12 models" to stderr when stderr is a TTY and more than 3 models are rebuilt.
        ``replay=False`` builds the models without replaying their calls (bench/rebuild.py).

    known.known_part(model, target) -> tuple[Model, list[int]] | None
        Of a model that is not fully known, the largest part that can be rebuilt (a Sequential up to its first
        unknown layer, a graph's layers whose every input is known) and each of its layers' index in ``model``.

    apply_runtime(modules, findings, rules: dict[str, Rule], target, timeout=20.0, progress=False)
            -> tuple[list[Finding], dict[tuple[str, int], ModelResult]]
        Runs every model of every module and replays its calls, sets each finding's ``runtime`` and returns
        (the findings plus any LSTM900/901/902 findings, sorted; the results keyed by (module.path, model
        index)). Verdicts:
        - ``confirmed``: a rule with ``runtime: {build-error: [...]}`` whose model Keras refuses with a message
          containing one of the substrings, or with ``call-error: [...]`` whose call (for a layer rule: a call
          of its model) Keras refuses so — for the call a model declaring no input is built on
          (``Call.builds``), the build of the model for that call's data;
        - ``refuted``: a build-error rule whose model Keras builds; a call-error rule without ``semantic``
          whose replayed calls all run;
        - ``consistent``: a rule with ``semantic: true`` or no runtime spec whose model Keras builds and whose
          replayed calls (if any) run;
        - ``unchecked``: everything else — no origin model, model not rebuilt (not fully known, no TensorFlow,
          timeout, crash), Keras failed for a reason the rule does not claim, a call-error rule whose call was
          not replayed, or a model whose static shapes Keras contradicts (the oracle; see LSTM902).
        A verdict that rests on a replayed call appends to the finding's message what Keras did
        (``describe_call``). Added findings:
        - ``LSTM900 keras-build-error [error]``: a model Keras refuses while no static finding of a build-error
          rule sits on it, at the failing layer, with Keras's message (first line);
        - ``LSTM901 keras-call-error [error]``: a replayed call Keras refuses on data of the call's own shapes
          (not assumed ones) that confirms no finding, at the call;
        - ``LSTM902 static-runtime-mismatch [warning]``: a model whose known static output shapes or parameter
          counts (per layer, or the total) differ from Keras's, naming both values.
        These are not filtered by select/ignore/noqa here: the caller does that. When TensorFlow cannot be
        used at all, one line on stderr says why (once per process), whatever the output format.

The worker (``lstmlint.runtime.worker``) runs with TF_CPP_MIN_LOG_LEVEL=3, KERAS_BACKEND=tensorflow,
no visible GPU, TF_USE_LEGACY_KERAS=1 for target-keras 2 (tf_keras must be installed), started isolated by
:mod:`lstmlint.subprocess_worker` (``python -I``, its cwd in a fresh empty folder, so no file of the user's can
shadow a module) and its stderr discarded. Static findings and the
exit code never depend on what happens here.

This module decides the verdicts; the rest of the package: ``known`` (which models can be rebuilt), ``process``
(the worker subprocess and ``run_models``), ``results`` (the data), ``oracle`` (static vs Keras shapes),
``calls`` (which calls to replay), and in the worker ``worker`` (the loop), ``rebuild``, ``replay``.
"""

from __future__ import annotations

import importlib.util
import sys
from dataclasses import replace

from lstmlint import builtin_codes
from lstmlint.engine.loader import Rule
from lstmlint.findings import Finding
from lstmlint.ir import Model, Module
from lstmlint.runtime.known import fully_known
from lstmlint.runtime.messages import first_line, keras_message
from lstmlint.runtime.oracle import static_mismatch
from lstmlint.shape_text import shape_text
from lstmlint.runtime.process import (
    DEFAULT_TIMEOUT,
    NO_TENSORFLOW,
    NO_TF_KERAS,
    run_models,
    tensorflow_missing,
)
from lstmlint.runtime.results import CallResult, LayerResult, Mismatch, ModelResult

__all__ = ["CallResult", "LayerResult", "Mismatch", "ModelResult", "apply_runtime", "describe_call", "fully_known",
           "mismatch_finding", "run_models", "static_mismatch", "verdict"]

KERAS_BUILD_ERROR = (builtin_codes.KERAS_BUILD_ERROR.id, builtin_codes.KERAS_BUILD_ERROR.name)
KERAS_CALL_ERROR = (builtin_codes.KERAS_CALL_ERROR.id, builtin_codes.KERAS_CALL_ERROR.name)
STATIC_RUNTIME_MISMATCH = (builtin_codes.STATIC_RUNTIME_MISMATCH.id, builtin_codes.STATIC_RUNTIME_MISMATCH.name)


# ------------------------------------------------------------------------------------------ the verdicts


def verdict(finding: Finding, rule: Rule | None, result: ModelResult | None,
            calls: list[CallResult] | None = None, builds: bool = False) -> str:
    """confirmed / consistent / refuted / unchecked for one static finding, its model's result and the calls
    of that model the finding is about (its own call, or all the model's calls for a layer rule with a
    ``call-error`` spec). ``builds``: the finding is on the call whose data builds its model (``Call.builds``)."""
    return _judge(finding, rule, result, calls or [], builds)[0]


def _judge(finding: Finding, rule: Rule | None, result: ModelResult | None,
           calls: list[CallResult], builds: bool = False) -> tuple[str, CallResult | None]:
    """The verdict and the replayed call it rests on (None when it rests on the build alone)."""
    if result is None or rule is None or result.status == "unchecked" or result.mismatch is not None:
        return "unchecked", None
    spec = rule.runtime or {}
    if builds and spec.get("call-error") and result.status == "failed":
        # a model declaring no input is rebuilt for the shape of the data of the call that builds it (rebuild.py):
        # Keras refusing that build is Keras refusing that call
        message = result.error or ""
        return ("confirmed" if any(text in message for text in spec["call-error"]) else "unchecked"), None
    expected = spec.get("build-error")
    if expected:
        if result.status == "built":
            return "refuted", None
        message = result.error or ""
        return ("confirmed" if any(text in message for text in expected) else "unchecked"), None
    if result.status != "built":
        return "unchecked", None
    call_errors = spec.get("call-error") or []
    silent_ok = bool(spec.get("semantic")) or not call_errors  # the rule allows Keras to run the call
    replayed = [c for c in calls if c.status in ("ran", "failed")]
    for call in replayed:
        if call.status == "failed" and any(text in (call.error or "") for text in call_errors):
            return "confirmed", call
    if any(c.status == "failed" for c in replayed):
        return "unchecked", next(c for c in replayed if c.status == "failed")
    if replayed:
        from lstmlint.runtime.calls import WITH_TARGET

        return ("consistent" if silent_ok else "refuted"), next((c for c in replayed if c.ran in WITH_TARGET),
                                                                  replayed[0])
    if call_errors and finding.origin is not None and len(finding.origin) > 2:
        return "unchecked", None  # the call it is about was not replayed
    return ("consistent" if silent_ok else "unchecked"), None


def apply_runtime(modules: list[Module], findings: list[Finding], rules: dict[str, Rule], target: int,
                  timeout: float = DEFAULT_TIMEOUT, progress: bool = False
                  ) -> tuple[list[Finding], dict[tuple[str, int], ModelResult]]:
    """Rebuild every model and replay its calls, set each finding's ``runtime`` (and say what Keras did with
    a call in the finding's message) and add LSTM900 / LSTM901 / LSTM902 findings (see the module doc).
    When TensorFlow cannot be used at all, says so once on stderr."""
    keys: list[tuple[str, int]] = []
    jobs: list[tuple[Model, int]] = []
    by_path: dict[str, Module] = {}
    for module in modules:
        by_path[module.path] = module
        for index, model in enumerate(module.models):
            keys.append((module.path, index))
            jobs.append((model, target))
    results = dict(zip(keys, run_models(jobs, timeout=timeout, progress=progress)))
    _say_once_why_nothing_ran(results.values(), target)

    claimed: set[tuple[str, int]] = set()  # models with a static finding of a build-error rule
    claimed_calls: set[tuple[str, int, int]] = set()  # calls whose failure a finding is confirmed by
    out: list[Finding] = []
    for finding in findings:
        rule = rules.get(finding.rule)
        result = results.get((finding.path, finding.origin[0])) if finding.origin is not None else None
        calls = _calls_of(finding, rule, result)
        builds = _on_building_call(by_path.get(finding.path), finding)
        finding.runtime, call = _judge(finding, rule, result, calls, builds)
        if builds and finding.runtime == "confirmed" and result is not None:
            claimed.add((finding.path, finding.origin[0]))  # type: ignore[index]  # the build error is this call's
            finding.message = f"{finding.message.rstrip()} {_describe_build(by_path[finding.path], finding, result)}"
        if call is not None and finding.runtime != "unchecked" and result is not None:
            finding.message = f"{finding.message.rstrip()} {describe_call(call, result.keras)}"
        if call is not None and finding.runtime == "confirmed":
            claimed_calls.add((finding.path, finding.origin[0], call.index))  # type: ignore[index]
        if finding.origin is not None and rule is not None and rule.runtime.get("build-error"):
            claimed.add((finding.path, finding.origin[0]))
        out.append(finding)
    for key, result in results.items():
        module = by_path[key[0]]
        if result.status == "failed" and key not in claimed:
            out.append(_build_error_finding(module, key[1], result))
        if result.mismatch is not None:
            out.append(mismatch_finding(module, key[1], result))
        for call in result.calls:
            if call.status == "failed" and not call.assumed and (key[0], key[1], call.index) not in claimed_calls:
                out.append(_call_error_finding(module, key[1], call, result.keras))
    out.sort(key=Finding.sort_key)
    return out, results


def _on_building_call(module: Module | None, finding: Finding) -> bool:
    """The finding is on the call whose data Keras builds the finding's model on (``Call.builds``)."""
    origin = finding.origin
    if module is None or origin is None or len(origin) <= 2 or not 0 <= origin[0] < len(module.models):
        return False
    model = module.models[origin[0]]
    return model.input_from is not None and 0 <= origin[2] < len(model.calls) and model.calls[origin[2]].builds


def _describe_build(module: Module, finding: Finding, result: ModelResult) -> str:
    """What Keras did with the model built on the finding's call's data, in a sentence: "Keras 3.15.1 refuses it:
    the model built for x (None, 20) fails with: Input 0 … expected ndim=3, found ndim=2. …" """
    build = module.models[finding.origin[0]].build_shape  # type: ignore[index]
    shape = ""
    if build is not None and build.kind == "tuple":
        dims = [None, *(item.const if item.kind == "const" else None for item in build.items[1:])]
        shape = f" {shape_text(dims)}"
    message = keras_message(result.error or "") or "an error without a message"
    return f"{result.keras or 'Keras'} refuses it: the model built for x{shape} fails with: {_sentence(message)}"


def _calls_of(finding: Finding, rule: Rule | None, result: ModelResult | None) -> list[CallResult]:
    if result is None or rule is None or finding.origin is None:
        return []
    if len(finding.origin) > 2:  # a call finding: (model, None, call)
        return [c for c in result.calls if c.index == finding.origin[2]]
    if (rule.runtime or {}).get("call-error"):  # a layer rule about what the model's calls do
        return list(result.calls)
    return []


_said: set[str] = set()


def _say_once_why_nothing_ran(results, target: int) -> None:
    """--runtime that cannot run at all (no TensorFlow, no tf_keras, TensorFlow failing to import) says so on
    stderr, once per process, whatever the output format: the findings are all ``unchecked`` then."""
    reasons = {r.reason for r in results if r.status == "unchecked" and r.reason is not None}
    found = [r for r in reasons if r in (NO_TENSORFLOW, NO_TF_KERAS) or r.startswith(
        ("TensorFlow failed to import", "importing TensorFlow timed out", "out of memory importing TensorFlow"))]
    if not found and tensorflow_missing():
        found = [NO_TENSORFLOW]
    elif not found and target == 2 and importlib.util.find_spec("tf_keras") is None:
        found = [NO_TF_KERAS]
    for reason in sorted(found):
        if reason not in _said:
            _said.add(reason)
            sys.stderr.write(f"lstmlint: --runtime: {reason}; every finding stays unchecked\n")
            sys.stderr.flush()


def describe_call(call: CallResult, keras: str | None) -> str:
    """What Keras did with one replayed call, in a sentence (appended to the findings it decides), e.g. "Keras
    3.15.1 refuses it: fit on zeros of x (10, 5, 2) and y (10, 1) in batches of 4, 4 and 2 (the state holds 4
    rows) fails with: Incompatible shapes: [2,32] vs. [4,32]." """
    who = keras or "Keras"
    ran = call.ran or call.method
    why = call.note or "no training step"
    replay = call.method if ran == call.method else f"{call.method}, replayed as {ran} ({why}),"
    said = f"{replay} on zeros of {_arrays_text(call)}"
    if call.batches:
        said += f" in {_batches_text(call.batches)}"
    extras = []
    if call.stateful and call.fixed_batch:
        extras.append(f"the state holds {call.fixed_batch} rows")
    if call.shuffle and call.stateful:
        extras.append("shuffled")
    if call.loss:
        extras.append(f"loss {call.loss!r}")
    if extras:
        said += f" ({', '.join(extras)})"
    assumed = " (x's shape is not known: the model's own input shape was used)" if call.assumed else ""
    if call.status == "failed":
        message = keras_message(call.error or "") or "an error without a message"
        return f"{who} refuses it{assumed}: {said} fails with: {_sentence(message)}"
    output = f", output {shape_text(call.output)}" if call.output else ""
    return f"{who} runs it{assumed}: {said} runs without an error{output}."


def _arrays_text(call: CallResult) -> str:
    text = f"x {shape_text(call.x)}" if call.x else "x"
    return text + (f" and y {shape_text(call.y)}" if call.y else "")


def _sentence(text: str) -> str:
    return text if text.endswith((".", "!", "?")) else text + "."


def _batches_text(sizes: list[int]) -> str:
    if len(sizes) == 1:
        return f"1 batch of {sizes[0]}"
    if len(set(sizes)) == 1:
        return f"{len(sizes)} batches of {sizes[0]}"
    return f"batches of {', '.join(str(n) for n in sizes[:-1])} and {sizes[-1]}"


def _call_error_finding(module: Module, index: int, call: CallResult, keras: str | None) -> Finding:
    model = module.models[index]
    span = model.calls[call.index].span if 0 <= call.index < len(model.calls) else model.span
    ran = call.ran or call.method
    why = call.note or "no training step"
    replay = call.method if ran == call.method else f"{call.method} (replayed as {ran}: {why})"
    batches = f" in {_batches_text(call.batches)}" if call.batches else ""
    message = (f"{keras or 'Keras'} refuses this {replay} on zeros of {_arrays_text(call)}{batches}: "
               f"{_sentence(keras_message(call.error or '') or 'an error without a message')}")
    finding = Finding(module.path, span.line, span.column, span.end_line, span.end_column, KERAS_CALL_ERROR[0],
                      KERAS_CALL_ERROR[1], "error", message, runtime="confirmed")
    return replace(finding, origin=(index, None, call.index))


def mismatch_finding(module: Module, index: int, result: ModelResult) -> Finding:
    model = module.models[index]
    mismatch = result.mismatch
    assert mismatch is not None
    layer = model.layers[mismatch.layer] if mismatch.layer is not None else None
    span = layer.span if layer is not None else model.span
    message = (f"lstmlint and {result.keras or 'Keras'} disagree on {mismatch.what}: lstmlint computes "
               f"{mismatch.static}, Keras {mismatch.keras}. This is a bug in lstmlint's static shapes, not in "
               "your code; the findings on this model stay unchecked. Please report it to lstmlint's maintainers "
               "with this model.")
    finding = Finding(module.path, span.line, span.column, span.end_line, span.end_column,
                      STATIC_RUNTIME_MISMATCH[0], STATIC_RUNTIME_MISMATCH[1], "warning", message, runtime="confirmed")
    return replace(finding, origin=(index, mismatch.layer))


def _build_error_finding(module: Module, index: int, result: ModelResult) -> Finding:
    model = module.models[index]
    layer = model.layers[result.error_layer] if result.error_layer is not None and 0 <= result.error_layer < len(
        model.layers) else None
    span = layer.span if layer is not None else model.span
    error = result.error or ""
    head = error.split(":", 1)[0]
    if head.isidentifier() and head.endswith(("Error", "Exception", "Exit")):
        error = error.split(":", 1)[1]  # "ValueError: ..." -> Keras's own text
    message = first_line(error) or "Keras refuses to build this model"
    finding = Finding(module.path, span.line, span.column, span.end_line, span.end_column, KERAS_BUILD_ERROR[0],
                      KERAS_BUILD_ERROR[1], "error", message, runtime="confirmed")
    return replace(finding, origin=(index, result.error_layer))
