"""nn.fit: history per step, micrograd's recipe reaches its accuracy, bad input."""

import gc

import pytest

import nn


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_micrograds_recipe_reaches_97_percent_on_moons(seed: int) -> None:
    X, y = nn.make_moons(n_samples=100, noise=0.1, seed=seed)
    model = nn.MLP(2, [16, 16, 1], seed=seed)
    history = nn.fit(model, X, y, steps=100, progress=False)
    assert len(history.loss) == len(history.accuracy) == 100
    assert history.accuracy[-1] >= 0.97
    assert history.loss[-1] < history.loss[0] / 5
    # the recorded accuracy is the model's: recompute it from scratch
    right = sum((model(x).data > 0) == (label == 1) for x, label in zip(X, y, strict=True))  # type: ignore[union-attr]
    assert right / len(y) >= 0.97


def test_mini_batches_with_a_seed_are_reproducible() -> None:
    X, y = nn.make_circles(40, seed=0)
    runs = []
    for _ in range(2):
        model = nn.MLP(2, [8, 1], seed=0)
        runs.append(nn.fit(model, X, y, steps=10, batch_size=8, seed=5, progress=False).loss)
    assert runs[0] == runs[1]


def test_no_progress_bar_when_asked(capsys: pytest.CaptureFixture[str]) -> None:
    X, y = nn.make_xor(20, seed=0)
    nn.fit(nn.MLP(2, [4, 1], seed=0), X, y, steps=3, progress=False)
    captured = capsys.readouterr()
    assert captured.err == "" and captured.out == ""


def test_cross_entropy_learns_a_three_class_spiral_above_chance() -> None:
    X, y = nn.make_spiral(60, noise=0.05, seed=0, n_classes=3)
    model = nn.MLP(2, [16, 16, 3], activation="tanh", seed=0)
    history = nn.fit(
        model,
        X,
        y,
        steps=60,
        loss="cross_entropy",
        optimizer=nn.Adam(model.parameters(), lr=0.05),
        progress=False,
    )
    assert history.accuracy[-1] > 0.6


@pytest.mark.parametrize(
    ("X", "y", "kwargs", "message"),
    [
        ([], [], {}, "X is empty"),
        ([[0.0, 0.0]], [0, 1], {}, "X has 1 samples but y has 2 labels"),
        ([[0.0, 0.0]], [0], {"steps": 0}, "steps must be an int >= 1"),
        ([[0.0, 0.0]], [0], {"loss": "l1"}, "loss must be one of"),
        ([[0.0, 0.0]], [0], {"alpha": -1.0}, "alpha must be a finite number >= 0"),
        ([[0.0, 0.0]], [0], {"batch_size": 0}, "batch_size must be None or an int >= 1"),
    ],
)
def test_bad_input_is_a_clear_error(X, y, kwargs, message: str) -> None:
    model = nn.MLP(2, [2, 1], seed=0)
    before = model.state_dict()
    with pytest.raises(ValueError, match=message):
        nn.fit(model, X, y, progress=False, **kwargs)
    assert model.state_dict() == before


@pytest.mark.parametrize("enabled", [True, False])
def test_each_step_runs_with_the_collector_paused_and_fit_restores_it(enabled: bool) -> None:
    X, y = nn.make_xor(20, seed=0)
    model = nn.MLP(2, [4, 1], seed=0)
    seen: list[bool] = []

    class Watching(nn.SGD):
        def zero_grad(self) -> None:  # runs inside the step, between forward and backward
            seen.append(gc.isenabled())
            super().zero_grad()

    was = gc.isenabled()
    (gc.enable if enabled else gc.disable)()
    try:
        optimizer = Watching(model.parameters(), lr=0.1)
        nn.fit(model, X, y, steps=3, optimizer=optimizer, progress=False, compile=False)
        assert gc.isenabled() is enabled
    finally:
        (gc.enable if was else gc.disable)()
    assert seen == [False, False, False]
