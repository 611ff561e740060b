"""Toy two-dimensional data sets for classification demos, generated here with a seed.

Each function returns ``(X, y)``: ``X`` a list of ``[x1, x2]`` float pairs and ``y``
a list of int class labels. The same ``seed`` gives the same data on every machine
(a private ``random.Random``; the global random state is never touched);
``seed=None`` draws fresh data.
"""

import math
import numbers
import random
from typing import Any

Dataset = tuple[list[list[float]], list[int]]


def _check(n_samples: object, noise: object, seed: object, minimum: int = 1) -> None:
    if isinstance(n_samples, bool) or not isinstance(n_samples, int):
        raise TypeError(f"n_samples must be an int, got {type(n_samples).__name__}")
    if n_samples < minimum:
        raise ValueError(f"n_samples must be at least {minimum}, got {n_samples}")
    if isinstance(noise, bool) or not isinstance(noise, numbers.Real):
        raise TypeError(f"noise must be a real number, got {type(noise).__name__}")
    if not (math.isfinite(noise) and float(noise) >= 0.0):
        raise ValueError(f"noise must be a finite number >= 0, got {noise!r}")
    if seed is not None and (isinstance(seed, bool) or not isinstance(seed, int)):
        raise TypeError(f"seed must be None or an int, got {type(seed).__name__}")


def _finish(points: list[tuple[float, float, int]], noise: float, rng: random.Random) -> Dataset:
    """Add Gaussian noise to each coordinate, shuffle, and split into X and y."""
    noisy = [(x + rng.gauss(0.0, noise), y + rng.gauss(0.0, noise), c) for x, y, c in points]
    rng.shuffle(noisy)
    return [[x, y] for x, y, _ in noisy], [c for _, _, c in noisy]


def _spaced(n: int, stop: float, endpoint: bool) -> list[float]:
    """``n`` evenly spaced angles from 0 to ``stop``, including ``stop`` if ``endpoint``."""
    if n == 1:
        return [0.0]
    step = stop / (n - 1 if endpoint else n)
    return [i * step for i in range(n)]


def make_moons(n_samples: int = 100, noise: float = 0.1, seed: int | None = None) -> Dataset:
    """Return two interleaving half circles (scikit-learn's layout): class 0 outer, 1 inner.

    Examples:
        >>> X, y = make_moons(4, noise=0.0, seed=0)
        >>> len(X), sorted(y)
        (4, [0, 0, 1, 1])
    """
    _check(n_samples, noise, seed)
    n_outer = n_samples // 2
    n_inner = n_samples - n_outer
    points = [(math.cos(t), math.sin(t), 0) for t in _spaced(n_outer, math.pi, True)]
    points += [(1 - math.cos(t), 1 - math.sin(t) - 0.5, 1) for t in _spaced(n_inner, math.pi, True)]
    return _finish(points, float(noise), random.Random(seed))


def make_circles(
    n_samples: int = 100, noise: float = 0.1, seed: int | None = None, factor: float = 0.5
) -> Dataset:
    """Return two concentric circles: class 0 of radius 1, class 1 of radius ``factor``.

    Examples:
        >>> X, y = make_circles(6, noise=0.0, seed=0)
        >>> sorted(round(math.hypot(*p), 6) for p in X)
        [0.5, 0.5, 0.5, 1.0, 1.0, 1.0]
    """
    _check(n_samples, noise, seed)
    if isinstance(factor, bool) or not isinstance(factor, numbers.Real):
        raise TypeError(f"factor must be a real number, got {type(factor).__name__}")
    if not 0 < factor < 1:
        raise ValueError(f"factor must be between 0 and 1 (exclusive), got {factor!r}")
    n_outer = n_samples // 2
    n_inner = n_samples - n_outer
    r = float(factor)
    points = [(math.cos(t), math.sin(t), 0) for t in _spaced(n_outer, 2 * math.pi, False)]
    points += [(r * math.cos(t), r * math.sin(t), 1) for t in _spaced(n_inner, 2 * math.pi, False)]
    return _finish(points, float(noise), random.Random(seed))


def make_xor(n_samples: int = 100, noise: float = 0.1, seed: int | None = None) -> Dataset:
    """Return points uniform in the square [-1, 1]^2, class 1 where x1 and x2 differ in sign.

    The label comes from the point before the noise is added, so with noise some
    points lie across an axis from their class.

    Examples:
        >>> X, y = make_xor(50, noise=0.0, seed=0)
        >>> all((x1 * x2 < 0) == (c == 1) for (x1, x2), c in zip(X, y))
        True
    """
    _check(n_samples, noise, seed)
    rng = random.Random(seed)
    points = []
    for _ in range(n_samples):
        x1, x2 = rng.uniform(-1, 1), rng.uniform(-1, 1)
        points.append((x1, x2, int((x1 < 0) != (x2 < 0))))
    return _finish(points, float(noise), rng)


def make_spiral(
    n_samples: int = 100, noise: float = 0.1, seed: int | None = None, n_classes: int = 2
) -> Dataset:
    """Return ``n_classes`` interleaved spiral arms (CS231n's), radius 0 to 1, one class each.

    Arm k turns through 4 radians as its radius grows, starting at angle
    ``k * 2 pi / n_classes``; ``noise`` jitters the points' coordinates.

    Examples:
        >>> X, y = make_spiral(9, seed=0, n_classes=3)
        >>> sorted(y)
        [0, 0, 0, 1, 1, 1, 2, 2, 2]
    """
    if isinstance(n_classes, bool) or not isinstance(n_classes, int):
        raise TypeError(f"n_classes must be an int, got {type(n_classes).__name__}")
    if n_classes < 2:
        raise ValueError(f"n_classes must be at least 2, got {n_classes}")
    _check(n_samples, noise, seed, minimum=n_classes)
    points = []
    for k in range(n_classes):
        # The first n_samples % n_classes arms take one point more.
        n = n_samples // n_classes + (k < n_samples % n_classes)
        for i in range(n):
            r = i / (n - 1) if n > 1 else 1.0
            t = k * 2 * math.pi / n_classes + 4.0 * r
            points.append((r * math.sin(t), r * math.cos(t), k))
    return _finish(points, float(noise), random.Random(seed))


def as_lists(data: Any) -> Any:
    """Return a numpy array (or anything with ``tolist`` and ``ndim``) as lists; else ``data``.

    ``nn.fit`` and ``nn.compile_loss`` take ``X`` and ``y`` as lists or as numpy arrays,
    without importing numpy: an array's own ``tolist`` gives Python floats and ints.
    """
    if hasattr(data, "ndim") and callable(getattr(data, "tolist", None)):
        return data.tolist()
    return data
