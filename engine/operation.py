"""``engine.operation``: an operation of your own, stated once as the built-in ones are.

An operation is a forward rule on floats and its local derivatives, written with
the functions of a math namespace ``m`` (the same form as a row of
``engine.ops``). The engine hands ``local`` floats and ``engine.float_math`` on the
backward pass, Values and ``engine.value_math`` under ``create_graph``, so one
definition gives gradients, higher derivatives, ``gradcheck``, ``detect_anomaly``,
compiled code and pictures.

``m`` holds ``exp log sqrt sin cos tanh sigmoid softplus div pow sign number``
(``engine.float_math.NAMES``);
arithmetic operators work on both floats and Values. Test a number with
``m.number(x) > 0`` (Values compare by identity, not by number).

Examples:
    >>> import math
    >>> from engine import Value, operation
    >>> log1p = operation(
    ...     "log1p",
    ...     forward=lambda x: math.log1p(x),
    ...     local=lambda x, out, m: (m.div(1.0, 1.0 + x),),
    ... )
    >>> x = Value(0.5)
    >>> y = log1p(x)
    >>> y.backward()
    >>> y.op, round(y.data, 6), round(x.grad, 6)
    ('log1p', 0.405465, 0.666667)
"""

import keyword
import numbers
import pickle
import re
import reprlib
from collections.abc import Callable, Iterable, Sequence
from types import FunctionType
from typing import Any

from engine import float_math, ops
from engine.op import Op
from engine.value import Value, as_value, result_node

ARITIES = {1: "local(x, out, m)", 2: "local(a, b, out, m)", 0: "local(xs, out, m)"}
"""What ``local`` takes for each arity (0 is n-ary: the operands as one list)."""

_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


def operation(
    name: str,
    forward: Callable[..., float],
    local: Callable[..., Sequence[Any]],
    *,
    arity: int = 1,
) -> Callable[..., Value]:
    """Return a function that makes nodes of a new operation called ``name``.

    ``forward`` computes the result from floats: ``forward(x)``, ``forward(a, b)``,
    or ``forward(xs)`` for ``arity=0`` (n-ary). ``local`` gives one local derivative
    per operand (see ``ARITIES`` and the module's docstring): real numbers on the
    backward pass, where it gets floats; Values or numbers under ``create_graph``,
    where it gets Values. The function returned takes Values or numbers (a list of
    them when n-ary). Its nodes pickle when ``forward`` and ``local`` are functions
    pickle can find by name (defined with ``def`` at the top of a module).
    """
    return _maker(_define(name, forward, local, arity))


_Definition = tuple[str, Callable[..., float], Callable[..., Sequence[Any]], int]
"""What ``engine.operation`` was called with: name, forward, local and arity."""


class _Defined(Op):
    """An operation of the user's: an ``Op`` that keeps what it was defined from, to pickle.

    It has no ``function``: compiled code calls its rules as ``ops.<name>``, on floats.
    """

    __slots__ = ("definition",)

    def __init__(self, definition: _Definition) -> None:
        name, forward, local, arity = definition
        checked = _checked_forward(name, forward), _checked_local(name, local, arity)
        super().__init__(name, arity, *checked, called=False)
        self.definition = definition

    def __reduce__(self) -> tuple[Any, ...]:
        """Pickle the operation as its definition, its functions by name (as pickle does)."""
        name, forward, local, _ = self.definition
        for role, function in (("forward", forward), ("local", local)):
            where = getattr(function, "__qualname__", "")
            if isinstance(function, FunctionType) and "<" in where:
                raise pickle.PicklingError(
                    f"operation {name!r} cannot be pickled: its {role} is {where}, a lambda "
                    "or a function defined inside another, which pickle cannot find by name; "
                    "define forward and local with def at the top of a module"
                )
        return _define, self.definition


def _define(
    name: str, forward: Callable[..., float], local: Callable[..., Sequence[Any]], arity: int
) -> Op:
    """Check a definition and return its operation (``operation`` and unpickling call this)."""
    if not isinstance(name, str) or not _NAME.match(name) or keyword.iskeyword(name):
        raise ValueError(
            f"operation: name must be a Python identifier such as 'log1p', got {name!r}"
        )
    if name in {op.name for op in ops.TABLE}:
        raise ValueError(
            f"operation: {name!r} is a built-in operation; choose another name for yours"
        )
    if not callable(forward) or not callable(local):
        which = "forward" if not callable(forward) else "local"
        raise TypeError(f"operation {name!r}: {which} must be a function")
    if isinstance(arity, bool) or arity not in ARITIES:
        raise ValueError(f"operation {name!r}: arity must be 1, 2 or 0 (n-ary), got {arity!r}")
    return _Defined((name, forward, local, arity))


def _checked_forward(name: str, forward: Callable[..., float]) -> Callable[..., float]:
    def checked(*operands: Any) -> float:
        result = forward(*operands)
        if isinstance(result, bool) or not isinstance(result, int | float):
            raise TypeError(
                f"operation {name!r}: forward must return a real number, "
                f"got {type(result).__name__}"
            )
        return float(result)

    return checked


def _checked_local(
    name: str, local: Callable[..., Sequence[Any]], arity: int
) -> Callable[..., Sequence[Any]]:
    def checked(*args: Any) -> Sequence[Any]:
        derivatives = local(*args)
        wanted = arity or len(args[0])
        if not isinstance(derivatives, Sequence) or len(derivatives) != wanted:
            got = len(derivatives) if isinstance(derivatives, Sequence) else "no sequence"
            raise ValueError(
                f"operation {name!r}: local must return one derivative per operand "
                f"({wanted}, as a tuple or list), got {got}; it is called as {ARITIES[arity]}"
            )
        # On the backward pass (m is engine.float_math) a derivative is a number, which goes
        # into .grad; under create_graph (m is engine.value_math) it may be a Value too.
        on_floats = args[-1] is float_math
        for i, d in enumerate(derivatives):
            if (
                isinstance(d, bool)
                or not isinstance(d, numbers.Real | Value)
                or (on_floats and isinstance(d, Value))
            ):
                wanted_type = "a real number" if on_floats else "a Value or a real number"
                given = "floats" if on_floats else "Values (create_graph)"
                raise TypeError(
                    f"operation {name!r}: local must return {wanted_type} for each operand, "
                    f"got {reprlib.repr(d)} ({type(d).__name__}) for operand {i}; it was "
                    f"given {given}"
                )
        return [float(d) for d in derivatives] if on_floats else derivatives

    return checked


def _maker(op: Op) -> Callable[..., Value]:
    name = op.name
    if op.arity == 1:

        def unary(x: Value | float) -> Value:
            v = as_value(x, f"{name}: the operand")
            return result_node(op, (v,), op.forward(v.data), ())

        made: Callable[..., Value] = unary
    elif op.arity == 2:

        def binary(a: Value | float, b: Value | float) -> Value:
            x, y = as_value(a, f"{name}: the first operand"), as_value(b, f"{name}: the second")
            return result_node(op, (x, y), op.forward(x.data, y.data), ())

        made = binary
    else:

        def nary(values: Iterable[Value | float]) -> Value:
            if isinstance(values, str | bytes | Value) or not isinstance(values, Iterable):
                raise TypeError(f"{name}: takes a list of Values or numbers")
            parents = tuple(as_value(v, f"{name}: operand {i}") for i, v in enumerate(values))
            return result_node(op, parents, op.forward([p.data for p in parents]), ())

        made = nary
    made.__name__ = made.__qualname__ = name
    made.__doc__ = f"Make a node of the operation {name!r} (see engine.operation)."
    return made
