"""Which model calls the runtime checker replays in Keras, on zero arrays, and how (parent side: no TensorFlow).

For each ``fit`` / ``predict`` / ``evaluate`` / ``train_on_batch`` / ``test_on_batch`` / ``predict_on_batch`` of a
model whose data shape is known (wholly, or all but the number of samples), :func:`plan_calls` makes a
:class:`CallPlan`: the shapes of ``x`` and ``y``, the batch size and ``shuffle`` the call passes, and the loss of the
model's own ``compile``. The worker fills in what is left (see ``worker.run_calls``): an unknown number of samples
becomes a small one that respects the model's fixed batch size, and a known one is cut to one batch (two for a
stateful model) plus the remainder, so that the last, short batch the user's data has is still there.

A call whose ``x`` is wholly unknown is planned with ``x=None`` ("assumed"): the worker then uses the model's own
input shape, and only for a model with a fixed batch size, whose batching is what rules about those calls claim.
A failure on assumed data is never reported as the user's error (no LSTM901).

Never the user's data, never the user's code: only shapes travel to the worker.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from lstmlint.ir import Call, Model, Value

RUN_METHODS = ("fit", "predict", "evaluate", "train_on_batch", "test_on_batch", "predict_on_batch")
WITH_TARGET = ("fit", "evaluate", "train_on_batch", "test_on_batch")
_LOSS_MODULES = ("keras.losses", "tensorflow.keras.losses", "tf_keras.losses", "keras.src.losses")
_DATA_TAGS = ("dataset", "generator", "sequence")


@dataclass
class CallPlan:
    """One call to replay; JSON for the worker (``dataclasses.asdict``)."""

    index: int  # into Model.calls
    method: str
    x: list[int | None] | None  # dims, batch first; a None sample count is filled in; None: x is not known
    y: list[int | None] | None  # the target's dims, or None when not known (no training step then)
    batch_size: int | None  # as passed; None: Keras's default (32; all the data for *_on_batch)
    shuffle: bool
    loss: str | None  # the model's compile(loss=...) when known


def plan_calls(model: Model) -> list[CallPlan]:
    loss = compiled_loss(model)
    plans = []
    for index, call in enumerate(model.calls):
        plan = _plan(index, call, loss)
        if plan is not None:
            plans.append(plan)
    return plans


def _plan(index: int, call: Call, loss: str | None) -> CallPlan | None:
    if call.method not in RUN_METHODS or call.has_star_args or call.target != "model":
        return None
    data = call.args.get("x")
    if data is None:
        return None
    split = call.args.get("validation_split")
    if split is not None and not (split.value.kind == "const" and not split.value.const):
        return None  # the replay cuts the samples, so it cannot reproduce the split's batches (LSTM206)
    x = _dims(data.value)
    if x is _UNUSABLE:
        return None
    if x is None and data.value.tag in _DATA_TAGS:
        return None  # a Dataset / generator / Sequence batches itself: nothing to replay
    y = None
    target = call.args.get("y")
    if call.method in WITH_TARGET and target is not None:
        dims = _dims(target.value)
        y = None if dims is _UNUSABLE else dims
    batch_size = None
    given = call.args.get("batch_size")
    if given is not None and call.method in ("fit", "predict", "evaluate"):
        value = given.value
        if value.kind == "const" and value.const is None:
            batch_size = None  # batch_size=None is Keras's default
        elif _positive(value):
            batch_size = value.const
        else:
            return None  # a batch size the analysis does not know: the batches are not known either
    shuffle = True
    given = call.args.get("shuffle")
    if given is not None and given.value.kind == "const":
        shuffle = bool(given.value.const)
    return CallPlan(index, call.method, x, y, batch_size, shuffle, loss)


class _Unusable:
    pass


_UNUSABLE = _Unusable()


def _dims(value: Value):
    """An array's dims with an unknown sample count as None; None when nothing is known of the value;
    _UNUSABLE when it is known not to be one array of known sample shape (a list of arrays, an unknown
    timestep count, a zero or negative dim)."""
    if value.kind == "unknown":
        return None if value.tag not in ("array-shape", "array-shape-tail") else _UNUSABLE
    if value.kind != "array" or not value.items:
        return _UNUSABLE
    dims: list[int | None] = []
    for position, item in enumerate(value.items):
        if _positive(item):
            dims.append(item.const)
        elif position == 0 and not (item.kind == "const" and item.const is not None):
            dims.append(None)  # the number of samples: filled in by the worker
        else:
            return _UNUSABLE
    return dims


def _positive(value: Value) -> bool:
    return (value.kind == "const" and type(value.const) is int and value.const > 0)


def compiled_loss(model: Model) -> str | None:
    """The loss of the model's ``compile`` calls when they all name the same known one."""
    losses = set()
    for call in model.calls:
        if call.method != "compile":
            continue
        arg = call.args.get("loss")
        if arg is None or call.has_star_args:
            return None
        name = _loss_name(arg.value)
        if name is None:
            return None
        losses.add(name)
    return losses.pop() if len(losses) == 1 else None


def _loss_name(value: Value) -> str | None:
    if value.kind == "const" and isinstance(value.const, str) and value.const:
        return value.const
    if value.kind == "symbol" and isinstance(value.const, str):
        module, _, name = value.const.rpartition(".")
        if module in _LOSS_MODULES and name[:1].islower():
            return name  # keras.losses.mean_squared_error is the function "mean_squared_error" names
    return None


def fill_samples(x0: int | None, batch: int, fixed: int | None, steps: int) -> int:
    """How many samples to replay: a known count cut to ``steps`` full batches plus its remainder; an unknown
    one made a multiple of the model's fixed batch size (or of the call's batch size) for ``steps`` batches."""
    if x0 is None:
        if fixed:
            unit = batch * fixed // math.gcd(batch, fixed)  # lcm: every batch the size the call asks for
            if unit > batch * 64:
                unit = fixed * max(1, -(-batch // fixed))
            return steps * unit
        return steps * min(batch, 4)
    full, remainder = divmod(x0, batch)
    if full > steps:
        return steps * batch + remainder
    return x0


def batches(samples: int, batch: int) -> list[int]:
    """The batch sizes Keras splits ``samples`` rows into (array data, in order)."""
    full, remainder = divmod(samples, batch)
    return [batch] * full + ([remainder] if remainder else [])

