"""viz.drawing.numbers: short numbers, and printed sums of products whose arithmetic holds."""

import math
from collections.abc import Sequence
from decimal import ROUND_HALF_EVEN, Context, Decimal, Inexact, localcontext

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from viz.drawing.numbers import EXTRA_DIGITS, MAX_DIGITS, Equation, number, sum_of_products

# The shown factors, products and total, without the verdict.
Shown = tuple[list[tuple[str, str]], list[str], str]

# Wide enough that no product or sum of shown numbers is ever rounded: Inexact would raise.
EXACT = Context(prec=5000, Emin=-100_000, Emax=100_000, traps=[Inexact])
NOT_FINITE = ("nan", "inf", "-inf")


def within_half_unit(value: Decimal, shown: str) -> bool:
    """Whether ``value`` rounds to ``shown`` at the place of ``shown``'s last digit."""
    target = Decimal(shown)
    exponent = target.as_tuple().exponent
    assert isinstance(exponent, int)
    with localcontext(EXACT):
        return abs(value - target) <= Decimal(5).scaleb(exponent - 1)


def arithmetic_holds(shown: Shown) -> bool:
    """The rule, checked on the shown strings alone with exact decimal arithmetic."""
    factors, products, total = shown
    with localcontext(EXACT):
        for (upstream, local), product in zip(factors, products, strict=True):
            if any_not_finite(upstream, local, product):
                continue
            if not within_half_unit(Decimal(upstream) * Decimal(local), product):
                return False
        if any_not_finite(total, *products):
            return True
        return within_half_unit(sum((Decimal(p) for p in products), Decimal(0)), total)


def any_not_finite(*shown: str) -> bool:
    return any(s in NOT_FINITE for s in shown)


def engine_sum(pairs: Sequence[tuple[float, float]]) -> tuple[list[float], float]:
    """The products and their total as the engine computes them: in float, left to right."""
    products = [upstream * local for upstream, local in pairs]
    total = 0.0
    for product in products:
        total += product
    return products, total


def shown_at(pairs: Sequence[tuple[float, float]], p: int) -> Shown:
    products, total = engine_sum(pairs)
    factors = [(number(u, p), number(v, p)) for u, v in pairs]
    return factors, [number(c, p) for c in products], number(total, p)


# Mantissas in [1, 10) times powers of ten from 1e-9 to 1e9, the sizes gradients have, plus
# easy numbers, zeros, any finite float (overflow, underflow) and, rarely, nan and inf.
magnitudes = st.builds(
    lambda sign, mantissa, exponent: sign * mantissa * 10.0**exponent,
    st.sampled_from([1.0, -1.0]),
    st.floats(1.0, 10.0, exclude_max=True),
    st.integers(-9, 9),
)
reals = st.one_of(
    magnitudes,
    st.sampled_from([0.0, -0.0, 1.0, 2.0, 0.5, -3.0, 0.1, 0.25, 1e-3]),
    st.floats(allow_nan=False, allow_infinity=False),
    st.sampled_from([math.nan, math.inf, -math.inf]),
)
pair_lists = st.lists(st.tuples(reals, reals), min_size=1, max_size=5)

# A sum of 5 readable terms whose total, 0.72, is smaller than its largest term, 1.617: the
# terms' rounding errors add up to more than half a unit of the total's last digit at every
# precision from 4 to 8 digits; only at 9 does the arithmetic hold.
FIVE_TERMS = [(1.92, -0.4647), (1.88, 0.313), (1.31, 1.234474), (0.98, 0.18), (-1.39, 0.5537)]


@given(pairs=pair_lists, digits=st.one_of(st.integers(1, 6), st.integers(1, MAX_DIGITS)))
@example(pairs=[(2.0, 0.0013372)], digits=4)
@example(pairs=[(1.0, 1.23456), (1.0, -1.23455)], digits=4)
@example(pairs=[(1.7133543748917308, 3.0677683026425275)], digits=4)
@example(pairs=FIVE_TERMS, digits=4)
@example(pairs=FIVE_TERMS, digits=5)
@example(pairs=[(1.7133543748917308, 3.0677683026425275)], digits=MAX_DIGITS)
def test_the_shown_arithmetic_holds_with_the_fewest_digits_that_allow_it_or_is_marked_inexact(
    pairs: list[tuple[float, float]], digits: int
) -> None:
    products, total = engine_sum(pairs)
    equation = sum_of_products(pairs, products, total, digits=digits)
    assert isinstance(equation, Equation)
    assert isinstance(equation.exact, bool)
    shown = (equation.factors, equation.products, equation.total)
    tried = range(digits, min(digits + EXTRA_DIGITS, MAX_DIGITS) + 1)
    holding = [p for p in tried if arithmetic_holds(shown_at(pairs, p))]
    if equation.exact:
        # The strings at the fewest digits that hold: one precision for the whole equation.
        assert holding, f"{equation} is marked exact, but no precision in {tried} holds"
        assert shown == shown_at(pairs, holding[0])
        assert arithmetic_holds(shown)
    else:
        # Nothing holds in reach: the strings at `digits`, for the explorer to print with ≈.
        assert not holding, f"{equation} is marked inexact, but {holding[0]} digits hold"
        assert shown == shown_at(pairs, digits)


@given(x=st.one_of(magnitudes, st.floats(allow_nan=False, allow_infinity=False)))
@example(x=9.9996)  # rounds up into the next power of ten
@example(x=999999999999999.9)  # just below 1e15: still no exponent
@example(x=5e-324)
def test_number_rounds_to_significant_digits_and_drops_trailing_zeros(x: float) -> None:
    for digits in (1, 4, 17):
        text = number(x, digits)
        if x == 0:
            assert text == "0"
            continue
        rounded = Context(prec=digits, rounding=ROUND_HALF_EVEN).plus(Decimal(x))
        assert Decimal(text) == rounded
        mantissa = text.split("e")[0]
        assert "." not in mantissa or not mantissa.endswith(("0", "."))
        assert ("e" in text) == (not 1e-6 <= abs(x) < 1e15)


@pytest.mark.parametrize(
    ("x", "shown"),
    [
        (2.0, "2"),
        (0.5, "0.5"),
        (0.0013372, "0.001337"),
        (-3.0, "-3"),
        (1234.5678, "1235"),
        (0.70710678, "0.7071"),
        (0.0, "0"),
        (-0.0, "0"),
        (math.nan, "nan"),
        (math.inf, "inf"),
        (-math.inf, "-inf"),
        (1e-6, "0.000001"),
        (9.99e-7, "9.99e-07"),
        (1.234e-7, "1.234e-07"),
        (123456789.0, "123500000"),
        (1e15, "1e+15"),
        (1.2345e20, "1.234e+20"),
        (-2.5e-30, "-2.5e-30"),
    ],
)
def test_number_shows_a_value_briefly(x: float, shown: str) -> None:
    assert number(x) == shown


def test_the_issue_case_is_not_printed_as_wrong_arithmetic() -> None:
    # '.4f' printed 2.0000 · 0.0013 = 0.0027; 0.0013 · 2 is 0.0026.
    equation = sum_of_products([(2.0, 0.0013372)], [2.0 * 0.0013372], 0.0026744)
    assert equation == Equation([("2", "0.001337")], ["0.002674"], "0.002674", exact=True)


def test_more_digits_are_shown_when_the_total_needs_them() -> None:
    pairs = [(2.0, 0.0013372), (1.0, 0.0013372)]
    # At 4 digits: 0.002674 + 0.001337 = 0.004011, but the total rounds to 0.004012.
    assert sum_of_products(pairs, *engine_sum(pairs)) == Equation(
        [("2", "0.0013372"), ("1", "0.0013372")],
        ["0.0026744", "0.0013372"],
        "0.0040116",
        exact=True,
    )


def test_a_cancelling_sum_shows_the_digits_its_small_total_needs() -> None:
    pairs = [(1.0, 1.23456), (1.0, -1.23455)]
    _, products, total, exact = sum_of_products(pairs, *engine_sum(pairs))
    assert products == ["1.23456", "-1.23455"]
    assert total == "0.00001"
    assert exact


def test_easy_numbers_keep_their_short_form() -> None:
    equation = sum_of_products([(0.5, -3.0)], [-1.5], -1.5)
    assert equation == Equation([("0.5", "-3")], ["-1.5"], "-1.5", exact=True)


def test_zeros_and_minus_zero_show_as_0() -> None:
    pairs = [(0.0, 5.0), (-0.0, 3.0), (-1.0, 0.0)]
    factors, products, total, exact = sum_of_products(pairs, *engine_sum(pairs))
    assert factors == [("0", "5"), ("0", "3"), ("-1", "0")]
    assert products == ["0", "0", "0"]
    assert total == "0"
    assert exact


def test_nan_and_inf_show_and_skip_only_the_check_of_their_parts() -> None:
    pairs = [(math.inf, 0.0), (math.inf, 2.0), (2.0, 0.0013372)]
    factors, products, total, exact = sum_of_products(pairs, *engine_sum(pairs))
    assert factors[:2] == [("inf", "0"), ("inf", "2")]
    assert products == ["nan", "inf", "0.002674"]  # the finite product still holds at 4 digits
    assert total == "nan"
    assert exact


def test_large_and_tiny_magnitudes_use_a_compact_exponent() -> None:
    pairs = [(1e20, 3.0), (1e-7, 2.5e-8)]
    assert sum_of_products(pairs, *engine_sum(pairs)) == Equation(
        [("1e+20", "3"), ("1e-07", "2.5e-08")],
        ["3e+20", "2.5e-15"],
        "3e+20",
        exact=True,
    )


def test_a_product_rounded_in_float_can_hold_at_few_digits_but_not_at_17() -> None:
    # 0.1 * 3 is 0.30000000000000004 in float, while the exact product of the 17-digit
    # strings is 0.30000000000000003: at 17 digits the arithmetic is off; at 4 it holds.
    assert not arithmetic_holds(shown_at([(0.1, 3.0)], 17))
    equation = sum_of_products([(0.1, 3.0)], [0.1 * 3.0], 0.1 * 3.0)
    assert equation == Equation([("0.1", "3")], ["0.3"], "0.3", exact=True)


@pytest.mark.parametrize(
    "pairs",
    [
        [(1.7133543748917308, 3.0677683026425275)],  # off by a hair from 4 to 17 digits
        [(1.0, 1.2345678901234567), (1.0, -1.2345)],  # the total is 20,000 times smaller
    ],
)
def test_when_no_precision_holds_the_strings_at_digits_come_back_marked_inexact(
    pairs: list[tuple[float, float]],
) -> None:
    # Not even 17 digits would do: more digits than `digits + EXTRA_DIGITS` would not help.
    assert not any(arithmetic_holds(shown_at(pairs, p)) for p in range(4, MAX_DIGITS + 1))
    for digits in (4, 13, MAX_DIGITS):
        equation = sum_of_products(pairs, *engine_sum(pairs), digits=digits)
        assert equation == Equation(*shown_at(pairs, digits), exact=False)


def test_five_terms_that_hold_at_no_precision_in_reach_are_shown_at_digits() -> None:
    assert not any(
        arithmetic_holds(shown_at(FIVE_TERMS, p)) for p in range(4, 4 + EXTRA_DIGITS + 1)
    )
    equation = sum_of_products(FIVE_TERMS, *engine_sum(FIVE_TERMS))
    assert equation.exact is False
    assert equation == Equation(
        [
            ("1.92", "-0.4647"),
            ("1.88", "0.313"),
            ("1.31", "1.234"),
            ("0.98", "0.18"),
            ("-1.39", "0.5537"),
        ],
        ["-0.8922", "0.5884", "1.617", "0.1764", "-0.7696"],
        "0.7201",  # the shown products add up to 0.72
        exact=False,
    )
    # Every string is its number at 4 significant digits, trailing zeros dropped.
    products, total = engine_sum(FIVE_TERMS)
    assert equation.factors == [(number(u, 4), number(v, 4)) for u, v in FIVE_TERMS]
    assert equation.products == [number(c, 4) for c in products]
    assert equation.total == number(total, 4)
    assert all(len(Decimal(s).as_tuple().digits) == 4 for s in [*equation.products, equation.total])
    # One digit more than EXTRA_DIGITS allows would hold: from 5 digits, 9 are in reach.
    assert arithmetic_holds(shown_at(FIVE_TERMS, 9))
    wider = sum_of_products(FIVE_TERMS, *engine_sum(FIVE_TERMS), digits=5)
    assert wider.exact
    assert wider.total == "0.72013394"


@pytest.mark.parametrize("digits", [0, 18, -1, 4.0, "4", True, None])
def test_digits_must_be_an_int_from_1_to_17(digits: object) -> None:
    with pytest.raises(ValueError, match=r"number: digits must be an int from 1 to 17"):
        number(1.0, digits)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match=r"sum_of_products: digits must be an int from 1 to 17"):
        sum_of_products([(1.0, 1.0)], [1.0], 1.0, digits=digits)  # type: ignore[arg-type]


def test_pairs_and_products_must_have_the_same_length() -> None:
    with pytest.raises(ValueError, match=r"same length, got 2 pairs and 1 products"):
        sum_of_products([(1.0, 2.0), (3.0, 4.0)], [2.0], 2.0)
