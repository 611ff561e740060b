"""The backpropagation algorithm, layer by layer on plain floats: no graph, no engine.

This module exists to teach. [`backprop`][nn.backprop.backprop] computes equations (1) to
(5) of the backpropagation algorithm (Rumelhart, Hinton and Williams, 1986), numbered as
the course's page "The backpropagation algorithm" (``docs/algorithm.md``) numbers them: a
line of code per equation, and each step names the equation it implements. It gives the
same gradients as the engine's ``backward()`` (the tests check it to 1e-9), so a student
can see that the graph-walking engine and the layer-wise algorithm are one thing.

Notation, as on that page: ``a[l] = W[l] h[l-1] + b[l]`` is the pre-activation,
``h[l] = f(a[l])`` the activation and ``delta[l] = dL/da[l]`` the error signal. One
difference: the lists here count layers from 0, the first hidden layer, with
``h[-1] = x``, where the page counts from 1, with h^0 = x; ``a[l]`` is the page's
a^(l+1). The comments in the code write the page's equations.
"""

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from engine import Value, float_math, ops
from engine.op import Op
from nn.layers import MLP


def _derivative(row: Op) -> Callable[[float], float]:
    """f'(a) from the row's local derivative, d out/d x at x = a, on floats."""
    return lambda a: row.local(a, row.forward(a), float_math)[0]


# For each activation, f and f'(a), the f(a^l) of equation (1) and the f'(a^l) of equations
# (2) to (4), functions of the pre-activation: the forward rule and the local derivative
# of its row in the engine's table (engine.ops), and for "linear" the identity.
_ROWS = [op for op in ops.TABLE if op.activation]
_FUNCTIONS: dict[str, Callable[[float], float]] = {
    **{op.name: op.forward for op in _ROWS},
    "linear": lambda a: a,
}
_DERIVATIVES: dict[str, Callable[[float], float]] = {
    **{op.name: _derivative(op) for op in _ROWS},
    "linear": lambda a: 1.0,
}


@dataclass
class Trace:
    """Everything one pass of the layer-wise algorithm computed, per layer (0 = first hidden).

    ``a[l][j]`` and ``h[l][j]`` are neuron j's pre- and post-activation,
    ``delta[l][j]`` its error signal dL/da, ``grad_W[l][j][i]`` the gradient of
    its weight i and ``grad_b[l][j]`` of its bias.
    """

    x: list[float]
    a: list[list[float]]
    h: list[list[float]]
    delta: list[list[float]]
    grad_W: list[list[list[float]]]  # noqa: N815 - the algorithm's W, as in equation (5)
    grad_b: list[list[float]]


def backprop(
    model: MLP, x: Sequence[float | Value], grad_output: Sequence[float | Value] | float | Value
) -> Trace:
    """Run the backpropagation algorithm's equations (1) to (5) for one input ``x``.

    ``grad_output`` is dL/dh of the output layer, the gradient equation (3) starts from.
    Returns a [`Trace`][nn.backprop.Trace]. To print the error signals of a trained model for
    one example, take ``grad_output`` from the loss, here ``L = output`` itself:

    Examples:
        >>> from nn import MLP
        >>> model = MLP(2, [3, 1], activation="tanh", seed=0)
        >>> trace = backprop(model, [1.0, -0.5], grad_output=[1.0])
        >>> for layer, delta in enumerate(trace.delta):
        ...     print(layer, [round(d, 4) for d in delta])
        0 [0.474, -0.3907, -0.0462]
        1 [1.0]
    """
    if not isinstance(model, MLP):
        raise TypeError(f"backprop: model must be an nn.MLP, got {type(model).__name__}")
    h_in = [_number(v) for v in x]
    if len(h_in) != model.nin:
        raise ValueError(f"backprop: x must hold {model.nin} numbers, got {len(h_in)}")
    if isinstance(grad_output, int | float | Value):
        grad_output = [grad_output]
    grads_out = [_number(g) for g in grad_output]
    if len(grads_out) != model.nouts[-1]:
        raise ValueError(
            f"backprop: grad_output must hold {model.nouts[-1]} numbers (one per output), "
            f"got {len(grads_out)}"
        )

    # The weights as plain numbers: W[l][j][i] is neuron j's weight on input i.
    W = [[[w.data for w in n.w] for n in layer.neurons] for layer in model.layers]  # noqa: N806
    b = [[n.b.data for n in layer.neurons] for layer in model.layers]
    f = [_FUNCTIONS[layer.activation] for layer in model.layers]
    f_prime = [_DERIVATIVES[layer.activation] for layer in model.layers]
    L = len(W) - 1  # noqa: N806 - the algorithm's output layer L

    # Equation (1), the forward pass: a^l = W^l h^(l-1) + b^l and h^l = f(a^l).
    a: list[list[float]] = []
    h: list[list[float]] = []
    h_prev = h_in
    for l in range(L + 1):  # noqa: E741 - the algorithm's l
        a_l = [_dot(W[l][j], h_prev) + b[l][j] for j in range(len(W[l]))]
        a.append(a_l)
        h.append([f[l](v) for v in a_l])
        h_prev = h[l]

    # The backward pass, for the error signals delta^l = dL/da^l = dL/dh^l ⊙ f'(a^l),
    # equation (2): (3) and (4) find dL/dh^l of the output layer and of the layers below it.
    delta: list[list[float]] = [[] for _ in range(L + 1)]
    # Equation (3), the output layer: delta^L = grad_(h^L) L ⊙ f'(a^L).
    delta[L] = [g * f_prime[L](v) for g, v in zip(grads_out, a[L], strict=True)]
    # Equation (4), the recursion, from the output back through the hidden layers:
    # delta^l = ((W^(l+1))^T delta^(l+1)) ⊙ f'(a^l).
    for l in range(L - 1, -1, -1):  # noqa: E741
        back = [
            _dot([W[l + 1][k][j] for k in range(len(W[l + 1]))], delta[l + 1])
            for j in range(len(W[l]))
        ]
        delta[l] = [s * f_prime[l](v) for s, v in zip(back, a[l], strict=True)]

    # Equation (5), the weight and bias gradients: dL/dW^l = delta^l (h^(l-1))^T and
    # dL/db^l = delta^l.
    grad_W = []  # noqa: N806
    for l in range(L + 1):  # noqa: E741
        h_before = h_in if l == 0 else h[l - 1]
        grad_W.append([[d * hi for hi in h_before] for d in delta[l]])
    grad_b = [list(d) for d in delta]
    return Trace(x=h_in, a=a, h=h, delta=delta, grad_W=grad_W, grad_b=grad_b)


def _number(x: float | Value) -> float:
    """Return a number, or the number a Value holds: this pass runs on plain floats."""
    return x.data if isinstance(x, Value) else float(x)


def _dot(u: Sequence[float], v: Sequence[float]) -> float:
    return sum(ui * vi for ui, vi in zip(u, v, strict=True))
