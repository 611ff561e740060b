"""``Op``: what one row of the table of operations (``engine.ops``) holds.

A first reading may skip this file: ``engine.ops`` says what each column means.
"""

import inspect
import pickle
from collections.abc import Callable, Sequence
from typing import Any

from engine import float_math

Derivatives = Sequence[Any]
"""Local derivatives: floats on the backward pass, Values under ``create_graph``."""


class Op:
    """One operation: its name, its forward rule and its local derivatives, and how it is reached.

    The columns, as ``engine.ops`` writes them:

    - ``name``: the node's ``op`` ("+", "exp", "dot+b").
    - ``arity``: 1 or 2 operands, or 0 for a list of them (n-ary): then ``forward`` and
      ``local`` take the operands as one sequence.
    - ``forward``: the result from the operands' floats, then the parameters.
    - ``local``: one local derivative per operand, ``local(x, out, m, *params)``.
    - ``function``: the forward rule's name as a function (``"exp"``, ``"add_all"``),
      which generated code calls, and the array backend too (``engine.codegen.array_math``:
      a numpy version of that name, else the forward rule element by element). An
      operation outside the table (the user's, ``engine.operation``) has none: generated
      code calls its rules, on floats, as ``ops.<name>``.
    - ``called``: whether a student calls it by its name: ``x.exp()`` and ``exp(x)`` on
      the command line (``engine.sum(xs)`` and ``sum(a, b)`` for a list). True for a
      name that is an identifier unless given.
    - ``activation``: whether ``nn`` offers it as a neuron's activation; ``nn.backprop``
      takes its f'(a) from ``local``.
    - ``fmt``: how the op of a node with parameters reads (``"**{0:g}"`` gives ``"**2"``).
    - ``skips_zero``: its local derivatives are finite whenever its result is, so a zero
      gradient passes on nothing but exact zeros and its chain-rule step is skipped.

    ``params`` are the names of its parameters: ``local``'s arguments after ``m``.
    """

    __slots__ = (
        *("activation", "arity", "called", "fmt", "forward", "function", "local", "name"),
        *("params", "skips_zero"),
    )

    def __init__(
        self,
        name: str,
        arity: int,
        forward: Callable[..., float],
        local: Callable[..., Derivatives],
        fmt: str = "",
        *,
        function: str = "",
        called: bool | None = None,
        activation: bool = False,
        skips_zero: bool = False,
    ) -> None:
        self.name = name
        self.arity = arity
        self.forward = forward
        self.local = local
        self.fmt = fmt
        self.function = function
        self.called = name.isidentifier() if called is None else called
        self.activation = activation
        self.skips_zero = skips_zero
        self.params = _params(local, arity)

    def derivatives(self, node: Any, m: Any) -> Derivatives:
        """Return the local derivatives at ``node``: floats with ``float_math``, else Values.

        With ``engine.value_math`` the operands and the result go in as Values, so
        the derivatives come out as nodes, differentiable again.
        """
        if m is float_math:
            operands, out = [p._data for p in node._parents], node._data
        else:
            operands, out = node._parents, node
        if self.arity == 0:
            return self.local(operands, out, m)
        return self.local(*operands, out, m, *node._params)

    def __repr__(self) -> str:
        return f"Op({self.name!r})"

    def __reduce__(self) -> str | tuple[Any, ...]:
        """Pickle a row of the table by its name there (``ADD``), so a pickled graph keeps it."""
        from engine import ops  # engine.ops is made of Ops: it imports this module

        for name, value in vars(ops).items():
            if value is self:
                return ops.row, (name,)
        raise pickle.PicklingError(
            f"operation {self.name!r} is not a row of engine.ops and was not made by "
            "engine.operation, so it cannot be pickled"
        )


def _params(local: Callable[..., Derivatives], arity: int) -> tuple[str, ...]:
    """The names of ``local``'s arguments after its operands, ``out`` and ``m``."""
    try:
        arguments = list(inspect.signature(local).parameters.values())
    except (TypeError, ValueError):  # a builtin without a signature: no parameters of its own
        return ()
    fixed = (arity or 1) + 2
    named = (inspect.Parameter.POSITIONAL_ONLY, inspect.Parameter.POSITIONAL_OR_KEYWORD)
    return tuple(a.name for a in arguments[fixed:] if a.kind in named)
