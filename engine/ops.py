"""The table of operations: each one's forward rule beside its local derivatives.

This is the one place where an operation is defined. A row gives

* ``forward``: the result from the operands' floats (and the operation's
  parameters, such as the exponent of ``x ** 2``);
* ``local``: the local derivatives d(result)/d(operand), one per operand, written
  with ordinary operators and the functions of a math namespace ``m``.

The backward pass calls ``local`` with floats and ``m = engine.ieee`` to get
numbers; ``engine.grad(..., create_graph=True)`` calls the *same* function with
Values and ``m = engine.value_math`` to get differentiable Values. So higher
derivatives need no rules of their own, and the two paths cannot drift apart.

Argument names in ``local``: ``x`` (or ``a``, ``b``) the operands, ``out`` the
result, ``m`` the math namespace, then the operation's parameters. A Value never
equals a number (``==`` raises), so a test of an operand's number is written
``m.number(b) == 0``; ``engine.compile`` reads these tests too, as conditions of the
generated code.
"""

import functools
import operator
import pickle
import sys
from collections.abc import Callable, Sequence
from typing import Any

from engine import ieee

# Local derivatives are floats on the fast path and Values under create_graph.
Derivatives = Sequence[Any]


class Op:
    """One operation: its name, its forward rule and its local derivatives.

    ``arity`` is 1 or 2 for fixed operands, 0 for n-ary operations, whose
    ``forward`` and ``local`` take the operands as one sequence. ``skips_zero``
    says that the local derivatives are finite whenever the result is: then a zero
    gradient passes on nothing but exact zeros, and its chain-rule step is skipped.
    """

    __slots__ = ("arity", "chain", "fmt", "forward", "local", "name", "skips_zero")

    def __init__(
        self,
        name: str,
        arity: int,
        forward: Callable[..., float],
        local: Callable[..., Derivatives],
        fmt: str = "",
        *,
        skips_zero: bool = False,
    ) -> None:
        self.name = name
        self.arity = arity
        self.forward = forward
        self.local = local
        # How the node's op reads in a picture when it has parameters, e.g. "**2".
        self.fmt = fmt
        self.skips_zero = skips_zero
        # The backward pass's step on floats, made once per operation (engine.backward).
        self.chain = _float_step(arity, local, skips_zero)

    def derivatives(self, node: Any, m: Any) -> Derivatives:
        """Return the local derivatives at ``node``: floats with ``m = ieee``, else Values.

        With ``engine.value_math`` the operands and the result go in as Values, so
        the derivatives come out as nodes, differentiable again.
        """
        if m is ieee:
            operands, out = [p._data for p in node._parents], node._data
        else:
            operands, out = node._parents, node
        if self.arity == 0:
            return self.local(operands, out, m)
        return self.local(*operands, out, m, *node._ctx)

    def __repr__(self) -> str:
        return f"Op({self.name!r})"

    def __reduce__(self) -> str | tuple[Any, ...]:
        """Pickle a row of the table as its name here (``ADD``), so a pickled graph keeps it."""
        for name, value in globals().items():
            if value is self:
                return name
        raise pickle.PicklingError(
            f"operation {self.name!r} is not a row of engine.ops and was not made by "
            "engine.operation, so it cannot be pickled"
        )


def passes_nothing(g: float, out: float) -> bool:
    """Whether a ``skips_zero`` node's step would hand on only exact zeros: skip it.

    Its local derivatives are finite whenever its value is (``out - out`` is 0.0 for
    a finite ``out``, nan for inf and nan), so a zero gradient times each is 0.0.
    """
    return g == 0.0 and out - out == 0.0


FloatStep = Callable[[Any, float], None]


def _float_step(arity: int, local: Callable[..., Derivatives], skips_zero: bool) -> FloatStep:
    """The chain-rule step of engine.backward on floats, written out for each arity.

    Unpacking one or two operands directly instead of looping over them makes the
    moons step 11% faster and the chain 30%; each operand's running gradient is its
    slot ``_g``, the operands are the slot ``_parents`` behind ``Value.parents``, and
    the numbers the slots ``_data`` behind ``Value.data`` (a property, whose setter
    checks what a user assigns).
    """
    if arity == 1:

        def unary(n: Any, g: float) -> None:
            x = n._parents[0]
            x._g += g * local(x._data, n._data, ieee, *n._ctx)[0]

        return unary
    if arity == 2:

        def binary(n: Any, g: float) -> None:
            a, b = n._parents
            da, db = local(a._data, b._data, n._data, ieee)
            a._g += g * da
            b._g += g * db

        return binary

    def nary(n: Any, g: float) -> None:
        # passes_nothing(g, n._data), written out: the call cost 1.4% of the moons step.
        if skips_zero and g == 0.0 and n._data - n._data == 0.0:
            return
        parents = n._parents
        for p, d in zip(parents, local([x._data for x in parents], n._data, ieee), strict=True):
            p._g += g * d

    return nary


def _relu(x: float) -> float:
    return 0.0 if x <= 0.0 else x  # nan passes through, as in PyTorch


def _leaky_relu(x: float, slope: float) -> float:
    return x if x > 0.0 else x * slope


def _logsumexp(xs: Sequence[float]) -> float:
    if not xs:
        return -ieee.inf  # the log of an empty sum
    if any(x != x for x in xs):
        return ieee.nan
    top = max(xs)
    if not ieee.isfinite(top):
        return top
    return top + ieee.log(sum([ieee.exp(x - top) for x in xs]))


# Sums add left to right, as a hand-written loop does, so compiled code that writes
# the sum out term by term gives the same bits. sum() does so before Python 3.12;
# from 3.12 it compensates rounding errors for floats, so reduce() takes its place.
_left_to_right: Callable[[Any, float], Any] = (
    sum if sys.version_info < (3, 12) else functools.partial(functools.reduce, operator.add)
)


def add_all(xs: Sequence[float]) -> float:
    """Return ``0.0 + x_1 + ... + x_n``, added left to right."""
    return _left_to_right(xs, 0.0)  # type: ignore[no-any-return]


def dot(factors: Sequence[float]) -> float:
    """Return ``0.0 + w_1*x_1 + ... + w_n*x_n`` from ``w_1..w_n, x_1..x_n``, left to right."""
    n = len(factors) // 2
    return _left_to_right(map(operator.mul, factors[:n], factors[n:]), 0.0)  # type: ignore[no-any-return]


def dot_plus(factors: Sequence[float]) -> float:
    """Return ``dot(w_1..w_n, x_1..x_n) + b`` from ``w_1..w_n, x_1..x_n, b``."""
    n = len(factors) // 2
    products = map(operator.mul, factors[:n], factors[n:-1])
    return _left_to_right(products, 0.0) + factors[-1]  # type: ignore[no-any-return]


def _no_derivatives(*args: Any) -> Derivatives:
    return ()


# fmt: off
# A leaf has no operands, so nothing to differentiate.
LEAF = Op("", 0, lambda xs: 0.0, _no_derivatives)

# Binary operations: local(a, b, out, m) -> (d out/d a, d out/d b).
ADD = Op("+", 2, operator.add, lambda a, b, out, m: (1.0, 1.0))
SUB = Op("-", 2, operator.sub, lambda a, b, out, m: (1.0, -1.0))
MUL = Op("*", 2, operator.mul, lambda a, b, out, m: (b, a))
DIV = Op("/", 2, ieee.div,     lambda a, b, out, m: (m.div(1.0, b), -m.div(out, b)))
# d/da b*a^(b-1) and d/db a^b*log(a); PyTorch's zeros where b == 0, and where a == 0 <= b.
POW = Op("**", 2, ieee.pow,    lambda a, b, out, m: (
    0.0 if m.number(b) == 0.0 else b * m.pow(a, b - 1.0),
    0.0 if m.number(a) == 0.0 and m.number(b) >= 0.0 else out * m.log(a)))

# Unary operations: local(x, out, m, *params) -> (d out/d x,).
NEG        = Op("neg",        1, operator.neg,  lambda x, out, m: (-1.0,))
POW_CONST  = Op("**",         1, ieee.pow,      lambda x, out, m, c: (
    0.0 if c == 0.0 else c * m.pow(x, c - 1.0),), fmt="**{0:g}")
EXP        = Op("exp",        1, ieee.exp,      lambda x, out, m: (out,))
LOG        = Op("log",        1, ieee.log,      lambda x, out, m: (m.div(1.0, x),))
SQRT       = Op("sqrt",       1, ieee.sqrt,     lambda x, out, m: (m.div(0.5, out),))
ABS        = Op("abs",        1, abs,           lambda x, out, m: (m.sign(x),))
SIN        = Op("sin",        1, ieee.sin,      lambda x, out, m: (m.cos(x),))
COS        = Op("cos",        1, ieee.cos,      lambda x, out, m: (-m.sin(x),))
TANH       = Op("tanh",       1, ieee.tanh,     lambda x, out, m: (1.0 - out * out,))
SIGMOID    = Op("sigmoid",    1, ieee.sigmoid,  lambda x, out, m: (out * (1.0 - out),))
RELU       = Op("relu",       1, _relu,         lambda x, out, m: (0.0 if x <= 0.0 else 1.0,))
LEAKY_RELU = Op("leaky_relu", 1, _leaky_relu,   lambda x, out, m, slope: (
    1.0 if x > 0.0 else slope,))
SOFTPLUS   = Op("softplus",   1, ieee.softplus, lambda x, out, m, beta, threshold: (
    1.0 if x * beta > threshold else m.sigmoid(x * beta),))

# N-ary operations: local(xs, out, m) -> one derivative per operand.
SUM       = Op("sum",       0, add_all,    lambda xs, out, m: [1.0] * len(xs))
# The operands are w_1..w_n then x_1..x_n; d/dw_i = x_i and d/dx_i = w_i. A finite sum
# of products has finite factors, so with a zero gradient every term is an exact zero.
DOT       = Op("dot",       0, dot,        lambda xs, out, m: [
    *xs[len(xs) // 2:], *xs[:len(xs) // 2]], skips_zero=True)
# A neuron's pre-activation w.x + b: DOT's operands, then b, whose derivative is 1.
DOT_PLUS  = Op("dot+b",     0, dot_plus,   lambda xs, out, m: [
    *xs[len(xs) // 2:-1], *xs[:len(xs) // 2], 1.0], skips_zero=True)
# d/dx_i logsumexp(x) = softmax(x)_i = exp(x_i - out).
LOGSUMEXP = Op("logsumexp", 0, _logsumexp, lambda xs, out, m: [m.exp(x - out) for x in xs])
# fmt: on

TABLE = (
    ADD,
    SUB,
    MUL,
    DIV,
    POW,
    NEG,
    POW_CONST,
    EXP,
    LOG,
    SQRT,
    ABS,
    SIN,
    COS,
    TANH,
    SIGMOID,
    RELU,
    LEAKY_RELU,
    SOFTPLUS,
    SUM,
    DOT,
    DOT_PLUS,
    LOGSUMEXP,
)
"""Every operation a node can have (leaves aside), in the order of the table above."""

# Forward rules that are plain expressions of their operands (operators, comparisons,
# conditionals; no calls that can raise): compiled code writes them out in place.
# The others, which catch math's exceptions, are called by name.
INLINE = frozenset({ADD, SUB, MUL, NEG, ABS, RELU, LEAKY_RELU, SUM, DOT, DOT_PLUS})
