"""The table of operations is the one list: every row is reachable everywhere it should be.

Value's methods, the command line's functions, the generated code's namespace and the
reference docs are checked against ``engine.ops.TABLE`` here, so a new row that is
missing from one of them fails a test that names it.
"""

import math
import re
from collections.abc import Callable
from pathlib import Path

import pytest

import engine
from engine import Value, ops
from engine.codegen.symbolic import NAMESPACE
from viz.expression import FUNCTIONS, parse

ROOT = Path(__file__).resolve().parents[1]

# How a student reaches each row from a Value (x, y are Values), and how the command line
# writes it. Every row of the table must be here: the test below checks it.
REACH: dict[str, tuple[Callable[[Value, Value], Value], str]] = {
    "+": (lambda x, y: x + y, "x + y"),
    "-": (lambda x, y: x - y, "x - y"),
    "*": (lambda x, y: x * y, "x * y"),
    "/": (lambda x, y: x / y, "x / y"),
    "**": (lambda x, y: x**y, "x ** y"),
    "neg": (lambda x, y: -x, "-x"),
    "**c": (lambda x, y: x**3, "x ** 3"),
    "exp": (lambda x, y: x.exp(), "exp(x)"),
    "log": (lambda x, y: x.log(), "log(x)"),
    "sqrt": (lambda x, y: x.sqrt(), "sqrt(x)"),
    "abs": (lambda x, y: abs(x), "abs(x)"),
    "sin": (lambda x, y: x.sin(), "sin(x)"),
    "cos": (lambda x, y: x.cos(), "cos(x)"),
    "tanh": (lambda x, y: x.tanh(), "tanh(x)"),
    "sigmoid": (lambda x, y: x.sigmoid(), "sigmoid(x)"),
    "relu": (lambda x, y: x.relu(), "relu(x)"),
    "leaky_relu": (lambda x, y: x.leaky_relu(0.1), "leaky_relu(x, 0.1)"),
    "softplus": (lambda x, y: x.softplus(2.0), "softplus(x, 2)"),
    "sum": (lambda x, y: engine.sum([x, y, x]), "sum(x, y, x)"),
    "dot": (lambda x, y: engine.dot([x, y], [y, x]), ""),
    "dot+b": (lambda x, y: engine.dot([x, y], [y, x], bias=x), ""),
    "logsumexp": (lambda x, y: engine.logsumexp([x, y]), "logsumexp(x, y)"),
}
"""Each row's key is its op name (``**c`` for the power by a constant)."""

# The command line has no list syntax, so the two dot products are written with it.
NOT_ON_THE_COMMAND_LINE = {"dot": "takes two lists", "dot+b": "takes two lists and a bias"}


def key(op: ops.Op) -> str:
    return "**c" if op is ops.POW_CONST else op.name


@pytest.mark.parametrize("op", ops.TABLE, ids=key)
def test_every_row_is_reachable_from_a_value_and_makes_its_own_node(op: ops.Op) -> None:
    assert set(REACH) == {key(o) for o in ops.TABLE}, "REACH must list every row of the table"
    make, _ = REACH[key(op)]
    node = make(Value(0.7), Value(1.3))
    assert node._rule is op


@pytest.mark.parametrize("op", ops.TABLE, ids=key)
def test_every_row_is_a_function_or_operator_on_the_command_line(op: ops.Op) -> None:
    make, text = REACH[key(op)]
    if key(op) in NOT_ON_THE_COMMAND_LINE:
        assert not text
        return
    root = parse(text, {"x": 0.7, "y": 1.3})
    assert root.data == pytest.approx(make(Value(0.7), Value(1.3)).data, rel=1e-15)
    called = re.match(r"(\w+)\(", text)
    if called:
        assert called[1] in FUNCTIONS


def test_every_function_of_the_command_line_is_a_row() -> None:
    names = {op.name for op in ops.TABLE}
    assert set(FUNCTIONS) <= names


@pytest.mark.parametrize("op", ops.TABLE, ids=key)
def test_every_row_compiles_to_code_that_gives_the_engines_numbers(op: ops.Op) -> None:
    make, _ = REACH[key(op)]
    x, y = Value(0.7), Value(1.3)
    out = make(x, y) * x
    cg = engine.compile(out, [x, y])
    for a, b in [(0.7, 1.3), (2.0, 0.4), (-0.3, 1.1)]:
        va, vb = Value(a), Value(b)
        expected = make(va, vb) * va
        grads = engine.grad(expected, [va, vb])
        value, got = cg([a, b])
        same = [
            (math.isnan(e) and math.isnan(g)) or e == g
            for e, g in zip([expected.data, *(g.data for g in grads)], [value, *got], strict=True)
        ]
        assert all(same), (op, a, b)


def test_the_generated_codes_namespace_has_every_function_the_rows_call() -> None:
    # The local derivatives call m.<name>; each name must be there for generated code.
    called = set()
    source = (ROOT / "engine" / "ops.py").read_text()
    called |= set(re.findall(r"\bm\.(\w+)\(", source))
    assert called <= set(NAMESPACE) | {"number"}, called - set(NAMESPACE)


def test_the_math_namespaces_on_floats_and_on_values_have_the_same_functions() -> None:
    from engine import ieee, value_math

    def public(module: object) -> set[str]:
        return {n for n in vars(module) if not n.startswith("_") and callable(getattr(module, n))}

    documented = {
        *[
            "exp",
            "log",
            "sqrt",
            "sin",
            "cos",
            "tanh",
            "sigmoid",
            "softplus",
            "div",
            "pow",
            "sign",
            "number",
        ]
    }
    assert documented <= public(ieee) and documented <= public(value_math)


def test_the_reference_documents_every_public_name_and_each_rows_method() -> None:
    reference = (ROOT / "docs" / "reference" / "engine.md").read_text()
    members = re.search(r"members: \[(.*?)\]", reference)
    assert members is not None
    assert set(engine.__all__) <= {m.strip() for m in members[1].split(",")}
    for name in (op.name for op in ops.TABLE):
        if hasattr(Value, name):  # exp, log, ...: mkdocstrings shows their docstrings
            assert getattr(Value, name).__doc__, f"Value.{name} has no docstring for the reference"
