"""Expressions for the command line: the same graph as Values built by hand; nothing runs."""

import ast
import builtins
import math
import warnings
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

import engine
from engine import Value
from viz.cli.expression import (
    FUNCTIONS,
    MAX_LENGTH,
    MAX_NESTING,
    ExpressionError,
    check_variable,
    parse,
    parse_variable,
)

# -- a small grammar: trees, rendered as text and built by hand --------------------------

Tree = tuple[Any, ...]
NAMES = ["x", "y", "z"]
ONE_ARGUMENT = ["relu", "tanh", "sigmoid", "exp", "log", "sqrt", "abs", "sin", "cos", "softplus"]
ONE_ARGUMENT += ["leaky_relu"]

numbers = st.one_of(
    st.integers(1, 5).map(float), st.floats(0.1, 3.0).map(lambda f: round(f, 3))
).map(lambda f: ("num", f))
leaves = st.one_of(st.sampled_from(NAMES).map(lambda n: ("var", n)), numbers)


def _extend(children: st.SearchStrategy[Tree]) -> st.SearchStrategy[Tree]:
    return st.one_of(
        st.tuples(st.just("bin"), st.sampled_from(["+", "-", "*", "/", "**"]), children, children),
        st.tuples(st.just("bin"), st.just("**"), children, numbers),  # x ** 2: the "**2" node
        st.tuples(st.just("neg"), children),
        st.tuples(st.just("pos"), children),
        st.tuples(st.just("call"), st.sampled_from(ONE_ARGUMENT), children),
        st.tuples(st.just("call2"), st.just("leaky_relu"), children, st.sampled_from([-0.5, 0.2])),
        st.tuples(st.just("call2"), st.just("softplus"), children, st.sampled_from([0.5, 2.0])),
        st.tuples(
            st.just("nary"),
            st.sampled_from(["sum", "logsumexp"]),
            st.lists(children, min_size=1, max_size=4),
        ),
    )


trees = st.recursive(leaves, _extend, max_leaves=12)

ATOM, POWER, UNARY, PRODUCT, SUM = 5, 4, 3, 2, 1
PRECEDENCE = {"+": SUM, "-": SUM, "*": PRODUCT, "/": PRODUCT, "**": POWER}


def render(tree: Tree, space: str) -> tuple[str, int]:
    """Return Python-syntax text for ``tree`` with as few parentheses as precedence allows."""
    kind = tree[0]
    if kind == "var":
        return tree[1], ATOM
    if kind == "num":
        return repr(tree[1]), ATOM
    if kind in ("neg", "pos"):
        text, prec = render(tree[1], space)
        text = text if prec >= UNARY else f"({text})"
        return ("-" if kind == "neg" else "+") + text, UNARY
    if kind == "call":
        return f"{tree[1]}({render(tree[2], space)[0]})", ATOM
    if kind == "call2":
        return f"{tree[1]}({render(tree[2], space)[0]},{space}{tree[3]!r})", ATOM
    if kind == "nary":
        args = f",{space}".join(render(arg, space)[0] for arg in tree[2])
        return f"{tree[1]}({args})", ATOM
    _, op, left, right = tree
    p = PRECEDENCE[op]
    left_text, left_prec = render(left, space)
    right_text, right_prec = render(right, space)
    if op == "**":  # right-associative; its left operand is a primary, its right a factor
        left_text = left_text if left_prec == ATOM else f"({left_text})"
        right_text = right_text if right_prec >= UNARY else f"({right_text})"
    else:  # left-associative: a right operand of the same level keeps its parentheses
        left_text = left_text if left_prec >= p else f"({left_text})"
        right_text = right_text if right_prec > p else f"({right_text})"
    return f"{left_text}{space}{op}{space}{right_text}", p


def build(tree: Tree, leaves: dict[str, Value]) -> Value:
    """Build ``tree`` with the engine directly, as a Python user would write it."""
    kind = tree[0]
    if kind == "var":
        return leaves[tree[1]]
    if kind == "num":
        return Value(tree[1])
    if kind == "neg":
        return -build(tree[1], leaves)
    if kind == "pos":
        return +build(tree[1], leaves)
    if kind == "call":
        method: Callable[[], Value] = getattr(build(tree[2], leaves), tree[1])
        return method()
    if kind == "call2":
        with_parameter: Callable[[float], Value] = getattr(build(tree[2], leaves), tree[1])
        return with_parameter(tree[3])
    if kind == "nary":
        function = engine.sum if tree[1] == "sum" else engine.logsumexp
        return function([build(arg, leaves) for arg in tree[2]])
    _, op, left, right = tree
    a = build(left, leaves)
    if op == "**" and right[0] == "num":
        return a ** right[1]  # a number exponent, as in Python: Value ** float
    if op == "**" and right[0] in ("neg", "pos") and right[1][0] == "num":
        return a ** (-right[1][1] if right[0] == "neg" else right[1][1])  # x ** -2 likewise
    b = build(right, leaves)
    return {"+": a + b, "-": a - b, "*": a * b, "/": a / b, "**": a**b}[op]


def variables_of(tree: Tree) -> set[str]:
    if tree[0] == "var":
        return {tree[1]}
    found: set[str] = set()
    for part in tree[1:]:
        for child in part if isinstance(part, list) else [part]:
            if isinstance(child, tuple):
                found |= variables_of(child)
    return found


def same(a: float, b: float) -> bool:
    return a == b or (math.isnan(a) and math.isnan(b))


finite = st.floats(-3, 3, allow_nan=False)


@given(trees, st.sampled_from(["", " "]), finite, finite, finite)
def test_a_parsed_expression_equals_the_same_expression_built_directly(
    tree: Tree, space: str, x: float, y: float, z: float
) -> None:
    text, _ = render(tree, space)
    values = {"x": x, "y": y, "z": z}
    parsed = parse(text, values)
    by_hand_leaves = {name: Value(v, label=name) for name, v in values.items()}
    by_hand = build(tree, by_hand_leaves)
    assert same(parsed.data, by_hand.data), text
    assert parsed.op == by_hand.op, text
    # Each variable the text uses is exactly one leaf, labelled with its name.
    labelled = [v for v in engine.topological_order(parsed) if v.label]
    assert sorted(v.label for v in labelled) == sorted(variables_of(tree)), text
    assert all(v.is_leaf() for v in labelled)
    if labelled:
        parsed_grads = engine.grad(parsed, labelled)
        hand_grads = engine.grad(by_hand, [by_hand_leaves[v.label] for v in labelled])
        for leaf, g1, g2 in zip(labelled, parsed_grads, hand_grads, strict=True):
            assert same(g1.data, g2.data), (text, leaf.label)


def test_precedence_and_associativity_follow_python() -> None:
    x = {"x": 3.0}
    assert parse("-x**2", x).data == -9.0
    assert parse("2**-1", x).data == 0.5
    assert parse("x - 1 - 1", x).data == 1.0
    assert parse("2**3**2", x).data == 512.0
    assert parse("x / 2 * 3", x).data == 4.5
    assert parse("1 + x * 2", x).data == 7.0


# -- leaves, functions, numbers ---------------------------------------------------------


def test_a_variable_is_one_labelled_leaf_used_every_time() -> None:
    out = parse("x*x", {"x": 3.0})
    x = out.parents[0]
    assert out.parents == (x, x) and x.label == "x" and x.is_leaf() and x.data == 3.0
    out.backward()
    assert x.grad == 6.0
    bigger = parse("x*x + 3*x", {"x": 2.0})
    leaves = [v for v in engine.topological_order(bigger) if v.label]
    assert [v.label for v in leaves] == ["x"]
    bigger.backward()
    assert leaves[0].grad == 7.0


def test_unused_variables_are_left_out_and_numbers_are_unlabelled_leaves() -> None:
    out = parse("x + 2", {"x": 1.0, "unused": 5.0})
    nodes = engine.topological_order(out)
    assert sorted(v.label for v in nodes) == ["", "", "x"]
    assert [v.data for v in nodes if v.is_leaf() and not v.label] == [2.0]


@pytest.mark.parametrize("name", ONE_ARGUMENT)
def test_each_function_of_one_argument_is_the_engine_method(name: str) -> None:
    parsed = parse(f"{name}(x)", {"x": 0.7})
    direct: Value = getattr(Value(0.7), name)()
    assert parsed.op == direct.op and parsed.data == direct.data


def test_functions_with_a_parameter_and_n_ary_functions() -> None:
    x = {"x": 0.7}
    assert parse("leaky_relu(-x, 0.2)", x).data == pytest.approx(-0.14)
    assert parse("leaky_relu(-x, -0.5)", x).data == pytest.approx(0.35)
    assert parse("softplus(x, 2)", x).data == pytest.approx(math.log1p(math.exp(1.4)) / 2)
    total = parse("sum(x, 1, 2)", x)
    assert total.op == "sum" and len(total.parents) == 3 and total.data == pytest.approx(3.7)
    single = parse("sum(x)", x)
    assert single.op == "sum" and single.data == 0.7
    assert parse("logsumexp(x, x)", x).data == pytest.approx(0.7 + math.log(2))
    assert parse("sqrt(x) ** 2 / log(exp(x))", x).data == pytest.approx(1.0)
    assert sorted(FUNCTIONS) == sorted([*ONE_ARGUMENT, "sum", "logsumexp"])


def test_a_number_exponent_is_the_engines_power_node_as_in_python() -> None:
    x = Value(3.0)
    assert parse("x**2", {"x": 3.0}).op == (x**2).op == "**2"
    assert parse("x ** -1", {"x": 3.0}).op == (x**-1).op
    assert parse("2**x", {"x": 3.0}).op == (2**x).op == "**"
    assert parse("x**x", {"x": 3.0}).data == 27.0


def test_numbers_in_every_python_spelling() -> None:
    assert parse("1_000 + 0x10 + 1e-3 + .5 + 2.", {}).data == 1000 + 16 + 0.001 + 0.5 + 2.0
    assert parse("10**400", {}).data == math.inf  # IEEE arithmetic, as the engine does


def test_blanks_around_the_expression_are_fine_and_columns_stay_true() -> None:
    assert parse("  \tx + 1  ", {"x": 1.0}).data == 2.0
    with pytest.raises(ExpressionError) as info:
        parse("   tanh(y)", {"x": 1.0})
    assert info.value.column == 9 and "at column 9: y" in str(info.value)


def test_columns_count_characters_not_bytes() -> None:
    with pytest.raises(ExpressionError) as info:
        parse("θ + y", {"θ": 1.0})
    assert info.value.column == 5 and "at column 5: y" in str(info.value)


# -- everything else is refused, with the column and the fragment ----------------------

REFUSED = [
    # (text, problem, column, fragment)
    ("__import__('os').system('touch {marker}')", "attribute access is not allowed", 1, None),
    ("__import__('os')", "unknown function '__import__'", 1, "__import__('os')"),
    ("x.__class__", "attribute access is not allowed", 1, "x.__class__"),
    ("tanh(x.real)", "attribute access is not allowed", 6, "x.real"),
    ("x[0]", "subscripts are not allowed", 1, "x[0]"),
    ("lambda: 1", "lambdas are not allowed", 1, "lambda: 1"),
    ("[i for i in x]", "comprehensions are not allowed", 1, "[i for i in x]"),
    ("sum(i for i in x)", "comprehensions are not allowed", 4, "(i for i in x)"),
    ("{x: 1}", "dicts are not allowed", 1, "{x: 1}"),
    ("x, x", "tuples (a comma outside a call) are not allowed", 1, "x, x"),
    ("tanh(x=1)", "keyword arguments are not allowed", 1, "tanh(x=1)"),
    ("sum(*x)", "starred arguments are not allowed", 5, "*x"),
    ("'text'", "strings are not allowed", 1, "'text'"),
    ("b'a' + x", "bytes are not allowed", 1, "b'a'"),
    ("None + x", "None is not allowed", 1, "None"),
    ("x * True", "True and False are not allowed", 5, "True"),
    ("1j * x", "complex numbers are not allowed", 1, "1j"),
    ("...", "... is not allowed", 1, "..."),
    ("x < 1", "comparisons are not allowed", 1, "x < 1"),
    ("x and x", "'and' and 'or' are not allowed", 1, "x and x"),
    ("x if x else 1", "conditional expressions (if/else) are not allowed", 1, "x if x else 1"),
    ("(y := x)", "assignment expressions (:=) are not allowed", 2, "y := x"),
    ("f'{x}'", "f-strings are not allowed", 1, "f'{x}'"),
    ("(x)(1)", "'x' is a variable, not a function", 1, "(x)(1)"),
    ("tanh(x)(1)", "only the engine's functions can be called", 1, "tanh(x)(1)"),
    ("eval('1')", "unknown function 'eval'", 1, "eval('1')"),
    ("x + exec('1')", "unknown function 'exec'", 5, "exec('1')"),
    ("open('/etc/passwd')", "unknown function 'open'", 1, "open('/etc/passwd')"),
    ("tanh(x, 1)", "tanh() takes 1 argument, got 2", 1, "tanh(x, 1)"),
    ("tanh()", "tanh() takes 1 argument, got 0", 1, "tanh()"),
    ("leaky_relu(x, 1, 2)", "leaky_relu() takes 1 or 2 arguments, got 3", 1, None),
    ("leaky_relu(x, x)", "leaky_relu's slope must be a number written out", 15, "x"),
    ("softplus(x, 0)", "beta must be positive", 1, "softplus(x, 0)"),
    ("sum()", "sum() needs at least one argument", 1, "sum()"),
    ("x + y", "unknown name 'y'", 5, "y"),
    ("tanh + x", "the function 'tanh' must be called", 1, "tanh"),
    ("x % 2", "the operator '%' is not allowed", 1, "x % 2"),
    ("x // 2", "the operator '//' is not allowed", 1, "x // 2"),
    ("x @ x", "the operator '@' is not allowed", 1, "x @ x"),
    ("~x", "the operator '~' is not allowed", 1, "~x"),
    ("not x", "the operator 'not' is not allowed", 1, "not x"),
    ("1e999 * x", "too large to be a finite float", 1, "1e999"),
    ("x ** 1e999", "too large to be a finite float", 6, "1e999"),
    ("tanh(x", "invalid syntax ('(' was never closed)", 5, "(x"),
    ("x +", "invalid syntax", 4, "the end of the expression"),
    ("x $ 2", "invalid syntax", 3, "$ 2"),
    ("x = 1", "invalid syntax", 3, "= 1"),
    ("1if x else 2", "invalid syntax (invalid decimal literal)", 1, "1if x else 2"),
    ("x\n+ 1", "line breaks are not allowed", 2, "'\\n'"),
    ("x\x00", "control characters are not allowed", 2, "'\\x00'"),
    ("x\udcff", "characters that are not UTF-8 are not allowed", 2, "'\\udcff'"),
    ("x\u2028+ 1", "line breaks are not allowed", 2, "'\\u2028'"),
    ("(" * 101 + "x" + ")" * 101, "brackets are nested more than 100 deep", 101, None),
    ("[" * 200 + "x" + "]" * 200, "brackets are nested more than 100 deep", 101, None),
    ("-" * 101 + "x", "unary signs are nested more than 100 deep", 101, "-x"),
    ("x" + "-" * 102 + "x", "unary signs are nested more than 100 deep", 103, "-x"),
]


@pytest.mark.parametrize(
    ("text", "problem", "column", "fragment"), REFUSED, ids=[repr(r[0][:24]) for r in REFUSED]
)
def test_anything_else_is_an_error_that_points_at_the_problem(
    text: str, problem: str, column: int, fragment: str | None, tmp_path: Path
) -> None:
    marker = tmp_path / "pwned"
    with pytest.raises(ExpressionError) as info:
        parse(text.replace("{marker}", str(marker)), {"x": 1.0})
    message = str(info.value)
    assert problem in message
    assert info.value.column == column and f"at column {column}: " in message
    if fragment is not None:
        assert info.value.fragment == fragment
    assert f"at column {column}: {info.value.fragment}" in message
    assert "\n" not in message
    assert not marker.exists()


def test_an_unknown_name_lists_the_variables_and_the_functions() -> None:
    with pytest.raises(ExpressionError) as info:
        parse("tanh(y)", {"x": 1.0, "w": 2.0})
    message = str(info.value)
    assert message.startswith("unknown name 'y' at column 6: y")
    assert "variables: w, x" in message and "functions: abs, cos" in message


def test_nothing_is_evaluated_only_parsed(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    compiled: list[int] = []
    real_compile = builtins.compile

    def compile_ast_only(source: Any, filename: Any, mode: str, flags: int = 0, **kw: Any) -> Any:
        assert flags & ast.PyCF_ONLY_AST, "parse compiled code, not just a tree"
        compiled.append(flags)
        return real_compile(source, filename, mode, flags, **kw)

    def forbidden(*args: object, **kwargs: object) -> None:
        raise AssertionError("parse called eval or exec")

    monkeypatch.setattr(builtins, "compile", compile_ast_only)
    monkeypatch.setattr(builtins, "eval", forbidden)
    monkeypatch.setattr(builtins, "exec", forbidden)
    monkeypatch.setattr(builtins, "__import__", forbidden)
    marker = tmp_path / "pwned"
    for text in [
        f"__import__('os').system('touch {marker}')",
        "eval('1')",
        "exec('import os')",
        "open('/etc/passwd')",
        "tanh(x) * (x.__class__)",
        "(lambda: 1)()",
    ]:
        with pytest.raises(ExpressionError):
            parse(text, {"x": 1.0})
    assert parse("tanh(x*w + b)", {"x": 2, "w": -3, "b": 6.88}).data == pytest.approx(0.7064, 1e-3)
    assert compiled and not marker.exists()


TOKENS = [*"xyz0123456789.+-*/%()[]{},:;=<>!~@&|^'\" _#\\\tje", "**", "tanh", "sum", "lambda"]
TOKENS += ["if", "else", "for", "in", "not", "__import__", "leaky_relu", "1e999"]
PYTHONISH = st.lists(st.sampled_from(TOKENS), max_size=30).map("".join)


@given(st.one_of(st.text(max_size=40), PYTHONISH))
def test_any_text_gives_a_value_or_an_expression_error(text: str) -> None:
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error")  # and no warning on stderr either
            out = parse(text, {"x": 1.5, "y": -2.0, "z": 0.0})
    except ExpressionError as e:
        assert str(e) and "\n" not in str(e)
        if e.column is not None:
            assert 1 <= e.column <= len(text) + 1
            assert f"at column {e.column}: " in str(e)
    else:
        assert isinstance(out, Value)


# -- limits: length and depth, before the parser sees the text ---------------------------


def test_empty_input_is_an_error() -> None:
    for text in ["", "   ", "\t"]:
        with pytest.raises(ExpressionError, match="the expression is empty"):
            parse(text, {})


def test_the_length_limit() -> None:
    args = ",".join(["x"] * ((MAX_LENGTH - 5) // 2))
    text = f"sum({args})"
    text += " " * (MAX_LENGTH - len(text))
    assert len(text) == MAX_LENGTH and parse(text, {"x": 1.0}).data == (MAX_LENGTH - 5) // 2
    with pytest.raises(ExpressionError, match="10,001 characters long; the limit is 10,000"):
        parse(text + " ", {"x": 1.0})


def test_the_nesting_limit_is_exactly_100() -> None:
    deep = "(" * MAX_NESTING + "x" + ")" * MAX_NESTING
    assert parse(deep, {"x": 2.0}).data == 2.0
    calls = "tanh(" * MAX_NESTING + "x" + ")" * MAX_NESTING
    assert parse(calls, {"x": 0.5}).op == "tanh"
    signs = "-" * MAX_NESTING + "x"
    assert parse(signs, {"x": 2.0}).data == 2.0
    assert parse("x" + "-" * (MAX_NESTING + 1) + "x", {"x": 2.0}).data == 0.0


DEEP = {
    "parentheses": "(" * 4000 + "x" + ")" * 4000,
    "brackets": "[" * 5000,
    "signs": "-" * 9999 + "x",
    "calls": "tanh(" * 1500 + "x" + ")" * 1500,
    "a flat chain, deep for Python's parser": "x" + "+x" * 4999,
    "powers": "x" + "**x" * 3333,
}


@pytest.mark.parametrize("text", DEEP.values(), ids=DEEP.keys())
def test_deep_input_is_a_clear_error_never_a_recursion_error(text: str) -> None:
    try:
        parse(text, {"x": 1.0})
    except ExpressionError as e:
        assert "nested" in str(e) and "\n" not in str(e)


def test_a_long_flat_expression_needs_no_recursion() -> None:
    assert parse("+".join(["x"] * 2000), {"x": 1.0}).data == 2000.0
    out = parse("sum(" + ",".join(["x"] * 4000) + ")", {"x": 1.0})
    assert out.data == 4000.0 and len(out.parents) == 4000


# -- variables --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("x", "NAME=VALUE"),
        ("=2", "not a valid variable name"),
        ("1x=2", "not a valid variable name"),
        ("for=2", "not a valid variable name"),
        ("x.y=2", "not a valid variable name"),
        ("tanh=2", "the name of a function"),
        ("sum=2", "the name of a function"),
        ("x=abc", "must be a number"),
        ("x=", "must be a number"),
        ("x=1j", "must be a number"),
        ("x=nan", "must be finite"),
        ("x=-inf", "must be finite"),
        ("x=1e999", "must be finite"),
    ],
)
def test_bad_variables_are_errors(text: str, message: str) -> None:
    with pytest.raises(ExpressionError, match=message):
        parse_variable(text)


def test_good_variables() -> None:
    assert parse_variable("w=-3") == ("w", -3.0)
    assert parse_variable("bias_2 = 1e-3") == ("bias_2", 0.001)
    assert parse_variable("θ=0.5") == ("θ", 0.5)


@pytest.mark.parametrize(
    ("variables", "message"),
    [
        ({"x": math.nan}, "must be finite"),
        ({"x": math.inf}, "must be finite"),
        ({"x": "2"}, "must be a real number, got str"),
        ({"x": True}, "must be a real number, got bool"),
        ({"x": Value(1.0)}, "must be a real number, got Value"),
        ({"exp": 1.0}, "the name of a function"),
        ({"not a name": 1.0}, "not a valid variable name"),
        ({"lambda": 1.0}, "not a valid variable name"),
        ({"ﬁ": 1.0, "fi": 2.0}, "the same name"),  # one name once Python normalizes it
    ],
)
def test_parse_checks_the_variables_it_is_given(variables: dict[str, Any], message: str) -> None:
    with pytest.raises(ExpressionError, match=message):
        parse("1", variables)


def test_check_variable_normalizes_names_as_python_does() -> None:
    assert check_variable("ﬁ", 2) == ("fi", 2.0)
    assert parse("ﬁ * 2", {"ﬁ": 2.0}).data == 4.0
