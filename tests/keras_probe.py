"""Run by tests/test_keras_api.py in a child process (TensorFlow stays out of the test process): reads a
JSON request on stdin, imports Keras 3 (``keras``) or Keras 2 (``tf_keras``), and prints on stdout what
each constructor's signature shows and what constructing it with given keywords does.

Request: {"keras": 3 | 2, "base": [keywords], "classes": {name: {"accepts": [...], "refuses": [...]}}};
"accepts" are probed only when the signature does not name them (they go through ``**kwargs``).
Reply:   {"version": str, "base": Info, "classes": {name: Info | null}} where Info is
         {"where", "positional", "keywords", "var_keyword", "baseline", "accepts": {kw: error | null},
          "refuses": {kw: error | null}, "unknown": error | null} and an error is "Type: message".
"""

from __future__ import annotations

import inspect
import json
import os
import re
import sys
import warnings

UNKNOWN = "lstmlint_probe_keyword"

# Values for required parameters, by name: just enough to construct the layer.
REQUIRED = {
    "units": lambda L: 2, "filters": lambda L: 2, "kernel_size": lambda L: 3, "rate": lambda L: 0.5,
    "stddev": lambda L: 0.1, "target_shape": lambda L: (2,), "n": lambda L: 2, "dims": lambda L: (1,),
    "input_dim": lambda L: 3, "output_dim": lambda L: 2, "num_heads": lambda L: 2, "key_dim": lambda L: 2,
    "function": lambda L: (lambda x: x), "cell": lambda L: L.LSTMCell(2), "cells": lambda L: [L.LSTMCell(2)],
    "layer": lambda L: L.LSTM(2), "activation": lambda L: "relu", "pool_size": lambda L: 2,
    "axes": lambda L: 1,
}
# Classes whose parameters all have defaults but that need one of them.
BASELINE = {3: {"Input": {"shape": (3,)}, "InputLayer": {"shape": (3,)}},
            2: {"Input": {"shape": (3,)}, "InputLayer": {"input_shape": (3,)}}}
# A probed keyword that says the same as a baseline one replaces it (Keras refuses both together).
SAME_AS = {"batch_shape": {"shape", "input_shape"}, "batch_input_shape": {"shape", "input_shape"},
           "input_shape": {"shape"}}
# Valid values for probed keywords; anything else is probed with None.
VALUES = {
    "implementation": 1, "zero_output_for_mask": False, "unroll": False, "time_major": False,
    "input_length": 3, "input_dim": 3, "input_shape": (3,), "batch_input_shape": (None, 3),
    "batch_shape": (None, 3), "batch_size": 2, "rms_scaling": False, "alpha": 0.3, "score_mode": "dot",
    "seed": 1, "enable_caching_device": False, "force_generator": False, "return_runtime": False,
    "reverse_state_order": False, "use_one_hot_matmul": False, "renorm": False, "renorm_momentum": 0.99,
    "keepdims": False, "groups": 1, "kernel_initializer": "glorot_uniform", "causal": False, "dropout": 0.0,
    "trainable": True, "dtype": "float32", "autocast": True, "name": "probe", "dynamic": False,
    "activity_regularizer": None, UNKNOWN: 1,
}
# Per-class values where the shared one is refused for its value, not its name.
CLASS_VALUES = {"TextVectorization": {"dtype": "string"}}


def _error(make, kwargs: dict) -> str | None:
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            make(**kwargs)
    except Exception as error:  # noqa: BLE001 - any failure is the answer
        return f"{type(error).__name__}: {error}"[:500]
    return None


def _where(function) -> str:
    function = inspect.unwrap(function)
    try:
        path = inspect.getsourcefile(function) or "?"
        line = inspect.getsourcelines(function)[1]
    except (OSError, TypeError):
        return "?"
    for root in ("tf_keras/src/", "keras/src/"):
        if root in path:
            path = root + path.split(root, 1)[1]
            break
    return f"{path}:{line}"


def _read_by_kwargs(function) -> set[str]:
    """Keywords a constructor's body takes out of **kwargs: ``kwargs.pop("x")``, ``kwargs.get("x")``,
    ``"x" in kwargs`` and an ``allowed_kwargs = {...}`` set (Keras 2's base Layer)."""
    try:
        source = inspect.getsource(inspect.unwrap(function))
    except (OSError, TypeError):
        return set()
    found = set(re.findall(r"kwargs\.(?:pop|get)\(\s*[\"'](\w+)[\"']", source))
    found |= set(re.findall(r"[\"'](\w+)[\"']\s+in\s+kwargs", source))
    for block in re.findall(r"allowed_kwargs\s*=\s*\{([^}]*)\}", source):
        found |= set(re.findall(r"[\"'](\w+)[\"']", block))
    return found


def _candidates(obj, layer_class) -> set[str]:
    """Keywords **kwargs might reach: the parameters and kwargs reads of every __init__ in the MRO below the base
    Layer (the base Layer's own are checked once, on Layer itself)."""
    if inspect.isfunction(obj):
        return _read_by_kwargs(obj)
    found: set[str] = set()
    for cls in obj.__mro__:
        if cls is layer_class:
            break
        init = cls.__dict__.get("__init__")
        if init is None:
            continue
        found |= _read_by_kwargs(init)
        found |= {p.name for p in inspect.signature(init).parameters.values()
                  if p.name != "self" and p.kind in (p.POSITIONAL_OR_KEYWORD, p.KEYWORD_ONLY)}
    return found


def _info(obj, layers, version: int, name: str, accepts=(), refuses=()) -> dict:
    function = obj if inspect.isfunction(obj) else obj.__init__
    params = [p for p in inspect.signature(function).parameters.values() if p.name != "self"]
    required = [p.name for p in params if p.default is p.empty and p.kind not in (p.VAR_POSITIONAL, p.VAR_KEYWORD)]
    missing = [n for n in required if n not in REQUIRED]
    baseline = {n: REQUIRED[n](layers) for n in required if n in REQUIRED}
    baseline.update(BASELINE[version].get(name, {}))

    keywords = [p.name for p in params if p.kind in (p.POSITIONAL_OR_KEYWORD, p.KEYWORD_ONLY)]

    def with_keyword(keyword):
        kwargs = {k: v for k, v in baseline.items() if k not in SAME_AS.get(keyword, ())}
        return {**kwargs, keyword: CLASS_VALUES.get(name, {}).get(keyword, VALUES.get(keyword))}

    return {
        "where": _where(function),
        "positional": [p.name for p in params if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)],
        "keywords": keywords,
        "var_keyword": any(p.kind == p.VAR_KEYWORD for p in params),
        "baseline": f"no probe value for required {missing}" if missing else _error(obj, baseline),
        # a keyword the signature names is accepted by Python itself; the others go through **kwargs
        "accepts": {k: _error(obj, with_keyword(k)) for k in accepts if k not in keywords},
        "refuses": {k: _error(obj, with_keyword(k)) for k in refuses},
        "unknown": _error(obj, with_keyword(UNKNOWN)),
        # keywords an __init__ on the way to Layer names or reads from **kwargs that keras_api does not list
        "unlisted": {k: _error(obj, with_keyword(k))
                     for k in sorted(_candidates(obj, layers.Layer) - set(keywords) - set(accepts) - set(refuses))},
    }


def main() -> None:
    request = json.loads(sys.stdin.read())
    version = request["keras"]
    if version == 3:
        import keras

        layers, legacy = keras.layers, None
    else:
        import tf_keras as keras
        from tf_keras.api._v1.keras import layers as legacy  # tf.compat.v1.keras.layers: CuDNNLSTM/GRU

        layers = keras.layers
    reply = {"version": keras.__version__, "base": _info(layers.Layer, layers, version, "Layer", request["base"])}
    reply["base"]["unlisted"] = {k: _error(layers.Layer, {k: VALUES.get(k)})
                                 for k in sorted(_read_by_kwargs(layers.Layer.__init__) - set(request["base"]))}
    classes = {}
    for name, probes in request["classes"].items():
        obj = getattr(layers, name, None)
        if obj is None and legacy is not None:
            obj = getattr(legacy, name, None)
        classes[name] = None if obj is None else _info(obj, layers, version, name, probes["accepts"], probes["refuses"])
    reply["classes"] = classes
    sys.stdout.write(json.dumps(reply))


if __name__ == "__main__":
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    main()
