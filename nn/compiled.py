"""``compile_loss``: a model's training loss recorded once, then run as code at each step.

Training builds the same graph at every step: the same model on the same samples,
or on another batch of as many, with new weights. [`engine.compile`][engine.compile]
writes that graph out once as Python; each step then runs the code on the
parameters' numbers and adds the gradients into ``.grad``, as ``backward()`` would,
with no Value made. A batch's samples and labels are either constants of the code
(the data given to ``compile_loss``) or its data leaves, given at each call: then one
compiled function serves every batch of one size, and each new size is compiled once.
"""

from __future__ import annotations  # engine.CompiledGraph loads the compiler: not at import

import contextlib
from collections.abc import Callable, Iterator, Sequence
from typing import Any

import engine
from engine import Value
from engine.value import real_number
from nn.datasets import as_lists
from nn.layers import MLP
from nn.losses import TERMS, check_loss_name, mean, training_loss
from nn.optim import Optimizer

Rows = Sequence[Sequence[float]]


class CompiledLoss:
    """A model's loss compiled once; calling it is a forward and backward pass.

    ``loss_fn()`` returns the loss on the data given to ``compile_loss``, and
    ``loss_fn(X_batch, y_batch)`` on any batch; either adds d(loss)/d(p) to each
    ``p.grad`` at the parameters' current ``.data``. ``loss_fn.outputs`` then holds
    the model's outputs on each sample (a float, or a list of floats per sample for a
    model with several outputs). ``loss_fn.graph`` is the
    [`engine.CompiledGraph`][engine.CompiledGraph] of the data given to
    ``compile_loss``; ``loss_fn.graphs`` those compiled for batches, by size.
    """

    def __init__(
        self,
        model: MLP,
        loss: str,
        alpha: float,
        backend: str,
        inputs: int,
    ) -> None:
        self.model = model
        self.params = model.parameters()
        self.loss, self.alpha, self.backend = loss, alpha, backend
        self._graph: engine.CompiledGraph | None = None
        self.graphs: dict[int, engine.CompiledGraph] = {}
        self.outputs: list[float] | list[list[float]] = []
        self._inputs = inputs  # numbers per sample, as the model reads them, 0 if unknown
        self._width = 0  # outputs per sample: 0 for a single score

    @property
    def graph(self) -> engine.CompiledGraph:
        """The ``engine.CompiledGraph`` of the data given to ``compile_loss``."""
        if self._graph is None:
            raise ValueError(
                "compile_loss was given no data, only batches: see loss_fn.graphs, by batch size"
            )
        return self._graph

    def __call__(self, X: Rows | None = None, y: Sequence[int] | None = None) -> float:  # noqa: N803
        """Return the loss at the parameters' current numbers and add its gradients to ``.grad``."""
        graph, data = self.prepare(X, y)
        result = graph.run([p.data for p in self.params], data)
        for p, g in zip(self.params, result.grads, strict=True):
            p.grad += g
        self.read_outputs(result.watched)
        return result.output

    def prepare(
        self,
        X: Rows | None = None,  # noqa: N803
        y: Sequence[int] | None = None,
    ) -> tuple[engine.CompiledGraph, list[float] | None]:
        """Return the compiled graph for this batch (compiling it the first time) and its data."""
        if X is None and y is None:
            if self._graph is None:
                raise ValueError(
                    "compile_loss was given no data: call loss_fn(X_batch, y_batch) with a batch"
                )
            return self._graph, None
        if X is None or y is None:
            raise ValueError("loss_fn takes both X and y, or neither (the data compiled with)")
        X, y = as_lists(X), as_lists(y)  # noqa: N806
        _check_batch(X, y, self._inputs)
        graph = self.graphs.get(len(X))
        if graph is None:
            graph = self.graphs[len(X)] = self._compile_batch(X, y)
        encode = TERMS[self.loss].encode
        data: list[float] = []
        for i, (row, label) in enumerate(zip(X, y, strict=True)):
            data += row
            data += encode("loss_fn", i, label, self._width or 1)
        return graph, data

    def _compile_batch(self, X: Rows, y: Sequence[int]) -> engine.CompiledGraph:  # noqa: N803
        """Record the loss on a batch whose samples and labels are data leaves; compile it."""
        if not self._inputs:  # a model that does not say: every batch as wide as the first
            _check_batch(X, y, len(X[0]))
            self._inputs = len(X[0])
        xs = [[Value(float(x)) for x in row] for row in X]
        outputs = [self.model(x) for x in xs]
        self._width = _width(outputs)
        term = TERMS[self.loss]
        codes = [
            [Value(c, label="y") for c in term.encode("loss_fn", i, label, self._width or 1)]
            for i, label in enumerate(y)
        ]
        total = mean([term.term(out, code) for out, code in zip(outputs, codes, strict=True)])
        if self.alpha:
            total = total + self.alpha * engine.dot(self.params, self.params)
        data = [leaf for row, code in zip(xs, codes, strict=True) for leaf in (*row, *code)]
        return engine.compile(
            total, self.params, data=data, watch=_watched(outputs), backend=self.backend
        )

    def read_outputs(self, watched: list[float]) -> None:
        """Set ``outputs`` from a run's watched numbers: the model's outputs, sample by sample."""
        width = self._width
        if width:
            self.outputs = [watched[i : i + width] for i in range(0, len(watched), width)]
        else:
            self.outputs = watched

    def fits_arrays(self, optimizer: Optimizer) -> bool:
        """Whether ``arrays(optimizer)`` can train: numpy code, and the model's parameters."""
        mine = self.params
        return (
            self.backend == "numpy"
            and len(optimizer.params) == len(mine)
            and all(p is q for p, q in zip(optimizer.params, mine, strict=True))
        )

    @contextlib.contextmanager
    def arrays(
        self, optimizer: Optimizer, *, each_step: bool = True
    ) -> Iterator[Callable[..., float]]:
        """Train on parameters kept in a numpy array: ``with loss_fn.arrays(opt) as step:``.

        Inside, ``step()`` (or ``step(X_batch, y_batch)``) is one training step:
        ``zero_grad``, the loss and its gradients, ``optimizer.step()``, all on arrays,
        the parameters' array updated in place; it returns the loss. Each step writes
        the numbers back to the parameters' ``.data`` and ``.grad``, so reading a
        parameter gives its current value (with ``each_step=False``, only on leaving,
        as ``nn.fit`` does); on leaving, the optimizer works on the Values again. Needs
        ``backend="numpy"`` and an optimizer of the model's parameters, in their order
        (as ``model.parameters()`` gives them).
        """
        if self.backend != "numpy":
            raise ValueError(
                f"arrays: the loss must be compiled with backend='numpy', not {self.backend!r}"
            )
        if not self.fits_arrays(optimizer):
            raise ValueError(
                "arrays: the optimizer must hold the model's parameters, in their order "
                "(as model.parameters() gives them)"
            )
        steps = _ArraySteps(self, optimizer, each_step)
        try:
            yield steps
        finally:
            steps.close()


class _ArraySteps:
    """Steps of a numpy-compiled loss on parameters kept in one array between steps."""

    def __init__(self, loss_fn: CompiledLoss, optimizer: Optimizer, write_back: bool) -> None:
        import numpy as np

        self.loss_fn, self.optimizer, self.write_back = loss_fn, optimizer, write_back
        self.np = np
        self.values = np.array([p.data for p in loss_fn.params], dtype=float)
        self.grads = np.array([p.grad for p in loss_fn.params], dtype=float)
        optimizer.use_arrays(self.values, self.grads)

    def __call__(self, X: Rows | None = None, y: Sequence[int] | None = None) -> float:  # noqa: N803
        """One step: zero the gradients, compute the loss and them, let the optimizer step."""
        np = self.np
        graph, data = self.loss_fn.prepare(X, y)
        given = None if data is None else np.asarray(data, dtype=float)
        result = graph.run_array(self.values, given)
        self.grads[:] = result.grads  # zero_grad, then the gradients added in
        self.loss_fn.read_outputs(result.watched)
        self.optimizer.step()
        if self.write_back:
            self._write()
        return result.output

    def _write(self) -> None:
        for p, x, g in zip(
            self.loss_fn.params, self.values.tolist(), self.grads.tolist(), strict=True
        ):
            # Through the properties: an edit of .data is noted, so a graph built before
            # it refuses its backward pass (engine.edits), as after an optimizer's step.
            p.data, p.grad = x, g

    def close(self) -> None:
        """Write the arrays' numbers to the parameters; the optimizer works on Values again."""
        self._write()
        self.optimizer.use_values()


def compile_loss(
    model: MLP,
    X: Rows | None = None,  # noqa: N803 - the usual name for a data matrix
    y: Sequence[int] | None = None,
    *,
    loss: str = "hinge",
    alpha: float = 1e-4,
    backend: str = "python",
) -> CompiledLoss:
    """Record ``loss(model(X), y) + alpha * sum(p * p)`` once and compile it.

    With ``X`` and ``y``, their numbers are constants of the code and ``loss_fn()``
    runs it; the model's parameters are its inputs. ``loss_fn(X_batch, y_batch)``
    takes any batch: its samples and labels are then the code's data, compiled once
    per batch size. Either way the graph is the one ``nn.fit`` builds, so each call
    gives the numbers a ``backward()`` would, bit for bit with ``backend="python"``
    (for ``cross_entropy`` on batches: with finite logits). ``backend="numpy"`` runs
    the whole batch as arrays, each layer one matrix product (see ``engine.compile``):
    the same numbers to about 1e-12. ``X`` and ``y`` may be lists or numpy arrays. The
    model's own ``if`` statements run once, while recording (an MLP has none that
    depend on the numbers).
    """
    loss_fn = check_loss_name("compile_loss", loss)
    if backend not in ("python", "numpy"):
        raise ValueError(f"compile_loss: backend must be 'python' or 'numpy', got {backend!r}")
    if (X is None) != (y is None):
        raise ValueError("compile_loss: give both X and y, or neither (then batches only)")
    nin = getattr(model, "nin", 0)  # nn's modules say how many numbers a sample has
    compiled = CompiledLoss(model, loss, alpha, backend, nin if isinstance(nin, int) else 0)
    if X is not None and y is not None:
        X, y = as_lists(X), as_lists(y)  # noqa: N806
        params = compiled.params
        outputs = [model(x) for x in X]
        total = training_loss(outputs, y, params, loss_fn, alpha)
        compiled._width = _width(outputs)
        compiled._graph = engine.compile(total, params, watch=_watched(outputs), backend=backend)
    return compiled


def _width(outputs: Sequence[Any]) -> int:
    return 0 if isinstance(outputs[0], Value) else len(outputs[0])


def _watched(outputs: Sequence[Any]) -> list[Value]:
    return [v for out in outputs for v in ([out] if isinstance(out, Value) else out)]


def _check_batch(X: Rows, y: Sequence[int], inputs: int) -> None:  # noqa: N803
    if not X:
        raise ValueError("loss_fn: X_batch is empty; a batch needs at least one sample")
    if len(X) != len(y):
        raise ValueError(
            f"loss_fn: X_batch has {len(X)} samples but y_batch has {len(y)} labels; "
            "they must match"
        )
    # The code reads each sample's numbers by their place in the data: a row of another
    # length would shift every number after it, silently.
    for i, row in enumerate(X):
        if isinstance(row, str | bytes) or not isinstance(row, Sequence):
            raise TypeError(f"loss_fn: X_batch[{i}] must be a list of numbers")
        if inputs and len(row) != inputs:
            raise ValueError(
                f"loss_fn: X_batch[{i}] has {len(row)} numbers; the model reads {inputs}"
            )
        for j, x in enumerate(row):
            if type(x) is not float and real_number(x) is None:
                raise TypeError(
                    f"loss_fn: X_batch[{i}][{j}] must be a real number, got {type(x).__name__}"
                )
