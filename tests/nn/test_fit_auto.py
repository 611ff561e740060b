"""nn.fit's compile="auto" default, its fallback to graph steps, compile="numpy", mini-batches.

The reference is always ``compile=False``: the graph built at each step and ``backward()``.
Compiled Python steps equal it bit for bit; numpy steps to a relative 1e-9 after 10 steps
(measured: losses and parameters within 3e-13, gradients within 1.2e-12 relative).
"""

import contextlib
import random
import warnings
from collections.abc import Callable, Sequence
from typing import Any

import pytest

import engine
import nn
from nn.training import _batches

MOONS = nn.make_moons(100, noise=0.1, seed=1)
SMALL = nn.make_moons(40, noise=0.2, seed=2)
RTOL = 1e-9  # numpy against graph steps, after 10 steps
FLOOR = 1e-15  # below it, a number that cancels to about 0 is compared absolutely


def params_of(model: nn.Module) -> tuple[list[float], list[float]]:
    ps = model.parameters()
    return [p.data for p in ps], [p.grad for p in ps]


def close(a: Sequence[float], b: Sequence[float], rtol: float = RTOL) -> bool:
    return len(a) == len(b) and all(
        abs(x - z) <= rtol * abs(z) + FLOOR for x, z in zip(a, b, strict=True)
    )


def quietly(model: nn.Module, *data: Any, **options: Any) -> nn.History:
    """``nn.fit`` with any warning turned into an error, and no progress bar."""
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        return nn.fit(model, *data, progress=False, **options)


# -- compile="auto" compiles the README's examples -----------------------------------------


@pytest.mark.parametrize(
    ("batch_size", "steps"),
    [
        pytest.param(None, 3, id="full-batch"),
        # 100 samples by 32: 32, 32, 32, 4, then the next shuffled pass: 32, 32
        pytest.param(32, 6, id="batches-of-32-past-an-epoch"),
    ],
)
def test_auto_compiles_the_readme_example_and_gives_graph_steps_numbers_exactly(
    batch_size: int | None, steps: int
) -> None:
    runs = []
    for compile_ in ("auto", False):
        model = nn.MLP(2, [16, 16, 1], seed=1337)
        history = quietly(
            model,
            *MOONS,
            steps=steps,
            batch_size=batch_size,
            seed=5,
            compile=compile_,
        )
        runs.append((history, params_of(model)))
    (auto, auto_params), (graph, graph_params) = runs
    assert auto.compiled == "python" and auto.note == ""
    assert graph.compiled == "" and graph.note == ""
    assert auto.loss == graph.loss
    assert auto.accuracy == graph.accuracy
    assert auto_params == graph_params
    assert len(set(auto.loss)) == steps  # the steps trained: each loss its own


def test_auto_compiles_cross_entropy_on_the_full_batch_exactly() -> None:
    X, _ = SMALL
    y = [i % 3 for i in range(len(X))]
    runs = []
    for compile_ in ("auto", False):
        model = nn.MLP(2, [6, 3], seed=6)
        history = quietly(model, X, y, steps=4, loss="cross_entropy", compile=compile_)
        runs.append((history, params_of(model)))
    assert runs[0][0].compiled == "python" and runs[0][0].note == ""
    assert runs[0][0].loss == runs[1][0].loss
    assert runs[0][1] == runs[1][1]


@pytest.mark.parametrize(
    ("make", "loss"),
    [
        pytest.param(lambda: nn.Neuron(2, seed=14), "hinge", id="Neuron"),
        pytest.param(lambda: nn.Layer(2, 1, seed=14), "bce", id="Layer-1"),
        pytest.param(lambda: nn.Layer(2, 3, seed=14), "cross_entropy", id="Layer-3"),
    ],
)
@pytest.mark.parametrize("batch_size", [None, 8])
def test_auto_compiles_nn_neurons_and_layers_too(
    make: Callable[[], nn.Module], loss: str, batch_size: int | None
) -> None:
    X, y = SMALL
    if loss == "cross_entropy":
        y = [i % 3 for i in range(len(X))]
    runs = []
    for compile_ in ("auto", False):
        model = make()
        options = {"steps": 3, "batch_size": batch_size, "seed": 1, "loss": loss}
        runs.append((quietly(model, X, y, compile=compile_, **options), params_of(model)))
    (auto, auto_params), (graph, graph_params) = runs
    assert auto.compiled == "python" and auto.note == ""
    assert auto.loss == graph.loss
    assert auto_params == graph_params


# -- compile="auto" builds graphs where compiling cannot apply, and says why -----------------


class Subclassed(nn.MLP):
    """An MLP of the user's: its code might branch on the numbers."""


class Own(nn.Module):
    """A model of the user's own, one nn.MLP inside."""

    _fields = ("inner",)

    def __init__(self, seed: int) -> None:
        self.inner = nn.MLP(2, [4, 1], seed=seed)

    def __call__(self, x: Sequence[float]) -> Any:
        return self.inner(x)


FALLBACKS = [
    pytest.param(
        lambda: Subclassed(2, [4, 1], seed=7),
        SMALL,
        contextlib.nullcontext,
        "Subclassed is not one of nn's models",
        id="subclass-of-MLP",
    ),
    pytest.param(
        lambda: Own(7),
        SMALL,
        contextlib.nullcontext,
        "Own is not one of nn's models",
        id="own-Module",
    ),
    pytest.param(
        lambda: nn.MLP(2, [4, 1], seed=7),
        SMALL,
        engine.detect_anomaly,
        r"a mode is on \(detect_anomaly",
        id="detect_anomaly",
    ),
    pytest.param(
        lambda: nn.MLP(2, [4, 1], seed=7),
        (SMALL[0][:3], SMALL[1][:3]),
        contextlib.nullcontext,
        "with 3 samples per step nothing repeats",
        id="3-samples",
    ),
]


@pytest.mark.parametrize(("make", "data", "mode", "why"), FALLBACKS)
def test_auto_falls_back_to_graph_steps_with_a_one_line_warning_and_their_numbers(
    make: Callable[[], nn.Module], data: Any, mode: Callable[[], Any], why: str
) -> None:
    model = make()
    with mode(), pytest.warns(UserWarning, match=f"^fit: compile='auto' builds .*{why}") as caught:
        history = nn.fit(model, *data, steps=3, progress=False)
    assert len(caught) == 1
    assert "\n" not in str(caught[0].message)
    assert history.compiled == ""
    assert history.note.startswith("compile='auto' builds the graph at each step")
    assert why.replace("\\", "") in history.note
    graph_model = make()
    with mode():
        graph = quietly(graph_model, *data, steps=3, compile=False)
    assert history.loss == graph.loss
    assert params_of(model) == params_of(graph_model)


@pytest.mark.parametrize("compile_", [True, "python"])
def test_compile_true_compiles_a_subclass_of_mlp_without_a_note(compile_: bool | str) -> None:
    runs = []
    for c in (compile_, False):
        model = Subclassed(2, [4, 4, 1], seed=8)
        history = quietly(model, *SMALL, steps=3, compile=c)
        runs.append((history, params_of(model)))
    assert runs[0][0].compiled == "python" and runs[0][0].note == ""
    assert runs[0][0].loss == runs[1][0].loss
    assert runs[0][1] == runs[1][1]


# -- compile="numpy": arrays, against graph steps -------------------------------------------


def make_optimizer(kind: str, model: nn.MLP) -> nn.Optimizer | None:
    if kind == "default":
        return None  # fit's own: SGD lr 1.0 decaying to 0.1
    if kind == "momentum":
        return nn.SGD(model.parameters(), lr=0.1, momentum=0.9)
    return nn.Adam(model.parameters(), lr=0.02)


@pytest.mark.parametrize("batch_size", [None, 16])
@pytest.mark.parametrize("kind", ["default", "momentum", "adam"])
def test_compile_numpy_follows_graph_steps_to_1e_9_after_10_steps(
    kind: str, batch_size: int | None
) -> None:
    pytest.importorskip("numpy")
    runs = []
    for compile_ in ("numpy", False):
        model = nn.MLP(2, [8, 8, 1], seed=9)
        optimizer = make_optimizer(kind, model)
        history = quietly(
            model,
            *SMALL,
            steps=10,
            batch_size=batch_size,
            seed=3,
            optimizer=optimizer,
            compile=compile_,
        )
        runs.append((history, model, optimizer))
    (arrays, model, optimizer), (graph, graph_model, _) = runs
    assert arrays.compiled == "numpy" and arrays.note == ""
    assert close(arrays.loss, graph.loss)
    assert arrays.accuracy == graph.accuracy
    data, grads = params_of(model)
    graph_data, graph_grads = params_of(graph_model)
    assert close(data, graph_data)  # the trained numbers reached the Values
    assert close(grads, graph_grads)  # and the last step's gradients
    assert any(g != 0.0 for g in grads)
    if optimizer is not None:  # it works on the Values again
        for p in model.parameters():
            p.grad = 1.0
        optimizer.step()
        assert all(a < b for a, b in zip(params_of(model)[0], data, strict=True))


class StopsOnThirdStep(nn.SGD):
    """SGD that raises on its third step, before changing anything."""

    calls = 0

    def step(self) -> None:
        self.calls += 1
        if self.calls == 3:
            raise RuntimeError("interrupted on step 3")
        super().step()


@pytest.mark.parametrize("compile_", ["numpy", True])
def test_a_fit_interrupted_mid_training_leaves_the_last_completed_steps_numbers(
    compile_: bool | str,
) -> None:
    """The third step raises in optimizer.step(): the parameters keep step 2's numbers and
    .grad holds the gradients of step 3 (computed before the optimizer raised), as with
    graph steps; afterwards the optimizer works on the Values."""
    if compile_ == "numpy":
        pytest.importorskip("numpy")
    runs = []
    for c in (compile_, False):
        model = nn.MLP(2, [4, 4, 1], seed=10)
        optimizer = StopsOnThirdStep(model.parameters(), lr=0.1, momentum=0.5)
        with pytest.raises(RuntimeError, match="interrupted on step 3"):
            nn.fit(model, *SMALL, steps=5, optimizer=optimizer, progress=False, compile=c)
        runs.append((model, optimizer))
    (model, optimizer), (graph_model, _) = runs
    two = nn.MLP(2, [4, 4, 1], seed=10)
    nn.fit(
        two,
        *SMALL,
        steps=2,
        optimizer=nn.SGD(two.parameters(), lr=0.1, momentum=0.5),
        progress=False,
        compile=False,
    )
    data, grads = params_of(model)
    rtol = 0.0 if compile_ is True else RTOL  # compiled Python: bit for bit
    assert close(data, params_of(two)[0], rtol)
    assert close(data, params_of(graph_model)[0], rtol)
    assert close(grads, params_of(graph_model)[1], rtol)
    assert grads != params_of(two)[1]  # step 3's gradients, not step 2's
    optimizer.step()  # the fourth call steps, on the Values
    assert params_of(model)[0] != data


# -- mini-batches ------------------------------------------------------------------------


def test_each_pass_covers_every_sample_once_in_batches_the_last_one_smaller() -> None:
    batches = _batches(10, 4, random.Random(0))
    taken = [next(batches) for _ in range(9)]
    assert [len(b) for b in taken] == [4, 4, 2] * 3
    passes = [[i for b in taken[k : k + 3] for i in b] for k in (0, 3, 6)]
    assert all(sorted(p) == list(range(10)) for p in passes)
    assert len({tuple(p) for p in passes}) == 3  # each pass shuffled anew


def test_a_batch_size_dividing_the_samples_gives_equal_batches() -> None:
    batches = _batches(8, 4, random.Random(1))
    taken = [next(batches) for _ in range(4)]
    assert [len(b) for b in taken] == [4, 4, 4, 4]
    assert sorted(taken[0] + taken[1]) == sorted(taken[2] + taken[3]) == list(range(8))


def test_no_batch_size_gives_every_sample_in_order_at_each_step() -> None:
    batches = _batches(5, None, random.Random(0))
    assert [next(batches) for _ in range(3)] == [[0, 1, 2, 3, 4]] * 3


def test_a_batch_size_larger_than_the_data_gives_all_samples_each_step() -> None:
    batches = _batches(5, 8, random.Random(2))
    taken = [next(batches) for _ in range(4)]
    assert all(sorted(b) == [0, 1, 2, 3, 4] for b in taken)
    X, y = SMALL
    histories = []
    for batch_size in (len(X) + 10, None):
        model = nn.MLP(2, [4, 1], seed=11)
        histories.append(quietly(model, X, y, steps=4, batch_size=batch_size, seed=0))
    shuffled, full = histories
    assert shuffled.compiled == full.compiled == "python"
    # The same samples each step, added in another order: the same loss to the last bits.
    assert close(shuffled.loss, full.loss, 1e-12)
    assert shuffled.accuracy == full.accuracy


def test_mini_batches_with_a_seed_are_the_same_on_every_run() -> None:
    histories = []
    for _ in range(2):
        model = nn.MLP(2, [4, 1], seed=12)
        histories.append(nn.fit(model, *SMALL, steps=6, batch_size=16, seed=3, progress=False))
    assert histories[0] == histories[1]


# -- compile's values ---------------------------------------------------------------------


@pytest.mark.parametrize("compile_", ["jax", "Python", "NUMPY", "", None, 0, 1, 1.0, "true"])
def test_compile_refuses_other_values_and_lists_the_known_ones(compile_: object) -> None:
    message = r"fit: compile must be 'auto', False, True, 'python' or 'numpy', got "
    with pytest.raises(ValueError, match=message):
        nn.fit(nn.MLP(2, [4, 1], seed=13), *SMALL, steps=1, progress=False, compile=compile_)
