"""The runtime worker: ``python -m lstmlint.runtime.worker [--memory-limit BYTES]``.

Runs in a subprocess started by :mod:`lstmlint.runtime.checker`. It imports TensorFlow once, then reads one
JSON job per line on stdin and writes one JSON result per line on stdout:

- first line out: ``{"ready": true, "import_seconds": s, "keras_version": v}`` or ``{"ready": false, "error": e}``;
- job in: ``{"id": n, "model": <ir.Model as a dict>, "target": 2|3}``;
- result out: ``{"id": n, "status": "built"|"failed"|"unchecked", "error", "error_layer", "layers",
  "output_shape", "total_params", "reason", "seconds", "calls_follow"}``;
- a job may carry ``"calls": [<calls.CallPlan as a dict>, ...]``: when its model is built, a second line follows,
  ``{"id": n, "calls": [{"index", "method", "status": "ran"|"failed"|"unchecked", "error", "reason", "ran", "x",
  "y", "batches", "loss", "output", "assumed", "shuffle", "stateful", "fixed_batch", "note",
  "seconds", "cpu_seconds"}, ...]}`` (``CallRunner``): the calls replayed on zero arrays of the planned shapes.

The model is rebuilt by :mod:`lstmlint.runtime.rebuild` and its calls replayed by :mod:`lstmlint.runtime.replay`;
this module is the process: limits, the TensorFlow import and the line protocol. Nothing of the user's file is
imported or executed. Everything TensorFlow prints goes to stderr (fd 1 is pointed at fd 2 at start-up and the
protocol uses a private copy of the original stdout).
"""

from __future__ import annotations

import json
import os
import sys
import time
from typing import Any

from lstmlint.runtime.messages import first_line, out_of_memory
from lstmlint.runtime.rebuild import Builder, keras_label
from lstmlint.runtime.replay import CallRunner

# ------------------------------------------------------------------------------------------------ the loop


def _cheap_initial_values(tf: Any) -> None:
    """Create Keras 3 variables as zeros instead of running their initializers.

    Initial values change no shape and no error of a build (initializer names and objects are still resolved
    and validated by the layer constructors), but drawing them costs most of a build: an Orthogonal recurrent
    kernel of LSTM(512) takes 0.17 s. Keras 2 (tf_keras) is left as it is.
    """
    try:
        from keras.src.backend.tensorflow.core import Variable
    except Exception:  # noqa: BLE001 - not Keras 3 on TensorFlow
        return

    def _initialize_with_initializer(self, initializer):
        self._initialize(lambda: tf.zeros(self._shape, dtype=self._dtype))

    Variable._initialize_with_initializer = _initialize_with_initializer


def _no_graph_optimizations(tf: Any) -> None:
    """Replayed calls run one or two tiny batches: Grappler's graph rewrites cost more than they save there
    (about a quarter of a first fit step), and they change no shape and no error."""
    try:
        tf.config.optimizer.set_experimental_options({"disable_meta_optimizer": True})
    except Exception:  # noqa: BLE001, S110 - an option this TensorFlow does not have: keep its default
        pass


def _run_calls(keras: Any, builder: Any, plans: list[dict[str, Any]], memory_limit: int) -> list[dict[str, Any]]:
    try:
        model = builder.callable_model()
    except Exception as error:  # noqa: BLE001 - e.g. a graph keras.Model refuses: the calls stay unchecked
        reason = f"the model cannot be called: {first_line(str(error))}"
        return [{"index": p["index"], "method": p["method"], "status": "unchecked", "reason": reason}
                for p in plans]
    results = CallRunner(keras, model, memory_limit).run(plans)
    for result in results:
        if result.get("reason") == "out of memory" and memory_limit > 0:
            result["reason"] = f"out of memory (worker limit {_gib(memory_limit)})"
    return results


def _gib(limit: int) -> str:
    return f"{limit / 2**30:g} GiB"


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    memory_limit = 0
    if "--memory-limit" in argv:
        memory_limit = int(argv[argv.index("--memory-limit") + 1])
    channel = os.fdopen(os.dup(1), "w", buffering=1, encoding="utf-8")
    os.dup2(2, 1)  # whatever TensorFlow or Keras prints goes to stderr, never into the protocol
    sys.stdout = sys.stderr
    if memory_limit > 0:
        import resource

        try:
            resource.setrlimit(resource.RLIMIT_AS, (memory_limit, memory_limit))
        except (ValueError, OSError):
            pass

    def send(data: dict[str, Any]) -> None:
        channel.write(json.dumps(data) + "\n")
        channel.flush()

    import warnings

    warnings.simplefilter("ignore")
    started = time.perf_counter()
    try:
        import tensorflow as tf

        if os.environ.get("TF_USE_LEGACY_KERAS") in ("1", "true", "True"):
            keras = tf.keras  # routed to tf_keras
        else:
            import keras
    except Exception as error:  # noqa: BLE001 - ImportError, MemoryError and whatever a broken install raises
        if out_of_memory(error):
            message = f"out of memory importing TensorFlow (worker limit {_gib(memory_limit)})"
        else:
            message = f"{type(error).__name__}: {first_line(str(error))}"
        send({"ready": False, "error": message})
        return 1
    import_seconds = time.perf_counter() - started
    _cheap_initial_values(tf)
    _no_graph_optimizations(tf)
    send({"ready": True, "import_seconds": import_seconds, "keras_version": keras_label(keras)})

    from lstmlint.ir import Module

    built = 0
    for line in sys.stdin:
        if not line.strip():
            continue
        job = json.loads(line)
        started = time.perf_counter()
        builder = None
        try:
            module = Module.from_dict({"path": "", "models": [job["model"]], "loose_layers": [], "imports": [],
                                       "reset_calls": 0})
            builder = Builder(keras, tf, module.models[0], job["target"])
            result = builder.run()
        except Exception as error:  # noqa: BLE001 - a bug of the rebuild, not Keras's verdict
            reason = "out of memory" if out_of_memory(error) else \
                f"runtime check failed: {type(error).__name__}: {first_line(str(error))}"
            result = {"status": "unchecked", "reason": reason}
        if result.get("reason") == "out of memory" and memory_limit > 0:
            result["reason"] = f"out of memory (worker limit {_gib(memory_limit)})"
        plans = job.get("calls") or []
        follow = bool(plans) and result.get("status") == "built"
        result["id"] = job["id"]
        result["seconds"] = time.perf_counter() - started
        result["calls_follow"] = follow
        send(result)
        if follow:
            send({"id": job["id"], "calls": _run_calls(keras, builder, plans, memory_limit)})
        built += 1
        try:  # fresh layer names per model, as in a fresh script
            if built % 50 == 0:
                keras.backend.clear_session()
            else:
                keras.backend.clear_session(free_memory=False)
        except TypeError:
            keras.backend.clear_session()
        except Exception:  # noqa: BLE001, S110 - a failed clean-up must not stop the worker
            pass
    return 0


if __name__ == "__main__":
    sys.exit(main())
