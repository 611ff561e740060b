"""Loss functions: each is the mean over the samples, one Value, built on fused sums.

The inputs are what a model returns (a Value per sample, or a list of Values per
sample for ``cross_entropy``) and the targets as plain numbers.
"""

from collections.abc import Callable, Sequence
from typing import Any

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


def _mean(terms: list[Value]) -> Value:
    return engine.sum(terms) * (1.0 / len(terms))


def _sign_label(name: str, i: int, label: object) -> float:
    if label == 1:
        return 1.0
    if label in (0, -1):
        return -1.0
    raise ValueError(f"{name}: labels[{i}] must be 0 or 1 (or -1/+1), got {label!r}")


def mse_loss(preds: Sequence[Value], targets: Sequence[float]) -> Value:
    """Return the mean squared error ``mean((pred - target) ** 2)``."""
    _check_pairs("mse_loss", preds, targets)
    return _mean([(p - t) ** 2 for p, t in zip(preds, targets, strict=True)])


def hinge_loss(scores: Sequence[Value], labels: Sequence[int]) -> Value:
    """Return micrograd's max-margin loss ``mean(relu(1 - y * score))``, ``y`` in {-1, +1}.

    Labels may be -1/+1 or 0/1; 0 is read as -1.
    """
    _check_pairs("hinge_loss", scores, labels)
    ys = [_sign_label("hinge_loss", i, y) for i, y in enumerate(labels)]
    return _mean([(1.0 - y * s).relu() for s, y in zip(scores, ys, strict=True)])


def binary_cross_entropy(logits: Sequence[Value], labels: Sequence[int]) -> Value:
    """Return the mean binary cross-entropy of labels 0/1 given logits (not probabilities).

    Written as ``softplus(z) - y * z``, which equals ``-log(sigmoid(z))`` for y = 1
    and ``-log(1 - sigmoid(z))`` for y = 0 but never takes the log of 0: it stays
    finite and exact for logits of +-1000.
    """
    _check_pairs("binary_cross_entropy", logits, labels)
    terms = []
    for i, (z, y) in enumerate(zip(logits, labels, strict=True)):
        if y not in (0, 1):
            raise ValueError(f"binary_cross_entropy: labels[{i}] must be 0 or 1, got {y!r}")
        terms.append(z.softplus() - z if y == 1 else z.softplus())
    return _mean(terms)


def cross_entropy(logits: Sequence[Sequence[Value]], labels: Sequence[int]) -> Value:
    """Return the mean of ``-log softmax(logits)[label]`` over the samples.

    Each sample's term is ``logsumexp(logits) - logits[label]``: one fused, stable
    node, so logits of +-1000 are fine.
    """
    _check_pairs("cross_entropy", logits, labels)
    terms = []
    for i, (row, label) in enumerate(zip(logits, labels, strict=True)):
        if isinstance(row, Value) or not isinstance(row, Sequence) or not row:
            raise TypeError(
                f"cross_entropy: logits[{i}] must be a non-empty list of Values (one per class)"
            )
        if isinstance(label, bool) or not isinstance(label, int) or not 0 <= label < len(row):
            raise ValueError(
                f"cross_entropy: labels[{i}] must be a class index in 0..{len(row) - 1}, "
                f"got {label!r}"
            )
        terms.append(engine.logsumexp(row) - row[label])
    return _mean(terms)


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
