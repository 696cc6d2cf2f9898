"""The runtime worker: ``python -m lstmlint.runtime.worker [--memory-limit BYTES]``.

Runs in a subprocess started by :mod:`lstmlint.runtime.checker`. It imports TensorFlow once, then reads one
JSON job per line on stdin and writes one JSON result per line on stdout:

- first line out: ``{"ready": true, "import_seconds": s, "keras_version": v}`` or ``{"ready": false, "error": e}``;
- job in: ``{"id": n, "model": <ir.Model as a dict>, "target": 2|3}``;
- result out: ``{"id": n, "status": "built"|"failed"|"unchecked", "error", "error_layer", "layers",
  "output_shape", "total_params", "reason", "seconds", "calls_follow"}``;
- a job may carry ``"calls": [<calls.CallPlan as a dict>, ...]``: when its model is built, a second line follows,
  ``{"id": n, "calls": [{"index", "method", "status": "ran"|"failed"|"unchecked", "error", "reason", "ran", "x",
  "y", "batches", "loss", "loss_value", "output", "assumed", "shuffle", "stateful", "fixed_batch", "note",
  "seconds", "cpu_seconds"}, ...]}`` (``CallRunner``): the calls replayed on zero arrays of the planned shapes.

The model is rebuilt from the IR with the API form it was written in (``Sequential()`` + ``.add`` one layer at a
time, or ``keras.Input`` + layer calls), so that Keras raises its own errors; nothing of the user's file is
imported or executed. Everything TensorFlow prints goes to stderr (fd 1 is pointed at fd 2 at start-up and the
protocol uses a private copy of the original stdout).

The helpers above ``main`` do not import TensorFlow: the parent uses ``keras_name`` and ``to_py`` too.
"""

from __future__ import annotations

import json
import os
import re
import sys
import time
from typing import Any

ACTIVATIONS = frozenset({
    "tanh", "sigmoid", "relu", "relu6", "elu", "selu", "gelu", "silu", "swish", "softmax", "log_softmax",
    "softplus", "softsign", "linear", "exponential", "hard_sigmoid", "hard_silu", "hard_swish", "leaky_relu",
    "mish", "celu", "glu",
})
DTYPES = frozenset({
    "float16", "float32", "float64", "bfloat16", "int8", "int16", "int32", "int64", "uint8", "uint16", "uint32",
    "uint64", "bool", "string",
})
_ACTIVATION_MODULES = frozenset({
    "tensorflow", "tensorflow.nn", "tensorflow.math", "tensorflow.keras.activations", "keras.activations",
    "keras.src.activations", "tf_keras.activations", "keras.ops", "keras.backend", "tensorflow.keras.backend",
    "tensorflow.keras.ops",
})
_DTYPE_MODULES = frozenset({"tensorflow", "tensorflow.dtypes", "numpy", "keras.ops"})
_ANSI = re.compile(r"\x1b\[[0-9;]*m")
# function forms of merge layers whose own arguments (axis=, axes=) the analyzer does not record
UNRECORDED_FUNCTIONS = frozenset({"concatenate", "dot"})


def keras_name(symbol: str) -> str | None:
    """The Keras identifier a resolved symbol stands for (``tensorflow.nn.tanh`` → ``"tanh"``), or None."""
    module, _, last = symbol.rpartition(".")
    if last in ACTIVATIONS and module in _ACTIVATION_MODULES:
        return last
    if last in DTYPES and module in _DTYPE_MODULES:
        return last
    return None


def to_py(value: Any) -> Any:
    """A known ``ir.Value`` as the Python value to pass to Keras (tuples as tuples, symbols as Keras names)."""
    if value.kind == "tuple":
        return tuple(to_py(item) for item in value.items)
    if value.kind == "symbol":
        name = keras_name(value.const)
        if name is None:
            raise ValueError(f"symbol {value.const} has no Keras name")
        return name
    return value.const


def out_of_memory(error: BaseException) -> bool:
    """MemoryError, TensorFlow's ResourceExhaustedError, or a library that cannot be mapped under RLIMIT_AS."""
    text = str(error)
    return (isinstance(error, MemoryError) or type(error).__name__ == "ResourceExhaustedError"
            or "OOM when allocating" in text or "failed to map segment" in text or "Cannot allocate memory" in text)


def first_line(message: str) -> str:
    """The informative first line of a Keras error (skipping Keras 3's "Exception encountered when calling")."""
    lines = [line.strip() for line in _ANSI.sub("", message).splitlines() if line.strip()]
    if not lines:
        return ""
    if lines[0].startswith("Exception encountered when calling") and len(lines) > 1:
        return lines[1]
    return lines[0]


_NODE_NOISE = (
    (re.compile(r" for '\{\{node [^']*'"), ""),  # "Dimensions must be equal ... for '{{node x/MatMul}} = ...'"
    (re.compile(r"\{\{function_node [^}]*\}\}\s*"), ""),
    (re.compile(r"\s*\[Op:[^\]]*\]( name: ?)?"), ""),
)


def keras_message(error: str) -> str:
    """One informative line of what Keras / TensorFlow said: without the exception type, Keras 3's "Exception
    encountered when calling" header, a graph error's traceback and node names."""
    text = _ANSI.sub("", error)
    head, _, rest = text.partition(":")
    if head.isidentifier() and head.endswith(("Error", "Exception", "Exit")):
        text = rest
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    if lines and lines[0].startswith("Graph execution error"):
        lines = [line for line in lines[1:] if not line.startswith(("Detected at node", "File ", "[["))]
    line = first_line("\n".join(lines))
    for pattern, replacement in _NODE_NOISE:
        line = pattern.sub(replacement, line)
    return line.strip()


# ----------------------------------------------------------------------------------------------- the rebuild


def _shape(x: Any) -> Any:
    if isinstance(x, dict):
        return [_shape(v) for v in x.values()]
    if isinstance(x, (list, tuple)):
        return [_shape(v) for v in x]
    shape = getattr(x, "shape", None)
    if shape is None:
        return None
    return [None if d is None else int(d) for d in shape]


def _params(obj: Any) -> int | None:
    try:
        return int(obj.count_params()) if getattr(obj, "built", False) else None
    except Exception:  # noqa: BLE001 - an unbuilt or odd layer: no count
        return None


class _Failure(Exception):
    def __init__(self, layer: int | None, error: BaseException) -> None:
        super().__init__(str(error))
        self.layer = layer
        self.error = error


def _keras_label(keras: Any) -> str:
    if os.environ.get("TF_USE_LEGACY_KERAS") in ("1", "true", "True"):
        try:
            import tf_keras

            return f"tf_keras {tf_keras.__version__}"
        except Exception:  # noqa: BLE001
            return "tf_keras"
    return f"Keras {getattr(keras, '__version__', '')}".rstrip()


class _Missing(Exception):
    """A layer class the installed Keras does not have: the model cannot be rebuilt (unchecked, not failed)."""


class Builder:
    """Rebuilds one ir.Model in the imported Keras."""

    def __init__(self, keras: Any, tf: Any, model: Any, target: int) -> None:
        self.keras = keras
        self.tf = tf
        self.model = model
        self.target = target
        self.objects: dict[int, Any] = {}  # IR layer index -> Keras layer object
        self.outputs: dict[int, Any] = {}  # IR layer index -> its output tensor(s)
        self.keras_model: Any = None  # the Sequential, once built

    def layer_class(self, layer: Any) -> Any:
        namespace = self.keras.layers
        if self.target == 2 and layer.qualname.startswith("tensorflow.compat.v1."):
            namespace = self.tf.compat.v1.keras.layers
        try:
            return getattr(namespace, layer.cls)
        except AttributeError:
            raise _Missing(f"model not fully known: {layer.cls} does not exist in the installed "
                           f"{_keras_label(self.keras)}") from None

    def kwargs(self, layer: Any) -> dict[str, Any]:
        kwargs = {}
        for name, arg in layer.args.items():
            if name == "layer" and layer.wrapped is not None:
                continue
            if name == "cell" and layer.cells:
                continue
            kwargs[name] = to_py(arg.value)
        if layer.wrapped is not None:
            kwargs["layer"] = self.construct(layer.wrapped)
        if layer.cells:
            cells = [self.construct(cell) for cell in layer.cells]
            given = layer.args.get("cell")
            kwargs["cell"] = cells if len(cells) > 1 or (given is not None and given.value.kind == "tuple") \
                else cells[0]
        return kwargs

    def construct(self, layer: Any) -> Any:
        return self.layer_class(layer)(**self.kwargs(layer))

    def shared_or_new(self, layer: Any) -> Any:
        """A shared layer (the same object called again in the user's code) is the same Keras object here."""
        same_as = getattr(layer, "same_as", None)
        return self.objects[same_as] if same_as in self.objects else self.construct(layer)

    def call_kwargs(self, layer: Any) -> dict[str, Any]:
        """initial_state= / constants= / mask= tensors, as the user's call passed them."""
        kwargs = {}
        for keyword, refs in getattr(layer, "keyword_inputs", {}).items():
            values = [self.ref(ref) for ref in refs]
            kwargs[keyword] = values[0] if keyword == "mask" and len(values) == 1 else values
        return kwargs

    # -- Sequential: keras.Sequential() and .add(layer) one by one, then build(shape) when the code builds it
    def sequential(self) -> Any:
        keras_model = self.keras.Sequential()
        for index, layer in enumerate(self.model.layers):
            if layer.implicit:
                continue  # the first layer's own input_shape= / input_dim= / batch_input_shape= declares it
            try:
                obj = self.shared_or_new(layer)
                self.objects[index] = obj
                keras_model.add(obj)
            except _Missing:
                raise
            except Exception as error:  # noqa: BLE001 - Keras's refusal is the result
                raise _Failure(index, error) from None
        if self.model.build_shape is not None:
            try:
                keras_model.build(to_py(self.model.build_shape))
            except Exception as error:  # noqa: BLE001
                raise _Failure(self._first_unbuilt(), error) from None
        try:
            built = bool(keras_model.outputs)
        except (AttributeError, ValueError):
            built = False
        if not built:
            raise _Missing("Keras leaves this Sequential unbuilt: no input shape reaches its first layer "
                           "(it would be built by the first batch of data)")
        for index, obj in self.objects.items():
            self.outputs[index] = _layer_output(obj)
        return keras_model

    def _first_unbuilt(self) -> int | None:
        for index, obj in self.objects.items():
            if hasattr(obj, "_keras_history") or self.model.layers[index].family == "input":
                continue
            if not getattr(obj, "built", False):
                return index
        return None

    # -- functional (and subclassed call graphs): keras.Input(...) and layer calls along the IR's edges
    def functional(self) -> None:
        for index, layer in enumerate(self.model.layers):
            try:
                if layer.family == "input":
                    self.outputs[index] = self.input_tensor(index, layer)
                    continue
                obj = self.shared_or_new(layer)
                self.objects[index] = obj
                values = [self.ref(ref) for ref in layer.inputs]
                self.outputs[index] = obj(values[0] if len(values) == 1 else values, **self.call_kwargs(layer))
            except _Missing:
                raise
            except Exception as error:  # noqa: BLE001
                raise _Failure(index, error) from None

    def input_tensor(self, index: int, layer: Any) -> Any:
        if layer.implicit:
            from lstmlint.shapes import declared_input, dim

            dims = declared_input(layer, self.target)
            if dims is None and index == 0 and self.model.build_shape is not None:
                shape = to_py(self.model.build_shape)
            else:
                shape = tuple(dim(d) for d in dims or [])
            return self.keras.Input(batch_shape=tuple(shape))
        if layer.cls == "InputLayer":
            obj = self.construct(layer)
            self.objects[index] = obj
            return obj.output
        tensor = self.construct(layer)
        self.objects[index] = tensor
        return tensor

    def ref(self, ref: Any) -> Any:
        value = self.outputs[ref.layer]
        return value if ref.index is None else value[ref.index]

    def run(self) -> dict[str, Any]:
        keras_model = None
        try:
            if self.model.kind == "sequential":
                keras_model = self.keras_model = self.sequential()
            else:
                self.functional()
        except _Missing as missing:
            return {"status": "unchecked", "reason": str(missing)}
        except _Failure as failure:
            error = failure.error
            if out_of_memory(error):
                return {"status": "unchecked", "reason": "out of memory", "layers": self.layers()}
            message = _ANSI.sub("", f"{type(error).__name__}: {error}")
            return {"status": "failed", "error": message, "error_layer": failure.layer, "layers": self.layers()}
        layers = self.layers()
        if self.model.kind == "sequential":
            out = keras_model.outputs if keras_model is not None else None
            output_shape = _shape(out[0] if out and len(out) == 1 else out) if out else None
            total = _params(keras_model)
        else:
            refs = self.model.outputs or [_Ref(len(self.model.layers) - 1)]
            shapes = [_shape(self.ref(r)) for r in refs]
            output_shape = shapes[0] if len(shapes) == 1 else shapes
            total = self.reachable_params(refs, layers)
        return {"status": "built", "error": None, "error_layer": None, "layers": layers,
                "output_shape": output_shape, "total_params": total}

    def callable_model(self) -> Any:
        """The built model as one Keras model that data can be fed to (functional graphs: keras.Model over
        their input and output tensors)."""
        if self.keras_model is None:
            inputs = [self.outputs[i] for i, layer in enumerate(self.model.layers) if layer.family == "input"]
            refs = self.model.outputs or [_Ref(len(self.model.layers) - 1)]
            outputs = [self.ref(r) for r in refs]
            self.keras_model = self.keras.Model(inputs[0] if len(inputs) == 1 else inputs,
                                                outputs[0] if len(outputs) == 1 else outputs)
        return self.keras_model

    def layers(self) -> list[dict[str, Any] | None]:
        results: list[dict[str, Any] | None] = []
        for index, layer in enumerate(self.model.layers):
            if index not in self.outputs or layer.implicit:
                results.append(None)
                continue
            obj = self.objects.get(index)
            params = 0 if layer.family == "input" else _params(obj)
            results.append({"output_shape": _shape(self.outputs[index]), "params": params})
        return results

    def reachable_params(self, refs: list[Any], layers: list[dict[str, Any] | None]) -> int | None:
        seen: set[int] = set()
        stack = [r.layer for r in refs]
        while stack:
            index = stack.pop()
            if index in seen:
                continue
            seen.add(index)
            layer = self.model.layers[index]
            stack.extend(r.layer for r in layer.inputs)
            stack.extend(r.layer for refs in getattr(layer, "keyword_inputs", {}).values() for r in refs)
        counted: set[int] = set()
        total = 0
        for index in seen:
            result = layers[index]
            obj = self.objects.get(index)
            if result is None or id(obj) in counted:
                continue
            if result["params"] is None:
                return None
            counted.add(id(obj))
            total += result["params"]
        return total


class _Ref:
    def __init__(self, layer: int) -> None:
        self.layer = layer
        self.index = None


def _layer_output(obj: Any) -> Any:
    if hasattr(obj, "_keras_history"):  # a keras.Input tensor added to a Sequential
        return obj
    nodes = getattr(obj, "_inbound_nodes", None)
    if nodes:
        tensors = nodes[-1].output_tensors
        if isinstance(tensors, (list, tuple)) and len(tensors) == 1:
            return tensors[0]
        return tensors
    return obj.output


# ------------------------------------------------------------------------------------------------ the calls


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
                    result = {"status": "failed", "error": _ANSI.sub("", f"{type(error).__name__}: {error}")}
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
        if isinstance(out, dict):
            context["loss_value"] = out.get("loss")
        elif out is not None:
            context["output"] = _shape(out)
        return context

    def _call(self, ran: str, x0: Any, y0: Any, batch: int, shuffle: bool) -> Any:
        model = self.model
        if ran == "fit":
            history = model.fit(x0, y0, batch_size=batch, epochs=1, shuffle=shuffle, verbose=0)
            losses = history.history.get("loss") or [None]
            return {"loss": None if losses[-1] is None else float(losses[-1])}
        if ran == "evaluate":
            value = model.evaluate(x0, y0, batch_size=batch, verbose=0)
            return {"loss": float(value[0] if isinstance(value, (list, tuple)) else value)}
        if ran == "train_on_batch":
            value = model.train_on_batch(x0, y0)
            return {"loss": float(value[0] if isinstance(value, (list, tuple)) else value)}
        if ran == "test_on_batch":
            value = model.test_on_batch(x0, y0)
            return {"loss": float(value[0] if isinstance(value, (list, tuple)) else value)}
        if ran == "predict_on_batch":
            return model.predict_on_batch(x0)
        return model.predict(x0, batch_size=batch, verbose=0)

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
    send({"ready": True, "import_seconds": import_seconds, "keras_version": _keras_label(keras)})

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
