"""The Value contract: attributes, repr, conversions, comparisons, identity, bad input."""

import fractions
from decimal import Decimal

import pytest

from engine import Value


def test_attributes_of_a_leaf_and_of_a_result() -> None:
    x = Value(2, label="x")
    assert (x.data, x.grad, x.label, x.op, x.parents) == (2.0, 0.0, "x", "", ())
    assert isinstance(x.data, float)
    y = Value(3.0)
    assert (x * y).op == "*" and (x * y).parents[0] is x and (x * y).parents[1] is y
    assert (x**2).op == "**2" and (x**0.5).op == "**0.5" and x.tanh().op == "tanh"
    assert (x - y).op == "-" and (-x).op == "neg" and (x / y).op == "/"


def test_bools_ints_and_fractions_become_floats() -> None:
    assert Value(True).data == 1.0
    assert Value(7).data == 7.0
    assert Value(fractions.Fraction(1, 4)).data == 0.25


def test_repr_shows_data_grad_and_label() -> None:
    assert repr(Value(2.0)) == "Value(data=2.0, grad=0.0)"
    assert repr(Value(2.0, label="x")) == "Value(data=2.0, grad=0.0, label='x')"


def test_the_number_is_data_item_and_format() -> None:
    v = Value(2.5)
    assert v.data == 2.5 and v.item() == 2.5
    assert format(v, ".3f") == "2.500" and f"{v:.1f}" == "2.5"
    assert format(v) == repr(v)


def test_comparisons_read_the_data_and_return_bools() -> None:
    a, b = Value(1.0), Value(2.0)
    assert (a < b) is True and (a <= 1) is True and (b > 1.5) is True and (b >= a) is True
    assert (2 > a) is True and (0.5 < a) is True  # noqa: SIM300 - the reflected forms


def test_equality_is_identity_and_values_hash_by_identity() -> None:
    a, b = Value(1.0), Value(1.0)
    assert a != b and a == a
    table = {a: "a", b: "b"}
    assert len(table) == 2 and table[a] == "a"


@pytest.mark.parametrize(
    ("data", "name"),
    [("1", "str"), (None, "NoneType"), ([1], "list"), (1j, "complex"), (Decimal("1"), "Decimal")],
)
def test_non_real_data_is_a_type_error_naming_the_type(data: object, name: str) -> None:
    with pytest.raises(TypeError, match=f"got {name}"):
        Value(data)  # type: ignore[arg-type]


def test_a_value_given_a_value_points_at_its_data() -> None:
    with pytest.raises(TypeError, match="got Value"):
        Value(Value(1.0))  # type: ignore[arg-type]


def test_a_label_must_be_a_string() -> None:
    with pytest.raises(TypeError, match="label must be a str, got int"):
        Value(1.0, label=3)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    "operation",
    [
        lambda v: v + "a",
        lambda v: v - [1],
        lambda v: v / None,
        lambda v: v ** "a",
        lambda v: "a" ** v,
        lambda v: v < "a",
        lambda v: v >= None,
    ],
)
def test_unsupported_operands_raise_pythons_usual_type_error(operation) -> None:
    v = Value(1.0)
    with pytest.raises(TypeError, match=r"not supported|unsupported operand"):
        operation(v)
    assert (v.data, v.grad, v.parents) == (1.0, 0.0, ())


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda v: v.leaky_relu("x"), "negative_slope must be a real number, got str"),
        (lambda v: v.softplus(beta=0), "beta must be positive"),
        (lambda v: v.softplus(beta=-1.0), "beta must be positive"),
        (lambda v: v.softplus(threshold="20"), "threshold must be a real number"),
    ],
)
def test_bad_parameters_name_the_parameter(call, message: str) -> None:
    v = Value(1.0)
    with pytest.raises((TypeError, ValueError), match=message):
        call(v)


def test_unary_plus_and_builtin_abs() -> None:
    v = Value(-2.0)
    assert +v is v
    assert abs(v).data == 2.0 and abs(v).op == "abs"
