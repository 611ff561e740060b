"""engine.codegen: machinery that writes a graph out as Python. Not needed to read the lesson.

The core of ``engine`` (``Value`` → ``backward()``) never imports this package;
``engine`` only re-exports [`compile`][engine.compile] and
[`CompiledGraph`][engine.CompiledGraph] from it.

- ``engine.codegen.compiler``: ``engine.compile``, a graph as straight-line code.
- ``engine.codegen.symbolic``: the tracer, each rule of ``engine.ops`` read as text.
- ``engine.codegen.repeats``: the repeat finder, the piece a batch runs once per
  sample; the compiler loops over it and ``viz`` draws one sample of it.
- ``engine.codegen.layers``: the matrices of the backpropagation algorithm in that
  piece, neurons that read the same inputs as one layer.
- ``engine.codegen.names``: the variables' names, those the pictures give their nodes
  (``W1_3_0``, ``h1_3``, ``x_0``, a label), numbers where there are none.
- ``engine.codegen.arrays`` and ``engine.codegen.array_math``: ``backend="numpy"``,
  the piece as array code over the whole batch (numpy is imported only there).
"""

from engine.codegen.compiler import CompiledGraph, compile  # noqa: A004 - engine.compile
from engine.codegen.repeats import Repeat, repeated_pieces

__all__ = ["CompiledGraph", "Repeat", "compile", "repeated_pieces"]
