"""engine.codegen.array_math: each function, element by element, is its engine.float_math namesake.

Array code runs a batch's samples as the elements of an array, so each function here must
give, for every element, what :mod:`engine.float_math` gives for that float: the same ``inf`` and
``nan``, the same sign of zero, the same branch at the same point. Only the last bits may
differ where numpy's exp, log, tanh, sin, cos or pow round otherwise than the C library.
"""

import itertools
import math
import struct
from collections.abc import Callable
from typing import Any

import numpy as np
import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from engine import float_math, ops
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


# The functions numpy computes exactly as the C library does; the others may differ in the
# last bits, where numpy's exp or tanh rounds otherwise.
EXACT = {"sqrt", "sign", "number", "relu", "neg", "abs", "leaky_relu", "add", "sub", "mul", "div"}
# A parameter a row's forward rule has no default for, as a neuron of nn would use it.
PARAMETERS = {"leaky_relu": (0.01,)}


def row_functions(arity: int) -> dict[str, tuple[Callable[..., Any], Callable[..., float], int]]:
    """Each row of the table with ``arity`` operands: its array function and its forward rule."""
    return {
        op.function: (
            getattr(array_math, op.function),
            op.forward,
            0 if op.function in EXACT else ULPS,
        )
        for op in ops.TABLE
        if op.arity == arity and op.function != "pow"  # x ** c is pow(x, c): with the binary ones
    }


UNARY: dict[str, tuple[Callable[..., Any], Callable[..., float], int]] = {
    **row_functions(1),
    "sign": (array_math.sign, float_math.sign, 0),
    "number": (array_math.number, float_math.number, 0),
}


def with_parameters(name: str, function: Callable[..., Any]) -> Callable[..., Any]:
    return lambda x: function(x, *PARAMETERS.get(name, ()))


def test_every_function_generated_array_code_may_call_is_here() -> None:
    tested = {*UNARY, *BINARY, "logsumexp", "add_all", "dot", "dot_plus", "where"}
    assert tested >= array_math.NAMES
    assert {op.function for op in ops.TABLE} | set(float_math.NAMES) <= array_math.NAMES


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
    function, namesake = with_parameters(name, function), with_parameters(name, namesake)
    want = [namesake(x) for x in xs]
    inputs = [(x,) for x in xs]
    assert_elementwise(function(np.array(xs)), want, ulps, inputs)
    # A layer's block: one row per neuron, one column per sample.
    if len(xs) % 2 == 0:
        assert_elementwise(function(np.array(xs).reshape(2, -1)), want, ulps, inputs)
    # A float where every sample has the same number.
    assert agrees(float(function(xs[0])), want[0], ulps), (xs[0], function(xs[0]), want[0])


# Every special point, each with every other for div and pow: the cases a random draw
# may miss, all of them on every run.
GRID = [*SPECIAL, -2.0, -3.0, 1 / 3, -1.5, 1023.0, 1024.0, 1075.0, -1075.0, 2.0**53 - 1.0]
BINARY: dict[str, tuple[Callable[..., Any], Callable[..., float], int]] = {
    **row_functions(2),
    "pow": (array_math.pow, float_math.pow, ULPS),
}


@pytest.mark.parametrize("name", sorted(UNARY))
def test_each_unary_function_on_the_grid_of_special_points_is_ieees(name: str) -> None:
    function, namesake, ulps = UNARY[name]
    function, namesake = with_parameters(name, function), with_parameters(name, namesake)
    want = [namesake(x) for x in GRID]
    assert_elementwise(function(np.array(GRID)), want, ulps, [(x,) for x in GRID])


@pytest.mark.parametrize("name", sorted(BINARY))
def test_div_and_pow_on_the_grid_of_special_points_are_ieees(name: str) -> None:
    function, namesake, ulps = BINARY[name]
    pairs = list(itertools.product(GRID, GRID))
    a, b = (np.array(column) for column in zip(*pairs, strict=True))
    assert_elementwise(function(a, b), [namesake(x, y) for x, y in pairs], ulps, pairs)
    column = np.array(GRID)
    for c in GRID:
        # One operand the same in every sample: a float, or an array of one repeated
        # number (numpy's loops take shortcuts for those).
        for same in (c, np.broadcast_to(c, column.shape)):
            want = [namesake(x, c) for x in GRID]
            assert_elementwise(function(column, same), want, ulps, [(x, c) for x in GRID])
            want = [namesake(c, y) for y in GRID]
            assert_elementwise(function(same, column), want, ulps, [(c, y) for y in GRID])


@examples(0.3)
@given(
    xs=ROWS,
    beta=st.sampled_from([1.0, 2.0, 0.5, 3.0]),
    threshold=st.sampled_from([20.0, 1.0, 0.0, -1.0]),
)
def test_softplus_with_its_parameters_is_ieees(
    xs: list[float], beta: float, threshold: float
) -> None:
    want = [float_math.softplus(x, beta, threshold) for x in xs]
    got = array_math.softplus(np.array(xs), beta, threshold)
    assert_elementwise(got, want, ULPS, [(x, beta, threshold) for x in xs])


PAIRS = st.lists(st.tuples(FLOATS, EXPONENTS), min_size=1, max_size=24)


# Found by the thorough profile (issue 28): numpy's pow with one exponent, 0.5, for the
# whole array is its square root, -0.0 at -0.0 and nan at -inf.
@example(pairs=[(0.0, 0.5), (-0.0, 0.0)])
@example(pairs=[(-inf, 0.5), (-0.0, 1.0), (inf, 0.5), (nan, 0.5), (-1.0, 0.5)])
@examples(0.75)
@given(pairs=PAIRS)
def test_pow_is_c99s_pow_as_ieee_gives_it(pairs: list[tuple[float, float]]) -> None:
    xs, ys = (np.array(column) for column in zip(*pairs, strict=True))
    want = [float_math.pow(x, y) for x, y in pairs]
    assert_elementwise(array_math.pow(xs, ys), want, ULPS, pairs)
    # A constant exponent (x ** 2) or a constant base (2 ** x), as the code writes them;
    # and the exponent as an array of one repeated number, as a float per sample reads.
    x0, y0 = pairs[0]
    want_y0 = [float_math.pow(x, y0) for x, _ in pairs]
    assert_elementwise(array_math.pow(xs, y0), want_y0, ULPS, pairs)
    assert_elementwise(array_math.pow(xs, np.broadcast_to(y0, xs.shape)), want_y0, ULPS, pairs)
    assert_elementwise(
        array_math.pow(x0, ys), [float_math.pow(x0, y) for _, y in pairs], ULPS, pairs
    )


# C99's pow (Annex F.9.4.4), case by case: (x, y, the pow(x, y) the standard gives).
# numpy takes shortcuts for an exponent that is one number for a whole row (-1, 0, 0.5, 1
# and 2), so those exponents meet every special base.
C99_POW = [
    # pow(+-0, y): +-inf for an odd integer y < 0, +inf for any other y < 0, -inf included,
    *[(0.0, -1.0, inf), (-0.0, -1.0, -inf), (-0.0, -3.0, -inf), (0.0, -3.0, inf)],
    *[(0.0, -2.0, inf), (-0.0, -2.0, inf), (-0.0, -0.5, inf), (-0.0, -1e300, inf)],
    *[(0.0, -inf, inf), (-0.0, -inf, inf)],
    # +-0 for an odd integer y > 0, +0 for any other y > 0, inf included.
    *[(0.0, 1.0, 0.0), (-0.0, 1.0, -0.0), (-0.0, 3.0, -0.0), (0.0, 3.0, 0.0)],
    *[(-0.0, 2.0, 0.0), (-0.0, 0.5, 0.0), (0.0, 0.5, 0.0), (-0.0, 1 / 3, 0.0)],
    *[(-0.0, 1e300, 0.0), (-0.0, inf, 0.0), (0.0, inf, 0.0)],
    # pow(-1, +-inf) is 1; pow(1, y) is 1 for every y, nan too; pow(x, +-0) is 1 for every
    # x, nan too.
    *[(-1.0, inf, 1.0), (-1.0, -inf, 1.0), (1.0, nan, 1.0), (1.0, inf, 1.0), (1.0, -inf, 1.0)],
    *[(1.0, -0.5, 1.0), (1.0, 0.5, 1.0), (nan, 0.0, 1.0), (nan, -0.0, 1.0), (inf, 0.0, 1.0)],
    *[(-inf, -0.0, 1.0), (-0.0, 0.0, 1.0), (0.0, -0.0, 1.0), (-2.0, 0.0, 1.0)],
    # A finite x < 0 to a finite non-integer y is nan ...
    *[(-8.0, 1 / 3, nan), (-1.0, 0.5, nan), (-2.0, -0.5, nan), (-5e-324, 0.5, nan)],
    *[(-1e300, 2.5, nan), (-0.5, 1.5, nan)],
    # ... and to an integer y, signed by y's parity, down to -0.0 and out to -inf.
    *[(-2.0, 3.0, -8.0), (-2.0, 2.0, 4.0), (-2.0, -1.0, -0.5), (-0.5, -2.0, 4.0)],
    *[(-10.0, 401.0, -inf), (-10.0, 400.0, inf), (-10.0, -401.0, -0.0), (-10.0, -400.0, 0.0)],
    *[(-1e-300, 3.0, -0.0), (-1e-200, 2.0, 0.0), (-1e200, 2.0, inf), (-1e300, 3.0, -inf)],
    *[(-1.0, 1e300, 1.0), (-1.0, 2.0**53 - 1.0, -1.0), (-1.0, -1.0, -1.0), (-2.0, 1.0, -2.0)],
    # pow(x, -inf): +inf for |x| < 1, +0 for |x| > 1; pow(x, +inf): the other way round.
    *[(0.5, -inf, inf), (-0.5, -inf, inf), (5e-324, -inf, inf), (0.9999999999999999, -inf, inf)],
    *[(2.0, -inf, 0.0), (-2.0, -inf, 0.0), (1.0000000000000002, -inf, 0.0), (1e300, -inf, 0.0)],
    *[(0.5, inf, 0.0), (-0.5, inf, 0.0), (-5e-324, inf, 0.0), (0.9999999999999999, inf, 0.0)],
    *[(2.0, inf, inf), (-2.0, inf, inf), (-1.0000000000000002, inf, inf), (1e300, inf, inf)],
    # pow(-inf, y): -0 for an odd integer y < 0, +0 for any other y < 0; -inf for an odd
    # integer y > 0, +inf for any other y > 0.
    *[(-inf, -1.0, -0.0), (-inf, -3.0, -0.0), (-inf, -2.0, 0.0), (-inf, -0.5, 0.0)],
    *[(-inf, -inf, 0.0), (-inf, 1.0, -inf), (-inf, 3.0, -inf), (-inf, 2.0, inf)],
    *[(-inf, 0.5, inf), (-inf, 1 / 3, inf), (-inf, 1e300, inf), (-inf, inf, inf)],
    # pow(+inf, y): +0 for y < 0, +inf for y > 0.
    *[(inf, -1.0, 0.0), (inf, -0.5, 0.0), (inf, -inf, 0.0), (inf, 0.5, inf), (inf, 1.0, inf)],
    *[(inf, 2.0, inf), (inf, inf, inf)],
    # Any other nan in x or y gives nan.
    *[(nan, 1.0, nan), (nan, 0.5, nan), (nan, -1.0, nan), (nan, 2.0, nan), (nan, inf, nan)],
    *[(2.0, nan, nan), (-1.0, nan, nan), (0.0, nan, nan), (-0.0, nan, nan), (inf, nan, nan)],
    *[(-inf, nan, nan), (nan, nan, nan)],
    # Overflow and underflow: +inf and +0 for a positive x; and ordinary square roots.
    *[(10.0, 400.0, inf), (10.0, -400.0, 0.0), (2.0, 1024.0, inf), (1e200, 2.0, inf)],
    *[(1e-200, 2.0, 0.0), (0.25, 0.5, 0.5), (4.0, -0.5, 0.5)],
]


def bits(x: float) -> bytes | str:
    """The float's 64 bits, so that 0.0 and -0.0 differ; every nan is one "nan"."""
    return "nan" if math.isnan(x) else struct.pack("<d", x)


def pow_as_array_code_calls_it(x: float, y: float, samples: int) -> dict[str, Any]:
    """``array_math.pow(x, y)`` in each form array code may call it, one result per sample."""
    xs, ys = np.full(samples, x), np.full(samples, y)
    return {
        "arrays": array_math.pow(xs, ys),
        "a float exponent": array_math.pow(xs, y),
        "a broadcast exponent": array_math.pow(xs, np.broadcast_to(y, (samples,))),
        "one exponent per row": array_math.pow(np.full((2, samples), x), np.full((2, 1), y)),
        "a float base": array_math.pow(x, ys),
        "floats": array_math.pow(x, y),
    }


@pytest.mark.parametrize(("x", "y", "c99"), C99_POW, ids=[f"{x!r}**{y!r}" for x, y, _ in C99_POW])
def test_pow_gives_each_special_case_of_c99_bit_for_bit_as_ieee(
    x: float, y: float, c99: float
) -> None:
    want = float_math.pow(x, y)
    assert bits(want) == bits(c99), (want, c99)  # the reference itself follows the standard
    # One sample, then more than a vector register holds (numpy's loops end differently).
    for samples in (1, 37):
        for form, got in pow_as_array_code_calls_it(x, y, samples).items():
            values = np.asarray(got, dtype=float).ravel().tolist()
            assert [bits(v) for v in values] == [bits(want)] * len(values), (form, values, want)


@examples(0.75)
@given(pairs=st.lists(st.tuples(FLOATS, FLOATS), min_size=1, max_size=24))
def test_div_is_ieees_division_with_its_infinities_and_nans(
    pairs: list[tuple[float, float]],
) -> None:
    a, b = (np.array(column) for column in zip(*pairs, strict=True))
    want = [float_math.div(x, y) for x, y in pairs]
    assert_elementwise(array_math.div(a, b), want, 0, pairs)
    a0, b0 = pairs[0]
    assert_elementwise(array_math.div(a, b0), [float_math.div(x, b0) for x, _ in pairs], 0, pairs)
    assert_elementwise(array_math.div(a0, b), [float_math.div(a0, y) for _, y in pairs], 0, pairs)


def test_the_points_where_ieee_catches_an_error_give_its_numbers() -> None:
    cases: list[tuple[Callable[..., Any], Callable[..., float], tuple[float, ...]]] = [
        (array_math.div, float_math.div, (1.0, 0.0)),
        (array_math.div, float_math.div, (1.0, -0.0)),
        (array_math.div, float_math.div, (-1.0, 0.0)),
        (array_math.div, float_math.div, (0.0, 0.0)),
        (array_math.div, float_math.div, (nan, 0.0)),
        (array_math.div, float_math.div, (inf, -0.0)),
        (array_math.pow, float_math.pow, (0.0, -1.0)),
        (array_math.pow, float_math.pow, (-0.0, -1.0)),
        (array_math.pow, float_math.pow, (-0.0, -2.0)),
        (array_math.pow, float_math.pow, (-8.0, 1 / 3)),
        (array_math.pow, float_math.pow, (10.0, 400.0)),
        (array_math.pow, float_math.pow, (-10.0, 401.0)),
        (array_math.pow, float_math.pow, (-10.0, 400.0)),
        (array_math.pow, float_math.pow, (0.0, -inf)),
        (array_math.pow, float_math.pow, (1.0, nan)),
        (array_math.pow, float_math.pow, (nan, 0.0)),
        (array_math.pow, float_math.pow, (-1.0, inf)),
        (array_math.exp, float_math.exp, (1000.0,)),
        (array_math.log, float_math.log, (0.0,)),
        (array_math.log, float_math.log, (-0.0,)),
        (array_math.log, float_math.log, (-1.0,)),
        (array_math.sqrt, float_math.sqrt, (-1.0,)),
        (array_math.sqrt, float_math.sqrt, (-0.0,)),
        (array_math.sin, float_math.sin, (inf,)),
        (array_math.cos, float_math.cos, (-inf,)),
        (array_math.sigmoid, float_math.sigmoid, (-1000.0,)),
        (array_math.sigmoid, float_math.sigmoid, (nan,)),
        (array_math.softplus, float_math.softplus, (1000.0,)),
        (array_math.sign, float_math.sign, (-0.0,)),
        (array_math.sign, float_math.sign, (nan,)),
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
        want = [getattr(float_math, name)(column) for column in columns]
        # The same additions in the same order, column by column: the same bits.
        assert_elementwise(function(rows), want, 0, [tuple(c) for c in columns])
    if len(rows) % 2 == 1:
        want = [float_math.dot_plus(column) for column in columns]
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


@pytest.mark.parametrize("special", [math.inf, -math.inf, math.nan])
def test_matmul_keeps_the_nan_of_zero_times_a_special_number(special: float) -> None:
    # BLAS may skip a zero's products; IEEE arithmetic (and the engine) make 0 · inf nan.
    w = [[0.0, 1.0], [2.0, 3.0]]
    h = [[special, 1.0], [0.0, 2.0]]
    got = array_math.matmul(np.array(w), np.array(h))
    for i in range(2):
        for j in range(2):
            want = 0.0 + sum(w[i][k] * h[k][j] for k in range(2))  # the engine's dot
            assert got[i][j] == want or (math.isnan(got[i][j]) and math.isnan(want)), (i, j)
    vector = array_math.matmul(np.array([0.0, 1.0]), np.array([special, 0.0]))
    assert math.isnan(vector)  # 0 · special is nan, for inf and nan alike


@pytest.mark.parametrize("special", [math.inf, -math.inf, math.nan])
def test_all_finite_finds_an_inf_or_a_nan_anywhere(special: float) -> None:
    for shape in [(1,), (16,), (3, 5), (16, 100)]:
        x = np.arange(float(np.prod(shape))).reshape(shape) - 7.0
        assert array_math.all_finite(x) and array_math.all_finite(x.T)
        for at in [0, x.size // 2, x.size - 1]:
            y = x.copy()
            y.flat[at] = special
            assert not array_math.all_finite(y), (shape, at)
            assert not array_math.all_finite(y.T), (shape, at)  # a view, not contiguous
    assert not array_math.all_finite(np.array([math.inf, -math.inf]))  # no cancelling out


@given(st.lists(FLOATS, min_size=1, max_size=40))
def test_all_finite_says_true_only_of_finite_numbers(xs: list[float]) -> None:
    x = np.array(xs)
    if array_math.all_finite(x):
        assert all(math.isfinite(v) for v in xs)
    elif all(math.isfinite(v) and abs(v) < 1e150 for v in xs):
        pytest.fail(f"finite numbers that cannot overflow said to hold inf or nan: {xs}")


@pytest.mark.parametrize("special", [math.inf, -math.inf, math.nan])
def test_matmul_takes_the_callers_word_on_its_operands(special: float) -> None:
    w = np.array([[0.0, 1.0], [2.0, 3.0]])
    h = np.array([[special, 1.0], [0.0, 2.0]])
    want = [[0.0 + sum(w[i][k] * h[k][j] for k in range(2)) for j in range(2)] for i in range(2)]
    for finite in (None, False):  # tested here, or said to hold inf or nan: term by term
        got = array_math.matmul(w, h, finite).tolist()
        pairs = [
            (g, e) for gs, es in zip(got, want, strict=True) for g, e in zip(gs, es, strict=True)
        ]
        assert all(same(g, e) for g, e in pairs), got
    assert array_math.matmul(w, w, True).tolist() == (w @ w).tolist()  # finite: BLAS's @
    # A number that only overflows the test gives the same numbers the slow way.
    big = np.array([[1e200, 0.0], [0.0, 1.0]])
    assert not array_math.all_finite(big)
    assert array_math.matmul(big, w, False).tolist() == (big @ w).tolist()


def same(a: float, b: float) -> bool:
    return a == b or (math.isnan(a) and math.isnan(b))


def test_rows_copy_each_rows_numbers_fill_with_a_float_and_view_a_row_of_its_own() -> None:
    row = np.array([1.0, -0.0, math.inf])
    got = array_math.rows([row], 3)
    assert got.shape == (1, 3) and got.tolist() == [[1.0, -0.0, math.inf]]
    assert math.copysign(1.0, got[0][1]) == -1.0
    assert np.shares_memory(got, row)  # one row of its own: a view, nothing copied
    got = array_math.rows([2.5, row, np.float64(-1.0)], 3)
    assert got.tolist() == [[2.5, 2.5, 2.5], [1.0, -0.0, math.inf], [-1.0, -1.0, -1.0]]
    assert not np.shares_memory(got, row)
    assert array_math.rows([2.5], 3).tolist() == [[2.5, 2.5, 2.5]]  # a float fills its row
