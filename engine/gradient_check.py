"""``engine.gradcheck``: the engine's gradient against central finite differences."""

import math
from collections.abc import Callable, Sequence

from engine.gradients import grad
from engine.mode import no_grad
from engine.value import Value, real_number


class GradcheckError(AssertionError):
    """The engine's gradient and the finite-difference estimate disagree."""


def gradcheck(
    f: Callable[..., Value],
    xs: Sequence[float],
    *,
    eps: float = 1e-6,
    atol: float = 1e-5,
    rtol: float = 1e-4,
) -> bool:
    """Check ``f``'s gradient at ``xs`` against central differences; return True or raise.

    ``f`` takes one Value per number in ``xs`` and returns a Value. For each
    input, ``(f(x + eps) - f(x - eps)) / (2 * eps)`` must be within
    ``atol + rtol * |estimate|`` of the engine's gradient; otherwise
    [`GradcheckError`][engine.GradcheckError] (an ``AssertionError``) names the input and the gap.

    Examples:
        >>> gradcheck(lambda x, y: (x * y).tanh(), [0.5, -1.5])
        True
    """
    if not callable(f):
        raise TypeError(f"gradcheck: f must be callable, got {type(f).__name__}")
    if isinstance(xs, (str, bytes)) or not isinstance(xs, Sequence):
        raise TypeError(f"gradcheck: xs must be a sequence of numbers, got {type(xs).__name__}")
    point = []
    for i, x in enumerate(xs):
        number = real_number(x)
        if number is None:
            raise TypeError(f"gradcheck: xs[{i}] must be a real number, got {type(x).__name__}")
        point.append(number)
    for name, bound, low in (("eps", eps, 0.0), ("atol", atol, -1.0), ("rtol", rtol, -1.0)):
        if not (isinstance(bound, (int, float)) and low < bound < math.inf):
            wanted = "a positive number" if name == "eps" else "a number >= 0"
            raise ValueError(f"gradcheck: {name} must be {wanted}, got {bound!r}")

    inputs = [Value(x) for x in point]
    output = f(*inputs)
    if not isinstance(output, Value):
        raise TypeError(f"gradcheck: f must return a Value, got {type(output).__name__}")
    analytic = [g.data for g in grad(output, inputs)]

    for i, x in enumerate(point):
        numeric = (_at(f, point, i, x + eps) - _at(f, point, i, x - eps)) / (2.0 * eps)
        gap = abs(analytic[i] - numeric)
        allowed = atol + rtol * abs(numeric)
        if not gap <= allowed:  # written so that a nan gap fails too
            raise GradcheckError(
                f"gradcheck: the gradient by input {i} (x={x!r}) is {analytic[i]!r} from the "
                f"engine but {numeric!r} from central differences (eps={eps!r}): they differ "
                f"by {gap!r}, more than the {allowed!r} allowed (atol + rtol * |numeric|)"
            )
    return True


def _at(f: Callable[..., Value], point: list[float], i: int, xi: float) -> float:
    moved = [Value(xi if j == i else x) for j, x in enumerate(point)]
    with no_grad():
        return f(*moved).data
