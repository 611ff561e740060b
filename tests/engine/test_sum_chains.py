"""engine.compile on chains of binary + (Python's sum): one sum in the code, the engine's bits.

The code adds a chain's terms in one call, left to right as the chain does. The engine's
backward pass gives each term its gradient when it reaches that term's link, and a node
that other nodes also read adds those gradients up in reverse topological order: the code
must add them in that same order, or the last bits of the gradients differ.
"""

import math
from collections.abc import Callable

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

import engine
from engine import Value


def examples(share: float) -> settings:
    """``share`` of the profile's examples (tests/conftest.py), so each profile scales them."""
    return settings(max_examples=max(10, round(settings.default.max_examples * share)))


TERMS: dict[str, Callable[[Value], Value]] = {
    "x": lambda x: x,
    "x*x": lambda x: x * x,
    "tanh": Value.tanh,
    "x*3": lambda x: x * 3.0,
    "exp": Value.exp,
}


def engine_numbers(f: Callable[[Value], Value], x: float) -> tuple[float, list[float]]:
    v = Value(x)
    out = f(v)
    out.backward()
    return out.data, [v.grad]


def compiled_numbers(
    f: Callable[[Value], Value], x: float, backend: str = "python"
) -> tuple[float, list[float]]:
    v = Value(x)
    return engine.compile(f(v), [v], backend=backend)([x])


def same_bits(got: tuple[float, list[float]], expected: tuple[float, list[float]]) -> bool:
    pairs = [(got[0], expected[0]), *zip(got[1], expected[1], strict=True)]
    return all(a == b or (math.isnan(a) and math.isnan(b)) for a, b in pairs)


@examples(0.5)
@given(
    x=st.floats(-3.0, 3.0),
    names=st.lists(st.sampled_from(sorted(TERMS)), min_size=2, max_size=5),
)
@example(x=0.25891675029296335, names=["x", "x*x"])
def test_a_chain_whose_terms_read_the_same_input_gives_the_engines_bits(
    x: float, names: list[str]
) -> None:
    # sum([x, x * x]): the engine adds x's gradient from x * x first, then the chain's.
    def f(v: Value) -> Value:
        h = v * 1.0  # a node the terms share, as an input's gradient is shared
        return sum([TERMS[name](h) for name in names])  # type: ignore[return-value]

    assert same_bits(compiled_numbers(f, x), engine_numbers(f, x))


def test_an_input_that_is_a_chain_term_and_read_after_it_gets_the_engines_bits() -> None:
    def f(v: Value) -> Value:
        return sum([v, v * v])  # type: ignore[return-value]

    x = 0.25891675029296335
    assert engine_numbers(f, x) == (f(Value(x)).data, [1.5178335005859267])
    assert same_bits(compiled_numbers(f, x), engine_numbers(f, x))


CS = [0.1, 0.3, 0.7, 1.1, 1.3]


def input_before_the_pieces(p: Value) -> Value:
    return sum([p, *[(p * c).tanh() for c in CS]])  # type: ignore[return-value]


def term_after_the_pieces(p: Value) -> Value:
    return sum([(p * c).tanh() for c in CS]) + p * p


@pytest.mark.parametrize("f", [input_before_the_pieces, term_after_the_pieces])
def test_a_term_beside_the_pieces_of_a_chain_repeat_gets_the_engines_bits(
    f: Callable[[Value], Value],
) -> None:
    # The pieces run as a loop; the term beside them reads the same input, whose
    # gradient the engine adds up in the order of the chain's links.
    for x in (0.37, 0.1, 0.55, 1.7, 2.9):
        assert same_bits(compiled_numbers(f, x), engine_numbers(f, x)), x


def right_sum(terms: list[Value]) -> Value:
    """``t0 + (t1 + (... + tn))``, as a recursive sum builds it."""
    return terms[0] if len(terms) == 1 else terms[0] + right_sum(terms[1:])


def recursive_sum_of_pieces(p: Value) -> Value:
    return right_sum([(p * c).tanh() for c in CS])


def test_a_recursive_sum_of_pieces_passes_their_gradients_back_in_the_engines_order() -> None:
    # The engine reaches the last term's piece first; so must the loop over the pieces.
    f = recursive_sum_of_pieces
    assert same_bits(compiled_numbers(f, 0.37), engine_numbers(f, 0.37))
    for x in (0.1, 0.55, 1.7, 2.9):
        assert same_bits(compiled_numbers(f, x), engine_numbers(f, x)), x


def per_sample_constant_in_a_chain(w: Value) -> Value:
    # Each piece is w + (x + 1.0): a chain of two + whose inner link is a constant
    # that differs from sample to sample.
    return engine.sum([w + (Value(x) + 1.0) for x in [1.0, 2.0, 3.0, 4.0]])


@pytest.mark.parametrize("backend", ["python", "numpy"])
def test_a_chain_inside_the_piece_reads_each_samples_own_constants(backend: str) -> None:
    f = per_sample_constant_in_a_chain
    assert engine_numbers(f, 1.0) == (18.0, [4.0])
    assert compiled_numbers(f, 1.0, backend) == (18.0, [4.0])
    assert compiled_numbers(f, -2.5, backend) == engine_numbers(f, -2.5)
