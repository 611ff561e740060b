"""engine.codegen: machinery that writes a graph out as Python. Not needed to read the lesson.

The core of :mod:`engine` (``Value`` → ``backward()``) never imports this package;
``engine`` only re-exports :func:`compile` and :class:`CompiledGraph` from it.

- :mod:`engine.codegen.compiler`: ``engine.compile``, a graph as straight-line code.
- :mod:`engine.codegen.symbolic`: the tracer, each rule of :mod:`engine.ops` read as text.
- :mod:`engine.codegen.repeats`: the repeat finder, the piece a batch runs once per
  sample; the compiler loops over it and ``viz`` draws one sample of it.
"""

from engine.codegen.compiler import CompiledGraph, compile  # noqa: A004 - engine.compile
from engine.codegen.repeats import Repeat, repeated_pieces

__all__ = ["CompiledGraph", "Repeat", "compile", "repeated_pieces"]
