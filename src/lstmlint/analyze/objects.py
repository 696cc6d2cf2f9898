"""What names hold while the analyzer walks a scope: layers, tensors, models, data, classes, functions.

``Env`` maps a name (``x``, ``self.lstm``, ``class:Name``) to one of these objects; ``Ctx`` is where a
statement runs (its scope, environment and functional graph).
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from typing import Union

import libcst as cst

from lstmlint.analyze.reach import Scope
from lstmlint.analyze.undo import MISSING, UndoDict
from lstmlint.ir import Layer, Model


@dataclass
class LayerObj:
    layer: Layer


@dataclass
class TensorObj:
    graph: "Graph"
    node: int
    index: int | None = None


@dataclass
class TensorsObj:
    tensors: list[TensorObj]


@dataclass
class ModelObj:
    model: Model
    block: object = None  # the block that built it: .add / .pop elsewhere may run any number of times
    origins: dict[int, int] = field(default_factory=dict)  # id of a layer object -> its index in the model
    open_tail: bool = False  # the last layer stands for layers added in a branch or a loop
    # a model returned by a function: each call of it builds another model object (with weights of its own),
    # which this stands for; None for a model built where it is used
    instance: object | None = None
    data_seen: bool = False  # a call that builds the model (fit, predict…, build) has been met
    as_layer: Layer | None = None  # the layer it is when placed in a Sequential or wrapped (one per model object)


@dataclass
class DataObj:
    tag: str  # dataset | generator | sequence


@dataclass
class ClassObj:
    node: cst.ClassDef
    is_model: bool
    is_sequence: bool
    init: "FuncObj | None" = None  # its __init__, for the analysis of each construction (classes.py)
    attributes: bool = False  # methods read `self.x` that __init__ sets


@dataclass
class FuncObj:
    node: cst.FunctionDef
    returns: "ModelObj | None" = None
    is_generator: bool = False
    # for the analysis of each call (functions.py): what the body sees of the objects around it, and the scope
    # it is defined in (where its defaults are evaluated)
    env: dict = field(default_factory=dict)
    outer: Scope | None = None
    # the models and layers of the body analysed with its parameters unknown: dropped when every call of the
    # function was analysed with the values it gives
    generic_models: list = field(default_factory=list)
    generic_templates: list = field(default_factory=list)
    calls_analysed: int = 0
    generic_used: bool = False
    method: bool = False  # an __init__: the first parameter is the object constructed
    name: str | None = None  # how messages name it (the class, for an __init__)
    # names the body calls that were not bound yet where it was defined (a function defined further down)
    late: frozenset = frozenset()


Obj = Union[LayerObj, TensorObj, TensorsObj, ModelObj, DataObj, ClassObj, FuncObj]


@dataclass
class Graph:
    """Layer applications of one scope, for the functional API (a node per application)."""

    nodes: list[Layer] = field(default_factory=list)
    origins: list[int | None] = field(default_factory=list)  # id of the layer object each node calls
    closed: set[int] = field(default_factory=set)  # nodes some model (Model(...), a first call on data) holds

    def add(self, layer: Layer, origin: int | None = None) -> int:
        self.nodes.append(layer)
        self.origins.append(origin)
        return len(self.nodes) - 1


class Env(UndoDict):
    """What names hold. A branch is walked in place, rolled back and merged with its siblings: a name keeps
    its object only where every live branch leaves it the same object."""

    def join(self, values: list[object]) -> object:
        first = values[0]
        if first is not MISSING and all(value is first for value in values[1:]):
            return first
        return MISSING


@dataclass
class Ctx:
    scope: Scope
    env: Env
    graph: Graph
    block: object = field(default_factory=object)  # a new one per branch, loop body and function body
    returns: list[Obj | None] = field(default_factory=list)

    def inner(self) -> Ctx:
        """The context of a block that runs conditionally or repeatedly (same names, new block)."""
        return dataclasses.replace(self, block=object())


def obj_var(obj: Obj) -> str | None:
    return obj.layer.var if isinstance(obj, LayerObj) else obj.model.var if isinstance(obj, ModelObj) else None


def set_var(obj: Obj, name: str) -> None:
    if isinstance(obj, LayerObj):
        obj.layer.var = name
    elif isinstance(obj, ModelObj):
        obj.model.var = name
