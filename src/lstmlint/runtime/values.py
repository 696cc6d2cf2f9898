"""IR values as the Python values Keras takes (no TensorFlow here: the parent side uses them too).

A resolved symbol stands for a Keras identifier only when it is one of the activations or dtypes below, named
through a module that exports it (``tensorflow.nn.tanh`` is ``"tanh"``); anything else cannot be rebuilt.
"""

from __future__ import annotations

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
