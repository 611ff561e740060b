"""Second and third derivatives through create_graph, against closed forms."""

import math
from collections.abc import Callable

import pytest
import sympy as sp
from hypothesis import given
from hypothesis import strategies as st

import engine
from engine import Value
from tests.engine.reference import close


def derivatives(f: Callable[[Value], Value], x: float, order: int) -> list[float]:
    """The first ``order`` derivatives of f at x, each from grad of the previous one."""
    v = Value(x)
    out = f(v)
    result = []
    for k in range(order):
        (out,) = engine.grad(out, [v], create_graph=k < order - 1)
        result.append(out.data)
    return result


def sig(x: float) -> float:
    return 1 / (1 + math.exp(-x))


CLOSED_FORMS = [
    ("cube", lambda v: v**3, [lambda x: 3 * x**2, lambda x: 6 * x, lambda x: 6.0], (-3, 3)),
    ("sin", Value.sin, [math.cos, lambda x: -math.sin(x), lambda x: -math.cos(x)], (-3, 3)),
    ("exp", Value.exp, [math.exp, math.exp, math.exp], (-3, 3)),
    (
        "tanh",
        Value.tanh,
        [
            lambda x: 1 - math.tanh(x) ** 2,
            lambda x: -2 * math.tanh(x) * (1 - math.tanh(x) ** 2),
            lambda x: (1 - math.tanh(x) ** 2) * (6 * math.tanh(x) ** 2 - 2),
        ],
        (-3, 3),
    ),
    (
        "sigmoid",
        Value.sigmoid,
        [
            lambda x: sig(x) * (1 - sig(x)),
            lambda x: sig(x) * (1 - sig(x)) * (1 - 2 * sig(x)),
            lambda x: sig(x) * (1 - sig(x)) * (1 - 6 * sig(x) + 6 * sig(x) ** 2),
        ],
        (-3, 3),
    ),
    ("log", Value.log, [lambda x: 1 / x, lambda x: -1 / x**2, lambda x: 2 / x**3], (0.2, 5)),
    (
        "sqrt",
        Value.sqrt,
        [lambda x: 0.5 / math.sqrt(x), lambda x: -0.25 * x**-1.5, lambda x: 0.375 * x**-2.5],
        (0.2, 5),
    ),
    (
        "softplus",
        Value.softplus,
        [sig, lambda x: sig(x) * (1 - sig(x)), lambda x: sig(x) * (1 - sig(x)) * (1 - 2 * sig(x))],
        (-3, 3),
    ),
    (
        "rpow",
        lambda v: 2**v,
        [
            lambda x: 2**x * math.log(2),
            lambda x: 2**x * math.log(2) ** 2,
            lambda x: 2**x * math.log(2) ** 3,
        ],
        (-3, 3),
    ),
    (
        "reciprocal",
        lambda v: 1 / v,
        [lambda x: -1 / x**2, lambda x: 2 / x**3, lambda x: -6 / x**4],
        (0.2, 5),
    ),
]


@pytest.mark.parametrize(
    ("name", "f", "forms", "domain"), CLOSED_FORMS, ids=[c[0] for c in CLOSED_FORMS]
)
@given(data=st.data())
def test_first_three_derivatives_match_closed_forms(
    name: str,
    f: Callable[[Value], Value],
    forms: list[Callable[[float], float]],
    domain: tuple[float, float],
    data: st.DataObject,
) -> None:
    x = data.draw(st.floats(*domain, allow_nan=False))
    got = derivatives(f, x, 3)
    for k, (g, form) in enumerate(zip(got, forms, strict=True)):
        assert close(g, form(x), rel=1e-9, abs_=1e-9), (k + 1, g, form(x))


@given(st.floats(0.3, 4), st.floats(-2, 2))
def test_pow_with_a_value_exponent_second_derivative_in_the_exponent(a: float, y: float) -> None:
    base, exponent = Value(a), Value(y)
    (d_exponent,) = engine.grad(base**exponent, [exponent], create_graph=True)
    (dd,) = engine.grad(d_exponent, [exponent])
    assert close(dd.data, a**y * math.log(a) ** 2, rel=1e-9, abs_=1e-12)


@given(st.floats(-2, 2), st.floats(-2, 2))
def test_mixed_partials_agree_with_sympy_and_each_other(x0: float, y0: float) -> None:
    x, y = Value(x0), Value(y0)
    f = x * y * x.sin()
    dx, dy = engine.grad(f, [x, y], create_graph=True)
    (dxy,) = engine.grad(dx, [y])
    (dyx,) = engine.grad(dy, [x])
    sx, sy = sp.symbols("x y", real=True)
    expected = float(sp.diff(sx * sy * sp.sin(sx), sx, sy).subs({sx: x0, sy: y0}))
    assert close(dxy.data, expected, rel=1e-10, abs_=1e-12)
    assert close(dyx.data, expected, rel=1e-10, abs_=1e-12)


def test_newtons_method_finds_the_stationary_point_sympy_finds() -> None:
    x = 2.0
    for _ in range(20):
        v = Value(x)
        f = v**4 - 3 * v**2 + v
        (df,) = engine.grad(f, [v], create_graph=True)
        (d2f,) = engine.grad(df, [v])
        x -= df.data / d2f.data
    s = sp.symbols("s", real=True)
    root = float(sp.nsolve(sp.diff(s**4 - 3 * s**2 + s, s), s, 1.1))
    assert close(x, root, rel=1e-12, abs_=1e-12)


def test_a_gradient_without_create_graph_is_a_leaf() -> None:
    x = Value(2.0)
    (g,) = engine.grad(x**3, [x])
    assert g.is_leaf() and g.data == 12.0
    (g2,) = engine.grad(x**3, [x], create_graph=True)
    assert not g2.is_leaf()


def test_an_input_the_output_does_not_use_gets_zero_in_both_modes() -> None:
    x, unused = Value(1.0), Value(5.0)
    for create_graph in (False, True):
        _, g = engine.grad(x * 2, [x, unused], create_graph=create_graph)
        assert g.data == 0.0 and g.is_leaf()
