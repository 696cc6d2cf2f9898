"""What the runtime checker found for a model and its replayed calls (data only; see ``checker`` for the API)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass
class LayerResult:
    output_shape: list | None
    params: int | None


@dataclass
class CallResult:
    """One model call replayed on zero arrays (see ``calls`` and ``worker.CallRunner``)."""

    index: int  # into Model.calls
    method: str
    status: str  # "ran" | "failed" | "unchecked"
    ran: str | None = None  # what ran: the method itself, or predict when the target or the loss is not known
    error: str | None = None
    reason: str | None = None
    x: list | None = None  # the shapes of the zero arrays
    y: list | None = None
    batches: list[int] | None = None
    loss: str | None = None
    output: list | None = None
    assumed: bool = False  # x was not known: the model's own input shape was used
    shuffle: bool = False
    stateful: bool = False
    fixed_batch: int | None = None
    note: str | None = None
    seconds: float | None = None
    cpu_seconds: float | None = None  # the worker's CPU time (all its threads) for the call

    @staticmethod
    def from_json(data: dict[str, Any]) -> CallResult:
        known = {f for f in CallResult.__dataclass_fields__}
        return CallResult(**{k: v for k, v in data.items() if k in known})


@dataclass
class Mismatch:
    """Where lstmlint's static shapes and parameter counts differ from Keras's (issue: the static side is wrong)."""

    layer: int | None  # index into Model.layers; None: the model's total
    static: str
    keras: str
    what: str  # "LSTM (line 3)" or "this model"


@dataclass
class ModelResult:
    built: bool
    error: str | None = None
    error_layer: int | None = None
    layers: list[LayerResult | None] = field(default_factory=list)
    output_shape: list | None = None
    total_params: int | None = None
    status: str = "unchecked"
    reason: str | None = None
    seconds: float | None = None
    calls: list[CallResult] = field(default_factory=list)
    mismatch: Mismatch | None = None
    keras: str | None = None  # "Keras 3.15.1"

    @staticmethod
    def unchecked(reason: str) -> ModelResult:
        return ModelResult(built=False, status="unchecked", reason=reason)

