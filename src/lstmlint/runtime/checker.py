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

    run_models(models: list[tuple[Model, int]], timeout=20.0, progress=False, memory_limit=None)
            -> list[ModelResult]
        One result per (model, target-keras), in order. One worker subprocess per target version per call
        (TensorFlow imported once in it); a model that exceeds ``timeout`` seconds gets the worker killed and
        restarted for the remaining models; a model's replayed calls get their own ``timeout`` (on expiry they
        are unchecked and the build result stands). ``memory_limit`` (bytes; default LSTMLINT_RUNTIME_MEMORY or 4 GiB,
        0 = none) is the worker's RLIMIT_AS: a model that runs out of it is unchecked. ``progress`` prints
        "runtime: built 3/12 models" to stderr when stderr is a TTY and more than 3 models are rebuilt.

    apply_runtime(modules, findings, rules: dict[str, Rule], target, timeout=20.0, progress=False)
            -> tuple[list[Finding], dict[tuple[str, int], ModelResult]]
        Runs every model of every module and replays its calls, sets each finding's ``runtime`` and returns
        (the findings plus any LSTM900/901/902 findings, sorted; the results keyed by (module.path, model
        index)). Verdicts:
        - ``confirmed``: a rule with ``runtime: {build-error: [...]}`` whose model Keras refuses with a message
          containing one of the substrings, or with ``call-error: [...]`` whose call (for a layer rule: a call
          of its model) Keras refuses so;
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
"""

from __future__ import annotations

import importlib.util
import json
import os
import select
import subprocess
import sys
import time
from dataclasses import asdict, dataclass, field, replace
from typing import Any

from lstmlint import builtin_codes
from lstmlint.engine.loader import Rule
from lstmlint.findings import Finding
from lstmlint.ir import Layer, Model, Module
from lstmlint.runtime.calls import CallPlan, plan_calls
from lstmlint.runtime.worker import UNRECORDED_FUNCTIONS, keras_message, keras_name

DEFAULT_TIMEOUT = 20.0
DEFAULT_MEMORY_LIMIT = 4 * 2**30
STARTUP_TIMEOUT = 180.0  # importing TensorFlow, separate from the per-model timeout
NO_TENSORFLOW = "TensorFlow is not installed: runtime check needs `pip install 'lstmlint[runtime]'`"
NO_TF_KERAS = ("tf_keras is not installed: runtime check for target-keras 2 needs `pip install tf_keras` "
               "(with TensorFlow)")
KERAS_BUILD_ERROR = (builtin_codes.KERAS_BUILD_ERROR.id, builtin_codes.KERAS_BUILD_ERROR.name)
KERAS_CALL_ERROR = (builtin_codes.KERAS_CALL_ERROR.id, builtin_codes.KERAS_CALL_ERROR.name)
STATIC_RUNTIME_MISMATCH = (builtin_codes.STATIC_RUNTIME_MISMATCH.id, builtin_codes.STATIC_RUNTIME_MISMATCH.name)


@dataclass
class LayerResult:
    output_shape: list | None
    params: int | None


@dataclass
class CallResult:
    """One model call replayed on zero arrays (see ``calls`` and ``worker.CallRunner``)."""

    index: int  # into Model.calls
    method: str
    status: str  # "ran" | "failed" | "unchecked"
    ran: str | None = None  # what ran: the method itself, or predict when the target or the loss is not known
    error: str | None = None
    reason: str | None = None
    x: list | None = None  # the shapes of the zero arrays
    y: list | None = None
    batches: list[int] | None = None
    loss: str | None = None
    loss_value: float | None = None
    output: list | None = None
    assumed: bool = False  # x was not known: the model's own input shape was used
    shuffle: bool = False
    stateful: bool = False
    fixed_batch: int | None = None
    note: str | None = None
    seconds: float | None = None
    cpu_seconds: float | None = None  # the worker's CPU time (all its threads) for the call

    @staticmethod
    def from_json(data: dict[str, Any]) -> CallResult:
        known = {f for f in CallResult.__dataclass_fields__}
        return CallResult(**{k: v for k, v in data.items() if k in known})


@dataclass
class Mismatch:
    """Where lstmlint's static shapes and parameter counts differ from Keras's (issue: the static side is wrong)."""

    layer: int | None  # index into Model.layers; None: the model's total
    static: str
    keras: str
    what: str  # "LSTM (line 3)" or "this model"


@dataclass
class ModelResult:
    built: bool
    error: str | None = None
    error_layer: int | None = None
    layers: list[LayerResult | None] = field(default_factory=list)
    output_shape: list | None = None
    total_params: int | None = None
    status: str = "unchecked"
    reason: str | None = None
    seconds: float | None = None
    calls: list[CallResult] = field(default_factory=list)
    mismatch: Mismatch | None = None
    keras: str | None = None  # "Keras 3.15.1"

    @staticmethod
    def unchecked(reason: str) -> ModelResult:
        return ModelResult(built=False, status="unchecked", reason=reason)


# ------------------------------------------------------------------------------------------ fully known


def fully_known(model: Model, target: int) -> str | None:
    """None when the model can be rebuilt from the IR alone, else ``"model not fully known: <what>"``."""
    what = _unknown_part(model, target)
    return None if what is None else f"model not fully known: {what}"


def _unknown_part(model: Model, target: int) -> str | None:
    from lstmlint.shapes import declared_input, dim
    from lstmlint.unknown import UNKNOWN

    if not model.complete:
        return "some layers or edges are not known statically"
    if not model.layers:
        return "no layers"
    if model.build_shape is not None and not _shape_known(model.build_shape):
        return f"the shape given to build() is not known ({model.build_shape.text or 'not a constant'})"
    for index, layer in enumerate(model.layers):
        problem = _layer_problem(layer, target)
        if problem is not None:
            return problem
        for ref in [*layer.inputs, *(r for refs in layer.keyword_inputs.values() for r in refs)]:
            if not 0 <= ref.layer < index:
                return f"the input of {_label(layer)} is not known"
        if model.kind != "sequential" and layer.family != "input" and not layer.inputs:
            return f"the input of {_label(layer)} is not known"
    first = model.layers[0]
    if model.kind == "sequential":
        has_input = first.family == "input" and declared_input(first, target) is not None
        if not has_input and model.build_shape is None:
            return "no input shape (no Input, input_shape= or build())"
        if model.layers[0].implicit and len(model.layers) < 2:
            return "no layers"
    else:
        for index, layer in enumerate(model.layers):
            if layer.family != "input":
                continue
            if layer.implicit:
                dims = declared_input(layer, target)
                if dims is None and index == 0 and model.build_shape is not None:
                    continue
                if dims is None or any(dim(d) is UNKNOWN for d in dims):
                    what = "the subclassed model's input shape" if model.kind == "subclass" else "an input shape"
                    return f"{what} is not known"
    for ref in model.outputs:
        if not 0 <= ref.layer < len(model.layers):
            return "the model's outputs are not known"
    return None


def _shape_known(value) -> bool:
    if not value.known or value.kind != "tuple":
        return False
    return all(item.kind == "const" and (item.const is None or type(item.const) is int) for item in value.items)


def _label(layer: Layer) -> str:
    return f"{layer.cls} (line {layer.span.line})"


def _layer_problem(layer: Layer, target: int) -> str | None:
    from lstmlint import keras_api

    if layer.family in ("unknown", "model", "other") or layer.cls == "?":
        return f"a layer at line {layer.span.line} is not a known Keras layer"
    spec = keras_api.spec(layer.cls)
    if spec is None:
        return f"{_label(layer)} is not a known Keras layer"
    if (spec.k3 if target == 3 else spec.k2) is None:
        return f"{layer.cls} does not exist in Keras {target}"
    if layer.qualname.rpartition(".")[2] in UNRECORDED_FUNCTIONS:
        return f"the arguments of {layer.qualname}() are not recorded"
    if layer.has_star_args:
        return f"{_label(layer)} gets *args or **kwargs"
    if layer.extra_positional:
        return f"{_label(layer)} gets more positional arguments than known"
    if layer.implicit:
        return None  # its args are the declaring layer's, checked there
    for name, arg in layer.args.items():
        if (name == "layer" and layer.wrapped is not None) or (name == "cell" and layer.cells):
            continue
        problem = _value_problem(arg.value)
        if problem is not None:
            return f"{name}= of {_label(layer)} is {problem}"
    if layer.family == "wrapper" and layer.wrapped is None and "layer" in layer.args:
        return f"the layer wrapped by {_label(layer)} is not known"
    for inner in ([layer.wrapped] if layer.wrapped is not None else []) + layer.cells:
        problem = _layer_problem(inner, target)
        if problem is not None:
            return problem
    return None


def _value_problem(value) -> str | None:
    if value.kind == "unknown":
        return f"not known ({value.reason or value.text or 'not a constant'})"
    if value.kind == "symbol" and keras_name(value.const) is None:
        return f"{value.const}, which has no Keras name"
    if value.kind == "tuple":
        for item in value.items:
            problem = _value_problem(item)
            if problem is not None:
                return problem
    return None


# ------------------------------------------------------------------------------------------- the worker


class WorkerError(Exception):
    pass


class Worker:
    """One runtime worker process (started isolated by :mod:`lstmlint.subprocess_worker`) and its line protocol."""

    def __init__(self, target: int, memory_limit: int) -> None:
        from lstmlint.subprocess_worker import Child

        self.target = target
        self.memory_limit = memory_limit
        # -W ignore -B: what PYTHONWARNINGS / PYTHONDONTWRITEBYTECODE said before; `python -I` ignores them
        self.child = Child("lstmlint.runtime.worker:main", ["--memory-limit", str(memory_limit)],
                           memory_limit=memory_limit, env=self.env(), stderr=subprocess.DEVNULL,
                           python_flags=("-W", "ignore", "-B"))
        self.buffer = b""
        self.import_seconds: float | None = None
        self.keras_version: str | None = None

    @property
    def proc(self) -> subprocess.Popen | None:
        return self.child.process

    def env(self) -> dict[str, str]:
        env = dict(os.environ)
        env.update(TF_CPP_MIN_LOG_LEVEL="3", KERAS_BACKEND="tensorflow", CUDA_VISIBLE_DEVICES="")
        if self.target == 2:
            env["TF_USE_LEGACY_KERAS"] = "1"
        else:
            env.pop("TF_USE_LEGACY_KERAS", None)
        return env

    def start(self) -> None:
        """Start the worker and wait for TensorFlow to be imported; raises WorkerError with the reason."""
        self.buffer = b""
        self.child.start()  # (a previous process, dead or alive, is stopped and its folder removed first)
        try:
            hello = self.read(max(STARTUP_TIMEOUT, 0.0))
        except TimeoutError:
            self.kill()
            raise WorkerError(f"importing TensorFlow timed out after {STARTUP_TIMEOUT:g}s") from None
        except EOFError:
            self.kill()
            raise WorkerError("worker crashed") from None
        if not hello.get("ready"):
            self.kill()
            error = str(hello.get("error", ""))
            if "No module named 'tensorflow'" in error or "No module named 'tf_keras'" in error:
                raise WorkerError(NO_TF_KERAS if "tf_keras" in error else NO_TENSORFLOW)
            raise WorkerError(f"TensorFlow failed to import: {error}")
        self.import_seconds = hello.get("import_seconds")
        self.keras_version = hello.get("keras_version")

    def read(self, timeout: float) -> dict[str, Any]:
        assert self.proc is not None and self.proc.stdout is not None
        deadline = time.monotonic() + timeout
        fd = self.proc.stdout.fileno()
        while b"\n" not in self.buffer:
            left = deadline - time.monotonic()
            if left <= 0:
                raise TimeoutError
            ready, _, _ = select.select([fd], [], [], left)
            if not ready:
                continue
            chunk = os.read(fd, 65536)
            if not chunk:
                raise EOFError
            self.buffer += chunk
        line, _, self.buffer = self.buffer.partition(b"\n")
        return json.loads(line)

    def request(self, job: dict[str, Any], timeout: float) -> dict[str, Any]:
        assert self.proc is not None and self.proc.stdin is not None
        try:
            self.proc.stdin.write((json.dumps(job) + "\n").encode())
            self.proc.stdin.flush()
        except (BrokenPipeError, OSError):
            raise EOFError from None
        return self.answer(job["id"], timeout)

    def answer(self, job_id: int, timeout: float) -> dict[str, Any]:
        """The next line for job ``job_id`` (the replayed calls that follow a build result)."""
        while True:
            answer = self.read(timeout)
            if answer.get("id") == job_id:
                return answer

    def alive(self) -> bool:
        return self.child.alive()

    def kill(self) -> None:
        self.child.stop()

    def close(self) -> None:
        self.child.close()


def _result(answer: dict[str, Any]) -> ModelResult:
    layers = [None if item is None else LayerResult(item.get("output_shape"), item.get("params"))
              for item in answer.get("layers") or []]
    status = answer.get("status", "unchecked")
    return ModelResult(
        built=status == "built", error=answer.get("error"), error_layer=answer.get("error_layer"), layers=layers,
        output_shape=answer.get("output_shape"), total_params=answer.get("total_params"), status=status,
        reason=answer.get("reason"), seconds=answer.get("seconds"),
    )


class _Progress:
    def __init__(self, total: int, enabled: bool) -> None:
        self.total = total
        self.done = 0
        self.enabled = enabled and total > 3 and sys.stderr.isatty()

    def step(self) -> None:
        self.done += 1
        if self.enabled:
            sys.stderr.write(f"\rruntime: built {self.done}/{self.total} models")
            sys.stderr.flush()

    def finish(self) -> None:
        if self.enabled and self.done:
            sys.stderr.write("\n")
            sys.stderr.flush()


def tensorflow_missing() -> bool:
    return importlib.util.find_spec("tensorflow") is None


def run_models(models: list[tuple[Model, int]], timeout: float = DEFAULT_TIMEOUT, progress: bool = False,
               memory_limit: int | None = None) -> list[ModelResult]:
    """Rebuild each (model, target-keras) in real Keras; one result per model, in order (see the module doc)."""
    results: list[ModelResult | None] = [None] * len(models)
    pending: dict[int, list[int]] = {}
    for position, (model, target) in enumerate(models):
        reason = fully_known(model, target)
        if reason is not None:
            results[position] = ModelResult.unchecked(reason)
        else:
            pending.setdefault(target, []).append(position)
    if pending and tensorflow_missing():
        for positions in pending.values():
            for position in positions:
                results[position] = ModelResult.unchecked(NO_TENSORFLOW)
        pending = {}
    if 2 in pending and importlib.util.find_spec("tf_keras") is None:
        for position in pending.pop(2):
            results[position] = ModelResult.unchecked(NO_TF_KERAS)
    counter = _Progress(sum(len(p) for p in pending.values()), progress)
    from lstmlint.subprocess_worker import memory_limit_from_env

    limit = memory_limit if memory_limit is not None else memory_limit_from_env("LSTMLINT_RUNTIME_MEMORY",
                                                                                 DEFAULT_MEMORY_LIMIT)
    try:
        for target, positions in sorted(pending.items()):
            _run_target(models, positions, target, timeout, limit, results, counter)
    finally:
        counter.finish()
    return [r if r is not None else ModelResult.unchecked("worker crashed") for r in results]


def _run_target(models: list[tuple[Model, int]], positions: list[int], target: int, timeout: float, limit: int,
                results: list[ModelResult | None], counter: _Progress) -> None:
    worker = Worker(target, limit)
    try:
        for number, position in enumerate(positions):
            if not worker.alive():
                try:
                    worker.start()
                except WorkerError as error:
                    for rest in positions[number:]:
                        results[rest] = ModelResult.unchecked(str(error))
                    return
            model = models[position][0]
            plans = plan_calls(model)
            job = {"id": number, "model": asdict(model), "target": target, "calls": [asdict(p) for p in plans]}
            answer: dict[str, Any] = {}
            try:
                answer = worker.request(job, timeout)
                results[position] = _result(answer)
            except TimeoutError:
                worker.kill()
                results[position] = ModelResult.unchecked(f"timeout after {timeout:g}s")
            except (EOFError, ValueError):
                worker.kill()
                results[position] = ModelResult.unchecked("worker crashed")
            result = results[position]
            assert result is not None
            result.keras = worker.keras_version
            if answer.get("calls_follow"):
                result.calls = _replayed_calls(worker, number, plans, timeout)
            if result.status != "unchecked":
                result.mismatch = static_mismatch(model, target, result)
            counter.step()
    finally:
        worker.close()


def _replayed_calls(worker: Worker, job_id: int, plans: list[CallPlan], timeout: float) -> list[CallResult]:
    """The second answer of a job: its calls replayed, under the same timeout as the build (the build's result
    stands when they time out or crash the worker)."""
    reason = None
    try:
        answer = worker.answer(job_id, timeout)
        return [CallResult.from_json(item) for item in answer.get("calls") or []]
    except TimeoutError:
        reason = f"timeout after {timeout:g}s"
    except (EOFError, ValueError):
        reason = "worker crashed"
    worker.kill()
    return [CallResult(p.index, p.method, "unchecked", reason=reason) for p in plans]


# ------------------------------------------------------------------------------------------ the oracle


def static_mismatch(model: Model, target: int, result: ModelResult) -> Mismatch | None:
    """The first layer (or the total) where lstmlint's known shapes or parameter counts differ from Keras's."""
    from lstmlint.explain import shown_layers
    from lstmlint.shapes import dims, infer, total_params

    try:
        shapes = infer(model, target)
    except Exception:  # noqa: BLE001 - a static crash is reported by the static path, not here
        return None
    for index, (static, keras) in enumerate(zip(shapes, result.layers)):
        if keras is None:
            continue
        out = dims(static.output)
        shape_differs = out is not None and keras.output_shape is not None and not _agrees(out, keras.output_shape)
        params_differ = static.params is not None and keras.params is not None and static.params != keras.params
        if shape_differs or params_differ:
            return Mismatch(index, _describe(out, static.params), _describe(keras.output_shape, keras.params),
                            _label(model.layers[index]))
    shown = shown_layers(model)
    if result.status == "built" and result.total_params is not None and shown:
        total = total_params(model, shapes, shown)  # a shared layer counted once, as Keras counts it
        if total is not None and total != result.total_params:
            return Mismatch(None, f"{total:,} parameters", f"{result.total_params:,} parameters", "this model")
    return None



def _agrees(static, keras) -> bool:
    from lstmlint.unknown import UNKNOWN

    if static is None:
        return True
    if not isinstance(keras, list) or len(static) != len(keras):
        return False
    nested_static = bool(static) and isinstance(static[0], list)
    nested_keras = bool(keras) and isinstance(keras[0], list)
    if nested_static or nested_keras:
        return nested_static == nested_keras and all(_agrees(s, k) for s, k in zip(static, keras))
    return all(s is UNKNOWN or s == k for s, k in zip(static, keras))


def _describe(shape, params: int | None) -> str:
    parts = []
    if shape is not None:
        parts.append(f"output {_shape_text(shape)}")
    if params is not None:
        parts.append(f"{params:,} parameters")
    return " and ".join(parts) or "nothing known"


def _shape_text(shape) -> str:
    from lstmlint.shape_text import shape_text

    return shape_text(shape)


# ------------------------------------------------------------------------------------------ the verdicts


def verdict(finding: Finding, rule: Rule | None, result: ModelResult | None,
            calls: list[CallResult] | None = None) -> str:
    """confirmed / consistent / refuted / unchecked for one static finding, its model's result and the calls
    of that model the finding is about (its own call, or all the model's calls for a layer rule with a
    ``call-error`` spec)."""
    return _judge(finding, rule, result, calls or [])[0]


def _judge(finding: Finding, rule: Rule | None, result: ModelResult | None,
           calls: list[CallResult]) -> tuple[str, CallResult | None]:
    """The verdict and the replayed call it rests on (None when it rests on the build alone)."""
    if result is None or rule is None or result.status == "unchecked" or result.mismatch is not None:
        return "unchecked", None
    spec = rule.runtime or {}
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
        finding.runtime, call = _judge(finding, rule, result, calls)
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
    output = f", output {_shape_text(call.output)}" if call.output else ""
    return f"{who} runs it{assumed}: {said} runs without an error{output}."


def _arrays_text(call: CallResult) -> str:
    text = f"x {_shape_text(call.x)}" if call.x else "x"
    return text + (f" and y {_shape_text(call.y)}" if call.y else "")


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
    from lstmlint.runtime.worker import first_line

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
