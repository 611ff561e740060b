"""The array yardstick: the backpropagation algorithm on the whole batch in numpy, plainly.

What a student writes after learning the matrix form: a forward pass keeping each
layer's ``a`` and ``h`` for all samples at once, the error signals from the output
back (``delta = (W.T @ delta) * f'(a)``, the algorithm's equation (4), the recursion),
the gradients ``delta @ h.T`` of its equation (5), summed over the samples; then the L2
term and the SGD update. No graph, no engine.
"""

from typing import Any

import numpy as np

Array = Any


def moons_loss_and_grads(
    weights: list[Array], biases: list[Array], X: Array, signs: Array, alpha: float
) -> tuple[float, list[Array], list[Array]]:
    """Return the loss (mean hinge + alpha * sum of squares) and its gradients.

    ``X`` is (features, samples), one column per sample; ``signs`` the labels as -1/+1.
    ``weights[l]`` is (outputs, inputs) and ``biases[l]`` (outputs, 1).
    """
    last = len(weights) - 1
    n = X.shape[1]
    hs, pre = [X], []
    for l, (W, b) in enumerate(zip(weights, biases, strict=True)):
        a = W @ hs[-1] + b  # a^l = W^l h^(l-1) + b^l
        pre.append(a)
        hs.append(a if l == last else np.maximum(a, 0.0))
    margin = 1.0 - signs * hs[-1][0]
    data_loss = np.maximum(margin, 0.0).sum() / n
    pairs = zip(weights, biases, strict=True)
    squares = sum(float((W * W).sum() + (b * b).sum()) for W, b in pairs)
    # delta^L = dL/dh^L (the output layer is linear), then the recursion back.
    delta = np.where(margin > 0.0, -signs / n, 0.0)[None, :]
    gw: list[Array] = [np.empty(0)] * len(weights)
    gb: list[Array] = [np.empty(0)] * len(weights)
    for l in range(last, -1, -1):
        gw[l] = delta @ hs[l].T + 2.0 * alpha * weights[l]
        gb[l] = delta.sum(axis=1, keepdims=True) + 2.0 * alpha * biases[l]
        if l:
            delta = (weights[l].T @ delta) * (pre[l - 1] > 0.0)
    return float(data_loss + alpha * squares), gw, gb


def sgd(
    weights: list[Array], biases: list[Array], gw: list[Array], gb: list[Array], lr: float
) -> None:
    """Update the weights in place: p -= lr * grad."""
    for W, b, dW, db in zip(weights, biases, gw, gb, strict=True):
        W -= lr * dW
        b -= lr * db
