"""The oracle: where lstmlint's static shapes and parameter counts differ from what Keras built."""

from __future__ import annotations

from lstmlint.ir import Model
from lstmlint.shape_text import shape_text
from lstmlint.unknown import UNKNOWN
from lstmlint.runtime.known import _label
from lstmlint.runtime.results import Mismatch, ModelResult


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
        parts.append(f"output {shape_text(shape)}")
    if params is not None:
        parts.append(f"{params:,} parameters")
    return " and ".join(parts) or "nothing known"
