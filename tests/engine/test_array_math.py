"""engine.codegen.array_math: each function, element by element, is its engine.ieee namesake.

Array code runs a batch's samples as the elements of an array, so each function here must
give, for every element, what :mod:`engine.ieee` gives for that float: the same ``inf`` and
``nan``, the same sign of zero, the same branch at the same point. Only the last bits may
differ where numpy's exp, log, tanh, sin, cos or pow round otherwise than the C library.
"""

import math
from collections.abc import Callable
from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from engine import ieee, ops
from engine.codegen import array_math

inf, nan = math.inf, math.nan
# numpy warns where a float would raise (1/0, log(-1)); here those are the cases to test.
pytestmark = pytest.mark.filterwarnings("ignore::RuntimeWarning")


def examples(share: float) -> settings:
    """``share`` of the profile's examples (tests/conftest.py), so each profile scales them."""
    return settings(max_examples=max(10, round(settings.default.max_examples * share)))


# Special points of the functions below: zeros of both signs, the kinks, where exp
# overflows (709.78...) and underflows (-745.1...), where tanh and the sigmoid saturate,
# softplus's threshold, the subnormals, the largest float, inf and nan.
SPECIAL = [
    *(0.0, -0.0, 1.0, -1.0, 0.5, -0.5, 2.0, 3.0, 20.0, -20.0, 40.0, 19.06154746539849),
    *(709.782712893384, 709.7827128933841, 710.0, -745.1332191019411, -745.2, 36.7, -36.8),
    *(1e-300, -1e-300, 5e-324, -5e-324, 2.2250738585072014e-308, 1e16, -1e16, 1e300),
    *(1.7976931348623157e308, -1.7976931348623157e308, math.pi, -math.pi, inf, -inf, nan),
]
FLOATS = st.one_of(st.floats(), st.floats(-50.0, 50.0), st.sampled_from(SPECIAL))
ROWS = st.lists(FLOATS, min_size=1, max_size=24)
EXPONENTS = st.one_of(
    FLOATS,
    st.sampled_from([0.0, -0.0, 1.0, 2.0, 3.0, -1.0, -2.0, -3.0, 0.5, -0.5, 1 / 3, 1023.0]),
    st.sampled_from([1024.0, 1075.0, -1075.0, 1e300, -1e300, inf, -inf, nan]),
)

ULPS = 4
"""How many units in the last place numpy may differ from the C library by: exp, log, ...;
division and the square root are correctly rounded in both, so they must be equal."""


def agrees(got: float, want: float, ulps: int) -> bool:
    """nan for nan, the same inf, the same zero (sign too); else within ``ulps`` ulps, same sign."""
    if math.isnan(want) or math.isnan(got):
        return math.isnan(want) and math.isnan(got)
    if math.isinf(want) or math.isinf(got) or want == 0.0:
        return got == want and math.copysign(1.0, got) == math.copysign(1.0, want)
    if math.copysign(1.0, got) != math.copysign(1.0, want):
        return False
    return abs(got - want) <= ulps * math.ulp(want)


def assert_elementwise(
    got: Any, want: list[float], ulps: int, inputs: list[tuple[float, ...]]
) -> None:
    values = np.asarray(got, dtype=float).ravel().tolist()
    assert len(values) == len(want)
    wrong = [
        (xs, g, w) for xs, g, w in zip(inputs, values, want, strict=True) if not agrees(g, w, ulps)
    ]
    assert not wrong, wrong


UNARY: dict[str, tuple[Callable[..., Any], Callable[..., float], int]] = {
    "exp": (array_math.exp, ieee.exp, ULPS),
    "log": (array_math.log, ieee.log, ULPS),
    "sqrt": (array_math.sqrt, ieee.sqrt, 0),
    "sin": (array_math.sin, ieee.sin, ULPS),
    "cos": (array_math.cos, ieee.cos, ULPS),
    "tanh": (array_math.tanh, ieee.tanh, ULPS),
    "sigmoid": (array_math.sigmoid, ieee.sigmoid, ULPS),
    "softplus": (array_math.softplus, ieee.softplus, ULPS),
    "sign": (array_math.sign, ieee.sign, 0),
    "number": (array_math.number, ieee.number, 0),
    "relu": (array_math.relu, ops.RELU.forward, 0),
}


def test_every_function_generated_array_code_may_call_is_here() -> None:
    tested = {*UNARY, "div", "pow", "logsumexp", "add_all", "dot", "dot_plus", "where"}
    assert tested >= array_math.NAMES


@pytest.mark.parametrize(
    ("yes", "no"), [(0.0, 1.0), (1.0, 0.0), (-0.0, 1.0), (1.0, -0.0), (0.5, -2.0), (0.0, 0.0)]
)
@examples(0.3)
@given(xs=ROWS)
def test_where_between_two_numbers_is_the_rules_conditional(
    yes: float, no: float, xs: list[float]
) -> None:
    # relu's derivative, 0.0 if x <= 0.0 else 1.0, takes a quicker path: the same numbers.
    want = [yes if x <= 0.0 else no for x in xs]
    got = array_math.where(np.array(xs) <= 0.0, yes, no)
    assert_elementwise(got, want, 0, [(x,) for x in xs])
    assert agrees(float(array_math.where(xs[0] <= 0.0, yes, no)), want[0], 0)


@pytest.mark.parametrize("name", sorted(UNARY))
@examples(0.3)
@given(xs=ROWS)
def test_each_unary_function_is_ieees_element_by_element(name: str, xs: list[float]) -> None:
    function, namesake, ulps = UNARY[name]
    want = [namesake(x) for x in xs]
    inputs = [(x,) for x in xs]
    assert_elementwise(function(np.array(xs)), want, ulps, inputs)
    # A layer's block: one row per neuron, one column per sample.
    if len(xs) % 2 == 0:
        assert_elementwise(function(np.array(xs).reshape(2, -1)), want, ulps, inputs)
    # A float where every sample has the same number.
    assert agrees(float(function(xs[0])), want[0], ulps), (xs[0], function(xs[0]), want[0])


@examples(0.3)
@given(
    xs=ROWS,
    beta=st.sampled_from([1.0, 2.0, 0.5, 3.0]),
    threshold=st.sampled_from([20.0, 1.0, 0.0, -1.0]),
)
def test_softplus_with_its_parameters_is_ieees(
    xs: list[float], beta: float, threshold: float
) -> None:
    want = [ieee.softplus(x, beta, threshold) for x in xs]
    got = array_math.softplus(np.array(xs), beta, threshold)
    assert_elementwise(got, want, ULPS, [(x, beta, threshold) for x in xs])


PAIRS = st.lists(st.tuples(FLOATS, EXPONENTS), min_size=1, max_size=24)


@examples(0.75)
@given(pairs=PAIRS)
def test_pow_is_c99s_pow_as_ieee_gives_it(pairs: list[tuple[float, float]]) -> None:
    xs, ys = (np.array(column) for column in zip(*pairs, strict=True))
    want = [ieee.pow(x, y) for x, y in pairs]
    assert_elementwise(array_math.pow(xs, ys), want, ULPS, pairs)
    # A constant exponent (x ** 2) or a constant base (2 ** x), as the code writes them.
    x0, y0 = pairs[0]
    assert_elementwise(array_math.pow(xs, y0), [ieee.pow(x, y0) for x, _ in pairs], ULPS, pairs)
    assert_elementwise(array_math.pow(x0, ys), [ieee.pow(x0, y) for _, y in pairs], ULPS, pairs)


@examples(0.75)
@given(pairs=st.lists(st.tuples(FLOATS, FLOATS), min_size=1, max_size=24))
def test_div_is_ieees_division_with_its_infinities_and_nans(
    pairs: list[tuple[float, float]],
) -> None:
    a, b = (np.array(column) for column in zip(*pairs, strict=True))
    want = [ieee.div(x, y) for x, y in pairs]
    assert_elementwise(array_math.div(a, b), want, 0, pairs)
    a0, b0 = pairs[0]
    assert_elementwise(array_math.div(a, b0), [ieee.div(x, b0) for x, _ in pairs], 0, pairs)
    assert_elementwise(array_math.div(a0, b), [ieee.div(a0, y) for _, y in pairs], 0, pairs)


def test_the_points_where_ieee_catches_an_error_give_its_numbers() -> None:
    cases: list[tuple[Callable[..., Any], Callable[..., float], tuple[float, ...]]] = [
        (array_math.div, ieee.div, (1.0, 0.0)),
        (array_math.div, ieee.div, (1.0, -0.0)),
        (array_math.div, ieee.div, (-1.0, 0.0)),
        (array_math.div, ieee.div, (0.0, 0.0)),
        (array_math.div, ieee.div, (nan, 0.0)),
        (array_math.div, ieee.div, (inf, -0.0)),
        (array_math.pow, ieee.pow, (0.0, -1.0)),
        (array_math.pow, ieee.pow, (-0.0, -1.0)),
        (array_math.pow, ieee.pow, (-0.0, -2.0)),
        (array_math.pow, ieee.pow, (-8.0, 1 / 3)),
        (array_math.pow, ieee.pow, (10.0, 400.0)),
        (array_math.pow, ieee.pow, (-10.0, 401.0)),
        (array_math.pow, ieee.pow, (-10.0, 400.0)),
        (array_math.pow, ieee.pow, (0.0, -inf)),
        (array_math.pow, ieee.pow, (1.0, nan)),
        (array_math.pow, ieee.pow, (nan, 0.0)),
        (array_math.pow, ieee.pow, (-1.0, inf)),
        (array_math.exp, ieee.exp, (1000.0,)),
        (array_math.log, ieee.log, (0.0,)),
        (array_math.log, ieee.log, (-0.0,)),
        (array_math.log, ieee.log, (-1.0,)),
        (array_math.sqrt, ieee.sqrt, (-1.0,)),
        (array_math.sqrt, ieee.sqrt, (-0.0,)),
        (array_math.sin, ieee.sin, (inf,)),
        (array_math.cos, ieee.cos, (-inf,)),
        (array_math.sigmoid, ieee.sigmoid, (-1000.0,)),
        (array_math.sigmoid, ieee.sigmoid, (nan,)),
        (array_math.softplus, ieee.softplus, (1000.0,)),
        (array_math.sign, ieee.sign, (-0.0,)),
        (array_math.sign, ieee.sign, (nan,)),
    ]
    for function, namesake, args in cases:
        want = namesake(*args)
        got = function(*(np.array([x]) for x in args))
        assert_elementwise(got, [want], 0, [args])


# -- logsumexp: one row per operand, one column per sample ----------------------------------


def logsumexp_tolerance(column: list[float], want: float) -> float:
    """``top + log(sum(exp(x - top)))``: the sum adds in another order, so its log may move
    by a few 2**-53; the result, by a few ulps of ``top`` and of itself."""
    top = max(column)
    return ULPS * (math.ulp(top) + math.ulp(1.0) * len(column) + math.ulp(want))


@examples(0.75)
@given(
    columns=st.integers(1, 6).flatmap(
        lambda n: st.lists(st.lists(FLOATS, min_size=n, max_size=n), min_size=1, max_size=8)
    )
)
def test_logsumexp_of_rows_is_ops_logsumexp_of_each_column(columns: list[list[float]]) -> None:
    rows = [np.array(row) for row in zip(*columns, strict=True)]
    got = np.asarray(array_math.logsumexp(rows)).tolist()
    for column, value in zip(columns, got, strict=True):
        want = ops.LOGSUMEXP.forward(column)
        if not math.isfinite(want) or want == 0.0:
            assert agrees(value, want, 0), (column, value, want)
        else:
            assert abs(value - want) <= logsumexp_tolerance(column, want), (column, value, want)


def test_logsumexp_takes_floats_for_rows_that_are_the_same_in_every_sample() -> None:
    rows = [np.array([0.0, 1.0, -inf, 1000.0]), 2.0, np.array([nan, 1.0, -inf, 1000.0])]
    got = np.asarray(array_math.logsumexp(rows)).tolist()
    columns = [[0.0, 2.0, nan], [1.0, 2.0, 1.0], [-inf, 2.0, -inf], [1000.0, 2.0, 1000.0]]
    for column, value in zip(columns, got, strict=True):
        want = ops.LOGSUMEXP.forward(column)
        assert agrees(value, want, 0) or abs(value - want) <= logsumexp_tolerance(column, want)


def test_logsumexp_of_no_rows_is_minus_inf_as_an_empty_sum_is() -> None:
    assert array_math.logsumexp([]) == -inf == ops.LOGSUMEXP.forward([])


# -- the n-ary sums, and the helpers array code calls ---------------------------------------


@examples(0.3)
@given(columns=st.lists(st.lists(FLOATS, min_size=4, max_size=4), min_size=1, max_size=7))
def test_add_all_and_dot_on_rows_add_each_column_as_ops_does(columns: list[list[float]]) -> None:
    rows = [np.array(row) for row in zip(*columns, strict=True)]
    for name, function in (("add_all", array_math.add_all), ("dot", array_math.dot)):
        want = [getattr(ops, name)(column) for column in columns]
        # The same additions in the same order, column by column: the same bits.
        assert_elementwise(function(rows), want, 0, [tuple(c) for c in columns])
    if len(rows) % 2 == 1:
        want = [ops.dot_plus(column) for column in columns]
        assert_elementwise(array_math.dot_plus(rows), want, 0, [tuple(c) for c in columns])


def test_per_sample_full_and_rows_give_one_number_per_sample() -> None:
    assert array_math.per_sample(2.0, 3).tolist() == [2.0, 2.0, 2.0]
    assert array_math.per_sample(np.array([1.0, 2.0]), 2).tolist() == [1.0, 2.0]
    assert array_math.full(2, -0.0).tolist() == [-0.0, -0.0]
    assert math.copysign(1.0, array_math.full(2, -0.0)[1]) == -1.0
    assert array_math.rows([1.0, np.array([2.0, 3.0])], 2).tolist() == [[1.0, 1.0], [2.0, 3.0]]


def test_each_runs_a_float_function_sample_by_sample() -> None:
    got = array_math.each(lambda a, b: a * 10.0 + b, 3, np.array([1.0, 2.0, 3.0]), 0.5)
    assert got.tolist() == [10.5, 20.5, 30.5]
    got = array_math.each_n(lambda xs: max(xs), 2, [np.array([1.0, 5.0]), 3.0])
    assert got.tolist() == [3.0, 5.0]


def test_watched_reads_one_sample_or_a_whole_number() -> None:
    got = array_math.watched([(0, 1), (1, -1), (0, 0)], [np.array([1.0, 2.0]), 7.5])
    assert got == [2.0, 7.5, 1.0]
    assert all(type(x) is float for x in got)
