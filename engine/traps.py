"""No silent wrong gradient: what would quietly take a Value out of the graph raises.

A float made from a Value drops out of the graph, so ``math.exp(x) * x`` would give
``x.grad = exp(1)`` instead of ``2 exp(1)``. Each conversion raises a ``TypeError``
that says what to write instead. ``Value`` inherits these from ``Traps``; a first
reading may skip this file.
"""

from typing import NoReturn


class Traps:
    """The conversions of a Value to a plain number or a truth value, each refused with a hint."""

    __slots__ = ()

    def __float__(self) -> NoReturn:
        raise _left_the_graph(
            "a plain float",
            "Use v.exp() (or v.log(), v.sqrt(), ...) to stay in the graph, "
            "or v.data for the number",
        )

    def __complex__(self) -> NoReturn:
        raise _left_the_graph("a complex number", "Use v.data for the number")

    def __int__(self) -> NoReturn:
        raise _left_the_graph("an int", "Use int(v.data) for the number")

    def __index__(self) -> NoReturn:  # range(v), a list index, "ab" * v
        raise _left_the_graph("an int", "Use int(v.data) for the number")

    def __round__(self, ndigits: int | None = None) -> NoReturn:
        raise _left_the_graph("a rounded number", "Use round(v.data) for the number")

    def __trunc__(self) -> NoReturn:
        raise _left_the_graph("an int", "Use math.trunc(v.data) for the number")

    def __floor__(self) -> NoReturn:
        raise _left_the_graph("an int", "Use math.floor(v.data) for the number")

    def __ceil__(self) -> NoReturn:
        raise _left_the_graph("an int", "Use math.ceil(v.data) for the number")

    def __bool__(self) -> NoReturn:
        raise TypeError(
            "a Value has no truth value: `if loss:` would hold even for Value(0.0). "
            "Compare its number instead, e.g. `if v.data > 0:`."
        )


def _left_the_graph(what: str, instead: str) -> TypeError:
    return TypeError(
        f"a Value cannot become {what} silently: it would drop out of the graph and its "
        f"gradient would be wrong. {instead}."
    )


def not_comparable(sign: str, other: object) -> TypeError:
    """The error of ``v == x`` or ``v != x`` for a number ``x``: compare ``v.data`` instead."""
    return TypeError(
        f"`v {sign} x` (x of type {type(other).__name__}) would always be {sign == '!='}: "
        f"between Values {sign} compares identity (so sets and dicts of Values work), not "
        f"numbers. Compare the number: `v.data {sign} x`."
    )
