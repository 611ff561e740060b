"""Data sets: shapes, balance, determinism, the curves they follow, bad input."""

import doctest
import math
import statistics

import pytest
from hypothesis import given
from hypothesis import strategies as st

import nn
import nn.datasets

MAKERS = [nn.make_moons, nn.make_circles, nn.make_xor, nn.make_spiral]


@pytest.mark.parametrize("make", MAKERS)
@given(n=st.integers(2, 60), seed=st.integers(0, 2**31))
def test_shapes_types_and_determinism(make, n: int, seed: int) -> None:
    X, y = make(n, seed=seed)
    assert len(X) == len(y) == n
    assert all(len(p) == 2 and all(type(c) is float for c in p) for p in X)
    assert all(type(c) is int for c in y) and set(y) <= {0, 1}
    assert make(n, seed=seed) == (X, y)


@pytest.mark.parametrize("make", MAKERS)
def test_another_seed_gives_other_data_and_labels_are_shuffled(make) -> None:
    X, y = make(40, seed=1)
    assert make(40, seed=2)[0] != X
    assert y != sorted(y)


def test_noise_free_moons_and_circles_lie_on_their_curves() -> None:
    X, y = nn.make_moons(50, noise=0.0, seed=0)
    for (x1, x2), c in zip(X, y, strict=True):
        centre = (0.0, 0.0) if c == 0 else (1.0, 0.5)
        assert math.isclose(math.hypot(x1 - centre[0], x2 - centre[1]), 1.0, rel_tol=1e-12)
        assert (x2 >= -1e-12) if c == 0 else (x2 <= 0.5 + 1e-12)
    assert sorted(y) == [0] * 25 + [1] * 25
    X, y = nn.make_circles(30, noise=0.0, seed=0, factor=0.3)
    for p, c in zip(X, y, strict=True):
        assert math.isclose(math.hypot(*p), 1.0 if c == 0 else 0.3, rel_tol=1e-12)


def test_noise_has_the_requested_spread() -> None:
    X, y = nn.make_circles(4000, noise=0.05, seed=3)
    gaps = [math.hypot(*p) - (1.0 if c == 0 else 0.5) for p, c in zip(X, y, strict=True)]
    assert abs(statistics.mean(gaps)) < 0.01
    assert math.isclose(statistics.pstdev(gaps), 0.05, rel_tol=0.1)


def test_xor_labels_follow_the_signs_without_noise() -> None:
    X, y = nn.make_xor(200, noise=0.0, seed=1)
    assert all((x1 * x2 < 0) == (c == 1) for (x1, x2), c in zip(X, y, strict=True))


def test_spiral_arms_are_balanced_and_grow_outwards() -> None:
    X, y = nn.make_spiral(31, noise=0.0, seed=0, n_classes=3)
    assert [y.count(k) for k in range(3)] == [11, 10, 10]
    assert max(math.hypot(*p) for p in X) <= 1.0 + 1e-12


@pytest.mark.parametrize(
    ("call", "error", "message"),
    [
        (lambda: nn.make_moons(0), ValueError, "n_samples must be at least 1"),
        (lambda: nn.make_moons(2.5), TypeError, "n_samples must be an int, got float"),
        (lambda: nn.make_moons(True), TypeError, "n_samples must be an int, got bool"),
        (lambda: nn.make_circles(10, noise=-0.1), ValueError, "noise must be a finite number >= 0"),
        (lambda: nn.make_xor(10, noise=math.inf), ValueError, "noise must be a finite"),
        (lambda: nn.make_xor(10, noise="0"), TypeError, "noise must be a real number"),
        (lambda: nn.make_moons(10, seed="1"), TypeError, "seed must be None or an int"),
        (lambda: nn.make_circles(10, factor=1.5), ValueError, "factor must be between 0 and 1"),
        (lambda: nn.make_spiral(10, n_classes=1), ValueError, "n_classes must be at least 2"),
        (lambda: nn.make_spiral(2, n_classes=3), ValueError, "n_samples must be at least 3"),
    ],
)
def test_bad_arguments_are_clear_errors(call, error, message: str) -> None:
    with pytest.raises(error, match=message):
        call()


def test_docstring_examples_run() -> None:
    result = doctest.testmod(nn.datasets)
    assert result.attempted > 0 and result.failed == 0
