"""Rebuilding one ``ir.Model`` in the imported Keras (worker side: runs where TensorFlow is imported).

The model is rebuilt with the API form it was written in (``Sequential()`` + ``.add`` one layer at a time, or
``keras.Input`` + layer calls), so that Keras raises its own errors; nothing of the user's file is imported or
executed.
"""

from __future__ import annotations

import os
from typing import Any

from lstmlint.runtime.messages import ANSI, out_of_memory
from lstmlint.runtime.values import to_py


def shape_of(x: Any) -> Any:
    if isinstance(x, dict):
        return [shape_of(v) for v in x.values()]
    if isinstance(x, (list, tuple)):
        return [shape_of(v) for v in x]
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


def keras_label(keras: Any) -> str:
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
                           f"{keras_label(self.keras)}") from None

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
        submodel = getattr(layer, "submodel", None)
        if layer.family == "model" and submodel is not None:
            return Builder(self.keras, self.tf, submodel, self.target).as_layer()
        return self.layer_class(layer)(**self.kwargs(layer))

    def as_layer(self) -> Any:
        """This model as a layer of another one: a Sequential as written (left unbuilt when it declares no
        input: the call builds it), a functional graph as a keras.Model."""
        if self.model.kind != "sequential":
            self.functional()
            return self.callable_model()
        keras_model = self.keras.Sequential()
        for index, layer in enumerate(self.model.layers):
            if not layer.implicit:
                self.objects[index] = self.shared_or_new(layer)
                keras_model.add(self.objects[index])
        if self.model.build_shape is not None:
            keras_model.build(to_py(self.model.build_shape))
        return keras_model

    def shared_or_new(self, layer: Any) -> Any:
        """A shared layer (the same object called again in the user's code) is the same Keras object here."""
        same_as = getattr(layer, "same_as", None)
        return self.objects[same_as] if same_as in self.objects else self.construct(layer)

    def call_kwargs(self, layer: Any) -> dict[str, Any]:
        """initial_state= / constants= / mask= tensors, as the user's call passed them."""
        kwargs = {}
        for keyword, refs in getattr(layer, "keyword_inputs", {}).items():
            values = [self.ref(ref) for ref in refs]
            single = keyword in ("mask", "value", "key")  # one tensor each (MultiHeadAttention's value=, key=)
            kwargs[keyword] = values[0] if single and len(values) == 1 else values
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
                shape = to_py(self.model.build_shape)
                if self.model.input_from is not None:  # built by a call's data: its batch size is not known
                    shape = (None, *shape[1:])
                keras_model.build(shape)
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
            message = ANSI.sub("", f"{type(error).__name__}: {error}")
            return {"status": "failed", "error": message, "error_layer": failure.layer, "layers": self.layers()}
        layers = self.layers()
        if self.model.kind == "sequential":
            out = keras_model.outputs if keras_model is not None else None
            output_shape = shape_of(out[0] if out and len(out) == 1 else out) if out else None
            total = _params(keras_model)
        else:
            refs = self.model.outputs or [_Ref(len(self.model.layers) - 1)]
            shapes = [shape_of(self.ref(r)) for r in refs]
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
            results.append({"output_shape": shape_of(self.outputs[index]), "params": params})
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

