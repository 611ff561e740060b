"""Every operation's gradient against central differences and against SymPy's derivative."""

import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
import sympy as sp
from hypothesis import given
from hypothesis import strategies as st

import engine
from engine import Value
from tests.engine.reference import central_difference, close


def floats(lo: float, hi: float) -> st.SearchStrategy[float]:
    return st.floats(lo, hi, allow_nan=False, allow_infinity=False)


def away_from_zero(lo: float, hi: float, gap: float = 1e-3) -> st.SearchStrategy[float]:
    """Floats in [lo, hi] at least ``gap`` from 0: off the kinks of relu, abs, leaky_relu."""
    return floats(lo, hi).filter(lambda x: abs(x) > gap)


def sigmoid(x: float) -> float:
    return 1 / (1 + math.exp(-x))


def softplus(x: float, beta: float = 1.0, threshold: float = 20.0) -> float:
    return x if beta * x > threshold else math.log1p(math.exp(beta * x)) / beta


@dataclass
class Case:
    """One operation: built with Values, with SymPy symbols, with floats, and its domain."""

    name: str
    on_values: Callable[..., Value]
    on_symbols: Callable[..., Any]
    on_floats: Callable[..., float]
    domain: list[st.SearchStrategy[float]]


S = floats(-3, 3)
POS = floats(0.2, 5)
CASES = [
    Case("add", lambda a, b: a + b, lambda a, b: a + b, lambda a, b: a + b, [S, S]),
    Case("radd", lambda a: 2.5 + a, lambda a: 2.5 + a, lambda a: 2.5 + a, [S]),
    Case("sub", lambda a, b: a - b, lambda a, b: a - b, lambda a, b: a - b, [S, S]),
    Case("rsub", lambda a: 2.5 - a, lambda a: 2.5 - a, lambda a: 2.5 - a, [S]),
    Case("mul", lambda a, b: a * b, lambda a, b: a * b, lambda a, b: a * b, [S, S]),
    Case("rmul", lambda a: 3 * a, lambda a: 3 * a, lambda a: 3 * a, [S]),
    Case("div", lambda a, b: a / b, lambda a, b: a / b, lambda a, b: a / b, [S, POS]),
    Case("rdiv", lambda a: 2 / a, lambda a: 2 / a, lambda a: 2 / a, [POS]),
    Case("neg", lambda a: -a, lambda a: -a, lambda a: -a, [S]),
    Case("pow_int", lambda a: a**3, lambda a: a**3, lambda a: a**3, [S]),
    Case("pow_frac", lambda a: a**1.5, lambda a: a**1.5, lambda a: a**1.5, [POS]),
    Case("pow_neg", lambda a: a**-2, lambda a: a**-2, lambda a: a**-2, [POS]),
    Case("pow_value", lambda a, b: a**b, lambda a, b: a**b, lambda a, b: a**b, [POS, S]),
    Case("rpow", lambda a: 2**a, lambda a: 2**a, lambda a: 2**a, [S]),
    Case("exp", Value.exp, sp.exp, math.exp, [S]),
    Case("log", Value.log, sp.log, math.log, [POS]),
    Case("sqrt", Value.sqrt, sp.sqrt, math.sqrt, [POS]),
    Case("abs", Value.abs, sp.Abs, abs, [away_from_zero(-3, 3)]),
    Case("builtin_abs", abs, sp.Abs, abs, [away_from_zero(-3, 3)]),
    Case("sin", Value.sin, sp.sin, math.sin, [S]),
    Case("cos", Value.cos, sp.cos, math.cos, [S]),
    Case("tanh", Value.tanh, sp.tanh, math.tanh, [S]),
    Case("sigmoid", Value.sigmoid, lambda a: 1 / (1 + sp.exp(-a)), sigmoid, [S]),
    Case(
        "relu", Value.relu, lambda a: sp.Max(0, a), lambda a: max(0.0, a), [away_from_zero(-3, 3)]
    ),
    Case(
        "leaky_relu",
        Value.leaky_relu,
        lambda a: sp.Piecewise((a, a > 0), (a / 100, True)),
        lambda a: a if a > 0 else 0.01 * a,
        [away_from_zero(-3, 3)],
    ),
    Case(
        "leaky_relu_slope",
        lambda a: a.leaky_relu(0.2),
        lambda a: sp.Piecewise((a, a > 0), (a / 5, True)),
        lambda a: a if a > 0 else 0.2 * a,
        [away_from_zero(-3, 3)],
    ),
    Case("softplus", Value.softplus, lambda a: sp.log(1 + sp.exp(a)), softplus, [S]),
    Case(
        "softplus_beta",
        lambda a: a.softplus(beta=2.0, threshold=5.0),
        lambda a: sp.Piecewise((a, 2 * a > 5), (sp.log(1 + sp.exp(2 * a)) / 2, True)),
        lambda a: softplus(a, 2.0, 5.0),
        [floats(-3, 3).filter(lambda x: abs(2 * x - 5) > 1e-3)],
    ),
    Case(
        "sum",
        lambda a, b, c: engine.sum([a, b, c, 1.5]),
        lambda a, b, c: a + b + c + 1.5,
        lambda a, b, c: a + b + c + 1.5,
        [S, S, S],
    ),
    Case(
        "dot",
        lambda a, b, c, d: engine.dot([a, b], [c, d]),
        lambda a, b, c, d: a * c + b * d,
        lambda a, b, c, d: a * c + b * d,
        [S, S, S, S],
    ),
    Case(
        "dot_shared",
        lambda a, b: engine.dot([a, b, a], [b, 2.0, a]),
        lambda a, b: a * b + 2 * b + a * a,
        lambda a, b: a * b + 2 * b + a * a,
        [S, S],
    ),
    Case(
        "dot_plus_bias",
        lambda a, b, c, d, e: engine.dot([a, b], [c, d], bias=e),
        lambda a, b, c, d, e: a * c + b * d + e,
        lambda a, b, c, d, e: a * c + b * d + e,
        [S, S, S, S, S],
    ),
    Case(
        "dot_plus_bias_shared",
        lambda a, b: engine.dot([a, b], [b, 3.0], bias=a),
        lambda a, b: a * b + 3 * b + a,
        lambda a, b: a * b + 3 * b + a,
        [S, S],
    ),
    Case(
        "logsumexp",
        lambda a, b, c: engine.logsumexp([a, b, c]),
        lambda a, b, c: sp.log(sp.exp(a) + sp.exp(b) + sp.exp(c)),
        lambda a, b, c: math.log(math.exp(a) + math.exp(b) + math.exp(c)),
        [S, S, S],
    ),
]


@st.composite
def points(draw: st.DrawFn, case: Case) -> list[float]:
    return [draw(strategy) for strategy in case.domain]


def engine_gradients(case: Case, xs: list[float]) -> tuple[float, list[float]]:
    leaves = [Value(x) for x in xs]
    out = case.on_values(*leaves)
    out.backward()
    return out.data, [leaf.grad for leaf in leaves]


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.name)
@given(data=st.data())
def test_gradient_matches_central_differences(case: Case, data: st.DataObject) -> None:
    xs = data.draw(points(case))
    value, grads = engine_gradients(case, xs)
    assert close(value, case.on_floats(*xs), rel=1e-12, abs_=1e-12)
    for i, g in enumerate(grads):
        assert close(g, central_difference(case.on_floats, xs, i), rel=1e-5, abs_=1e-6), i


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.name)
@given(data=st.data())
def test_gradient_matches_sympy(case: Case, data: st.DataObject) -> None:
    xs = data.draw(points(case))
    symbols = sp.symbols(f"x0:{len(xs)}", real=True)
    expr = case.on_symbols(*symbols)
    at = dict(zip(symbols, xs, strict=True))
    value, grads = engine_gradients(case, xs)
    assert close(value, float(expr.evalf(30, subs=at)), rel=1e-12, abs_=1e-12)
    for i, s in enumerate(symbols):
        expected = float(sp.diff(expr, s).evalf(30, subs=at))
        assert close(grads[i], expected, rel=1e-9, abs_=1e-12), (i, grads[i], expected)


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.name)
@given(data=st.data())
def test_engine_grad_matches_backward(case: Case, data: st.DataObject) -> None:
    xs = data.draw(points(case))
    _, from_backward = engine_gradients(case, xs)
    leaves = [Value(x) for x in xs]
    out = case.on_values(*leaves)
    from_grad = [g.data for g in engine.grad(out, leaves)]
    from_graph = [g.data for g in engine.grad(out, leaves, create_graph=True)]
    assert from_grad == from_backward
    assert from_graph == from_backward
    assert all(leaf.grad == 0.0 for leaf in leaves)


def test_relu_and_abs_have_derivative_zero_at_zero_like_pytorch() -> None:
    for f in (Value.relu, Value.abs):
        x = Value(0.0)
        f(x).backward()
        assert x.grad == 0.0
    x = Value(0.0)
    x.leaky_relu(0.3).backward()
    assert x.grad == 0.3  # PyTorch: x > 0 ? 1 : slope, so the slope at 0
