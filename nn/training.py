"""``fit``: a small training loop for demos, with a progress bar and a history."""

import contextlib
import functools
import math
import random
import sys
import warnings
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

import engine
from engine import Value, mode
from nn.compiled import CompiledLoss, compile_loss
from nn.datasets import as_lists
from nn.layers import MLP, Layer, Neuron
from nn.losses import LOSSES, check_loss_name, training_loss
from nn.optim import SGD, LinearLR, Optimizer


@dataclass
class History:
    """What ``fit`` saw at each step: the loss (L2 term included) and the batch's accuracy."""

    loss: list[float] = field(default_factory=list)
    accuracy: list[float] = field(default_factory=list)
    compiled: str = ""
    """The backend the steps ran as compiled code ("python", "numpy"), or "" for graph steps."""
    note: str = ""
    """Why ``compile="auto"`` built the graph at each step, or ""."""


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
    compile: bool | str = "auto",  # noqa: A002 - the name users know from torch.compile
) -> History:
    """Train ``model`` on ``(X, y)`` for ``steps`` steps; return the loss and accuracy per step.

    Each step: forward the batch, ``loss + alpha * sum(p * p)`` (micrograd's L2
    term), ``zero_grad``, ``backward``, ``optimizer.step()``. The default
    optimizer is micrograd's recipe: SGD with lr 1.0 decaying linearly to 0.1
    over the steps. ``batch_size=None`` uses all the data each step; otherwise
    each pass over the data is shuffled with ``seed`` and cut into batches, the last
    one smaller when ``batch_size`` does not divide the samples. ``progress=None``
    shows a tqdm bar only when stderr is a terminal.

    ``compile="auto"`` (the default) records the step's graph once and runs it as
    generated Python ([`nn.compile_loss`][nn.compile_loss]) when that graph repeats
    (the same model on each sample): the engine's numbers bit for bit, several times
    faster. Where it cannot compile (a model of your own, whose code may branch on
    the numbers; ``detect_anomaly``; a batch too small to repeat), it builds the
    graph at each step, as ``compile=False`` always does, and says why in a note.
    ``compile=True`` (or ``"python"``) compiles or fails. ``compile="numpy"`` runs
    each batch as arrays, a layer as one matrix product, with the parameters kept in
    one array that the optimizer updates in place (written back when training ends):
    the same numbers to about 1e-12 per step. ``X`` and ``y`` may be lists or numpy
    arrays. Graph steps run with Python's cyclic collector paused
    ([`engine.collector_paused`][engine.collector_paused]): the graph is freed as the
    step ends.
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
    if not isinstance(compile, bool | str) or compile not in _BACKENDS:
        raise ValueError(
            f"fit: compile must be 'auto', False, True, 'python' or 'numpy', got {compile!r}"
        )
    if optimizer is not None and not isinstance(optimizer, Optimizer):
        raise TypeError(f"fit: optimizer must be an nn optimizer, got {type(optimizer).__name__}")

    params = model.parameters()
    batches = _batches(len(X), batch_size, random.Random(seed))
    first = next(batches)
    compiled, as_data, note = _compiled(model, X, y, first, batch_size, loss, alpha, compile)
    if note:
        warnings.warn(f"fit: {note}", stacklevel=2)
    schedule = None
    if optimizer is None:
        optimizer = SGD(params, lr=1.0)
        schedule = LinearLR(optimizer, 1.0, 0.1, total_steps=steps)
    history = History(compiled="" if compiled is None else compiled.backend, note=note)
    show = sys.stderr.isatty() if progress is None else bool(progress)
    if show:
        # Imported only to draw a bar: nn runs without tqdm where none is drawn (the browser).
        from tqdm import tqdm

        bar: Any = tqdm(range(steps), desc="training", leave=False)
    else:
        bar = range(steps)
    # With backend="numpy" the parameters live in one array between steps, and reach
    # the model's Values when training ends, however it ends.
    with (
        compiled.arrays(optimizer, each_step=False)
        if compiled is not None and compiled.fits_arrays(optimizer)
        else contextlib.nullcontext()
    ) as arrays:
        batch = first
        for k in bar:
            if k:
                batch = next(batches)
            if batch_size is None:
                take: tuple[Any, Any] = (X, y) if as_data else (None, None)
                labels = y
            else:
                take = ([X[i] for i in batch], [y[i] for i in batch])
                labels = take[1]
            if arrays is not None:
                value = arrays(*take)
            elif compiled is not None:
                optimizer.zero_grad()
                value = compiled(*take)
                optimizer.step()
            else:
                # The step's graph has no reference cycles, so reference counting frees it
                # as the step returns; the collector paused meanwhile would only walk it.
                with engine.collector_paused():
                    value, right = _graph_step(model, X, y, batch, params, loss, alpha, optimizer)
                optimizer.step()
            if compiled is not None:
                right = accuracy(compiled.outputs, labels, loss)
            if schedule is not None:
                schedule.step()
            history.loss.append(value)
            history.accuracy.append(right)
            if show:
                bar.set_postfix(loss=f"{value:.4f}", accuracy=f"{right:.0%}")
    return history


_BACKENDS: dict[bool | str, str | None] = {
    "auto": "auto",
    False: None,
    True: "python",
    "python": "python",
    "numpy": "numpy",
}


def _batches(samples: int, batch_size: int | None, rng: random.Random) -> Iterator[list[int]]:
    """Yield each step's sample indices: all of them, or batches of each shuffled pass."""
    order = list(range(samples))
    if batch_size is None:
        while True:
            yield order
    while True:
        rng.shuffle(order)
        for start in range(0, samples, batch_size):
            yield order[start : start + batch_size]


_GRAPH_STEPS = "compile='auto' builds the graph at each step"


def _compiled(
    model: MLP,
    X: Sequence[Sequence[float]],  # noqa: N803
    y: Sequence[int],
    batch: list[int],
    batch_size: int | None,
    loss: str,
    alpha: float,
    asked: bool | str,
) -> tuple[CompiledLoss | None, bool, str]:
    """Return the compiled loss ``compile=asked`` chooses, whether it takes batches as data.

    None is graph steps; then the note says why, when "auto" chose them.
    """
    backend = _BACKENDS[asked]
    if backend is None:
        return None, False, ""
    auto = backend == "auto"
    why = _why_not_compiled(model) if auto else ""
    if why:
        return None, False, f"{_GRAPH_STEPS}: {why}"
    make = functools.partial(
        compile_loss, model, loss=loss, alpha=alpha, backend="python" if auto else backend
    )
    sample = [X[i] for i in batch], [y[i] for i in batch]
    try:
        compiled, as_data = _compile(make, X, y, sample, batch_size)
    except (ValueError, TypeError, RuntimeError) as error:
        if not auto:
            raise
        return None, False, f"{_GRAPH_STEPS}: it could not compile ({error})"
    graph, _ = compiled.prepare(*(sample if as_data else ()))
    if auto and not graph.repeats:
        why = f"with {len(batch)} samples per step nothing repeats, so compiled code would be "
        return None, False, f"{_GRAPH_STEPS}: {why}a line per node, no faster"
    return compiled, as_data, ""


def _compile(
    make: Callable[..., CompiledLoss],
    X: Sequence[Sequence[float]],  # noqa: N803
    y: Sequence[int],
    sample: tuple[list[Sequence[float]], list[int]],
    batch_size: int | None,
) -> tuple[CompiledLoss, bool]:
    """Compile the loss with the data as constants (full batches) or as data (mini-batches).

    A loss whose graph depends on the labels (cross_entropy picks each sample's logit)
    repeats only with the labels as data: then full batches take that form too.
    """
    if batch_size is None:
        compiled = make(X, y)
        if compiled.graph.repeats:
            return compiled, False
    else:
        compiled = make()
    compiled.prepare(*sample)
    return compiled, True


def _why_not_compiled(model: MLP) -> str:
    """Why compiled steps could differ from graph steps for this model, or "" if they cannot."""
    if mode.state.get():
        return "a mode is on (detect_anomaly or no_grad), which needs the graph built"
    if type(model) not in (MLP, Layer, Neuron):
        return (
            f"{type(model).__name__} is not one of nn's models, and its code may choose "
            "operations by the numbers, which a compiled step would not see; pass "
            "compile=True if it does not"
        )
    return ""


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
