"""nn.compile_loss and fit(compile=True): the same numbers as the engine's backward, bit for bit."""

import math
from typing import Any

import pytest

import engine
import nn

CASES = [
    ("hinge", [16, 16, 1], "relu"),
    ("bce", [8, 1], "tanh"),
    ("mse", [8, 1], "sigmoid"),
    ("cross_entropy", [8, 3], "relu"),
]


def _data(loss: str, n: int = 40) -> tuple[list[list[float]], list[int]]:
    X, y = nn.make_moons(n, noise=0.2, seed=3)
    if loss == "cross_entropy":
        y = [(i * 7) % 3 for i in range(n)]
    return X, y


def _close(a: float, b: float) -> bool:
    # The array backend adds sums in another order than the engine: the last bits differ.
    return abs(a - b) <= 1e-12 * max(1.0, abs(b)) or (math.isnan(a) and math.isnan(b))


def _same(a: list[float], b: list[float]) -> bool:
    return all(x == z or (math.isnan(x) and math.isnan(z)) for x, z in zip(a, b, strict=True))


@pytest.mark.parametrize(("loss", "sizes", "activation"), CASES)
def test_compiled_fit_follows_the_engines_fit_exactly(
    loss: str, sizes: list[int], activation: str
) -> None:
    X, y = _data(loss)
    runs = []
    for compile_ in (False, True):
        model = nn.MLP(2, sizes, activation=activation, seed=4)
        history = nn.fit(model, X, y, steps=8, loss=loss, compile=compile_, progress=False)
        runs.append((history, model.state_dict()))
    (plain, plain_params), (compiled, compiled_params) = runs
    assert compiled.loss == plain.loss
    assert _same(compiled.accuracy, plain.accuracy)
    assert compiled_params == plain_params


def test_compiled_fit_with_adam_follows_the_engine() -> None:
    X, y = _data("hinge")
    params = []
    for compile_ in (False, True):
        model = nn.MLP(2, [8, 8, 1], seed=1)
        optimizer = nn.Adam(model.parameters(), lr=0.01)
        nn.fit(model, X, y, steps=5, optimizer=optimizer, compile=compile_, progress=False)
        params.append(model.state_dict())
    assert params[0] == params[1]


@pytest.mark.parametrize("backend", ["python", "numpy"])
@pytest.mark.parametrize(("loss", "sizes", "activation"), CASES)
def test_compiled_loss_gives_the_loss_grads_and_outputs_of_backward(
    loss: str, sizes: list[int], activation: str, backend: str
) -> None:
    X, y = _data(loss, 12)
    model = nn.MLP(2, sizes, activation=activation, seed=2)
    loss_fn = nn.compile_loss(model, X, y, loss=loss, alpha=1e-3, backend=backend)
    assert loss_fn.graph.backend == backend
    value = loss_fn()
    compiled_grads = [p.grad for p in model.parameters()]

    model.zero_grad()
    outputs = [model(x) for x in X]
    total = nn.losses.training_loss(outputs, y, model.parameters(), nn.losses.LOSSES[loss], 1e-3)
    total.backward()
    grads = [p.grad for p in model.parameters()]
    expected = [o.data if isinstance(o, engine.Value) else [v.data for v in o] for o in outputs]
    if backend == "python":  # bit for bit
        assert value == total.data
        assert compiled_grads == grads
        assert loss_fn.outputs == expected
        return
    flat = [v for o in loss_fn.outputs for v in (o if isinstance(o, list) else [o])]
    want = [v for o in expected for v in (o if isinstance(o, list) else [o])]
    assert _close(value, total.data)
    assert all(_close(a, b) for a, b in zip(compiled_grads, grads, strict=True))
    assert all(_close(a, b) for a, b in zip(flat, want, strict=True))


def test_compiled_loss_adds_into_grad_as_backward_does() -> None:
    X, y = _data("hinge", 10)
    model = nn.MLP(2, [4, 1], seed=0)
    loss_fn = nn.compile_loss(model, X, y)
    loss_fn()
    once = [p.grad for p in model.parameters()]
    loss_fn()
    assert [p.grad for p in model.parameters()] == [2 * g for g in once]
    assert any(g != 0.0 for g in once)


def test_compiled_loss_reads_the_parameters_current_numbers() -> None:
    X, y = _data("mse", 10)
    model = nn.MLP(2, [4, 1], seed=0)
    loss_fn = nn.compile_loss(model, X, y, loss="mse")
    before = loss_fn()
    for p in model.parameters():
        p.data *= 0.5
    after = loss_fn()
    outputs = [model(x) for x in X]
    assert after != before
    assert after == nn.losses.training_loss(outputs, y, model.parameters(), nn.mse_loss, 1e-4).data


def test_the_compiled_code_loops_over_the_samples() -> None:
    X, y = _data("hinge", 30)
    source = nn.compile_loss(nn.MLP(2, [8, 8, 1], seed=0), X, y).graph.source
    assert "for " in source
    # one copy of the model and the loss in the code, not thirty: 8 + 8 ReLUs and the hinge's
    forward_relus = [line for line in source.splitlines() if line.endswith("# relu")]
    assert len(forward_relus) == 8 + 8 + 1


@pytest.mark.parametrize(("loss", "nouts", "activation"), CASES)
def test_mini_batches_compiled_follow_graph_steps_exactly_step_by_step(
    loss: str, nouts: list[int], activation: str
) -> None:
    """Batches of 4 from 10 samples: shuffled passes, the last batch of 2; bit for bit."""
    X, y = _data(loss, 10)
    runs = []
    for compile_ in (False, True):
        model = nn.MLP(2, nouts, activation=activation, seed=3)
        optimizer = nn.SGD(model.parameters(), lr=0.05, momentum=0.9)
        steps = []
        options: dict[str, Any] = {"batch_size": 4, "loss": loss, "optimizer": optimizer}
        options |= {"compile": compile_, "progress": False}
        for _ in range(3):  # 3 fits of 3 steps: each fit's parameters compared
            nn.fit(model, X, y, steps=3, seed=7, **options)
            steps.append([p.data for p in model.parameters()])
        history = nn.fit(model, X, y, steps=5, seed=1, **options)
        runs.append((history, steps, [p.data for p in model.parameters()]))
    (plain, plain_steps, plain_params), (compiled, compiled_steps, compiled_params) = runs
    assert compiled.compiled == "python" and plain.compiled == ""
    assert compiled.loss == plain.loss
    assert _same(compiled.accuracy, plain.accuracy)
    assert compiled_steps == plain_steps
    assert compiled_params == plain_params


def test_compile_loss_refuses_an_unknown_loss_and_lists_the_known_ones() -> None:
    X, y = _data("hinge", 4)
    with pytest.raises(ValueError, match="compile_loss: loss must be one of 'hinge'"):
        nn.compile_loss(nn.MLP(2, [4, 1]), X, y, loss="huber")


def test_fit_on_arrays_follows_the_engines_fit_step_by_step() -> None:
    X, y = _data("hinge", 30)
    runs = []
    for compile_ in (False, "numpy"):
        model = nn.MLP(2, [8, 8, 1], seed=4)
        history = nn.fit(model, X, y, steps=8, compile=compile_, progress=False)
        runs.append((history, list(model.state_dict().values())))
    (plain, plain_params), (arrays, array_params) = runs
    assert all(_close(a, b) for a, b in zip(arrays.loss, plain.loss, strict=True))
    assert arrays.accuracy == plain.accuracy
    assert all(_close(a, b) for a, b in zip(array_params, plain_params, strict=True))


@pytest.mark.parametrize("compile_", [False, True, "numpy"])
def test_numpy_arrays_train_as_the_same_lists_do(compile_: bool | str) -> None:
    np = pytest.importorskip("numpy")
    X, y = _data("hinge", 20)
    histories = []
    for data in ((X, y), (np.array(X), np.array(y))):
        model = nn.MLP(2, [4, 1], seed=1)
        histories.append(nn.fit(model, *data, steps=3, compile=compile_, progress=False))
    assert histories[0] == histories[1]


@pytest.mark.parametrize("compile_", ["jax", 1, None, "Python"])
def test_fit_refuses_a_compile_it_does_not_know_and_names_the_choices(compile_: object) -> None:
    X, y = _data("hinge", 4)
    with pytest.raises(
        ValueError, match="compile must be 'auto', False, True, 'python' or 'numpy'"
    ):
        nn.fit(nn.MLP(2, [4, 1]), X, y, compile=compile_, progress=False)  # type: ignore[arg-type]


def test_compile_loss_refuses_an_unknown_backend_and_names_the_two() -> None:
    X, y = _data("hinge", 4)
    with pytest.raises(ValueError, match="backend must be 'python' or 'numpy', got 'jax'"):
        nn.compile_loss(nn.MLP(2, [4, 1]), X, y, backend="jax")
