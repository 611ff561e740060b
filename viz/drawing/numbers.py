"""Numbers for people: short, and, in a printed sum of products, arithmetic that holds.

The backward-pass explorer prints chain-rule sums such as
``dL/dx = 2 · 0.001337 + 0.5 · -3 = 0.002674 + -1.5 = -1.497``. Printing each number with a fixed
four decimals gives ``2.0000 · 0.0013 = 0.0027``, which reads as wrong arithmetic.
``sum_of_products`` shows the whole equation with one precision, the fewest significant
digits from ``digits`` to ``digits + EXTRA_DIGITS`` at which the arithmetic holds:

- each shown product is the exact product of its shown factors, to within half a
  unit of the product's last shown digit;
- the shown total is the exact sum of the shown products, to within half a unit of
  the total's last shown digit.

With floats it can fail at every precision, 17 included. Rounded factors need not multiply to the
rounded product at any precision below 17 (``1.7133543748917308 · 3.0677683026425275``),
and at 17 the engine's product is the float nearest the exact product, not the exact
product (``0.1 * 3`` is ``0.30000000000000004``); a sum whose terms cancel has a total far
smaller than its terms, whose digits the terms' shown digits cannot reach
(``1.2345678901234567 + -1.2345``). The more terms, the likelier: one precision must suit
every one of them. Then the strings at ``digits`` come back with ``exact`` False, and the
caller writes ``≈`` instead of ``=``: rounded numbers, honestly shown as rounded.

Examples:
    >>> sum_of_products([(2.0, 0.0013372)], [2.0 * 0.0013372], 2.0 * 0.0013372)
    Equation(factors=[('2', '0.001337')], products=['0.002674'], total='0.002674', exact=True)
    >>> pairs = [(1.0, 1.2345678901234567), (1.0, -1.2345)]
    >>> rounded = sum_of_products(pairs, [u * v for u, v in pairs], 1.2345678901234567 - 1.2345)
    >>> rounded.products, rounded.total, rounded.exact  # 1.235 + -1.234 ≈ 0.00006789
    (['1.235', '-1.234'], '0.00006789', False)
    >>> number(0.70710678)
    '0.7071'
"""

import math
from collections.abc import Sequence
from decimal import Decimal
from fractions import Fraction
from typing import NamedTuple

MAX_DIGITS = 17
"""The most significant digits shown: 17 tell any two floats apart."""

EXTRA_DIGITS = 4
"""How many digits beyond ``digits`` ``sum_of_products`` may add to make its arithmetic hold."""

_POSITIONAL = (1e-6, 1e15)
"""Magnitudes written without an exponent: 0.000001 up to, not including, 1e15."""


class Equation(NamedTuple):
    """A sum of products as shown: ``factors[i][0] · factors[i][1]`` is ``products[i]``.

    The products add up to ``total``. ``exact`` tells whether the shown arithmetic holds
    (write ``=``) or the numbers are only rounded and do not add up at their precision
    (write ``≈``).
    """

    factors: list[tuple[str, str]]
    products: list[str]
    total: str
    exact: bool


def number(x: float, digits: int = 4) -> str:
    """Return ``x`` with ``digits`` significant digits and no trailing zeros: 0.5, -3, 1235.

    Exponents appear only outside [1e-6, 1e15) (``1.234e-07``); zero and minus zero
    are ``0``; nan and infinities are ``nan``, ``inf`` and ``-inf``.
    """
    _check_digits("number", digits)
    return _show(x, digits)


def sum_of_products(
    pairs: Sequence[tuple[float, float]],
    products: Sequence[float],
    total: float,
    *,
    digits: int = 4,
) -> Equation:
    """Format a sum of products for display so that its printed arithmetic holds, if it can.

    ``pairs[i]`` is ``(upstream, local)``, ``products[i]`` their float product and
    ``total`` the float sum of the products added left to right from 0.0. Returns the
    shown factors, products and total, all with one precision: the first from ``digits``
    to ``digits + EXTRA_DIGITS`` (at most 17) at which the arithmetic holds (see the
    module's doc; parts with nan or inf are not checked), with ``exact`` True; or, if
    none does, the strings at ``digits`` with ``exact`` False, for the caller to write ``≈``.
    """
    _check_digits("sum_of_products", digits)
    if len(pairs) != len(products):
        raise ValueError(
            f"sum_of_products: pairs and products must have the same length, "
            f"got {len(pairs)} pairs and {len(products)} products"
        )
    for p in range(digits, min(digits + EXTRA_DIGITS, MAX_DIGITS) + 1):
        factors, shown_products, shown_total = _shown(pairs, products, total, p)
        if _holds(factors, shown_products, shown_total):
            return Equation(factors, shown_products, shown_total, exact=True)
    # More digits would be unreadable, and may not help: show `digits`, marked as rounded.
    return Equation(*_shown(pairs, products, total, digits), exact=False)


def _shown(
    pairs: Sequence[tuple[float, float]], products: Sequence[float], total: float, p: int
) -> tuple[list[tuple[str, str]], list[str], str]:
    factors = [(_show(upstream, p), _show(local, p)) for upstream, local in pairs]
    return factors, [_show(product, p) for product in products], _show(total, p)


def _check_digits(caller: str, digits: int) -> None:
    if isinstance(digits, bool) or not isinstance(digits, int) or not 1 <= digits <= MAX_DIGITS:
        raise ValueError(f"{caller}: digits must be an int from 1 to {MAX_DIGITS}, got {digits!r}")


def _show(x: float, p: int) -> str:
    if math.isnan(x):
        return "nan"
    if math.isinf(x):
        return "inf" if x > 0 else "-inf"
    if x == 0:
        return "0"  # minus zero too: "-0" would only puzzle a reader
    rounded = f"{x:.{p - 1}e}"  # p significant digits, correctly rounded
    if _POSITIONAL[0] <= abs(x) < _POSITIONAL[1]:
        return _strip(format(Decimal(rounded), "f"))
    mantissa, exponent = rounded.split("e")
    return f"{_strip(mantissa)}e{exponent}"


def _strip(text: str) -> str:
    """Drop zeros after the decimal point, and the point if nothing follows it."""
    return text.rstrip("0").rstrip(".") if "." in text else text


def _holds(factors: list[tuple[str, str]], products: list[str], total: str) -> bool:
    for (upstream, local), product in zip(factors, products, strict=True):
        if all(map(_finite, (upstream, local, product))) and not _near(
            _exact(upstream) * _exact(local), product
        ):
            return False
    if not all(map(_finite, [*products, total])):
        return True
    return _near(sum(map(_exact, products), Fraction(0)), total)


def _finite(shown: str) -> bool:
    return shown not in ("nan", "inf", "-inf")


def _exact(shown: str) -> Fraction:
    return Fraction(Decimal(shown))


def _near(value: Fraction, shown: str) -> bool:
    """Whether ``value`` is within half a unit of the last digit of ``shown``."""
    exponent = Decimal(shown).as_tuple().exponent
    assert isinstance(exponent, int)  # only nan and inf have another; _finite kept them out
    return abs(value - _exact(shown)) * 2 <= Fraction(10) ** exponent
