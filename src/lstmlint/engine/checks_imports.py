"""Rule checks on a file's imports.

Which predicate serves which rule: the registry, ``rule_checks.py``.
"""

from __future__ import annotations

from lstmlint import keras_api
from lstmlint.engine.logic import Tri
from lstmlint.engine.subject import Subject
from lstmlint.findings import LineRef
from lstmlint.ir import Import, Layer, Module

_LAYER_OR_MODEL_NAMES = {"layers", "models", "Sequential", "Model", "Input", "keras"}


def brings_layers_or_models(imp: Import) -> bool:
    """``from keras.layers import LSTM``, ``import keras``, ``from tensorflow import keras``… but not
    ``from keras.preprocessing.sequence import pad_sequences``: utilities do not mix badly."""
    parts = imp.module.split(".")
    if any(p in ("layers", "models") for p in parts):
        return True
    if not imp.names:  # `import keras`, `import tensorflow.keras as K`
        return parts[-1] in ("keras", "tf_keras")
    return any(n in _LAYER_OR_MODEL_NAMES or keras_api.spec(n) is not None for n in imp.names)


def p_mixed_distribution(spec: bool, subject: Subject) -> Tri:
    """keras, tf.keras and tf_keras are three distributions: on TF >= 2.16 tf.keras is Keras 3 and tf_keras is
    Keras 2; on TF <= 2.15 tf.keras is Keras 2 and a separately installed keras may be Keras 3. Mixing them is a
    problem only when layers or models are built from two of them, not when an import goes unused; the finding
    is on the first import of the second distribution the file builds from, once per file."""
    imp = subject.imp
    if imp is None or not brings_layers_or_models(imp):
        return False
    built = built_from(subject.module)
    if len(built) < 2:
        return not spec
    bringing = [i for i in subject.module.imports if brings_layers_or_models(i) and i.distribution in built]
    if not bringing:
        return not spec
    first = bringing[0]
    second = next((i for i in bringing if i.distribution != first.distribution), None)
    if second is not imp:
        return not spec
    subject.bindings.setdefault("first", first.distribution)
    subject.bindings.setdefault("first_line", LineRef(first.span.line))
    subject.bindings.setdefault("second", imp.distribution)
    subject.bindings.setdefault("built", f"`{built[imp.distribution]}` from {imp.distribution} and "
                                         f"`{built[first.distribution]}` from {first.distribution}")
    return spec


def keras_distribution(qualname: str) -> str | None:
    """The distribution of a resolved Keras path (the analyzer only builds layers from such paths; its own table,
    analyze.imports, is not imported here: the warm path never loads libcst)."""
    root = qualname.split(".", 1)[0]
    return {"tensorflow": "tf.keras", "tf_keras": "tf_keras", "keras": "keras"}.get(root)


def built_from(module: Module) -> dict[str, str]:
    """Each Keras distribution the file's layers and models are built from, with the first class built from it."""
    found: dict[str, str] = {}

    def note(qualname: str | None, cls: str) -> None:
        distribution = keras_distribution(qualname) if qualname else None
        if distribution is not None:
            found.setdefault(distribution, cls)

    def layers(layer: Layer) -> None:
        if not layer.implicit:
            note(layer.qualname, layer.cls)
        for inner in ([layer.wrapped] if layer.wrapped is not None else []) + layer.cells:
            layers(inner)

    for model in module.models:
        if model.qualname:
            note(model.qualname, model.qualname.rsplit(".", 1)[-1])
        for layer in model.layers:
            layers(layer)
    for layer in module.loose_layers:
        layers(layer)
    return found
