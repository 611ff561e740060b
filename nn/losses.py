"""Loss functions: each is the mean over the samples, one Value, built on fused sums.

The inputs are what a model returns (a Value per sample, or a list of Values per
sample for ``cross_entropy``) and the targets as plain numbers. Each loss is the mean
of one term per sample, ``term(output, code)``, where ``code`` is the numbers the term
reads of the sample's label (``encode``): floats here, or the data leaves of a graph
compiled once for every batch (``nn.compile_loss``), which must compute the same.
"""

from collections.abc import Callable, Sequence
from typing import Any, NamedTuple

import engine
from engine import Value


def _check_pairs(name: str, preds: Sequence[object], targets: Sequence[object]) -> int:
    for arg, seq in (("predictions", preds), ("targets", targets)):
        if isinstance(seq, (str, bytes, Value)) or not isinstance(seq, Sequence):
            raise TypeError(f"{name}: {arg} must be a list, got {type(seq).__name__}")
    if len(preds) != len(targets):
        raise ValueError(
            f"{name}: got {len(preds)} predictions but {len(targets)} targets; they must match"
        )
    if not preds:
        raise ValueError(f"{name}: needs at least one sample, got none")
    return len(preds)


def mean(terms: list[Value]) -> Value:
    """Return the mean of the samples' terms: their sum times ``1 / n``."""
    return engine.sum(terms) * (1.0 / len(terms))


def _sign_label(name: str, i: int, label: object) -> float:
    if label == 1:
        return 1.0
    if label in (0, -1):
        return -1.0
    raise ValueError(f"{name}: labels[{i}] must be 0 or 1 (or -1/+1), got {label!r}")


Code = Sequence[Value | float]
"""The numbers a loss's term reads of one label: floats, or a compiled graph's data leaves."""


def _target(name: str, i: int, target: object, width: int) -> list[float]:
    if isinstance(target, bool) or not isinstance(target, int | float):
        raise TypeError(f"{name}: targets[{i}] must be a number, got {type(target).__name__}")
    return [float(target)]


def _mse_term(pred: Value, code: Code) -> Value:
    return (pred - code[0]) ** 2


def mse_loss(preds: Sequence[Value], targets: Sequence[float]) -> Value:
    """Return the mean squared error ``mean((pred - target) ** 2)``."""
    _check_pairs("mse_loss", preds, targets)
    return mean([_mse_term(p, [t]) for p, t in zip(preds, targets, strict=True)])


def _signs(name: str, i: int, label: object, width: int) -> list[float]:
    return [_sign_label(name, i, label)]


def _hinge_term(score: Value, code: Code) -> Value:
    return (1.0 - code[0] * score).relu()


def hinge_loss(scores: Sequence[Value], labels: Sequence[int]) -> Value:
    """Return micrograd's max-margin loss ``mean(relu(1 - y * score))``, ``y`` in {-1, +1}.

    Labels may be -1/+1 or 0/1; 0 is read as -1.
    """
    _check_pairs("hinge_loss", scores, labels)
    codes = [_signs("hinge_loss", i, y, 1) for i, y in enumerate(labels)]
    return mean([_hinge_term(s, c) for s, c in zip(scores, codes, strict=True)])


def _flips(name: str, i: int, label: object, width: int) -> list[float]:
    if label not in (0, 1) or isinstance(label, bool):
        raise ValueError(f"{name}: labels[{i}] must be 0 or 1, got {label!r}")
    return [-1.0 if label == 1 else 1.0]


def _bce_term(logit: Value, code: Code) -> Value:
    return (logit * code[0]).softplus()


def binary_cross_entropy(logits: Sequence[Value], labels: Sequence[int]) -> Value:
    """Return the mean binary cross-entropy of labels 0/1 given logits (not probabilities).

    Written as ``softplus(-z)`` for y = 1 and ``softplus(z)`` for y = 0, which equal
    ``-log(sigmoid(z))`` and ``-log(1 - sigmoid(z))`` but never take the log of 0: it
    stays finite and exact for logits of +-1000.
    """
    _check_pairs("binary_cross_entropy", logits, labels)
    codes = [_flips("binary_cross_entropy", i, y, 1) for i, y in enumerate(labels)]
    return mean([_bce_term(z, c) for z, c in zip(logits, codes, strict=True)])


def _one_hot(name: str, i: int, label: object, width: int) -> list[float]:
    if isinstance(label, bool) or not isinstance(label, int) or not 0 <= label < width:
        raise ValueError(
            f"{name}: labels[{i}] must be a class index in 0..{width - 1}, got {label!r}"
        )
    return [1.0 if k == label else 0.0 for k in range(width)]


def _cross_entropy_term(row: Sequence[Value], code: Code) -> Value:
    # A graph compiled for every batch picks the label's logit with a dot by the one-hot
    # row: the same number, for finite logits, as the index it stands for.
    picked = row[code.index(1.0)] if isinstance(code[0], float) else engine.dot(code, row)
    return engine.logsumexp(row) - picked


def cross_entropy(logits: Sequence[Sequence[Value]], labels: Sequence[int]) -> Value:
    """Return the mean of ``-log softmax(logits)[label]`` over the samples.

    Each sample's term is ``logsumexp(logits) - logits[label]``: one fused, stable
    node, so logits of +-1000 are fine.
    """
    _check_pairs("cross_entropy", logits, labels)
    for i, row in enumerate(logits):
        if isinstance(row, Value) or not isinstance(row, Sequence) or not row:
            raise TypeError(
                f"cross_entropy: logits[{i}] must be a non-empty list of Values (one per class)"
            )
    codes = [
        _one_hot("cross_entropy", i, y, len(r))
        for i, (y, r) in enumerate(zip(labels, logits, strict=True))
    ]
    return mean([_cross_entropy_term(r, c) for r, c in zip(logits, codes, strict=True)])


class Term(NamedTuple):
    """A loss as one term per sample: the label's numbers (``encode``), the term of them."""

    encode: Callable[[str, int, Any, int], list[float]]
    """``encode(caller, i, label, outputs)``: the numbers of sample i's label, checked."""
    term: Callable[[Any, Code], Value]
    """``term(output, code)``: the sample's loss, from its output and its label's numbers."""


TERMS: dict[str, Term] = {
    "hinge": Term(_signs, _hinge_term),
    "bce": Term(_flips, _bce_term),
    "cross_entropy": Term(_one_hot, _cross_entropy_term),
    "mse": Term(_target, _mse_term),
}
"""Each loss of ``LOSSES`` as its per-sample term, for a graph that takes labels as data."""


LOSSES: dict[str, Callable[..., Value]] = {
    "hinge": hinge_loss,
    "bce": binary_cross_entropy,
    "cross_entropy": cross_entropy,
    "mse": mse_loss,
}
"""The losses ``nn.fit`` and ``nn.compile_loss`` know, by the name they take."""


def check_loss_name(caller: str, loss: object) -> Callable[..., Value]:
    """Return the loss function called ``loss``, or raise a ValueError listing the names."""
    if not isinstance(loss, str) or loss not in LOSSES:
        names = ", ".join(map(repr, LOSSES))
        raise ValueError(f"{caller}: loss must be one of {names}; got {loss!r}")
    return LOSSES[loss]


def training_loss(
    outputs: Sequence[Any],
    labels: Sequence[int],
    params: Sequence[Value],
    loss: Callable[..., Value],
    alpha: float,
) -> Value:
    """Return ``loss(outputs, labels) + alpha * sum(p * p)``, micrograd's L2-regularised loss.

    ``outputs`` holds the model's output per sample: a Value, or a list of Values.
    The sum of squares is one ``dot`` node of the parameters with themselves.
    """
    total = loss(outputs, labels)
    if alpha:
        total = total + alpha * engine.dot(params, params)
    return total
