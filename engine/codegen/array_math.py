"""The ``xp`` of array code: the table's functions on numpy arrays, one sample per element.

``engine.compile(..., backend="numpy")`` runs a batch's per-sample piece once over
arrays, and its code calls these where the Python backend calls the rows' forward
rules and ``engine.float_math``'s functions. There is one here for each name of
``float_math.NAMES`` (checked at import) and, written with numpy for speed, for each
row's ``function``; a row without one runs its forward rule element by element
(``elementwise``). Each gives, element by element, what its
namesake gives on one float: ``inf`` and ``nan`` instead of errors, the same branches
at the same points. Only the last bits may differ, where numpy's ``exp`` or ``tanh``
rounds otherwise than the C library.

Only ``backend="numpy"`` imports this module, so ``engine`` itself needs no numpy.
"""

import math
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from engine import float_math, ops

Array = Any  # a float64 ndarray, or a float where every sample has the same number

inf = np.inf
nan = np.nan
asarray = np.asarray
errstate = np.errstate
zeros = np.zeros
add_at = np.add.at


def add(a: Array, b: Array) -> Array:
    """Return ``a + b``."""
    return np.add(a, b)


def sub(a: Array, b: Array) -> Array:
    """Return ``a - b``."""
    return np.subtract(a, b)


def mul(a: Array, b: Array) -> Array:
    """Return ``a * b``."""
    return np.multiply(a, b)


def neg(x: Array) -> Array:
    """Return ``-x``."""
    return np.negative(x)


def abs(x: Array) -> Array:  # noqa: A001 - the name the table's row calls
    """Return ``|x|``: 0.0 for -0.0, nan for nan."""
    return np.abs(x)


def div(a: Array, b: Array) -> Array:
    """Return ``a / b``: ``+-inf`` for division by zero, ``nan`` for ``0/0``."""
    return np.divide(a, b)


def pow(x: Array, y: Array) -> Array:  # noqa: A001 - the name the table's rules call
    """Return ``x ** y`` as C99's ``pow`` does, as ``engine.float_math.pow``."""
    out = np.power(x, y)
    # numpy's loop, handed one exponent for a whole row (a float, a broadcast array, a
    # column against a matrix), takes the exponent 0.5 as a square root: -0.0 at -0.0 and
    # nan at -inf, where C99's pow gives +0.0 and +inf. Its other shortcuts (-1, 0, 1 and
    # 2: 1/x, 1, x and x*x) agree with pow.
    half: Array
    if isinstance(y, float):  # a constant exponent, x ** c: one test, no pass over an array
        if y != 0.5:
            return out
        half = True
    else:
        half = np.equal(y, 0.5)
        if not half.any():
            return out
    # In place: a new array of a large batch costs more than the square root itself.
    out = np.asarray(out)  # two numbers give a numpy scalar, which cannot be written
    np.add(out, 0.0, out=out, where=half)  # -0.0 + 0.0 is +0.0; any other number stays
    np.copyto(out, inf, where=np.logical_and(half, np.equal(x, -inf)))
    return out


def exp(x: Array) -> Array:
    """Return ``e ** x``, ``inf`` on overflow."""
    return np.exp(x)


def log(x: Array) -> Array:
    """Return the natural logarithm: ``-inf`` at 0 (and -0), ``nan`` below it."""
    return np.log(x)


def sqrt(x: Array) -> Array:
    """Return the square root, ``nan`` below 0."""
    return np.sqrt(x)


def sin(x: Array) -> Array:
    """Return the sine, ``nan`` for infinite ``x``."""
    return np.sin(x)


def cos(x: Array) -> Array:
    """Return the cosine, ``nan`` for infinite ``x``."""
    return np.cos(x)


def tanh(x: Array) -> Array:
    """Return the hyperbolic tangent."""
    return np.tanh(x)


def sigmoid(x: Array) -> Array:
    """Return ``1 / (1 + e**-x)`` by ``engine.float_math.sigmoid``'s two branches: no overflow."""
    e = np.exp(-np.abs(x))  # e**-x where x >= 0, e**x below: in (0, 1], or nan
    return np.where(x >= 0.0, 1.0 / (1.0 + e), e / (1.0 + e))


def softplus(x: Array, beta: float = 1.0, threshold: float = 20.0) -> Array:
    """Return ``log(1 + e**(beta*x)) / beta``, ``x`` itself where ``beta*x > threshold``."""
    z = np.multiply(x, beta)
    return np.where(z > threshold, x, np.log1p(np.exp(z)) / beta)


def sign(x: Array) -> Array:
    """Return -1.0, 0.0 or 1.0 by the sign of ``x``: ``nan`` for ``nan``, 0.0 for -0.0."""
    return np.where(x > 0.0, 1.0, np.where(x < 0.0, -1.0, np.where(x != x, x, 0.0)))


def where(condition: Array, yes: Array, no: Array) -> Array:
    """Return ``yes`` where ``condition`` holds, else ``no``, element by element.

    A rule's test between 0.0 and 1.0 (relu's derivative) is the condition itself as
    numbers, which is ten times quicker than numpy's ``where`` on data whose signs vary.
    """
    if type(yes) is float and type(no) is float:
        # 1.0 and 0.0, not -0.0: only the zero's sign needs a test, one copysign where
        # testing both numbers' made four (1.4 against 1.6 us a call, 1.1 of it numpy's).
        if yes == 1.0 and no == 0.0 and math.copysign(1.0, no) > 0.0:
            return np.asarray(condition).astype(float)
        if yes == 0.0 and no == 1.0 and math.copysign(1.0, yes) > 0.0:
            return (~np.asarray(condition)).astype(float)
    return np.where(condition, yes, no)


def relu(x: Array) -> Array:
    """Return ``0.0 if x <= 0.0 else x`` element by element: 0.0 for -0.0, nan for nan."""
    return np.maximum(x, 0.0)  # on a tie numpy returns the second operand, 0.0


def leaky_relu(x: Array, slope: float) -> Array:
    """Return ``x if x > 0.0 else x * slope`` element by element."""
    return np.where(np.greater(x, 0.0), x, np.multiply(x, slope))


def number(x: Array) -> Array:
    """Return ``x``: an operand already is its number here."""
    return x


def logsumexp(rows: Sequence[Array]) -> Array:
    """Return ``engine.float_math.logsumexp`` of ``rows``, one sample per column."""
    if not rows:
        return -inf
    xs = np.stack(np.broadcast_arrays(*rows))
    top = xs.max(axis=0)  # nan where a sample has a nan
    finite = np.isfinite(top)
    safe = np.where(finite, top, 0.0)
    total = safe + np.log(np.exp(xs - safe).sum(axis=0))
    return np.where(finite, total, top)


# The n-ary sums add with + and *, so they run on arrays as they are.
add_all = float_math.add_all
dot = float_math.dot
dot_plus = float_math.dot_plus


def per_sample(x: Array, samples: int) -> Array:
    """Return ``x`` as an array of one number per sample (a float is the same for each)."""
    return np.broadcast_to(x, (samples,))


def full(samples: int, x: float) -> Array:
    """Return an array of ``samples`` copies of ``x``."""
    return np.full(samples, x)


def rows(items: Sequence[Array], samples: int) -> Array:
    """Return the matrix whose i-th row is ``items[i]`` (a float fills its row).

    One row of its own, a sample's numbers already, comes back as a view of it:
    generated code never writes into an array it did not make for that.
    """
    if len(items) == 1 and isinstance(items[0], np.ndarray) and items[0].shape == (samples,):
        return items[0][np.newaxis, :]  # an output layer's delta: 0.2 against 0.6 us
    # Row by row into one new matrix: the same numbers as np.stack of broadcast rows, in
    # an eighth of its time (0.6 against 4.9 us for one row of 100 samples; 3 against
    # 46 us for 16 rows).
    out = np.empty((len(items), samples))
    for i, x in enumerate(items):
        out[i] = x
    return out


def each(function: Callable[..., float], samples: int, *args: Array) -> Array:
    """Return ``function`` (of floats) applied sample by sample: for a user's operation."""
    columns = [np.broadcast_to(a, (samples,)).tolist() for a in args]
    return np.array([function(*xs) for xs in zip(*columns, strict=True)], dtype=float)


def each_local(
    local: Callable[..., Sequence[float]], samples: int, arity: int, *args: Array
) -> list[Array]:
    """Return a user's operation's local derivatives sample by sample, one array per operand.

    ``args`` are the operands, then the result; for arity 0, ``local`` takes the
    operands as one list.
    """
    columns = [np.broadcast_to(a, (samples,)).tolist() for a in args]
    if arity == 0:
        *operands, out = columns
        per = [local(list(xs), o, float_math) for *xs, o in zip(*operands, out, strict=True)]
    else:
        per = [local(*xs, float_math) for xs in zip(*columns, strict=True)]
    return [np.array(d, dtype=float) for d in zip(*per, strict=True)]


def each_n(function: Callable[..., float], samples: int, items: Sequence[Array]) -> Array:
    """Return an n-ary ``function`` (of a list of floats) applied sample by sample."""
    columns = [np.broadcast_to(a, (samples,)).tolist() for a in items]
    return np.array([function(list(xs)) for xs in zip(*columns, strict=True)], dtype=float)


def all_finite(x: Array) -> bool:
    """Whether ``x`` holds no inf and no nan: what lets ``matmul`` use BLAS.

    One pass, the sum of the squares: a square is never negative, so an inf or a nan
    among them makes the sum inf or nan (BLAS may skip a zero's product, but an inf or
    a nan is no zero), and a finite sum proves every element finite.
    Finite numbers above 1e154 overflow it and say False, which only sends ``matmul``
    the slow way, whose numbers are exact too. BLAS's dot of ``x`` with itself takes
    three quarters of the time of numpy's ``sum`` on one thread, and uses the others
    (16 x 10,000 numbers: 21 against 28 us; 11 us on two threads).
    """
    flat = x.ravel()
    return math.isfinite(flat @ flat)


def matmul(a: Array, b: Array, finite: bool | None = None) -> Array:
    """``a @ b`` as IEEE arithmetic (and the engine) gives it, also where a number is inf or nan.

    numpy's ``@`` calls BLAS, which may skip the products of a zero (``0 · inf`` and
    ``0 · nan`` should be nan): where either operand holds a non-finite number, the
    product is taken term by term. On finite numbers it is ``@`` itself.

    ``finite`` says whether both operands are known to hold only finite numbers.
    Generated code tests each array once, where it is made (``all_finite``), and passes
    what it found, for an array enters two products or more (``h1`` its layer's above
    and its own ``dW``; the weights every product of theirs): a test per product cost
    the moons step at 100 samples a fifth of its time. Without ``finite``, both
    operands are tested here.
    """
    if finite is None:
        finite = all_finite(a) and all_finite(b)
    if finite:
        return a @ b
    if b.ndim == 1:
        return (a * b).sum(axis=-1)
    return (a[..., :, :, np.newaxis] * b[..., np.newaxis, :, :]).sum(axis=-2)


def watched(plan: Sequence[tuple[int, int]], arrays: Sequence[Array]) -> list[float]:
    """Return ``arrays[i][k]`` for each ``(i, k)`` of ``plan``, as floats."""
    lists = [np.asarray(a).tolist() for a in arrays]
    return [lists[i] if k < 0 else lists[i][k] for i, k in plan]


NAMES = frozenset({*(op.function for op in ops.TABLE), *float_math.NAMES, "where"})
"""The functions the table's rules may call in array code, by the names they call: each
row's ``function``, each function of the math namespace ``m``, and ``where`` for a test."""

_missing = sorted(name for name in float_math.NAMES if not callable(globals().get(name)))
if _missing:  # the math namespace is fixed: each of its functions has its array version
    raise ImportError(
        f"engine.codegen.array_math has no array version of {', '.join(_missing)}: define "
        "each here, element by element as its namesake in engine.float_math"
    )


def elementwise(forward: Callable[..., float]) -> Callable[..., Array]:
    """``forward``, a row's rule on floats, applied to each element of its arrays.

    A row of the table needs no array version of its own: this one gives the same
    numbers, a Python call per element. One written here with numpy is faster.
    """
    each = np.vectorize(forward, otypes=[float])

    def on_arrays(*args: Array) -> Array:
        out = each(*args)
        return out if np.ndim(out) else float(out)

    return on_arrays


def __getattr__(name: str) -> Callable[..., Array]:
    """A row's ``function`` that has no array version here: its forward rule, element-wise."""
    for op in ops.TABLE:
        if op.function == name:
            return elementwise(op.forward)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
