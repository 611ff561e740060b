"""The backward pass: accumulation, data untouched, deep and wide graphs, topological order."""

import math
import sys
import threading

import pytest
from hypothesis import given
from hypothesis import strategies as st

import engine
from engine import Value


def snapshot(root: Value) -> list[tuple[float, float]]:
    return [(v.data, v.grad) for v in engine.topological_order(root)]


def test_a_value_used_twice_receives_both_contributions() -> None:
    x = Value(3.0)
    (x * x).backward()
    assert x.grad == 6.0


def test_backward_twice_doubles_every_grad_intermediates_included() -> None:
    x, w = Value(2.0), Value(-1.5)
    h = (x * w).tanh()
    y = h * h + x
    y.backward()
    first = [v.grad for v in engine.topological_order(y)]
    y.backward()
    assert [v.grad for v in engine.topological_order(y)] == [2 * g for g in first]
    assert y.grad == 2.0


@given(st.floats(-3, 3), st.floats(-3, 3))
def test_backward_never_changes_data(a: float, b: float) -> None:
    x, y = Value(a), Value(b)
    out = (x * y + x.tanh()).sigmoid() * y
    before = [v.data for v in engine.topological_order(out)]
    out.backward()
    assert [v.data for v in engine.topological_order(out)] == before


def test_engine_grad_leaves_every_grad_untouched() -> None:
    x = Value(2.0)
    x.grad = 7.0
    y = x.exp() * x
    before = snapshot(y)
    engine.grad(y, [x])
    engine.grad(y, [x], create_graph=True)
    assert snapshot(y) == before


@pytest.mark.slow
def test_a_chain_a_million_deep_goes_backward_under_the_default_recursion_limit() -> None:
    assert sys.getrecursionlimit() == 1000  # the default: nothing here raises it
    n = 1_000_000
    x = Value(0.5)
    y = x
    for _ in range(n // 3):
        y = (y * 1.0001 + 0.0001).relu()
    y.backward()
    # Every relu sees a positive input, so dy/dx is the product of the slopes.
    assert abs(x.grad - 1.0001 ** (n // 3)) <= 1e-9 * 1.0001 ** (n // 3)


@pytest.mark.slow
def test_a_sum_a_million_wide_works_fused_and_chained() -> None:
    xs = [Value(float(i % 7)) for i in range(1_000_000)]
    total = engine.sum(xs)
    total.backward()
    assert total.data == float(sum(i % 7 for i in range(1_000_000)))
    assert all(x.grad == 1.0 for x in xs)
    chained = xs[0] * 1.0
    for x in xs[1:]:
        chained = chained + x
    chained.backward()
    assert all(x.grad == 2.0 for x in xs)


def test_topological_order_puts_every_node_after_its_parents_and_is_stable() -> None:
    a = Value(1.0)
    b = a * 2.0
    c = a + b  # a is a parent and a grandparent of c
    d = c * b + a
    order = engine.topological_order(d)
    position = {node: i for i, node in enumerate(order)}
    assert len(order) == len(set(order))
    for node in order:
        assert all(position[p] < position[node] for p in node.parents)
    assert engine.topological_order(d) == order
    assert order[-1] is d


@given(st.lists(st.integers(0, 20), min_size=1, max_size=40))
def test_topological_order_holds_for_random_dags(picks: list[int]) -> None:
    nodes = [Value(1.0), Value(2.0)]
    for k, p in enumerate(picks):
        nodes.append(nodes[p % len(nodes)] * nodes[(p + k) % len(nodes)])
    order = engine.topological_order(nodes[-1])
    position = {node: i for i, node in enumerate(order)}
    for node in order:
        assert all(position[p] < position[node] for p in node.parents)


def test_local_derivatives_are_the_numbers_the_pass_multiplies() -> None:
    x, w = Value(2.0), Value(-3.0)
    y = x * w
    assert engine.local_derivatives(y) == (-3.0, 2.0)
    assert engine.local_derivatives(x) == ()
    assert engine.local_derivatives(y.tanh()) == (1 - math.tanh(-6.0) ** 2,)


def _every_running_gradient(root: Value) -> set[float]:
    return {node._pass_grad for node in engine.topological_order(root)}


def test_the_running_gradients_are_zero_again_after_every_pass() -> None:
    x = Value(0.7)
    y = (x * x).tanh() + x.exp()
    y.backward()
    assert _every_running_gradient(y) == {0.0}
    engine.grad(y, [x])
    assert _every_running_gradient(y) == {0.0}
    # A second pass from an inner node sees none of the first pass's numbers.
    inner = y.parents[0]
    expected = engine.grad(inner, [x])[0].data
    x.grad = 0.0
    inner.backward()
    assert x.grad == expected


def test_a_pass_that_fails_leaves_grads_and_running_gradients_as_they_were() -> None:
    x = Value(0.0)
    y = Value(2.0) * x.sqrt()  # d sqrt(x)/dx at 0 is inf: anomaly mode stops the pass
    nodes = engine.topological_order(y)
    before = [node.grad for node in nodes]
    with engine.detect_anomaly(), pytest.raises(FloatingPointError):
        y.backward()
    assert [node.grad for node in nodes] == before
    assert _every_running_gradient(y) == {0.0}


def test_a_grad_that_is_not_a_number_is_refused_before_any_pass() -> None:
    x = Value(3.0)
    y = x * x
    with pytest.raises(TypeError, match=r"Value: grad must be a real number, got None"):
        x.grad = None  # type: ignore[assignment]
    assert x.grad == 0.0
    y.backward()
    assert x.grad == 6.0 and y.grad == 1.0
    assert _every_running_gradient(y) == {0.0}


def test_passes_on_many_threads_sharing_parameters_each_get_their_own_gradients() -> None:
    w = [Value(0.01 * (i + 1)) for i in range(200)]
    results: dict[int, list[float]] = {}
    start = threading.Barrier(4)

    def work(k: int) -> None:
        start.wait()
        for _ in range(5):
            out = engine.sum([(wi * float(k + j % 7)).tanh() * wi for j, wi in enumerate(w)])
            results[k] = [g.data for g in engine.grad(out, w)]

    interval = sys.getswitchinterval()
    sys.setswitchinterval(1e-6)  # switch threads often, in the middle of passes
    try:
        threads = [threading.Thread(target=work, args=(k,)) for k in range(4)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    finally:
        sys.setswitchinterval(interval)
    for k in range(4):
        expected = []
        for j, wi in enumerate(w):
            c = k + j % 7
            th = math.tanh(wi.data * c)
            expected.append(th + wi.data * c * (1 - th * th))
        assert results[k] == pytest.approx(expected, rel=1e-12, abs=1e-15)
    assert {wi._pass_grad for wi in w} == {0.0}
