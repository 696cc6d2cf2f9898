"""What Keras and TensorFlow said, as lstmlint prints it: one informative line, and whether it was memory.

No TensorFlow here: the worker and the parent side both use these.
"""

from __future__ import annotations

import re

ANSI = re.compile(r"\x1b\[[0-9;]*m")


def out_of_memory(error: BaseException) -> bool:
    """MemoryError, TensorFlow's ResourceExhaustedError, or a library that cannot be mapped under RLIMIT_AS."""
    text = str(error)
    return (isinstance(error, MemoryError) or type(error).__name__ == "ResourceExhaustedError"
            or "OOM when allocating" in text or "failed to map segment" in text or "Cannot allocate memory" in text)


def first_line(message: str) -> str:
    """The informative first line of a Keras error (skipping Keras 3's "Exception encountered when calling")."""
    lines = [line.strip() for line in ANSI.sub("", message).splitlines() if line.strip()]
    if not lines:
        return ""
    if lines[0].startswith("Exception encountered when calling") and len(lines) > 1:
        return lines[1]
    return lines[0]


_NODE_NOISE = (
    (re.compile(r" for '\{\{node [^']*'"), ""),  # "Dimensions must be equal ... for '{{node x/MatMul}} = ...'"
    (re.compile(r"\{\{function_node [^}]*\}\}\s*"), ""),
    (re.compile(r"\s*\[Op:[^\]]*\]( name: ?)?"), ""),
)


def keras_message(error: str) -> str:
    """One informative line of what Keras / TensorFlow said: without the exception type, Keras 3's "Exception
    encountered when calling" header, a graph error's traceback and node names."""
    text = ANSI.sub("", error)
    head, _, rest = text.partition(":")
    if head.isidentifier() and head.endswith(("Error", "Exception", "Exit")):
        text = rest
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    if lines and lines[0].startswith("Graph execution error"):
        lines = [line for line in lines[1:] if not line.startswith(("Detected at node", "File ", "[["))]
    line = first_line("\n".join(lines))
    for pattern, replacement in _NODE_NOISE:
        line = pattern.sub(replacement, line)
    return line.strip()

