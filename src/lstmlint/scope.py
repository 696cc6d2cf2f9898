"""lstmlint's scope: the files that build a Keras recurrent layer. Any other file gets no findings.

A real code base is mostly other code — of the 2,530 files of Keras, keras-io and keras-hub, about 40 build a
recurrent layer — and libcst's parse is what costs, so a file is parsed with libcst only when three tests,
each cheaper than the next step, say it may be in scope:

1. its bytes (:func:`may_hold_recurrent`) hold ``keras`` and, as a whole word, the name of a recurrent class;
2. CPython's ``ast`` of it, parsed first anyway for syntax errors (:func:`calls_recurrent`), calls such a
   class in code — not in a comment or a string, and not only in an import or a class definition — or
   binds it to a name, passes it as an argument or a default (``RNN = layers.LSTM``, ``build(LSTM)``);
3. after the analysis, the analyzer saw such a layer constructed (``Module.recurrent``).

The first two are sound because the analyzer only knows a layer through a call whose callee it resolves
through the file's imports to a Keras path ending in the class name: that path's ``keras`` and the class name
are both written in the file's code, and the callee is either ``<something>.<class name>``, a name that an
import of the class binds, or a name (a parameter) the class was bound to by an assignment or a call. The third makes the scope exact, whatever the names matched.
"""

from __future__ import annotations

import ast
import re

from lstmlint.analyze.pywalk import kinds

# Every class of the recurrent, conv-recurrent and cell families of keras_api, and the wrapper that only
# takes a recurrent layer (a test checks this list against keras_api).
RECURRENT_CLASSES = frozenset({
    "LSTM", "GRU", "SimpleRNN", "RNN", "CuDNNLSTM", "CuDNNGRU", "ConvLSTM1D", "ConvLSTM2D", "ConvLSTM3D",
    "LSTMCell", "GRUCell", "SimpleRNNCell", "StackedRNNCells", "Bidirectional",
})
# Substrings that every name above contains: plain `in` tests on bytes are many times faster than a regex,
# and turn away nearly every file before the regex runs.
_NEEDLES = (b"LSTM", b"GRU", b"RNN", b"Bidirectional")
# A name as a whole word: identifiers are ASCII here, and a non-ASCII byte next to one is not \w in a bytes
# pattern, so a match can only be missed where the name is part of a longer identifier.
_WORD = re.compile(rb"(?<![A-Za-z0-9_])(?:" + b"|".join(
    re.escape(name.encode()) for name in sorted(RECURRENT_CLASSES, key=len, reverse=True)) + rb")(?![A-Za-z0-9_])")


def may_hold_recurrent(data: bytes, notebook: bool = False) -> bool:
    """The byte test. A notebook is JSON, where a line break before a name reads ``\\nLSTM``: there the names
    are looked for as substrings, not as words. (A source that Python can run is in an ASCII-compatible
    encoding, so the names are these bytes.)"""
    # a pasted snippet with no import at all may call LSTM(...) by bare name (see snippets.py)
    if (b"keras" not in data and b"import" in data) or not any(needle in data for needle in _NEEDLES):
        return False
    return notebook or _WORD.search(data) is not None


def calls_recurrent(tree: ast.AST) -> bool:
    """The code calls a recurrent class: ``LSTM(...)``, ``layers.LSTM(...)``, or ``L(...)`` after ``from
    keras.layers import LSTM as L`` — the only ways the analyzer constructs a layer."""
    called: set[str] = set()
    imported: set[str] = set()
    found = kinds(tree)
    for node in found.of(ast.Call):
        func = node.func  # type: ignore[attr-defined]
        if type(func) is ast.Attribute:
            if func.attr in RECURRENT_CLASSES:
                return True
        elif type(func) is ast.Name:
            called.add(func.id)
    for node in found.of(ast.alias):
        name, asname = node.name, node.asname  # type: ignore[attr-defined]
        if name.rpartition(".")[2] in RECURRENT_CLASSES:
            imported.add(asname or name)
    if not called.isdisjoint(RECURRENT_CLASSES) or not called.isdisjoint(imported):
        return True
    # `RNN = keras.layers.LSTM`, `self.cls = LSTM`, `build(layers.GRU)`, `def make(rnn=LSTM)`: the class is
    # called through the name it is bound to (analyze/values.py, Evaluator.resolve)
    names = RECURRENT_CLASSES | imported
    values: list = [node.value for node in found.of(ast.Assign, ast.AnnAssign)]  # type: ignore[attr-defined]
    for node in found.of(ast.Call):
        values.extend(node.args)  # type: ignore[attr-defined]
        values.extend(keyword.value for keyword in node.keywords)  # type: ignore[attr-defined]
    for node in found.of(ast.arguments):
        values.extend(node.defaults)  # type: ignore[attr-defined]
        values.extend(node.kw_defaults)  # type: ignore[attr-defined]
    return any(type(value) is ast.Attribute and value.attr in RECURRENT_CLASSES
               or type(value) is ast.Name and value.id in names for value in values)
