"""``fit``: a small training loop for demos, with a progress bar and a history."""

import math
import random
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from tqdm import tqdm

import engine
from engine import Value
from nn.layers import MLP
from nn.losses import binary_cross_entropy, cross_entropy, hinge_loss, mse_loss
from nn.optim import SGD, LinearLR, Optimizer

LOSSES: dict[str, Callable[..., Value]] = {
    "hinge": hinge_loss,
    "bce": binary_cross_entropy,
    "cross_entropy": cross_entropy,
    "mse": mse_loss,
}


@dataclass
class History:
    """What ``fit`` saw at each step: the loss (L2 term included) and the batch's accuracy."""

    loss: list[float] = field(default_factory=list)
    accuracy: list[float] = field(default_factory=list)


def accuracy(outputs: Sequence[Value | Sequence[Value]], labels: Sequence[int], loss: str) -> float:
    """Return the fraction of ``outputs`` that predict their label.

    A single score predicts class 1 when positive (hinge, bce); a list of logits
    predicts its largest (cross_entropy). For "mse" there are no classes: nan.
    """
    if loss == "mse":
        return math.nan
    right = 0
    for out, label in zip(outputs, labels, strict=True):
        if isinstance(out, Value):
            right += (out.data > 0.0) == (label == 1)
        else:
            right += max(range(len(out)), key=lambda k: out[k].data) == label
    return right / len(labels)


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
) -> History:
    """Train ``model`` on ``(X, y)`` for ``steps`` steps; return the loss and accuracy per step.

    Each step: forward the batch, ``loss + alpha * sum(p * p)`` (micrograd's L2
    term), ``zero_grad``, ``backward``, ``optimizer.step()``. The default
    optimizer is micrograd's recipe: SGD with lr 1.0 decaying linearly to 0.1
    over the steps. ``batch_size=None`` uses all the data each step; otherwise
    mini-batches are drawn with ``seed``. ``progress=None`` shows a tqdm bar only
    when stderr is a terminal.
    """
    _check_data(X, y)
    if isinstance(steps, bool) or not isinstance(steps, int) or steps < 1:
        raise ValueError(f"fit: steps must be an int >= 1, got {steps!r}")
    if loss not in LOSSES:
        raise ValueError(f"fit: loss must be one of {', '.join(map(repr, LOSSES))}; got {loss!r}")
    if isinstance(alpha, bool) or not isinstance(alpha, int | float) or not 0.0 <= alpha < math.inf:
        raise ValueError(f"fit: alpha must be a finite number >= 0, got {alpha!r}")
    if batch_size is not None and (
        isinstance(batch_size, bool) or not isinstance(batch_size, int) or batch_size < 1
    ):
        raise ValueError(f"fit: batch_size must be None or an int >= 1, got {batch_size!r}")

    params = model.parameters()
    schedule = None
    if optimizer is None:
        optimizer = SGD(params, lr=1.0)
        schedule = LinearLR(optimizer, 1.0, 0.1, total_steps=steps)
    loss_fn = LOSSES[loss]
    rng = random.Random(seed)
    indices = list(range(len(X)))
    history = History()
    show = sys.stderr.isatty() if progress is None else bool(progress)
    bar = tqdm(range(steps), desc="training", disable=not show, leave=False)
    for _ in bar:
        batch = indices if batch_size is None else rng.sample(indices, min(batch_size, len(X)))
        outputs = [model(X[i]) for i in batch]
        labels = [y[i] for i in batch]
        total = loss_fn(outputs, labels)
        if alpha:
            total = total + alpha * engine.sum([p * p for p in params])
        optimizer.zero_grad()
        total.backward()
        optimizer.step()
        if schedule is not None:
            schedule.step()
        history.loss.append(total.data)
        history.accuracy.append(accuracy(outputs, labels, loss))
        bar.set_postfix(loss=f"{total.data:.4f}", accuracy=f"{history.accuracy[-1]:.0%}")
    return history


def _check_data(X: Sequence[Sequence[float]], y: Sequence[int]) -> None:  # noqa: N803
    for name, seq in (("X", X), ("y", y)):
        if isinstance(seq, (str, bytes)) or not isinstance(seq, Sequence):
            raise TypeError(f"fit: {name} must be a list, got {type(seq).__name__}")
    if not X:
        raise ValueError("fit: X is empty; there is nothing to train on")
    if len(X) != len(y):
        raise ValueError(f"fit: X has {len(X)} samples but y has {len(y)} labels; they must match")
