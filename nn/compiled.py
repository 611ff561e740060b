"""``compile_loss``: a model's training loss on fixed data, compiled once and run each step.

Full-batch training builds the same graph at every step: the same model on the
same samples, with new weights. [`engine.compile`][engine.compile] writes that graph out
once as Python; each step then runs the code on the parameters' numbers and adds
the gradients into ``.grad``, as ``backward()`` would, with no Value made.
"""

from __future__ import annotations  # engine.CompiledGraph loads the compiler: not at import

from collections.abc import Sequence

import engine
from engine import Value
from nn.datasets import as_lists
from nn.layers import MLP
from nn.losses import check_loss_name, training_loss


class CompiledLoss:
    """The compiled loss of a model on fixed data; calling it is a forward and backward pass.

    ``loss_fn()`` returns the loss for the parameters' current ``.data`` and adds
    d(loss)/d(p) to each ``p.grad``; ``loss_fn.outputs`` then holds the model's
    outputs on each sample (a float, or a list of floats per sample for a model
    with several outputs). ``loss_fn.graph`` is the [`engine.CompiledGraph`][engine.CompiledGraph].
    """

    def __init__(self, graph: engine.CompiledGraph, params: list[Value], widths: list[int]):
        self.graph = graph
        self.params = params
        self.outputs: list[float] | list[list[float]] = []
        self._widths = widths  # outputs per sample; 0 for a single score

    def __call__(self) -> float:
        """Return the loss at the parameters' current numbers and add its gradients to ``.grad``."""
        result = self.graph.run([p.data for p in self.params])
        for p, g in zip(self.params, result.grads, strict=True):
            p.grad += g
        watched, start = result.watched, 0
        if self._widths and self._widths[0]:
            rows = []
            for width in self._widths:
                rows.append(watched[start : start + width])
                start += width
            self.outputs = rows
        else:
            self.outputs = watched
        return result.output


def compile_loss(
    model: MLP,
    X: Sequence[Sequence[float]],  # noqa: N803 - the usual name for a data matrix
    y: Sequence[int],
    *,
    loss: str = "hinge",
    alpha: float = 1e-4,
    backend: str = "python",
) -> CompiledLoss:
    """Record ``loss(model(X), y) + alpha * sum(p * p)`` once and compile it.

    The data are constants of the code; the model's parameters are its inputs. The
    graph is the same one ``nn.fit`` builds, so each call gives the numbers a
    ``backward()`` would, bit for bit with ``backend="python"``. ``backend="numpy"``
    runs the whole batch as arrays, each layer one matrix product (see
    ``engine.compile``): the same numbers to about 1e-12. ``X`` and ``y`` may be lists
    or numpy arrays. The model's own ``if`` statements run once, while recording (an
    MLP has none that depend on the numbers).
    """
    loss_fn = check_loss_name("compile_loss", loss)
    if backend not in ("python", "numpy"):
        raise ValueError(f"compile_loss: backend must be 'python' or 'numpy', got {backend!r}")
    X, y = as_lists(X), as_lists(y)  # noqa: N806
    params = model.parameters()
    outputs = [model(x) for x in X]
    total = training_loss(outputs, y, params, loss_fn, alpha)
    widths = [0 if isinstance(out, Value) else len(out) for out in outputs]
    watch = [v for out in outputs for v in ([out] if isinstance(out, Value) else out)]
    graph = engine.compile(total, params, watch=watch, backend=backend)
    return CompiledLoss(graph, params, widths)
