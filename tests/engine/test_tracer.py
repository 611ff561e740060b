"""engine.codegen.tracer: expressions print with the right parentheses, tests as conditionals."""

import math
import operator
from collections.abc import Callable
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from engine import float_math, ops
from engine.codegen.tracer import NAMESPACE, Expr, code_math, conditional, literal, trace

FLOATS = st.floats(-1e6, 1e6, allow_nan=False).filter(lambda x: abs(x) > 1e-6)
BINARY: list[Callable[[Any, Any], Any]] = [
    operator.add,
    operator.sub,
    operator.mul,
    operator.truediv,
]


@st.composite
def expressions(draw: st.DrawFn, depth: int = 3) -> Any:
    """A random tree of + - * / and unary minus over the variables a, b, c and numbers."""
    if depth == 0 or draw(st.booleans()):
        return draw(st.sampled_from(["a", "b", "c", 2.0, -3.0, 0.5]))
    if draw(st.integers(0, 4)) == 0:
        return ("neg", draw(expressions(depth - 1)))
    return (
        draw(st.sampled_from(BINARY)),
        draw(expressions(depth - 1)),
        draw(expressions(depth - 1)),
    )


def evaluate(tree: Any, env: dict[str, Any]) -> Any:
    if isinstance(tree, str):
        return env[tree]
    if isinstance(tree, float):
        return tree
    if tree[0] == "neg":
        return -evaluate(tree[1], env)
    return tree[0](evaluate(tree[1], env), evaluate(tree[2], env))


@given(expressions(), FLOATS, FLOATS, FLOATS)
def test_printed_expressions_compute_what_the_operators_compute(
    tree: Any, a: float, b: float, c: float
) -> None:
    numbers = {"a": a, "b": b, "c": c}
    try:
        expected = evaluate(tree, numbers)
    except ZeroDivisionError:
        return
    text = Expr.__str__(_as_expr(evaluate(tree, {k: Expr(k) for k in numbers})))
    assert eval(text, {}, dict(numbers)) == expected  # our own generated text


def _as_expr(x: Any) -> Expr:
    return x if isinstance(x, Expr) else literal(x)


@pytest.mark.parametrize("x", [math.inf, -math.inf, -0.0, 0.0, 1e308, 5e-324, -2.5, 0.1])
def test_literals_read_back_as_the_same_float(x: float) -> None:
    back = eval(literal(x).text, {"inf": math.inf, "nan": math.nan})
    assert back == x and math.copysign(1.0, back) == math.copysign(1.0, x)


def test_nan_reads_back_as_nan() -> None:
    assert math.isnan(eval(literal(math.nan).text, {"nan": math.nan}))


@pytest.mark.parametrize("x", [-2.0, -0.0, 0.0, 1.5, math.inf, -math.inf, math.nan])
def test_a_rule_with_a_test_becomes_a_conditional_right_on_both_sides(x: float) -> None:
    v = Expr("v")
    forward = trace(lambda: ops.RELU.forward(v))
    (derivative,) = trace(lambda: ops.RELU.local(v, Expr("out"), code_math))
    names = {"v": x, "out": ops.RELU.forward(x)}
    got, expected = eval(forward.text, {}, names), ops.RELU.forward(x)
    assert got == expected or (math.isnan(got) and math.isnan(expected))
    assert eval(derivative.text, {}, names) == ops.RELU.local(x, names["out"], float_math)[0]


@pytest.mark.parametrize(("a", "b"), [(0.0, 2.0), (0.0, -1.0), (0.0, 0.0), (2.0, 0.0), (2.0, 3.0)])
def test_a_rule_with_three_tests_is_right_on_every_path(a: float, b: float) -> None:
    x, y, out = Expr("x"), Expr("y"), Expr("out")
    texts = trace(lambda: ops.POW.local(x, y, out, code_math))
    names = {"x": a, "y": b, "out": float_math.pow(a, b), **NAMESPACE}
    got = [eval(t.text, names) for t in texts]
    expected = list(ops.POW.local(a, b, float_math.pow(a, b), float_math))
    assert got == expected or all(
        g == e or (math.isnan(g) and math.isnan(e)) for g, e in zip(got, expected, strict=True)
    )


def test_a_rule_without_tests_is_traced_once() -> None:
    assert [str(d) for d in trace(lambda: ops.TANH.local(Expr("x"), Expr("o"), code_math))] == [
        "1.0 - o * o"
    ]


def test_a_conditional_with_equal_sides_is_just_that_side() -> None:
    assert conditional(Expr("c") > 0.0, 1.0, 1.0).text == "1.0"


def test_an_expression_has_no_truth_outside_tracing() -> None:
    with pytest.raises(TypeError, match="known only when the code runs"):
        bool(Expr("x") > 0.0)


def test_the_code_namespace_offers_only_ieee_functions() -> None:
    assert code_math.exp(Expr("x")).text == "exp(x)"
    assert all(NAMESPACE[name] is getattr(float_math, name) for name in NAMESPACE)
    with pytest.raises(AttributeError, match="no function 'system'"):
        code_math.system(Expr("x"))
