"""Expressions for the command line: the same graph as Values built by hand; nothing runs."""

import math
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

import engine
from engine import Value
from viz.expression import ExpressionError, parse, parse_variable

UNARY = ["tanh", "sigmoid", "sin", "cos", "exp", "relu", "abs", "softplus"]


@st.composite
def expressions(draw: st.DrawFn, depth: int = 0) -> tuple[str, object]:
    """(text, builder) pairs: the builder makes the same expression from a dict of Values."""
    if depth > 3 or draw(st.booleans()):
        if draw(st.booleans()):
            name = draw(st.sampled_from(["x", "y", "z"]))
            return name, lambda v, n=name: v[n]
        number = draw(st.floats(0.1, 3).map(lambda f: round(f, 3)))
        return repr(number), lambda v, c=number: Value(c)
    kind = draw(st.sampled_from(["+", "-", "*", "call", "neg"]))
    left_text, left = draw(expressions(depth=depth + 1))
    if kind == "call":
        fn = draw(st.sampled_from(UNARY))
        return f"{fn}({left_text})", lambda v: getattr(left(v), fn)()  # type: ignore[operator]
    if kind == "neg":
        return f"-({left_text})", lambda v: -left(v)  # type: ignore[operator]
    right_text, right = draw(expressions(depth=depth + 1))
    ops = {"+": lambda a, b: a + b, "-": lambda a, b: a - b, "*": lambda a, b: a * b}
    return f"({left_text}) {kind} ({right_text})", lambda v: ops[kind](left(v), right(v))  # type: ignore[operator]


@given(expressions(), st.floats(-2, 2), st.floats(-2, 2), st.floats(-2, 2))
def test_a_parsed_expression_equals_the_one_built_by_hand(
    case, x: float, y: float, z: float
) -> None:
    text, builder = case
    values = {"x": x, "y": y, "z": z}
    parsed = parse(text, values)
    by_hand_leaves = {k: Value(v) for k, v in values.items()}
    by_hand = builder(by_hand_leaves)
    assert parsed.data == by_hand.data or (math.isnan(parsed.data) and math.isnan(by_hand.data))
    leaves = {v.label: v for v in engine.topological_order(parsed) if v.label}
    for name, leaf in leaves.items():
        (g1,) = engine.grad(parsed, [leaf])
        (g2,) = engine.grad(by_hand, [by_hand_leaves[name]])
        assert g1.data == g2.data or (math.isnan(g1.data) and math.isnan(g2.data))


def test_a_variable_is_one_labelled_leaf_used_every_time() -> None:
    out = parse("x*x + x", {"x": 3.0})
    leaves = [v for v in engine.topological_order(out) if not v.parents]
    assert len(leaves) == 1 and leaves[0].label == "x"
    out.backward()
    assert leaves[0].grad == 7.0


def test_every_engine_function_and_its_parameters() -> None:
    x = {"x": 0.7}
    assert parse("leaky_relu(-x, 0.2)", x).data == pytest.approx(-0.14)
    assert parse("softplus(x, 2)", x).data == pytest.approx(math.log1p(math.exp(1.4)) / 2)
    assert parse("sum(x, 1, 2)", x).op == "sum" and parse("sum(x, 1, 2)", x).data == pytest.approx(
        3.7
    )
    assert parse("logsumexp(x, x)", x).data == pytest.approx(0.7 + math.log(2))
    assert parse("sqrt(x) ** 2 / log(exp(x))", x).data == pytest.approx(1.0)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("__import__('os').system('touch {marker}')", "column 1"),
        ("x.__class__", "attribute access not allowed at column 1: x.__class__"),
        ("x[0]", "subscripts not allowed at column 1"),
        ("lambda: 1", "lambdas not allowed"),
        ("[i for i in x]", "ListComp expressions not allowed"),
        ("tanh(x=1)", "keyword arguments are not allowed"),
        ("sum(*x)", "starred arguments are not allowed"),
        ("'text'", "str literals are not allowed"),
        ("None + x", "NoneType literals are not allowed at column 1: None"),
        ("True * x", "bool literals are not allowed"),
        ("1j * x", "complex literals are not allowed"),
        ("x < 1", "comparisons not allowed"),
        ("x and x", "and/or not allowed"),
        ("(y := x)", "assignment expressions not allowed"),
        ("f'{x}'", "f-strings not allowed"),
        ("(x)(1)", "unknown function 'x'"),
        ("eval('1')", "unknown function 'eval'"),
        ("open('/etc/passwd')", "unknown function 'open'"),
        ("tanh(x, 1)", "tanh() takes 1 argument, got 2"),
        ("leaky_relu(x, x)", "leaky_relu's slope must be a number at column 15: x"),
        ("sum()", "sum() needs at least one argument"),
        ("x + y", "unknown name 'y' (variables: x) at column 5: y"),
        ("tanh + x", "a function needs parentheses"),
        ("", "the expression is empty"),
        ("tanh(x", "invalid syntax at column"),
        ("x % 2", "the operator Mod not allowed"),
        ("~x", "the unary operator Invert not allowed"),
        ("1e999 * x", "too large to be a finite float"),
        ("(" * 150 + "x" + ")" * 150, "nested more than 100 deep"),
        ("x + " * 3000 + "x", "longer than 10000 characters"),
    ],
)
def test_anything_else_is_an_error_that_points_at_the_problem(
    text: str, message: str, tmp_path: Path
) -> None:
    marker = tmp_path / "pwned"
    with pytest.raises(ExpressionError) as info:
        parse(text.replace("{marker}", str(marker)), {"x": 1.0})
    assert message in str(info.value)
    assert not marker.exists()


def test_a_long_flat_expression_needs_no_recursion() -> None:
    assert parse("+".join(["x"] * 2000), {"x": 1.0}).data == 2000.0


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("x", "NAME=VALUE"),
        ("1x=2", "not a valid variable name"),
        ("for=2", "not a valid variable name"),
        ("tanh=2", "the name of a function"),
        ("x=abc", "must be a number"),
        ("x=nan", "must be finite"),
        ("x=inf", "must be finite"),
    ],
)
def test_bad_variables_are_errors(text: str, message: str) -> None:
    with pytest.raises(ExpressionError, match=message):
        parse_variable(text)


def test_a_good_variable() -> None:
    assert parse_variable("w=-3") == ("w", -3.0)
