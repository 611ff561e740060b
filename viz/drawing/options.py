"""The checks of a picture's options, one per option, shared by the Python API and the command line.

Each check returns its value (as the picture uses it) or raises a ValueError saying
what is allowed; the caller names the argument and the value it got: ``draw_dot``
as ``draw_dot: font_size must be ..., got 1e9``, the command line as
``argument --font-size: must be ..., got '1e9'``. So a value the command line
refuses, Python refuses too, before Graphviz sees it.
"""

import math
import re
from collections.abc import Callable
from typing import TypeVar

from viz.drawing.text import shorten

T = TypeVar("T")

QUOTE_LENGTH = 60
"""The most characters of a value an error message quotes; a longer one is shortened."""
FONT_SIZES = (1, 200)
"""The smallest and largest font size, in points (Graphviz's minimum is 1)."""
DPIS = (10, 2400)
"""The lowest and highest resolution of a PNG, in dots per inch."""
_FORMAT_LENGTH = 20
_FORMAT_NUMBER = 50  # a width or precision above it makes labels that Graphviz cannot hold


def quoted(value: object) -> str:
    """``repr(value)`` for an error message, shortened to ``QUOTE_LENGTH`` characters."""
    return shorten(repr(value), QUOTE_LENGTH)


def checked(caller: str, name: str, check: Callable[[object], T], value: object) -> T:
    """``check(value)``, or a ValueError that names ``caller``, the argument and the value."""
    try:
        return check(value)
    except ValueError as e:
        raise ValueError(f"{caller}: {name} {e}, got {quoted(value)}") from None


def check_number_format(value: object) -> str:
    """A float format spec such as ``.4f``, with no width or precision above 50."""
    example = "such as '.4f' or '.3g'"
    if not isinstance(value, str):
        raise ValueError(f"must be a float format spec (a str) {example}")
    if len(value) > _FORMAT_LENGTH or any(
        int(n) > _FORMAT_NUMBER for n in re.findall(r"\d+", value)
    ):
        raise ValueError(
            f"must be a float format spec {example}, its width and precision at most "
            f"{_FORMAT_NUMBER}"
        )
    try:
        format(1.5, value)
    except (TypeError, ValueError):
        raise ValueError(f"must be a float format spec {example}") from None
    return value


def check_font_size(value: object) -> float:
    """A font size in points, from 1 to 200."""
    low, high = FONT_SIZES
    if (
        isinstance(value, bool)
        or not isinstance(value, int | float)
        or not math.isfinite(value)
        or not low <= value <= high
    ):
        raise ValueError(f"must be a positive number of points, from {low} to {high}")
    return float(value)


def check_dpi(value: object) -> int:
    """A PNG's resolution in dots per inch: an int from 10 to 2400."""
    low, high = DPIS
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise ValueError(f"must be an int from {low} to {high}")
    return value
