"""Code as people paste it: a Stack Overflow answer, a notebook cell or an issue's snippet often uses ``tf.`` or
``keras.`` without importing them, or calls ``LSTM``, ``Sequential`` and ``Input`` with no import at all.

Python would stop at the first such name (NameError), so the only reading under which the code runs is the one
its author meant, and lstmlint reads it that way — only where nothing in the file could make the name mean
something else:

- ``tf`` means ``tensorflow`` and ``keras`` means ``keras`` when the file never binds that name, in any scope
  (no import, assignment, definition, parameter, loop or ``with`` target of it);
- in a file with no import statement at all, a bare name of the Keras API (a layer class that
  :mod:`lstmlint.keras_api` knows, ``Sequential``, ``Model``, ``Input``) that the file never binds means that
  Keras name.
"""

from __future__ import annotations

import ast

from lstmlint.analyze.pywalk import kinds

_MODULES = {"tf": "tensorflow", "keras": "keras"}
_MODELS = {"Sequential", "Model", "Input", "InputLayer"}


def _bound_and_used(tree: ast.AST) -> tuple[set[str], set[str], bool]:
    found = kinds(tree)
    bound: set[str] = set()
    used: set[str] = set()
    for node in found.of(ast.Name):
        (used if type(node.ctx) is ast.Load else bound).add(node.id)  # type: ignore[attr-defined]
    imports = False
    for node in found.of(ast.Import, ast.ImportFrom):
        # the stand-in for code that did not parse (partial_parse.UNSEEN) is no import of the author's
        imports = imports or getattr(node, "module", None) != "_lstmlint_unparsed_"
        for alias in node.names:  # type: ignore[attr-defined]
            bound.add(alias.asname or alias.name.split(".")[0])
    definitions = found.of(ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)
    bound.update(node.name for node in definitions)  # type: ignore[attr-defined]
    bound.update(node.arg for node in found.of(ast.arg))  # type: ignore[attr-defined]
    for node in found.of(ast.Global, ast.Nonlocal):
        bound.update(node.names)  # type: ignore[attr-defined]
    bound.update(node.name for node in found.of(ast.ExceptHandler, ast.MatchAs, ast.MatchStar)
                 if node.name)  # type: ignore[attr-defined]
    bound.update(node.rest for node in found.of(ast.MatchMapping) if node.rest)  # type: ignore[attr-defined]
    return bound, used, imports


def implicit_imports(tree: ast.Module) -> dict[str, str]:
    """Local name -> the dotted path it stands for, for the names a snippet uses without importing them."""
    from lstmlint import keras_api

    bound, used, imports = _bound_and_used(tree)
    free = used - bound
    names = {name: path for name, path in _MODULES.items() if name in free}
    if not imports:
        names.update({name: f"keras.{name}" for name in free
                      if name in _MODELS or (name[:1].isupper() and keras_api.spec(name) is not None)})
    return names
