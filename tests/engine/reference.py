"""Independent references for gradient tests: central differences on plain floats."""

import math
from collections.abc import Callable, Sequence


def central_difference(
    f: Callable[..., float], xs: Sequence[float], i: int, eps: float = 1e-6
) -> float:
    """Estimate d f / d xs[i] by (f(x + eps) - f(x - eps)) / (2 eps), on floats only."""
    up = list(xs)
    down = list(xs)
    up[i] += eps
    down[i] -= eps
    return (f(*up) - f(*down)) / (2 * eps)


def close(a: float, b: float, rel: float = 1e-6, abs_: float = 1e-6) -> bool:
    """Whether a and b agree to a relative or an absolute tolerance."""
    return math.isclose(a, b, rel_tol=rel, abs_tol=abs_)
