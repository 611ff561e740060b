"""The table of operations is the one list: every row is reachable everywhere it should be.

Value's methods, the command line's functions, the generated code's and the array code's
namespaces, the math namespaces and the reference docs are read from, or checked against,
``engine.ops.TABLE`` here, so a new row reaches each of them, or fails a test that names it.
"""

import math
import re
from collections.abc import Callable
from pathlib import Path

import pytest

import engine
from engine import Value, float_math, ops, value_math
from engine.codegen.tracer import NAMESPACE
from viz.cli.expression import FUNCTIONS, parse

ROOT = Path(__file__).resolve().parents[1]

Make = Callable[[Value, Value], Value]

# The rows a student reaches otherwise than by their name: Python's operators, and the
# dot products, which take two lists (the command line has no list syntax). How a student
# writes each, and how the command line does ("" where it cannot).
OTHERWISE: dict[ops.Op, tuple[Make, str]] = {
    ops.ADD: (lambda x, y: x + y, "x + y"),
    ops.SUB: (lambda x, y: x - y, "x - y"),
    ops.MUL: (lambda x, y: x * y, "x * y"),
    ops.DIV: (lambda x, y: x / y, "x / y"),
    ops.POW: (lambda x, y: x**y, "x ** y"),
    ops.NEG: (lambda x, y: -x, "-x"),
    ops.POW_CONST: (lambda x, y: x**3, "x ** 3"),
    ops.DOT: (lambda x, y: engine.dot([x, y], [y, x]), ""),
    ops.DOT_PLUS: (lambda x, y: engine.dot([x, y], [y, x], bias=x), ""),
}
PARAMETER = 0.5
"""The number given to a row's first parameter, where it has one (a slope, a beta)."""


def reach(op: ops.Op) -> tuple[Make, str]:
    """How a student makes a node of ``op`` from Values x and y, and how the command line writes it.

    A row called by its name is ``x.<name>()`` (with a parameter, ``x.<name>(0.5)``) and
    ``<name>(x)`` on the command line; an n-ary one ``engine.<name>([x, y, x])``.
    """
    if op in OTHERWISE:
        return OTHERWISE[op]
    assert op.called, f"{op.name!r} is neither called by its name nor listed in OTHERWISE"
    name, given = op.name, (PARAMETER,) if op.params else ()
    if op.arity == 0:
        return (lambda x, y: getattr(engine, name)([x, y, x])), f"{name}(x, y, x)"
    if op.arity == 2:
        return (lambda x, y: getattr(x, name)(y)), ""
    text = f"{name}(x, {PARAMETER})" if given else f"{name}(x)"
    return (lambda x, y: getattr(x, name)(*given)), text


def key(op: ops.Op) -> str:
    """A row's test id: its op name, ``**c`` for the power by a constant."""
    return "**c" if op is ops.POW_CONST else op.name


REACH: dict[str, tuple[Make, str]] = {key(op): reach(op) for op in ops.TABLE}
"""Each row's way in, by ``key``: read from the table, so a new row is here at once."""


@pytest.mark.parametrize("op", ops.TABLE, ids=key)
def test_every_row_is_reachable_from_a_value_and_makes_its_own_node(op: ops.Op) -> None:
    make, _ = reach(op)
    node = make(Value(0.7), Value(1.3))
    assert node._operation is op


def test_every_row_has_a_key_of_its_own() -> None:
    assert len({key(op) for op in ops.TABLE}) == len(ops.TABLE)


@pytest.mark.parametrize("op", ops.TABLE, ids=key)
def test_every_row_is_a_function_or_operator_on_the_command_line(op: ops.Op) -> None:
    make, text = reach(op)
    if not text:
        assert op in OTHERWISE or op.arity == 2
        return
    root = parse(text, {"x": 0.7, "y": 1.3})
    assert root.data == pytest.approx(make(Value(0.7), Value(1.3)).data, rel=1e-15)
    assert root._operation is op
    called = re.match(r"(\w+)\(", text)
    if called:
        assert called[1] in FUNCTIONS


def test_the_functions_of_the_command_line_are_the_rows_called_by_name() -> None:
    assert list(FUNCTIONS) == sorted(op.name for op in ops.TABLE if op.called)


@pytest.mark.parametrize("op", ops.TABLE, ids=key)
def test_every_row_compiles_to_code_that_gives_the_engines_numbers(op: ops.Op) -> None:
    make, _ = reach(op)
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
    called = set(re.findall(r"\bm\.(\w+)\(", (ROOT / "engine" / "ops.py").read_text()))
    assert called <= set(NAMESPACE) | {"number"}, called - set(NAMESPACE)
    assert called <= set(float_math.NAMES)


def test_the_math_namespaces_on_floats_and_on_values_have_the_same_functions() -> None:
    documented = ["exp", "log", "sqrt", "sin", "cos", "tanh", "sigmoid", "softplus"]
    documented += ["div", "pow", "sign", "number"]
    assert set(documented) == set(float_math.NAMES)
    for name in float_math.NAMES:
        assert callable(getattr(float_math, name)) and callable(getattr(value_math, name))
    x = Value(0.3)
    for name in ["exp", "log", "sqrt", "sin", "cos", "tanh", "sigmoid", "softplus"]:
        on_values = getattr(value_math, name)(x)
        assert isinstance(on_values, Value) and on_values.data == getattr(float_math, name)(0.3)


def test_the_array_namespace_has_a_function_for_every_row_and_every_name_of_m() -> None:
    array_math = pytest.importorskip("engine.codegen.array_math")
    for name in [*(op.function for op in ops.TABLE), *float_math.NAMES, "where"]:
        assert callable(getattr(array_math, name)), name
    assert {*(op.function for op in ops.TABLE), *float_math.NAMES, "where"} == array_math.NAMES


def test_the_reference_documents_every_public_name_and_each_rows_method() -> None:
    reference = (ROOT / "docs" / "reference" / "engine.md").read_text()
    members = re.search(r"members: \[(.*?)\]", reference)
    assert members is not None
    assert set(engine.__all__) <= {m.strip() for m in members[1].split(",")}
    for op in ops.TABLE:
        if op.called and op.arity:  # exp, log, ...: mkdocstrings shows their docstrings
            assert getattr(Value, op.name).__doc__, f"Value.{op.name} has no docstring"
