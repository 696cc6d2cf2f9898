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

    fully_known(model, target) -> str | None
        None when the model can be rebuilt from the IR alone, else "model not fully known: <what>".

    run_models(models: list[tuple[Model, int]], timeout=20.0, progress=False, memory_limit=None)
            -> list[ModelResult]
        One result per (model, target-keras), in order. One worker subprocess per target version per call
        (TensorFlow imported once in it); a model that exceeds ``timeout`` seconds gets the worker killed and
        restarted for the remaining models. ``memory_limit`` (bytes; default LSTMLINT_RUNTIME_MEMORY or 4 GiB,
        0 = none) is the worker's RLIMIT_AS: a model that runs out of it is unchecked. ``progress`` prints
        "runtime: built 3/12 models" to stderr when stderr is a TTY and more than 3 models are rebuilt.

    apply_runtime(modules, findings, rules: dict[str, Rule], target, timeout=20.0, progress=False)
            -> tuple[list[Finding], dict[tuple[str, int], ModelResult]]
        Runs every model of every module, sets each finding's ``runtime`` and returns (the findings plus any
        LSTM900 findings, sorted; the results keyed by (module.path, model index)). Verdicts:
        - ``confirmed``: a rule with ``runtime: {build-error: [...]}`` whose model Keras refuses with a message
          containing one of the substrings;
        - ``refuted``: such a rule whose model Keras builds;
        - ``consistent``: a rule with ``runtime: {semantic: true}`` or no runtime spec whose model Keras builds;
        - ``unchecked``: everything else — no origin model, model not rebuilt (not fully known, no TensorFlow,
          timeout, crash), or Keras failed for a reason the rule does not claim.
        A model that Keras refuses while no static finding of a build-error rule sits on it gets an
        ``LSTM900 keras-build-error [error]`` finding at the failing layer with Keras's message (first line).
        LSTM900 findings are not filtered by select/ignore/noqa here: the caller does that.

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
from lstmlint.runtime.worker import UNRECORDED_FUNCTIONS, keras_name

DEFAULT_TIMEOUT = 20.0
DEFAULT_MEMORY_LIMIT = 4 * 2**30
STARTUP_TIMEOUT = 180.0  # importing TensorFlow, separate from the per-model timeout
NO_TENSORFLOW = "TensorFlow is not installed: runtime check needs `pip install 'lstmlint[runtime]'`"
NO_TF_KERAS = ("tf_keras is not installed: runtime check for target-keras 2 needs `pip install tf_keras` "
               "(with TensorFlow)")
KERAS_BUILD_ERROR = (builtin_codes.KERAS_BUILD_ERROR.id, builtin_codes.KERAS_BUILD_ERROR.name)


@dataclass
class LayerResult:
    output_shape: list | None
    params: int | None


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
                if dims is None or any(dim(d) is ... for d in dims):
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


def _memory_limit(given: int | None) -> int:
    if given is not None:
        return given
    raw = os.environ.get("LSTMLINT_RUNTIME_MEMORY", "")
    try:
        return int(raw) if raw else DEFAULT_MEMORY_LIMIT
    except ValueError:
        return DEFAULT_MEMORY_LIMIT


class WorkerError(Exception):
    pass


class Worker:
    """One runtime worker process (started isolated by :mod:`lstmlint.subprocess_worker`) and its line protocol."""

    def __init__(self, target: int, memory_limit: int) -> None:
        self.target = target
        self.memory_limit = memory_limit
        self.child = None
        self.buffer = b""
        self.import_seconds: float | None = None
        self.keras_version: str | None = None

    @property
    def proc(self) -> subprocess.Popen | None:
        return self.child.process if self.child is not None else None

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
        from lstmlint.subprocess_worker import Child

        self.buffer = b""
        # -W ignore -B: what PYTHONWARNINGS / PYTHONDONTWRITEBYTECODE said before; `python -I` ignores them
        self.child = Child("lstmlint.runtime.worker:main", ["--memory-limit", str(self.memory_limit)],
                           memory_limit=self.memory_limit, env=self.env(), stderr=subprocess.DEVNULL,
                           python_flags=("-W", "ignore", "-B"))
        self.child.start()
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
        while True:
            answer = self.read(timeout)
            if answer.get("id") == job["id"]:
                return answer

    def alive(self) -> bool:
        return self.child is not None and self.child.alive()

    def kill(self) -> None:
        if self.child is not None:
            self.child.stop()

    def close(self) -> None:
        if self.child is not None:
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
    limit = _memory_limit(memory_limit)
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
            job = {"id": number, "model": asdict(models[position][0]), "target": target}
            try:
                results[position] = _result(worker.request(job, timeout))
            except TimeoutError:
                worker.kill()
                results[position] = ModelResult.unchecked(f"timeout after {timeout:g}s")
            except (EOFError, ValueError):
                worker.kill()
                results[position] = ModelResult.unchecked("worker crashed")
            counter.step()
    finally:
        worker.close()


# ------------------------------------------------------------------------------------------ the verdicts


def verdict(finding: Finding, rule: Rule | None, result: ModelResult | None) -> str:
    """confirmed / consistent / refuted / unchecked for one static finding and its model's result."""
    if result is None or rule is None or result.status == "unchecked":
        return "unchecked"
    expected = rule.runtime.get("build-error") if rule.runtime else None
    if expected:
        if result.status == "built":
            return "refuted"
        message = result.error or ""
        return "confirmed" if any(text in message for text in expected) else "unchecked"
    return "consistent" if result.status == "built" else "unchecked"


def apply_runtime(modules: list[Module], findings: list[Finding], rules: dict[str, Rule], target: int,
                  timeout: float = DEFAULT_TIMEOUT, progress: bool = False
                  ) -> tuple[list[Finding], dict[tuple[str, int], ModelResult]]:
    """Rebuild every model, set each finding's ``runtime`` and add LSTM900 findings (see the module doc)."""
    keys: list[tuple[str, int]] = []
    jobs: list[tuple[Model, int]] = []
    by_path: dict[str, Module] = {}
    for module in modules:
        by_path[module.path] = module
        for index, model in enumerate(module.models):
            keys.append((module.path, index))
            jobs.append((model, target))
    results = dict(zip(keys, run_models(jobs, timeout=timeout, progress=progress)))

    claimed: set[tuple[str, int]] = set()  # models with a static finding of a build-error rule
    out: list[Finding] = []
    for finding in findings:
        rule = rules.get(finding.rule)
        result = results.get((finding.path, finding.origin[0])) if finding.origin is not None else None
        finding.runtime = verdict(finding, rule, result)
        if finding.origin is not None and rule is not None and rule.runtime.get("build-error"):
            claimed.add((finding.path, finding.origin[0]))
        out.append(finding)
    for key, result in results.items():
        if result.status != "failed" or key in claimed:
            continue
        out.append(_build_error_finding(by_path[key[0]], key[1], result))
    out.sort(key=Finding.sort_key)
    return out, results


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
