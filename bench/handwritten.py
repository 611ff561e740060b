"""The hand-written yardstick: the same programs on plain floats, with no graph at all.

The moons step is the backpropagation algorithm written plainly, as a student would: for each
sample a forward pass keeping ``a`` and ``h``, the error signals from the output back,
the weight and bias gradients added up; then the L2 term and the SGD update.
"""

Weights = list[list[list[float]]]
Biases = list[list[float]]


def relu(a: float) -> float:
    """Return max(0, a)."""
    return a if a > 0.0 else 0.0


def moons_loss_and_grads(
    weights: Weights, biases: Biases, X: list[list[float]], y: list[int], alpha: float
) -> tuple[float, Weights, Biases]:
    """Return the loss (mean hinge + alpha * sum of squares) and its gradients."""
    last = len(weights) - 1
    gw = [[[0.0] * len(row) for row in layer] for layer in weights]
    gb = [[0.0] * len(layer) for layer in biases]
    n = len(X)
    total = 0.0
    for x, label in zip(X, y, strict=True):
        # Forward: a^l = W^l h^(l-1) + b^l and h^l = relu(a^l); the last layer is linear.
        hs = [x]
        pre = []
        for l in range(last + 1):
            h = hs[-1]
            a = [
                sum([w * v for w, v in zip(row, h, strict=True)]) + b
                for row, b in zip(weights[l], biases[l], strict=True)
            ]
            pre.append(a)
            hs.append(a if l == last else [relu(v) for v in a])
        sign = 1.0 if label == 1 else -1.0
        margin = 1.0 - sign * hs[-1][0]
        total += relu(margin)
        # Backward: delta^L = dL/dh^L f'(a^L), then delta^l = (W^(l+1))^T delta^(l+1) f'(a^l).
        delta = [-sign / n if margin > 0.0 else 0.0]
        for l in range(last, -1, -1):
            h = hs[l]
            for j, d in enumerate(delta):
                gb[l][j] += d
                row = gw[l][j]
                for i, v in enumerate(h):
                    row[i] += d * v
            if l:
                below = pre[l - 1]
                delta = [
                    sum([weights[l][k][i] * delta[k] for k in range(len(delta))])
                    if below[i] > 0.0
                    else 0.0
                    for i in range(len(below))
                ]
    squares = 0.0
    for l in range(last + 1):
        for j, row in enumerate(weights[l]):
            for i, w in enumerate(row):
                squares += w * w
                gw[l][j][i] += 2.0 * alpha * w
            squares += biases[l][j] ** 2
            gb[l][j] += 2.0 * alpha * biases[l][j]
    return total / n + alpha * squares, gw, gb


def sgd(weights: Weights, biases: Biases, gw: Weights, gb: Biases, lr: float) -> None:
    """Update the weights in place: p -= lr * grad."""
    for l, layer in enumerate(weights):
        for j, row in enumerate(layer):
            for i in range(len(row)):
                row[i] -= lr * gw[l][j][i]
            biases[l][j] -= lr * gb[l][j]


def chain(n: int) -> float:
    """y = relu(y * 1.0001 + 0.0001), n times from 0.5, and dy/dx by the chain rule."""
    ys = [0.5]
    for _ in range(n):
        ys.append(relu(ys[-1] * 1.0001 + 0.0001))
    grad = 1.0
    for k in range(n, 0, -1):
        grad *= 1.0001 if ys[k - 1] * 1.0001 + 0.0001 > 0.0 else 0.0
    return grad


def wide_sum(ws: list[float], xs: list[float]) -> tuple[float, list[float], list[float]]:
    """sum(w_i * x_i) and its gradients by w and by x."""
    return sum([w * x for w, x in zip(ws, xs, strict=True)]), list(xs), list(ws)
