"""No silent wrong gradient: what would quietly take a Value out of the graph raises.

Each trap is a TypeError (or, for ``parents`` and ``op``, an AttributeError) whose
message says what to write instead. What Values are meant to do still works:
identity ``==`` between Values, hashing, ordering, ``format``, ``.data``.
"""

import cmath
import math
import operator
import re
from collections.abc import Callable

import pytest

import engine
from engine import Value


def test_math_exp_of_a_value_raises_instead_of_a_wrong_gradient() -> None:
    # Before, math.exp(x) was a constant 2.718..., so x.grad came out as e, not 2e.
    x = Value(1.0)
    with pytest.raises(TypeError, match=re.escape("Use v.exp()")):
        math.exp(x) * x  # type: ignore[call-overload]
    y = x.exp() * x
    y.backward()
    assert x.grad == pytest.approx(2 * math.e)


@pytest.mark.parametrize(
    ("convert", "hint"),
    [
        (float, "v.data for the number"),
        (math.exp, "Use v.exp() (or v.log(), v.sqrt(), ...) to stay in the graph"),
        (math.log, "Use v.exp() (or v.log(), v.sqrt(), ...) to stay in the graph"),
        (math.sqrt, "v.data for the number"),
        (lambda v: math.isclose(v, 1.0), "v.data for the number"),
        (lambda v: "%.2f" % v, "v.data for the number"),  # noqa: UP031 - the trap itself
        (complex, "Use v.data for the number"),
        (cmath.exp, "Use v.data for the number"),
        (int, "Use int(v.data)"),
        (operator.index, "Use int(v.data)"),
        (range, "Use int(v.data)"),
        (lambda v: [1, 2][v], "Use int(v.data)"),
        (lambda v: "ab" * v, "Use int(v.data)"),
        (round, "Use round(v.data)"),
        (lambda v: round(v, 2), "Use round(v.data)"),
        (math.trunc, "Use math.trunc(v.data)"),
        (math.floor, "Use math.floor(v.data)"),
        (math.ceil, "Use math.ceil(v.data)"),
    ],
)
def test_turning_a_value_into_a_number_is_a_type_error_with_the_hint(
    convert: Callable[[Value], object], hint: str
) -> None:
    with pytest.raises(TypeError, match="would drop out of the graph") as raised:
        convert(Value(1.0))
    assert hint in str(raised.value)


@pytest.mark.parametrize(
    "test", [bool, operator.not_, lambda v: 1 if v else 0, lambda v: v and 1, lambda v: any([v])]
)
def test_the_truth_of_a_value_is_a_type_error_saying_to_compare_data(
    test: Callable[[Value], object],
) -> None:
    with pytest.raises(TypeError, match=re.escape("`if v.data > 0:`")):
        test(Value(0.0))


@pytest.mark.parametrize(
    ("compare", "hint"),
    [
        (lambda v: v == 0, "`v.data == x`"),
        (lambda v: v != 0, "`v.data != x`"),
        (lambda v: v == 0.0, "`v.data == x`"),
        (lambda v: 0 == v, "`v.data == x`"),  # noqa: SIM300 - the reflected form
        (lambda v: v == True, "`v.data == x`"),  # noqa: E712 - bool is a number too
        (lambda v: v in [0.0], "`v.data == x`"),
    ],
)
def test_equality_with_a_number_is_a_type_error_saying_to_compare_data(
    compare: Callable[[Value], object], hint: str
) -> None:
    with pytest.raises(TypeError) as raised:
        compare(Value(0.0))
    assert hint in str(raised.value)


def test_equality_with_anything_but_a_number_or_a_value_is_pythons_default() -> None:
    v = Value(0.0)
    assert (v == None) is False and (v != None) is True  # noqa: E711 - the case itself
    assert (None == v) is False and (v == "0") is False and (v != "0") is True  # noqa: E711, SIM300
    assert v in [None, v] and v not in [None, "0", ()] and [None, v].index(v) == 1
    assert {v: 1}.get("0") is None and (v == [v]) is False  # type: ignore[call-overload]


def test_equality_with_a_number_names_the_type_and_why() -> None:
    with pytest.raises(TypeError, match=r"`v == x` \(x of type int\) would always be False"):
        Value(0.0) == 0  # noqa: B015
    with pytest.raises(TypeError, match=r"`v != x` \(x of type float\) would always be True"):
        Value(0.0) != 0.0  # noqa: B015


@pytest.mark.parametrize("name", ["parents", "op"])
def test_parents_and_op_are_read_only_and_point_to_engine_operation(name: str) -> None:
    x = Value(0.5, label="x")
    out = Value(math.log1p(x.data))
    hint = re.escape("use engine.operation(name, forward, local)")
    with pytest.raises(AttributeError, match=hint):
        setattr(out, name, (x,) if name == "parents" else "log1p")
    with pytest.raises(AttributeError, match=f"Value.{name} is read-only"):
        setattr(x * 2, name, ())
    assert out.parents == () and out.op == ""


def test_label_data_and_grad_stay_writable() -> None:
    v = Value(1.0) * 2
    v.label, v.data, v.grad = "y", 3.0, 0.5
    assert (v.label, v.data, v.grad) == ("y", 3.0, 0.5)


def test_equality_between_values_is_identity() -> None:
    a, b = Value(1.0), Value(1.0)
    assert (a == a, a != b, a == b, a != a) == (True, True, False, False)


def test_values_hash_by_identity_so_sets_dicts_and_lists_of_values_work() -> None:
    a, b = Value(1.0), Value(1.0)
    assert hash(a) != hash(b) and hash(a) == hash(a)
    assert len({a, b, a}) == 2
    assert {a: 1, b: 2}[a] == 1 and {a: 1}.get(b) is None
    assert a in [b, a] and b in (a, b) and Value(1.0) not in [a, b]
    assert [b, a].index(a) == 1 and [a, b, a].count(a) == 2
    assert (a * b).parents == (a, b)


def test_ordering_compares_the_data_and_returns_bools() -> None:
    a, b = Value(1.0), Value(2.0)
    assert (a < b, a <= 1, b > 1.5, b >= a, 2 > a) == (True, True, True, True, True)  # noqa: SIM300
    assert sorted([b, a]) == [a, b] and max(a, b) is b


def test_format_and_item_give_the_number() -> None:
    v = Value(2.0) / 3
    assert format(v, ".3f") == "0.667" and f"{v:.2f}" == "0.67" and "{:.1f}".format(v) == "0.7"  # noqa: UP032
    assert v.item() == v.data == 2.0 / 3


def test_create_graph_still_reads_numbers_in_local_derivatives() -> None:
    # POW's local derivative tests its operands' numbers (m.number(b) == 0): no float(v).
    x, y = Value(2.0), Value(3.0)
    (dx,) = engine.grad(x**y, [x], create_graph=True)
    assert dx.data == 12.0 and engine.grad(dx, [y])[0].data == pytest.approx(4 + 12 * math.log(2))
