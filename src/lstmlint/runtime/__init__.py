"""The runtime checker: rebuild statically known models in real Keras, in a worker subprocess.

``checker`` is the parent side (the API the CLI calls: the verdicts), with ``known`` (which models can be
rebuilt), ``calls`` (which calls to replay), ``process`` (the worker subprocess), ``results`` and ``oracle``.
``worker`` runs inside ``python -m lstmlint.runtime.worker`` with ``rebuild`` and ``replay``: the only code
that imports TensorFlow. ``values`` and ``messages`` serve both sides. None of it imports or runs the user's
code: models travel to the worker as IR JSON and are rebuilt from it.
"""

from __future__ import annotations

__all__ = ["LayerResult", "ModelResult", "apply_runtime", "fully_known", "run_models"]


def __getattr__(name: str):
    # lazy, so that ``python -m lstmlint.runtime.worker`` does not import the checker first
    if name in __all__:
        from lstmlint.runtime import checker

        return getattr(checker, name)
    raise AttributeError(name)
