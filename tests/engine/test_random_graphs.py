"""Random expression graphs, several operations deep with reused nodes, against SymPy."""

import math
from typing import Any

import sympy as sp
from hypothesis import given
from hypothesis import strategies as st

import engine
from engine import Value
from tests.engine.reference import close

# Each recipe step: (operation, index of first operand, index of second operand).
UNARY = {
    "tanh": (Value.tanh, sp.tanh),
    "sigmoid": (Value.sigmoid, lambda a: 1 / (1 + sp.exp(-a))),
    "sin": (Value.sin, sp.sin),
    "cos": (Value.cos, sp.cos),
    "softplus": (Value.softplus, lambda a: sp.log(1 + sp.exp(a))),
    "exp_tanh": (lambda a: a.tanh().exp(), lambda a: sp.exp(sp.tanh(a))),
    "square": (lambda a: a * a, lambda a: a * a),
}
BINARY = {
    "+": (lambda a, b: a + b, lambda a, b: a + b),
    "-": (lambda a, b: a - b, lambda a, b: a - b),
    "*": (lambda a, b: a * b, lambda a, b: a * b),
    "sum3": (lambda a, b: engine.sum([a, b, a]), lambda a, b: 2 * a + b),
}


@st.composite
def recipes(draw: st.DrawFn) -> tuple[list[float], list[tuple[str, int, int]]]:
    n_inputs = draw(st.integers(1, 3))
    xs = [draw(st.floats(-1.5, 1.5, allow_nan=False)) for _ in range(n_inputs)]
    steps = []
    for k in range(draw(st.integers(1, 8))):
        available = n_inputs + k
        op = draw(st.sampled_from([*UNARY, *BINARY]))
        steps.append((op, draw(st.integers(0, available - 1)), draw(st.integers(0, available - 1))))
    return xs, steps


def build(items: list[Any], steps: list[tuple[str, int, int]], table: int) -> Any:
    nodes = list(items)
    for op, i, j in steps:
        if op in UNARY:
            nodes.append(UNARY[op][table](nodes[i]))
        else:
            nodes.append(BINARY[op][table](nodes[i], nodes[j]))
    # Tie every node into the output, so intermediate reuse matters too.
    out = nodes[-1]
    for node in nodes[len(items) : -1]:
        out = out + node * 0.5 if table == 0 else out + node / 2
    return out


@given(recipes())
def test_backward_on_random_graphs_matches_sympy(
    recipe: tuple[list[float], list[tuple[str, int, int]]],
) -> None:
    xs, steps = recipe
    leaves = [Value(x) for x in xs]
    out = build(leaves, steps, 0)
    out.backward()
    symbols = sp.symbols(f"x0:{len(xs)}", real=True)
    expr = build(list(symbols), steps, 1)
    at = dict(zip(symbols, xs, strict=True))
    assert close(out.data, float(expr.evalf(30, subs=at)), rel=1e-10, abs_=1e-12)
    for leaf, s in zip(leaves, symbols, strict=True):
        expected = float(sp.diff(expr, s).evalf(30, subs=at))
        assert close(leaf.grad, expected, rel=1e-9, abs_=1e-10), (leaf.grad, expected)


@given(recipes())
def test_engine_grad_and_create_graph_give_backward_numbers_exactly(
    recipe: tuple[list[float], list[tuple[str, int, int]]],
) -> None:
    xs, steps = recipe
    leaves = [Value(x) for x in xs]
    out = build(leaves, steps, 0)
    floats = [g.data for g in engine.grad(out, leaves)]
    graphed = [g.data for g in engine.grad(out, leaves, create_graph=True)]
    assert all(leaf.grad == 0.0 for leaf in leaves)
    out.backward()
    backward = [leaf.grad for leaf in leaves]
    assert floats == backward
    assert graphed == backward or all(map(math.isnan, graphed + backward))
