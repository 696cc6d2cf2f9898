"""libcst -> model IR: finds Keras layer constructions and the models they form.

One pass over the statements of each scope, in order, with an environment of the objects that names hold
(layers, tensors, models, training-data objects). Branches are walked from the same environment and merged:
a name that holds different objects on different paths holds nothing known afterwards, and a name assigned in
a loop holds nothing known in or after it. Model forms: ``Sequential([...])``, ``Sequential()`` + ``.add``
(a layer added in a branch or a loop makes the rest of the list unknown), the functional API (every tensor a
call takes, shared layers), subclassed ``keras.Model``. Nothing is executed.

The work is split by job, one mixin a module: ``statements.py`` (the walk), ``expressions.py``,
``functions.py``, ``classes.py``, ``sequential.py``, ``functional.py``, ``model_calls.py``, ``arguments.py``;
``objects.py`` holds what names hold.
"""

from __future__ import annotations

import libcst as cst

from lstmlint.analyze.arguments import Arguments
from lstmlint.analyze.classes import Classes
from lstmlint.analyze.expressions import Expressions
from lstmlint.analyze.flow import Flow, analyze_flow
from lstmlint.analyze.functional import FunctionalModels
from lstmlint.analyze.functions import Functions
from lstmlint.analyze.imports import ImportTable
from lstmlint.analyze.model_calls import MODEL_METHODS, ModelCalls
from lstmlint.analyze.objects import Ctx, Env, Graph, ModelObj
from lstmlint.analyze.sequential import SequentialModels
from lstmlint.analyze.statements import Statements
from lstmlint.analyze.values import Evaluator
from lstmlint.ir import Layer, Module
from lstmlint.lines import lines_with_ends


class Analyzer(Statements, Expressions, Functions, Classes, SequentialModels, FunctionalModels, ModelCalls,
               Arguments):
    """One module's analysis: ``run()`` walks its statements and returns its IR."""

    def __init__(self, module: cst.Module, path: str, positions, text: str = "") -> None:
        self.cst_module = module
        self.text = text
        self.lines = lines_with_ends(text)
        self.positions = positions
        self.imports = ImportTable()
        self.out = Module(path=path)
        self.templates: list[Layer] = []
        self.used_templates: set[int] = set()  # layers placed in a Sequential, wrapped or given as a cell
        self.applied: set[int] = set()  # layers called on tensors…
        self.placed: set[int] = set()  # …and those calls that ended up in a model
        self.alive: list[object] = []  # what the id() keys above stand for, kept from being freed (see apply)
        self.models_by_id: dict[int, ModelObj] = {}
        self.statement_call: cst.BaseExpression | None = None  # the expression of a one-statement line
        self.project = None  # constants of the project's own modules (project_constants.py)
        self.functions: list = []  # every function of the file (functions.py)
        self.calling: list = []  # the calls being analysed with their values, innermost last
        self.call_memo: dict = {}
        self.unrolling = 0  # loops of known iterations being walked one iteration at a time (statements.py)
        self._attribute_stores = None  # classes.py, computed when a class's __init__ sets attributes

    def line_of(self, node: cst.CSTNode) -> int | None:
        """The line of a call, ``def`` or ``for`` (the nodes positions are kept for); None for others."""
        return self.positions.span(node).line if self.positions.has(node) else None

    def run(self) -> Module:
        # `if` tests on module-level constants are decided, unless a function may rebind module names
        constants = "global" not in self.text and "nonlocal" not in self.text
        self.flow: Flow = analyze_flow(self.cst_module, MODEL_METHODS, constants)
        self.scopes, self.hot, self.module_scope = self.flow.scopes, self.flow.hot, self.flow.module_scope
        self.evaluator = Evaluator(self.imports, self.cst_module.code_for_node, self.flow, self.line_of)
        self.evaluator.project = self.project
        ctx = Ctx(self.module_scope, Env(), Graph())
        self.block(self.cst_module.body, ctx)
        self.open_graphs(ctx)
        self.out.loose_layers = [t for t in self.templates
                                 if t.family != "input" and id(t) not in self.used_templates
                                 and (id(t) not in self.applied or id(t) not in self.placed)]
        self.drop_generic()
        self.out.models.sort(key=lambda m: (m.span.line, m.span.column))
        return self.out
