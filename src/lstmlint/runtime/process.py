"""The runtime worker subprocess, parent side: starting it, its line protocol, timeouts and restarts, and
running models through it (``run_models``)."""

from __future__ import annotations

import importlib.util
import json
import os
import select
import subprocess
import sys
import time
from dataclasses import asdict
from typing import Any

from lstmlint.ir import Model
from lstmlint.runtime.calls import CallPlan, plan_calls
from lstmlint.runtime.known import fully_known
from lstmlint.runtime.oracle import static_mismatch
from lstmlint.runtime.results import CallResult, LayerResult, ModelResult

DEFAULT_TIMEOUT = 20.0
DEFAULT_MEMORY_LIMIT = 4 * 2**30
STARTUP_TIMEOUT = 180.0  # importing TensorFlow, separate from the per-model timeout
NO_TENSORFLOW = "TensorFlow is not installed: runtime check needs `pip install 'lstmlint[runtime]'`"
NO_TF_KERAS = ("tf_keras is not installed: runtime check for target-keras 2 needs `pip install tf_keras` "
               "(with TensorFlow)")


class WorkerError(Exception):
    pass


class Worker:
    """One runtime worker process (started isolated by :mod:`lstmlint.subprocess_worker`) and its line protocol."""

    def __init__(self, target: int, memory_limit: int) -> None:
        from lstmlint.subprocess_worker import Child

        self.target = target
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
               memory_limit: int | None = None, replay: bool = True) -> list[ModelResult]:
    """Rebuild each (model, target-keras) in real Keras; one result per model, in order (see the module doc).
    ``replay=False`` builds the models only (bench/rebuild.py compares shapes, not calls)."""
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
            _run_target(models, positions, target, timeout, limit, results, counter, replay)
    finally:
        counter.finish()
    return [r if r is not None else ModelResult.unchecked("worker crashed") for r in results]


def _run_target(models: list[tuple[Model, int]], positions: list[int], target: int, timeout: float, limit: int,
                results: list[ModelResult | None], counter: _Progress, replay: bool = True) -> None:
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
            plans = plan_calls(model) if replay else []
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
