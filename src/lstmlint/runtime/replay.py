"""Replaying a model's planned calls on zero arrays (worker side: runs where TensorFlow is imported)."""

from __future__ import annotations

import json
import time
from typing import Any

from lstmlint.runtime.messages import ANSI, first_line, out_of_memory
from lstmlint.runtime.rebuild import shape_of


class _Skip(Exception):
    """A call that cannot be replayed (its result is ``unchecked`` with this reason)."""


class CallRunner:
    """Replays a model's planned calls (``calls.CallPlan`` as dicts) on zero arrays, in the user's order.

    ``predict`` / ``predict_on_batch`` calls predict; ``fit`` / ``evaluate`` / ``*_on_batch`` calls with a known
    target and a known loss run themselves (a training step with that loss and plain SGD), otherwise they predict
    on the same batches. A stateful model replays two batches of each call (plus a short last batch when the
    data has one), so that what happens when the state is carried to the next batch shows.
    """

    def __init__(self, keras: Any, keras_model: Any, memory_limit: int) -> None:
        self.keras = keras
        self.model = keras_model
        self.memory_limit = memory_limit
        self.compiled: str | None = None
        inputs = list(getattr(keras_model, "inputs", None) or [])
        self.problem = None if len(inputs) == 1 else f"the model has {len(inputs)} inputs"
        self.shape: tuple = tuple(inputs[0].shape) if len(inputs) == 1 else ()
        dtype = getattr(inputs[0], "dtype", "float32") if len(inputs) == 1 else "float32"
        self.dtype = str(getattr(dtype, "name", dtype))
        first = self.shape[0] if self.shape else None
        self.fixed = int(first) if isinstance(first, int) else None
        self.stateful = any(getattr(layer, "stateful", False) is True for layer in self._all_layers())

    def _all_layers(self) -> list[Any]:
        try:
            return list(self.model._flatten_layers(include_self=False))
        except Exception:  # noqa: BLE001 - an older Keras: the top-level layers and what they wrap
            found = []
            for layer in getattr(self.model, "layers", []):
                found.append(layer)
                found.extend(x for x in (getattr(layer, "layer", None), getattr(layer, "forward_layer", None))
                             if x is not None)
            return found

    def run(self, plans: list[dict[str, Any]]) -> list[dict[str, Any]]:
        results = []
        seen: dict[str, dict[str, Any]] = {}  # the same call on the same shapes (predict(X) and predict(X_val))
        for plan in plans:
            key = json.dumps({k: v for k, v in plan.items() if k != "index"}, sort_keys=True)
            if key in seen:
                results.append({**seen[key], "index": plan["index"], "seconds": 0.0, "cpu_seconds": 0.0})
                continue
            started, cpu = time.perf_counter(), time.process_time()
            try:
                result = self.one(plan)
            except _Skip as skip:
                result = {"status": "unchecked", "reason": str(skip)}
            except Exception as error:  # noqa: BLE001 - Keras's refusal (or an allocation that failed)
                if out_of_memory(error):
                    result = {"status": "unchecked", "reason": "out of memory"}
                else:
                    result = {"status": "failed", "error": ANSI.sub("", f"{type(error).__name__}: {error}")}
                result.update(getattr(error, "_lstmlint_context", {}))
            result.update(index=plan["index"], method=plan["method"], seconds=time.perf_counter() - started,
                          cpu_seconds=time.process_time() - cpu)
            results.append(result)
            seen[key] = result
        return results

    def one(self, plan: dict[str, Any]) -> dict[str, Any]:
        import numpy as np

        from lstmlint.runtime.calls import WITH_TARGET, batches, fill_samples

        if self.problem is not None:
            raise _Skip(self.problem)
        method = plan["method"]
        on_batch = method.endswith("_on_batch")
        x, assumed = plan["x"], False
        if x is None:
            if self.fixed is None:
                raise _Skip("x is not known and the model's batch size is not fixed")
            if any(not isinstance(d, int) for d in self.shape[1:]):
                raise _Skip("x is not known and the model's input shape is not fully known")
            x, assumed = [None, *self.shape[1:]], True
        steps = 2 if self.stateful else 1
        batch = plan["batch_size"] or 32
        if on_batch:
            samples = x[0] if x[0] is not None else (self.fixed or 4)
        else:
            samples = fill_samples(x[0], batch, self.fixed, steps)
        y = plan["y"] if method in WITH_TARGET else None
        target_samples = None
        if y is not None:
            target_samples = samples if y[0] is None else (y[0] if on_batch else fill_samples(y[0], batch,
                                                                                                 self.fixed, steps))
        loss = plan["loss"]
        train = y is not None and loss is not None
        self._check_size(samples, x, target_samples, y if train else None)
        dtype = self.dtype if self.dtype.startswith(("float", "int", "uint", "bool", "bfloat")) else None
        if dtype is None:
            raise _Skip(f"the model's input dtype is {self.dtype}")
        context: dict[str, Any] = {
            "x": [samples, *x[1:]], "y": [target_samples, *y[1:]] if y is not None else None,
            "batches": [samples] if on_batch else batches(samples, batch), "assumed": assumed,
            "shuffle": bool(plan["shuffle"]) and method == "fit", "stateful": self.stateful,
            "fixed_batch": self.fixed,
        }
        if train:
            note = self._compile(loss)
            if note is not None:
                train = False
                context["note"] = note
        context["ran"] = method if train or method.startswith("predict") else (
            "predict_on_batch" if on_batch else "predict")
        context["loss"] = loss if train else None
        if not train and y is not None:
            context["y"] = None
        if not train and method in WITH_TARGET and "note" not in context:
            context["note"] = "the target is not known" if y is None else "the model's loss is not known"
        x0 = np.zeros(tuple(context["x"]), dtype=dtype)
        y0 = np.zeros(tuple(context["y"]), dtype="float32") if train else None
        self._reset_states()
        try:
            out = self._call(context["ran"], x0, y0, batch, bool(plan["shuffle"]))
        except Exception as error:  # noqa: BLE001 - what Keras said goes out with the shapes it was said of
            error._lstmlint_context = context  # type: ignore[attr-defined]
            raise
        context["status"] = "ran"
        if out is not None:
            context["output"] = shape_of(out)
        return context

    def _call(self, ran: str, x0: Any, y0: Any, batch: int, shuffle: bool) -> Any:
        """Runs the call; the output of predict and predict_on_batch, None for the calls that train or evaluate
        (what they print, their losses on zero arrays, says nothing of the user's model)."""
        model = self.model
        if ran == "fit":
            model.fit(x0, y0, batch_size=batch, epochs=1, shuffle=shuffle, verbose=0)
        elif ran == "evaluate":
            model.evaluate(x0, y0, batch_size=batch, verbose=0)
        elif ran == "train_on_batch":
            model.train_on_batch(x0, y0)
        elif ran == "test_on_batch":
            model.test_on_batch(x0, y0)
        elif ran == "predict_on_batch":
            return model.predict_on_batch(x0)
        else:
            return model.predict(x0, batch_size=batch, verbose=0)
        return None

    def _compile(self, loss: str) -> str | None:
        if self.compiled == loss:
            return None
        try:
            self.model.compile(optimizer="sgd", loss=loss)
        except Exception as error:  # noqa: BLE001 - a loss Keras does not know: predict only
            self.compiled = None
            return f"compile(loss={loss!r}) fails: {first_line(str(error))}"
        self.compiled = loss
        return None

    def _check_size(self, samples: int, x: list, target_samples: int | None, y: list | None) -> None:
        """Zero arrays larger than a quarter of the worker's memory limit (1 GiB without one) are not made."""
        count = samples
        for d in x[1:]:
            count *= d
        if y is not None and target_samples is not None:
            extra = target_samples
            for d in y[1:]:
                extra *= d
            count += extra
        needed = count * 4
        cap = self.memory_limit // 4 if self.memory_limit > 0 else 2**30
        if needed > cap:
            raise _Skip(f"the zero arrays would take {_size(needed)}, more than the "
                        f"{_size(cap)} the worker allows them")

    def _reset_states(self) -> None:
        for layer in self._all_layers():
            if getattr(layer, "stateful", False) is True:
                reset = getattr(layer, "reset_state", None) or getattr(layer, "reset_states", None)
                try:
                    reset()
                except Exception:  # noqa: BLE001, S110 - an unbuilt layer has no state to reset
                    pass


def _size(count: int) -> str:
    if count >= 2**30:
        gib = count / 2**30
        return f"{gib:.1f} GiB" if gib < 10**6 else "more than a million GiB"
    return f"{count / 2**20:.1f} MiB"


