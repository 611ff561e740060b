"""engine.codegen: machinery that writes a graph out as Python. Not needed to read the lesson.

The core of ``engine`` (``Value`` → ``backward()``) never imports this package;
``engine`` loads it the first time [`compile`][engine.compile] or
[`CompiledGraph`][engine.CompiledGraph] is used.

- ``engine.codegen.compiler``: ``engine.compile`` and ``CompiledGraph``, the public API.
- ``engine.codegen.python_writer``: the writer behind it, a graph as straight-line Python.
- ``engine.codegen.tracer``: the tracer, each rule of ``engine.ops`` read as text,
  and ``INLINE``, the rules the code writes out in place.
- ``engine.network`` (beside this package, as ``viz`` reads it too): the piece a batch
  repeats, which the compiler runs as one loop, and the layers in it, each a matrix of
  the backpropagation algorithm.
- ``engine.codegen.names``: the variables' names, those the pictures give their nodes
  (``W1_3_0``, ``h1_3``, ``x_0``, a label), numbers where there are none.
- ``engine.codegen.arrays`` and ``engine.codegen.array_math``: ``backend="numpy"``,
  the piece as array code over the whole batch (numpy is imported only there).
"""

from engine.codegen.compiler import CompiledGraph, compile  # noqa: A004 - engine.compile

__all__ = ["CompiledGraph", "compile"]
