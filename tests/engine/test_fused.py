"""engine.sum, engine.dot (with or without a bias), engine.logsumexp: one node for n terms."""

import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

import engine
from engine import Value
from tests.engine.reference import close

values = st.lists(st.floats(-5, 5, allow_nan=False), min_size=1, max_size=12)


@given(values)
def test_sum_is_one_node_whose_parents_are_the_terms(xs: list[float]) -> None:
    leaves = [Value(x) for x in xs]
    total = engine.sum(leaves)
    assert total.op == "sum" and total.parents == tuple(leaves)
    total.backward()
    assert all(leaf.grad == 1.0 for leaf in leaves)
    assert close(total.data, math.fsum(xs), rel=1e-12, abs_=1e-12)


@given(values, values)
def test_dot_is_one_node_whose_parents_are_the_2n_factors(ws: list[float], xs: list[float]) -> None:
    n = min(len(ws), len(xs))
    w = [Value(v) for v in ws[:n]]
    x = [Value(v) for v in xs[:n]]
    out = engine.dot(w, x)
    assert out.op == "dot" and out.parents == (*w, *x)
    out.backward()
    assert [v.grad for v in w] == xs[:n] and [v.grad for v in x] == ws[:n]
    chained = sum((a * b for a, b in zip(w, x, strict=True)), Value(0.0))
    assert close(out.data, chained.data, rel=1e-12, abs_=1e-12)


@given(values, values, st.floats(-5, 5), st.floats(-3, 3))
def test_dot_with_a_bias_is_one_node_and_adds_the_bias_last(
    ws: list[float], xs: list[float], bias: float, upstream: float
) -> None:
    n = min(len(ws), len(xs))
    w = [Value(v) for v in ws[:n]]
    x = [Value(v) for v in xs[:n]]
    b = Value(bias)
    out = engine.dot(w, x, bias=b)
    assert out.op == "dot+b" and out.parents == (*w, *x, b)
    # The same bits as the dot product's node followed by a separate "+ b".
    assert out.data == (engine.dot(w, x) + b).data
    (out * upstream).backward()
    assert [v.grad for v in w] == [upstream * v for v in xs[:n]]
    assert [v.grad for v in x] == [upstream * v for v in ws[:n]]
    assert b.grad == upstream


def test_dot_takes_a_number_as_bias_and_names_a_bad_one() -> None:
    w, x = Value(2.0), Value(3.0)
    out = engine.dot([w], [x], bias=0.5)
    assert out.data == 6.5 and out.parents[:2] == (w, x) and out.parents[2].is_leaf()
    before = (w.data, w.grad, x.data, x.grad)
    with pytest.raises(TypeError, match="bias must be a Value or a real number, got str"):
        engine.dot([w], [x], bias="1")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="same length, got 1 and 2"):
        engine.dot([w], [x, 1.0], bias=w)
    assert (w.data, w.grad, x.data, x.grad) == before


@given(values)
def test_logsumexp_gradient_is_the_softmax(xs: list[float]) -> None:
    leaves = [Value(x) for x in xs]
    out = engine.logsumexp(leaves)
    assert out.op == "logsumexp" and out.parents == tuple(leaves)
    out.backward()
    top = max(xs)
    exps = [math.exp(x - top) for x in xs]
    softmax = [e / math.fsum(exps) for e in exps]
    assert close(out.data, top + math.log(math.fsum(exps)), rel=1e-12, abs_=1e-12)
    for leaf, p in zip(leaves, softmax, strict=True):
        assert close(leaf.grad, p, rel=1e-12, abs_=1e-15)


@given(values)
def test_fused_gradients_equal_the_chained_expressions(xs: list[float]) -> None:
    a = [Value(x) for x in xs]
    b = [Value(x) for x in xs]
    (engine.sum([v * v for v in a]) + engine.dot(a, a)).backward()
    chained = Value(0.0)
    for v in b:
        chained = chained + v * v + v * v
    chained.backward()
    for u, v in zip(a, b, strict=True):
        assert close(u.grad, v.grad, rel=1e-12, abs_=1e-12)


def test_numbers_are_accepted_as_constants() -> None:
    x = Value(2.0)
    out = engine.sum([x, 3, 0.5])
    assert out.data == 5.5 and len(out.parents) == 3 and out.parents[0] is x
    assert engine.dot([x, 1.0], [4, 5]).data == 13.0


def test_empty_inputs() -> None:
    empty = engine.sum([])
    assert empty.data == 0.0 and isinstance(empty.data, float)
    assert engine.logsumexp([]).data == -math.inf
    assert engine.dot([], []).data == 0.0


def test_dot_length_mismatch_names_both_lengths() -> None:
    with pytest.raises(ValueError, match="same length, got 2 and 3"):
        engine.dot([1.0, 2.0], [1.0, 2.0, 3.0])


@pytest.mark.parametrize("bad", ["abc", 3, None])
def test_fused_ops_reject_a_non_iterable_or_a_string(bad: object) -> None:
    with pytest.raises(TypeError, match="values must be an iterable"):
        engine.sum(bad)  # type: ignore[arg-type]


def test_fused_ops_name_a_bad_item() -> None:
    with pytest.raises(TypeError, match=r"values\[1\] must be a Value or a real number, got str"):
        engine.sum([Value(1.0), "2"])  # type: ignore[list-item]
    with pytest.raises(TypeError, match=r"xs\[0\]"):
        engine.dot([1.0], [None])  # type: ignore[list-item]
