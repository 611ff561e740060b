"""``fit``: a small training loop for demos, with a progress bar and a history."""

import math
import random
import sys
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import engine
from engine import Value
from nn.compiled import compile_loss
from nn.datasets import as_lists
from nn.layers import MLP
from nn.losses import LOSSES, check_loss_name, training_loss
from nn.optim import SGD, LinearLR, Optimizer


@dataclass
class History:
    """What ``fit`` saw at each step: the loss (L2 term included) and the batch's accuracy."""

    loss: list[float] = field(default_factory=list)
    accuracy: list[float] = field(default_factory=list)


Output = Value | float | Sequence[Value | float]
"""One sample's output: a score, or a list of logits (as Values, or their floats)."""


def accuracy(outputs: Sequence[Output], labels: Sequence[int], loss: str) -> float:
    """Return the fraction of ``outputs`` that predict their label.

    A single score predicts class 1 when positive (hinge, bce); a list of logits
    predicts its largest (cross_entropy). For "mse" there are no classes: nan.
    """
    if loss == "mse":
        return math.nan
    right = 0
    for out, label in zip(outputs, labels, strict=True):
        if isinstance(out, Value | float | int):
            right += (_number(out) > 0.0) == (label == 1)
        else:
            scores = [_number(x) for x in out]
            right += max(range(len(scores)), key=scores.__getitem__) == label
    return right / len(labels)


def _number(x: Value | float) -> float:
    return x.data if isinstance(x, Value) else float(x)


def fit(
    model: MLP,
    X: Sequence[Sequence[float]],  # noqa: N803 - the usual name for a data matrix
    y: Sequence[int],
    *,
    steps: int = 100,
    loss: str = "hinge",
    optimizer: Optimizer | None = None,
    alpha: float = 1e-4,
    batch_size: int | None = None,
    seed: int | None = None,
    progress: bool | None = None,
    compile: bool | str = False,  # noqa: A002 - the name users know from torch.compile
) -> History:
    """Train ``model`` on ``(X, y)`` for ``steps`` steps; return the loss and accuracy per step.

    Each step: forward the batch, ``loss + alpha * sum(p * p)`` (micrograd's L2
    term), ``zero_grad``, ``backward``, ``optimizer.step()``. The default
    optimizer is micrograd's recipe: SGD with lr 1.0 decaying linearly to 0.1
    over the steps. ``batch_size=None`` uses all the data each step; otherwise
    mini-batches are drawn with ``seed``. ``progress=None`` shows a tqdm bar only
    when stderr is a terminal. Each step runs with Python's cyclic collector paused
    ([`engine.collector_paused`][engine.collector_paused]): the graph is freed as the
    step ends.

    ``compile=True`` (or ``"python"``) records the step's graph once and runs it as
    generated code ([`nn.compile_loss`][nn.compile_loss]): the same numbers, several times faster.
    ``compile="numpy"`` runs the whole batch as arrays, a layer as one matrix product:
    faster again, the same numbers to about 1e-12. Either needs full batches, as the
    compiled code holds the data it was compiled with. ``X`` and ``y`` may be lists or
    numpy arrays.
    """
    X, y = as_lists(X), as_lists(y)  # noqa: N806
    _check_data(X, y)
    if isinstance(steps, bool) or not isinstance(steps, int) or steps < 1:
        raise ValueError(f"fit: steps must be an int >= 1, got {steps!r}")
    check_loss_name("fit", loss)
    if isinstance(alpha, bool) or not isinstance(alpha, int | float) or not 0.0 <= alpha < math.inf:
        raise ValueError(f"fit: alpha must be a finite number >= 0, got {alpha!r}")
    if batch_size is not None and (
        isinstance(batch_size, bool) or not isinstance(batch_size, int) or batch_size < 1
    ):
        raise ValueError(f"fit: batch_size must be None or an int >= 1, got {batch_size!r}")
    backends: dict[bool | str, str | None] = {
        False: None,
        True: "python",
        "python": "python",
        "numpy": "numpy",
    }
    if not isinstance(compile, bool | str) or compile not in backends:
        raise ValueError(f"fit: compile must be False, True, 'python' or 'numpy', got {compile!r}")
    backend = backends[compile]
    if backend and batch_size is not None:
        raise ValueError(
            f"fit: compile={compile!r} needs batch_size=None: the compiled code holds the data "
            f"it was compiled with, so it cannot draw batches (got batch_size={batch_size!r})"
        )

    params = model.parameters()
    schedule = None
    if optimizer is None:
        optimizer = SGD(params, lr=1.0)
        schedule = LinearLR(optimizer, 1.0, 0.1, total_steps=steps)
    compiled = (
        compile_loss(model, X, y, loss=loss, alpha=alpha, backend=backend) if backend else None
    )
    rng = random.Random(seed)
    indices = list(range(len(X)))
    history = History()
    show = sys.stderr.isatty() if progress is None else bool(progress)
    if show:
        # Imported only to draw a bar: nn runs without tqdm where none is drawn (the browser).
        from tqdm import tqdm

        bar: Any = tqdm(range(steps), desc="training", leave=False)
    else:
        bar = range(steps)
    for _ in bar:
        if compiled is not None:
            optimizer.zero_grad()
            value = compiled()
            right = accuracy(compiled.outputs, y, loss)
        else:
            batch = indices if batch_size is None else rng.sample(indices, min(batch_size, len(X)))
            # The step's graph has no reference cycles, so reference counting frees it as
            # the step returns; the collector paused meanwhile would only walk it in vain.
            with engine.collector_paused():
                value, right = _graph_step(model, X, y, batch, params, loss, alpha, optimizer)
        optimizer.step()
        if schedule is not None:
            schedule.step()
        history.loss.append(value)
        history.accuracy.append(right)
        if show:
            bar.set_postfix(loss=f"{value:.4f}", accuracy=f"{right:.0%}")
    return history


def _graph_step(
    model: MLP,
    X: Sequence[Sequence[float]],  # noqa: N803
    y: Sequence[int],
    batch: list[int],
    params: list[Value],
    loss: str,
    alpha: float,
    optimizer: Optimizer,
) -> tuple[float, float]:
    """Build the batch's graph, run backward; return the loss and the batch's accuracy."""
    outputs = [model(X[i]) for i in batch]
    labels = [y[i] for i in batch]
    total = training_loss(outputs, labels, params, LOSSES[loss], alpha)
    optimizer.zero_grad()
    total.backward()
    return total.data, accuracy(outputs, labels, loss)


def _check_data(X: Sequence[Sequence[float]], y: Sequence[int]) -> None:  # noqa: N803
    for name, seq in (("X", X), ("y", y)):
        if isinstance(seq, (str, bytes)) or not isinstance(seq, Sequence):
            raise TypeError(f"fit: {name} must be a list, got {type(seq).__name__}")
    if not X:
        raise ValueError("fit: X is empty; there is nothing to train on")
    if len(X) != len(y):
        raise ValueError(f"fit: X has {len(X)} samples but y has {len(y)} labels; they must match")
