"""nn.compile_loss on batches given at each call, and CompiledLoss.arrays for numpy steps.

The reference is the engine: the same batch's ``training_loss`` built as a fresh graph,
then ``backward()``; with ``backend="python"`` the compiled numbers equal it bit for bit.
"""

from collections.abc import Sequence
from typing import Any

import pytest

import engine
import nn
from nn.losses import LOSSES, training_loss

ALPHA = 1e-3
LOSS_NAMES = list(LOSSES)


def model_for(loss: str, seed: int = 0, hidden: Sequence[int] = (4,)) -> nn.MLP:
    outputs = 3 if loss == "cross_entropy" else 1
    return nn.MLP(2, [*hidden, outputs], seed=seed)


def labels_for(loss: str, n: int, shift: int = 0) -> list[int]:
    if loss == "cross_entropy":
        return [(i * 7 + shift) % 3 for i in range(n)]
    return [(i * 5 + shift) % 3 % 2 for i in range(n)]


def batch(loss: str, n: int, seed: int) -> tuple[list[list[float]], list[int]]:
    X, _ = nn.make_moons(n, noise=0.3, seed=seed)
    return X, labels_for(loss, n, seed)


def reference(
    model: nn.MLP, X: Sequence[Sequence[float]], y: Sequence[int], loss: str, alpha: float = ALPHA
) -> tuple[float, list[float], list[Any]]:
    """Loss, gradients and outputs of a fresh graph of the batch, by ``backward()``."""
    params = model.parameters()
    model.zero_grad()
    outputs = [model(x) for x in X]
    total = training_loss(outputs, y, params, LOSSES[loss], alpha)
    total.backward()
    grads = [p.grad for p in params]
    model.zero_grad()
    numbers = [o.data if isinstance(o, engine.Value) else [v.data for v in o] for o in outputs]
    return total.data, grads, numbers


def run(
    loss_fn: nn.CompiledLoss, X: Any = None, y: Any = None
) -> tuple[float, list[float], list[Any]]:
    """One call of the compiled loss, from zero gradients: loss, gradients, outputs."""
    loss_fn.model.zero_grad()
    value = loss_fn() if X is None else loss_fn(X, y)
    grads = [p.grad for p in loss_fn.params]
    loss_fn.model.zero_grad()
    return value, grads, loss_fn.outputs


def close(a: float, b: float, rel: float = 1e-12) -> bool:
    return abs(a - b) <= rel * max(1.0, abs(b))


def flat(outputs: Sequence[Any]) -> list[float]:
    return [v for o in outputs for v in (o if isinstance(o, list) else [o])]


def all_close(a: Sequence[float], b: Sequence[float], rel: float = 1e-12) -> bool:
    return len(a) == len(b) and all(close(x, z, rel) for x, z in zip(a, b, strict=True))


# -- batches at each call: the engine's numbers, bit for bit -------------------------------


@pytest.mark.parametrize("loss", LOSS_NAMES)
def test_each_batch_gives_the_loss_gradients_and_outputs_of_backward_exactly(loss: str) -> None:
    model = model_for(loss, seed=1)
    loss_fn = nn.compile_loss(model, loss=loss, alpha=ALPHA)
    results = []
    for seed in (1, 2, 3):
        X, y = batch(loss, 6, seed)
        got = run(loss_fn, X, y)
        assert got == reference(model, X, y, loss)
        results.append(got[0])
    assert len(set(results)) == 3  # each batch read, not the first one's numbers reused


@pytest.mark.parametrize("loss", LOSS_NAMES)
def test_batches_of_one_size_share_one_compiled_graph_and_another_size_adds_one(
    loss: str,
) -> None:
    model = model_for(loss, seed=2)
    loss_fn = nn.compile_loss(model, loss=loss, alpha=ALPHA)
    for seed in (4, 5):
        run(loss_fn, *batch(loss, 5, seed))
    assert list(loss_fn.graphs) == [5]
    graph = loss_fn.graphs[5]
    assert graph.repeats == 1 and len(graph.data) > 0
    X, y = batch(loss, 7, 6)
    assert run(loss_fn, X, y) == reference(model, X, y, loss)
    assert sorted(loss_fn.graphs) == [5, 7]
    assert loss_fn.graphs[5] is graph
    X, y = batch(loss, 5, 7)
    assert run(loss_fn, X, y) == reference(model, X, y, loss)
    assert sorted(loss_fn.graphs) == [5, 7]


@pytest.mark.parametrize("loss", LOSS_NAMES)
def test_a_batch_of_one_sample_gives_the_engines_numbers(loss: str) -> None:
    model = model_for(loss, seed=3)
    loss_fn = nn.compile_loss(model, loss=loss, alpha=ALPHA)
    for seed in (8, 9):
        X, y = batch(loss, 1, seed)
        assert run(loss_fn, X, y) == reference(model, X, y, loss)
    assert list(loss_fn.graphs) == [1]


@pytest.mark.parametrize("loss", LOSS_NAMES)
def test_outputs_hold_the_models_outputs_on_the_last_batch_as_floats(loss: str) -> None:
    model = model_for(loss, seed=4)
    loss_fn = nn.compile_loss(model, loss=loss, alpha=ALPHA)
    X, y = batch(loss, 4, 10)
    loss_fn(X, y)
    _, _, want = reference(model, X, y, loss)
    assert loss_fn.outputs == want
    assert len(loss_fn.outputs) == 4
    for out in loss_fn.outputs:
        if loss == "cross_entropy":
            assert isinstance(out, list) and len(out) == 3
            assert all(type(v) is float for v in out)
        else:
            assert type(out) is float


def test_the_parameters_current_numbers_are_read_at_each_call() -> None:
    model = model_for("hinge", seed=5)
    loss_fn = nn.compile_loss(model, alpha=ALPHA)
    X, y = batch("hinge", 6, 11)
    before = run(loss_fn, X, y)
    for p in model.parameters():
        p.data = 0.5 * p.data + 0.05
    after = run(loss_fn, X, y)
    assert after != before
    assert after == reference(model, X, y, "hinge")


def test_gradients_add_into_grad_as_backward_does() -> None:
    model = model_for("bce", seed=6)
    loss_fn = nn.compile_loss(model, loss="bce", alpha=ALPHA)
    (X1, y1), (X2, y2) = batch("bce", 6, 12), batch("bce", 6, 13)
    model.zero_grad()
    loss_fn(X1, y1)
    loss_fn(X2, y2)
    summed = [p.grad for p in model.parameters()]
    g1, g2 = reference(model, X1, y1, "bce")[1], reference(model, X2, y2, "bce")[1]
    assert summed == [a + b for a, b in zip(g1, g2, strict=True)]


@pytest.mark.parametrize("loss", ["hinge", "cross_entropy"])
def test_a_loss_compiled_with_data_runs_that_data_and_batches_too(loss: str) -> None:
    model = model_for(loss, seed=7)
    X, y = batch(loss, 8, 14)
    loss_fn = nn.compile_loss(model, X, y, loss=loss, alpha=ALPHA)
    assert run(loss_fn) == reference(model, X, y, loss)
    Xb, yb = batch(loss, 5, 15)
    assert run(loss_fn, Xb, yb) == reference(model, Xb, yb, loss)
    assert list(loss_fn.graphs) == [5]
    assert run(loss_fn) == reference(model, X, y, loss)  # the data compiled with, still


def test_numpy_arrays_are_taken_as_batches() -> None:
    np = pytest.importorskip("numpy")
    model = model_for("cross_entropy", seed=8)
    loss_fn = nn.compile_loss(model, loss="cross_entropy", alpha=ALPHA)
    X, y = batch("cross_entropy", 6, 16)
    assert run(loss_fn, np.array(X), np.array(y)) == reference(model, X, y, "cross_entropy")


# -- refusals ----------------------------------------------------------------------------


@pytest.fixture
def hinge_fn() -> nn.CompiledLoss:
    """A batch-only hinge loss, already compiled for batches of 4."""
    loss_fn = nn.compile_loss(nn.MLP(2, [4, 1], seed=9), alpha=ALPHA)
    loss_fn(*batch("hinge", 4, 17))
    return loss_fn


GOOD = batch("hinge", 4, 18)


@pytest.mark.parametrize(
    ("X", "y", "error", "message"),
    [
        pytest.param(
            None, None, ValueError, "compile_loss was given no data: call loss_fn", id="no-data"
        ),
        pytest.param(GOOD[0], None, ValueError, "takes both X and y, or neither", id="X-only"),
        pytest.param(None, GOOD[1], ValueError, "takes both X and y, or neither", id="y-only"),
        pytest.param(
            [[0.1, 0.2], [0.3, 0.4, 0.5], [0.6, 0.7], [0.8, 0.9]],
            GOOD[1],
            ValueError,
            r"X_batch\[1\] has 3 numbers; the model reads 2",
            id="long-row",
        ),
        pytest.param(
            [[0.1, 0.2], [0.3], [0.6, 0.7], [0.8, 0.9]],
            GOOD[1],
            ValueError,
            r"X_batch\[1\] has 1 numbers; the model reads 2",
            id="short-row",
        ),
        pytest.param(
            [[0.1, 0.2], [0.3, 0.4], [0.6, "0.7"], [0.8, 0.9]],
            GOOD[1],
            TypeError,
            r"X_batch\[2\]\[1\] must be a real number, got str",
            id="string",
        ),
        pytest.param(
            [[0.1, 0.2], 0.3, [0.6, 0.7], [0.8, 0.9]],
            GOOD[1],
            TypeError,
            r"X_batch\[1\] must be a list of numbers",
            id="row-not-a-list",
        ),
        pytest.param([], [], ValueError, "X_batch is empty", id="empty"),
        pytest.param(
            GOOD[0],
            GOOD[1][:3],
            ValueError,
            "X_batch has 4 samples but y_batch has 3 labels",
            id="lengths",
        ),
        pytest.param(
            GOOD[0],
            [0, 1, 2, 1],
            ValueError,
            r"labels\[2\] must be 0 or 1 \(or -1/\+1\), got 2",
            id="hinge-label-2",
        ),
    ],
)
def test_a_bad_call_is_a_clear_error_and_changes_nothing(
    hinge_fn: nn.CompiledLoss, X: Any, y: Any, error: type[Exception], message: str
) -> None:
    before = run(hinge_fn, *GOOD)
    graphs = dict(hinge_fn.graphs)
    hinge_fn.model.zero_grad()
    with pytest.raises(error, match=message):
        hinge_fn(X, y)
    assert hinge_fn.outputs == before[2]
    assert all(p.grad == 0.0 for p in hinge_fn.params)
    assert hinge_fn.graphs == graphs
    assert run(hinge_fn, *GOOD) == before


@pytest.mark.parametrize("size", [4, 5])
def test_a_class_outside_the_logits_is_refused_for_cross_entropy(size: int) -> None:
    """Size 4 is compiled already, size 5 would compile: both refuse label 3 of 3 classes."""
    loss_fn = nn.compile_loss(model_for("cross_entropy", seed=10), loss="cross_entropy")
    loss_fn(*batch("cross_entropy", 4, 19))
    X, y = batch("cross_entropy", size, 20)
    y[-1] = 3
    with pytest.raises(ValueError, match=rf"labels\[{size - 1}\] must be a class index in 0..2"):
        loss_fn(X, y)
    assert list(loss_fn.graphs) == [4]


def test_bce_refuses_a_label_other_than_0_or_1() -> None:
    loss_fn = nn.compile_loss(model_for("bce", seed=11), loss="bce")
    X, _ = batch("bce", 3, 21)
    with pytest.raises(ValueError, match=r"labels\[1\] must be 0 or 1, got -1"):
        loss_fn(X, [0, -1, 1])


def test_the_graph_property_says_there_is_none_without_data() -> None:
    loss_fn = nn.compile_loss(nn.MLP(2, [4, 1], seed=12))
    with pytest.raises(ValueError, match="compile_loss was given no data, only batches"):
        _ = loss_fn.graph


# -- numpy: batches as arrays ------------------------------------------------------------


@pytest.mark.parametrize("loss", LOSS_NAMES)
def test_numpy_batches_agree_with_the_python_backend(loss: str) -> None:
    pytest.importorskip("numpy")
    model = model_for(loss, seed=13, hidden=(5,))
    fns = {
        b: nn.compile_loss(model, loss=loss, alpha=ALPHA, backend=b) for b in ("python", "numpy")
    }
    for n, seed in ((8, 22), (8, 23), (3, 24)):
        X, y = batch(loss, n, seed)
        want_loss, want_grads, want_outputs = run(fns["python"], X, y)
        got_loss, got_grads, got_outputs = run(fns["numpy"], X, y)
        assert close(got_loss, want_loss)
        assert all_close(got_grads, want_grads)
        assert all_close(flat(got_outputs), flat(want_outputs))
    assert sorted(fns["numpy"].graphs) == [3, 8]
    assert fns["numpy"].graphs[8].backend == "numpy"


# -- numpy: CompiledLoss.arrays -----------------------------------------------------------


def optimizer_for(kind: str, params: list[engine.Value]) -> nn.Optimizer:
    if kind == "momentum":
        return nn.SGD(params, lr=0.1, momentum=0.9)
    return nn.Adam(params, lr=0.02)


BATCHES = [batch("hinge", 6, 30 + k) for k in range(4)]
FULL = batch("hinge", 10, 40)


@pytest.mark.parametrize("kind", ["momentum", "adam"])
@pytest.mark.parametrize("source", ["compiled-data", "batches"])
def test_array_steps_follow_steps_on_values_step_by_step(kind: str, source: str) -> None:
    pytest.importorskip("numpy")
    reference_model, model = nn.MLP(2, [4, 4, 1], seed=14), nn.MLP(2, [4, 4, 1], seed=14)
    reference_opt = optimizer_for(kind, reference_model.parameters())
    opt = optimizer_for(kind, model.parameters())
    if source == "batches":
        reference_fn = nn.compile_loss(reference_model, alpha=ALPHA)
        loss_fn = nn.compile_loss(model, alpha=ALPHA, backend="numpy")
        calls: list[tuple[Any, ...]] = [BATCHES[k % len(BATCHES)] for k in range(6)]
    else:
        reference_fn = nn.compile_loss(reference_model, *FULL, alpha=ALPHA)
        loss_fn = nn.compile_loss(model, *FULL, alpha=ALPHA, backend="numpy")
        calls = [()] * 6
    with loss_fn.arrays(opt) as step:
        for args in calls:
            reference_opt.zero_grad()
            want = reference_fn(*args)
            reference_opt.step()
            got = step(*args)
            assert close(got, want, 1e-9)
            # Each step wrote its numbers back: reading a parameter gives its value now.
            assert all_close(
                [p.data for p in model.parameters()],
                [p.data for p in reference_model.parameters()],
                1e-9,
            )
            assert all_close(
                [p.grad for p in model.parameters()],
                [p.grad for p in reference_model.parameters()],
                1e-9,
            )
            assert all_close(flat(loss_fn.outputs), flat(reference_fn.outputs), 1e-9)
    moved = [p.data for p in model.parameters()]
    assert moved != [p.data for p in nn.MLP(2, [4, 4, 1], seed=14).parameters()]


def test_after_the_with_block_the_optimizer_steps_on_values_again() -> None:
    pytest.importorskip("numpy")
    model = nn.MLP(2, [4, 1], seed=15)
    opt = nn.SGD(model.parameters(), lr=0.1, momentum=0.9)
    loss_fn = nn.compile_loss(model, *FULL, alpha=ALPHA, backend="numpy")
    with loss_fn.arrays(opt) as step:
        step()
        step()
    trained = [p.data for p in model.parameters()]
    grads = [p.grad for p in model.parameters()]
    opt.step()  # on the Values: velocity v = 0.9 v + g, p -= 0.1 v
    after = [p.data for p in model.parameters()]
    assert after != trained
    # The same step as the Values' rule from the state the array steps left: compare with
    # a Values-only twin trained by the same two steps.
    twin = nn.MLP(2, [4, 1], seed=15)
    twin_opt = nn.SGD(twin.parameters(), lr=0.1, momentum=0.9)
    twin_fn = nn.compile_loss(twin, *FULL, alpha=ALPHA)
    for _ in range(2):
        twin_opt.zero_grad()
        twin_fn()
        twin_opt.step()
    assert all_close(grads, [p.grad for p in twin.parameters()], 1e-9)
    twin_opt.step()
    assert all_close(after, [p.data for p in twin.parameters()], 1e-9)


def test_an_exception_inside_the_with_block_leaves_the_optimizer_on_values() -> None:
    pytest.importorskip("numpy")
    model = nn.MLP(2, [4, 1], seed=16)
    opt = nn.Adam(model.parameters(), lr=0.05)
    loss_fn = nn.compile_loss(model, *FULL, alpha=ALPHA, backend="numpy")
    with pytest.raises(RuntimeError, match="stop"), loss_fn.arrays(opt) as step:
        step()
        raise RuntimeError("stop")
    trained = [p.data for p in model.parameters()]
    twin = nn.MLP(2, [4, 1], seed=16)
    twin_opt = nn.Adam(twin.parameters(), lr=0.05)
    twin_fn = nn.compile_loss(twin, *FULL, alpha=ALPHA)
    twin_opt.zero_grad()
    twin_fn()
    twin_opt.step()
    assert all_close(trained, [p.data for p in twin.parameters()], 1e-9)
    opt.zero_grad()
    loss_fn()  # the numpy loss on Values: adds into .grad
    assert any(p.grad != 0.0 for p in model.parameters())
    opt.step()
    assert [p.data for p in model.parameters()] != trained


def test_a_graph_built_before_array_steps_refuses_its_backward_after_them() -> None:
    """The steps edit the parameters' .data as an optimizer does: an older graph is stale."""
    pytest.importorskip("numpy")
    model = nn.MLP(2, [4, 1], seed=18)
    X, y = FULL
    stale = model(X[0])
    assert isinstance(stale, engine.Value)
    loss_fn = nn.compile_loss(model, X, y, alpha=ALPHA, backend="numpy")
    with loss_fn.arrays(nn.SGD(model.parameters(), lr=0.1)) as step:
        step()
    with pytest.raises(RuntimeError, match="edited"):
        stale.backward()


def test_array_steps_need_the_numpy_backend() -> None:
    model = nn.MLP(2, [4, 1], seed=17)
    loss_fn = nn.compile_loss(model, *FULL)
    opt = nn.SGD(model.parameters(), lr=0.1)
    with pytest.raises(ValueError, match="arrays: the loss must be compiled with backend='numpy'"):  # noqa: SIM117
        with loss_fn.arrays(opt):
            pass


def test_array_steps_need_an_optimizer_of_all_the_models_parameters() -> None:
    pytest.importorskip("numpy")
    model = nn.MLP(2, [4, 1], seed=18)
    loss_fn = nn.compile_loss(model, *FULL, backend="numpy")
    params = model.parameters()
    for chosen in (params[:-1], params[::-1]):
        opt = nn.SGD(chosen, lr=0.5)
        with pytest.raises(ValueError, match="the optimizer must hold the model's parameters"):  # noqa: SIM117
            with loss_fn.arrays(opt):
                pass
        # Refused, the optimizer still steps on the Values.
        before = [p.data for p in chosen]
        for p in chosen:
            p.grad = 1.0
        opt.step()
        assert [p.data for p in chosen] == [x - 0.5 for x in before]
