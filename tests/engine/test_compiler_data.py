"""engine.compile's data leaves: numbers read at each call, with no gradient.

The reference for every number is the engine itself: the same batch built again as a
fresh graph of Values, then ``backward()``. The Python backend must equal it bit for bit.
"""

import functools
import math
import random
from collections.abc import Sequence
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

import engine
import nn
from engine import Value
from engine.graph import topological_order

ALPHA = 1e-3
Batch = tuple[list[list[float]], list[int]]


def sign(label: int) -> float:
    return 1.0 if label == 1 else -1.0


def score(model: nn.MLP, x: list[Value]) -> Value:
    out = model(x)
    assert isinstance(out, Value)  # one output: a score
    return out


def hinge_graph(model: nn.MLP, X: Sequence[Sequence[float]], y: Sequence[int]) -> Any:
    """The model's mean hinge loss plus ``ALPHA * sum(p * p)``, with every x and sign a leaf.

    Returns the loss and the data leaves, sample by sample: x0, x1, sign.
    """
    xs = [[Value(float(v), label=f"x{j}") for j, v in enumerate(row)] for row in X]
    signs = [Value(sign(label), label="s") for label in y]
    terms = [(1.0 - s * score(model, x)).relu() for x, s in zip(xs, signs, strict=True)]
    params = model.parameters()
    total = engine.sum(terms) * (1.0 / len(terms)) + ALPHA * engine.dot(params, params)
    data = [leaf for x, s in zip(xs, signs, strict=True) for leaf in (*x, s)]
    return total, data


def numbers(X: Sequence[Sequence[float]], y: Sequence[int]) -> list[float]:
    """The data numbers of a batch, in the order of ``hinge_graph``'s data leaves."""
    return [v for row, label in zip(X, y, strict=True) for v in (*row, sign(label))]


def reference(model: nn.MLP, X: Sequence[Sequence[float]], y: Sequence[int]) -> Any:
    """The batch's loss and gradients from a fresh graph of Values and ``backward()``."""
    model.zero_grad()
    total, _ = hinge_graph(model, X, y)
    total.backward()
    grads = [p.grad for p in model.parameters()]
    model.zero_grad()
    return total.data, grads


def batch(seed: int, n: int) -> Batch:
    rng = random.Random(seed)
    X = [[rng.uniform(-3.0, 3.0), rng.uniform(-3.0, 3.0)] for _ in range(n)]
    return X, [rng.randint(0, 1) for _ in range(n)]


def compiled(n: int, *, seed: int = 1, backend: str = "python", loops: bool = True) -> Any:
    """A small MLP and its hinge loss on a batch of n samples, compiled with the batch as data."""
    model = nn.MLP(2, [4, 1], seed=seed)
    total, data = hinge_graph(model, *batch(100 + n, n))
    cg = engine.compile(total, model.parameters(), data=data, loops=loops, backend=backend)
    return model, cg


@functools.cache
def compiled_for_six() -> Any:
    """Compiled once for all the drawn batches of the hypothesis test below."""
    return compiled(6, seed=2)


def values(model: nn.MLP) -> list[float]:
    return [p.data for p in model.parameters()]


samples = st.lists(
    st.tuples(
        st.floats(-3.0, 3.0, allow_nan=False),
        st.floats(-3.0, 3.0, allow_nan=False),
        st.integers(0, 1),
    ),
    min_size=6,
    max_size=6,
)


# -- one compiled function, every batch of its size ----------------------------------------


@given(samples)
def test_one_compiled_loss_gives_any_batch_of_its_size_the_engines_numbers_exactly(
    drawn: list[tuple[float, float, int]],
) -> None:
    model, cg = compiled_for_six()
    assert cg.repeats == 1  # the samples' piece runs as a loop, its x's and sign as data
    X = [[a, b] for a, b, _ in drawn]
    y = [label for _, _, label in drawn]
    assert cg(values(model), numbers(X, y)) == reference(model, X, y)


def test_batches_b_and_c_get_their_own_numbers_not_those_of_the_batch_compiled() -> None:
    model = nn.MLP(2, [4, 1], seed=3)
    A, B, C = batch(1, 8), batch(2, 8), batch(3, 8)
    total, data = hinge_graph(model, *A)
    cg = engine.compile(total, model.parameters(), data=data)
    results = {}
    for name, (X, y) in (("B", B), ("C", C), ("A", A)):
        got = cg(values(model), numbers(X, y))
        assert got == reference(model, X, y), name
        results[name] = got
    # Three batches, three losses: the data was read, not the numbers of A baked in.
    assert len({results[name][0] for name in results}) == 3


def test_the_code_loops_over_the_samples_with_the_data_leaves_inside_the_piece() -> None:
    model, cg = compiled(10)
    assert cg.repeats == 1
    assert "for " in cg.source
    X, y = batch(7, 10)
    assert cg(values(model), numbers(X, y)) == reference(model, X, y)


def test_the_loop_and_a_line_per_node_give_the_same_numbers() -> None:
    (model, looped), (_, flat) = compiled(6, seed=4), compiled(6, seed=4, loops=False)
    assert looped.repeats == 1 and flat.repeats == 0
    X, y = batch(8, 6)
    assert looped(values(model), numbers(X, y)) == flat(values(model), numbers(X, y))
    assert flat(values(model), numbers(X, y)) == reference(model, X, y)


def test_a_batch_too_small_to_repeat_still_gives_exact_numbers() -> None:
    model, cg = compiled(3)
    assert cg.repeats == 0
    for seed in (11, 12, 13):
        X, y = batch(seed, 3)
        assert cg(values(model), numbers(X, y)) == reference(model, X, y)


def test_the_parameters_numbers_are_read_at_each_call_too() -> None:
    model, cg = compiled(5)
    X, y = batch(9, 5)
    for p in model.parameters():
        p.data = p.data * 0.5 - 0.1
    assert cg(values(model), numbers(X, y)) == reference(model, X, y)


def test_data_leaves_outside_any_piece_are_read_at_each_call() -> None:
    w, b, x, t = Value(0.5), Value(-0.25), Value(1.0), Value(2.0)
    out = ((w * x + b).tanh() - t) ** 2
    cg = engine.compile(out, [w, b], data=[x, t])
    assert cg.repeats == 0
    for xv, tv in ((1.0, 2.0), (-2.5, 0.5), (0.0, -1.0)):
        W, B, X, T = Value(0.5), Value(-0.25), Value(xv), Value(tv)
        ref = ((W * X + B).tanh() - T) ** 2
        ref.backward()
        assert cg([0.5, -0.25], [xv, tv]) == (ref.data, [W.grad, B.grad])


def test_nodes_computed_from_data_alone_are_computed_at_each_call() -> None:
    w, x = Value(0.5), Value(2.0)
    square = x * x
    feature = (square + 1.0).log()
    out = (w * feature).tanh()
    cg = engine.compile(out, [w], data=[x], watch=[square, feature])
    for xv in (3.0, -0.5, 2.0):
        W, X = Value(0.5), Value(xv)
        ref_feature = (X * X + 1.0).log()
        ref = (W * ref_feature).tanh()
        ref.backward()
        assert cg.run([0.5], [xv]) == (ref.data, [W.grad], [xv * xv, ref_feature.data])


def test_nodes_computed_from_data_alone_inside_the_piece_are_computed_at_each_call() -> None:
    rng = random.Random(5)

    def loss(ws: list[Value], xs: list[Value]) -> tuple[Value, list[Value]]:
        features = [(x * x).exp() for x in xs]
        terms = [(ws[0] * f + ws[1] * x + ws[2]).tanh() for f, x in zip(features, xs, strict=True)]
        return engine.sum(terms), features

    ws, xs = [Value(0.1) for _ in range(3)], [Value(rng.uniform(-1, 1)) for _ in range(6)]
    total, features = loss(ws, xs)
    cg = engine.compile(total, ws, data=xs, watch=features)
    assert cg.repeats == 1
    for _ in range(3):
        w_numbers = [rng.uniform(-1, 1) for _ in range(3)]
        x_numbers = [rng.uniform(-1, 1) for _ in range(6)]
        W, X = [Value(v) for v in w_numbers], [Value(v) for v in x_numbers]
        ref, ref_features = loss(W, X)
        ref.backward()
        got = cg.run(w_numbers, x_numbers)
        assert got == (ref.data, [p.grad for p in W], [f.data for f in ref_features])


def test_data_leaves_get_no_gradient() -> None:
    model = nn.MLP(2, [4, 1], seed=6)
    total, data = hinge_graph(model, *batch(4, 5))
    params = model.parameters()
    cg = engine.compile(total, params, data=data)
    _, grads = cg(values(model), numbers(*batch(5, 5)))
    assert len(grads) == len(params)
    assert all(leaf.grad == 0.0 for leaf in data)  # compiling and running touch no Value
    order = topological_order(total)
    position = {node: i for i, node in enumerate(order)}
    # No line of the code adds a chain-rule term to a data leaf's gradient...
    assert [position[leaf] for leaf in data if position[leaf] in cg.grad_lines] == []
    # ...while every parameter gets one.
    assert all(position[p] in cg.grad_lines for p in params)


# -- refusals ----------------------------------------------------------------------------


def test_a_data_leaf_that_is_also_an_input_is_refused_by_name() -> None:
    w, x = Value(1.0), Value(2.0)
    with pytest.raises(ValueError, match=r"data\[1\] is also in inputs"):
        engine.compile(w * x, [w], data=[x, w])


def test_a_data_node_that_is_not_a_leaf_is_refused() -> None:
    w, x = Value(1.0), Value(2.0)
    doubled = x * 2.0
    with pytest.raises(ValueError, match=r"data\[0\] is the result of .*not a leaf"):
        engine.compile(w * doubled, [w], data=[doubled])


def test_the_same_data_leaf_twice_is_refused() -> None:
    w, x, z = Value(1.0), Value(2.0), Value(3.0)
    with pytest.raises(ValueError, match=r"data\[2\] is data\[0\] again"):
        engine.compile(w * x * z, [w], data=[x, z, x])


@pytest.fixture
def small() -> Any:
    """A graph with one input and two data leaves, its arguments and its result."""
    w, x, t = Value(0.5), Value(1.0), Value(2.0)
    cg = engine.compile(((w * x).tanh() - t) ** 2, [w], data=[x, t])
    good = ([0.5], [1.5, -0.5])
    return cg, good, cg.run(*good)


@pytest.mark.parametrize("count", [0, 1, 3])
def test_the_wrong_number_of_data_numbers_is_refused_saying_how_many(
    small: Any, count: int
) -> None:
    cg, (vals, _), before = small
    with pytest.raises(ValueError, match=rf"data must hold 2 numbers .*got {count}"):
        cg(vals, [1.0] * count)
    assert cg.run(vals, [1.5, -0.5]) == before  # a failed call changes nothing


def test_a_graph_with_data_leaves_needs_their_numbers(small: Any) -> None:
    cg, (vals, _), before = small
    with pytest.raises(TypeError, match="data must be a list of numbers"):
        cg(vals)
    assert cg.run(vals, [1.5, -0.5]) == before


def test_data_for_a_graph_compiled_without_data_is_refused() -> None:
    w = Value(0.5)
    cg = engine.compile(w.tanh(), [w])
    with pytest.raises(ValueError, match="compiled with no data leaves"):
        cg([0.5], [1.0])
    with pytest.raises(ValueError, match="compiled with no data leaves"):
        cg([0.5], [])
    assert cg([0.5]) == (math.tanh(0.5), [1.0 - math.tanh(0.5) ** 2])


@pytest.mark.parametrize("bad", ["1.5", None, 1j, Value(1.5), [1.5]])
def test_a_non_number_in_data_is_a_type_error_naming_its_place(small: Any, bad: object) -> None:
    cg, (vals, _), before = small
    with pytest.raises(TypeError, match=r"data\[1\] must be a real number"):
        cg(vals, [1.5, bad])
    assert cg.run(vals, [1.5, -0.5]) == before


def test_data_numbers_may_be_ints_or_a_tuple(small: Any) -> None:
    cg, (vals, _), _ = small
    assert cg.run(vals, (2, -1)) == cg.run(vals, [2.0, -1.0])


def test_run_array_refuses_the_python_backend(small: Any) -> None:
    cg, (vals, data), _ = small
    with pytest.raises(ValueError, match="run_array needs a graph compiled with backend='numpy'"):
        cg.run_array(vals, data)


# -- numpy: run_array --------------------------------------------------------------------


def close(a: float, b: float) -> bool:
    return abs(a - b) <= 1e-12 * max(1.0, abs(b))


@pytest.mark.parametrize("samples", [3, 8])
def test_run_array_gives_what_run_gives_on_a_batch_as_data(samples: int) -> None:
    """8 samples repeat (the batch's piece as arrays), 3 do not (a line per node)."""
    np = pytest.importorskip("numpy")
    model, cg = compiled(samples, seed=7, backend="numpy")
    _, python = compiled(samples, seed=7)
    X, y = batch(20 + samples, samples)
    vals, data = values(model), numbers(X, y)
    listed = cg.run(vals, data)
    arrayed = cg.run_array(np.array(vals), np.array(data))
    assert isinstance(arrayed.grads, np.ndarray) and arrayed.grads.dtype == np.float64
    assert arrayed.grads.shape == (len(vals),)
    assert close(arrayed.output, listed.output)
    assert all(close(a, b) for a, b in zip(arrayed.grads.tolist(), listed.grads, strict=True))
    want_output, want_grads = reference(model, X, y)
    assert python(vals, data) == (want_output, want_grads)
    assert close(arrayed.output, want_output)
    assert all(close(a, b) for a, b in zip(arrayed.grads.tolist(), want_grads, strict=True))


@pytest.fixture
def small_numpy() -> Any:
    np = pytest.importorskip("numpy")
    w, x, t = Value(0.5), Value(1.0), Value(2.0)
    cg = engine.compile(((w * x).tanh() - t) ** 2, [w], data=[x, t], backend="numpy")
    good = (np.array([0.5]), np.array([1.5, -0.5]))
    return np, cg, good


def test_run_array_leaves_its_arguments_as_they_were(small_numpy: Any) -> None:
    np, cg, (vals, data) = small_numpy
    result = cg.run_array(vals, data)
    assert vals.tolist() == [0.5] and data.tolist() == [1.5, -0.5]
    assert not np.shares_memory(result.grads, vals)
    W, X, T = Value(0.5), Value(1.5), Value(-0.5)
    ref = ((W * X).tanh() - T) ** 2
    ref.backward()
    assert close(result.output, ref.data) and close(float(result.grads[0]), W.grad)


@pytest.mark.parametrize("argument", ["values", "data"])
@pytest.mark.parametrize(
    ("make", "error", "message"),
    [
        pytest.param(lambda np, a: a.tolist(), TypeError, "1-D numpy array of float64", id="list"),
        pytest.param(lambda np, a: a.astype(np.float32), TypeError, "dtype float32", id="f32"),
        pytest.param(lambda np, a: a.astype(np.int64), TypeError, "dtype int64", id="int64"),
        pytest.param(lambda np, a: a.reshape(1, -1), TypeError, r"shape \(1, ", id="2-D"),
        pytest.param(lambda np, a: np.append(a, 1.0), ValueError, "must hold", id="longer"),
        pytest.param(lambda np, a: a[:0], ValueError, "must hold .*got 0", id="empty"),
    ],
)
def test_run_array_refuses_a_list_another_dtype_or_length(
    small_numpy: Any, argument: str, make: Any, error: type[Exception], message: str
) -> None:
    np, cg, (vals, data) = small_numpy
    before = cg.run_array(vals, data)
    args = {"values": vals, "data": data}
    args[argument] = make(np, args[argument])
    with pytest.raises(error, match=rf"^{argument} .*{message}"):
        cg.run_array(args["values"], args["data"])
    after = cg.run_array(vals, data)
    assert (after.output, after.grads.tolist()) == (before.output, before.grads.tolist())


def test_run_array_on_a_graph_with_data_needs_the_data(small_numpy: Any) -> None:
    np, cg, (vals, _) = small_numpy
    with pytest.raises(TypeError, match="data must be a 1-D numpy array"):
        cg.run_array(vals)
    w = Value(0.5)
    plain = engine.compile(w.tanh(), [w], backend="numpy")
    with pytest.raises(ValueError, match="compiled with no data leaves"):
        plain.run_array(np.array([0.5]), np.array([1.0]))
