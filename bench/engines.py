"""The engines under test, each running the same programs: this project, micrograd,
the hand-written floats, and PyTorch (scalar and batched) when it is installed.

Every engine starts the moons step from the same weights and data; ``flat_grads``
lists the gradients in one order (layer, neuron, weights then bias) so they can be
compared across engines before anything is timed.
"""

import importlib.util
from collections.abc import Callable
from typing import Any

from bench import handwritten

Weights = handwritten.Weights
Biases = handwritten.Biases
Grads = list[float] | Callable[[], list[float]]
"""A step's gradients in parameter order, or (for array engines) a function giving them:
turning arrays into a list is no part of a step."""
MoonsStep = Callable[[], tuple[float, Grads]]


class Engine:
    """One engine's way of running each workload."""

    name = ""
    workloads = frozenset({"moons", "chain", "wide_sum", "memory"})

    def moons(
        self, weights: Weights, biases: Biases, X: list[list[float]], y: list[int], alpha: float
    ) -> MoonsStep:
        """Return a function doing one step (loss, backward, SGD) and returning loss and grads."""
        raise NotImplementedError

    def chain(self, n: int) -> float:
        """Build y = relu(y * 1.0001 + 0.0001) n times from x = 0.5, backward; return dy/dx."""
        raise NotImplementedError

    def wide_sum(self, ws: list[float], xs: list[float]) -> float:
        """Build sum(w_i * x_i), backward; return d/dw_0."""
        raise NotImplementedError

    def memory_leaves(self, n: int) -> tuple[list[Any], list[Any]]:
        """Make n leaves for w and n for x (before the memory measurement starts)."""
        raise NotImplementedError

    value: Any = None
    """The engine's scalar type, for the workloads every micrograd-like engine runs alike."""

    def scalar_chain(self, n: int) -> float:
        """The chain workload written once for any micrograd-like Value type."""
        x = self.value(0.5)
        y = x
        for _ in range(n):
            y = (y * 1.0001 + 0.0001).relu()
        y.backward()
        return float(x.grad)

    def memory_leaves_of_values(self, n: int) -> tuple[list[Any], list[Any]]:
        """The memory workload's leaves for any micrograd-like Value type."""
        return [self.value(1.0) for _ in range(n)], [self.value(2.0) for _ in range(n)]

    def memory_graph(self, ws: list[Any], xs: list[Any]) -> Any:
        """Build sum(w_i * x_i) from binary products and sums; return the root."""
        total = ws[0] * xs[0]
        for w, x in zip(ws[1:], xs[1:], strict=True):
            total = total + w * x
        return total


class Chainrule(Engine):
    """This project."""

    name = "chainrule"

    def __init__(self) -> None:
        import engine
        import nn

        self.engine, self.nn, self.value = engine, nn, engine.Value

    def moons(
        self, weights: Weights, biases: Biases, X: list[list[float]], y: list[int], alpha: float
    ) -> MoonsStep:
        engine, nn = self.engine, self.nn
        model = nn.MLP(2, [len(layer) for layer in weights], seed=0)
        set_weights(model, weights, biases)
        params = model.parameters()
        optimizer = nn.SGD(params, lr=0.1)

        def step() -> tuple[float, list[float]]:
            scores = [model(x) for x in X]
            loss = nn.hinge_loss(scores, y) + alpha * engine.dot(params, params)  # sum(p * p)
            optimizer.zero_grad()
            loss.backward()
            grads = [p.grad for p in params]
            optimizer.step()
            return loss.data, grads

        return step

    def chain(self, n: int) -> float:
        return self.scalar_chain(n)

    def wide_sum(self, ws: list[float], xs: list[float]) -> float:
        value = self.engine.Value
        w = [value(v) for v in ws]
        x = [value(v) for v in xs]
        self.engine.sum([a * b for a, b in zip(w, x, strict=True)]).backward()
        return w[0].grad

    def memory_leaves(self, n: int) -> tuple[list[Any], list[Any]]:
        return self.memory_leaves_of_values(n)


class ChainrulePaused(Chainrule):
    """This project, each step run with Python's cyclic collector paused, as ``nn.fit`` does.

    The graphs have no reference cycles, so reference counting frees them; pausing the
    collector spares it walking every node (``with engine.collector_paused():``).
    """

    name = "chainrule (collector paused)"
    workloads = frozenset({"moons", "chain", "wide_sum"})  # memory: the same nodes

    def moons(
        self, weights: Weights, biases: Biases, X: list[list[float]], y: list[int], alpha: float
    ) -> MoonsStep:
        step = super().moons(weights, biases, X, y, alpha)
        paused = self.engine.collector_paused

        def paused_step() -> tuple[float, Grads]:
            with paused():
                return step()

        return paused_step

    def chain(self, n: int) -> float:
        with self.engine.collector_paused():
            return self.scalar_chain(n)

    def wide_sum(self, ws: list[float], xs: list[float]) -> float:
        with self.engine.collector_paused():
            return super().wide_sum(ws, xs)


class ChainruleCompiled(Engine):
    """This project's moons step recorded once by ``engine.compile`` and run as code."""

    name = "chainrule (compiled)"
    workloads = frozenset({"moons"})  # compiling pays off on a graph that repeats
    backend = "python"

    def __init__(self) -> None:
        import engine
        import nn

        self.engine, self.nn = engine, nn

    def compiled(
        self, weights: Weights, biases: Biases, X: list[list[float]], y: list[int], alpha: float
    ) -> tuple[Any, list[float]]:
        """The moons loss compiled with this engine's backend, and the parameters' numbers."""
        model = self.nn.MLP(2, [len(layer) for layer in weights], seed=0)
        set_weights(model, weights, biases)
        params = model.parameters()
        loss = moons_loss(self.engine, self.nn, model, X, y, alpha)
        graph = self.engine.compile(loss, params, backend=self.backend)
        return graph, [p.data for p in params]

    def moons(
        self, weights: Weights, biases: Biases, X: list[list[float]], y: list[int], alpha: float
    ) -> MoonsStep:
        graph, values = self.compiled(weights, biases, X, y, alpha)

        def step() -> tuple[float, list[float]]:
            loss, grads = graph(values)
            values[:] = [v - 0.1 * g for v, g in zip(values, grads, strict=True)]
            return loss, grads

        return step


class ChainruleArrays(ChainruleCompiled):
    """This project's moons step compiled with ``backend="numpy"``: the batch as arrays.

    The parameters stay in one array between steps, updated in place, as ``nn.fit``
    keeps them: ``run_array`` takes it and gives the gradients as an array.
    """

    name = "chainrule (compiled, numpy)"
    backend = "numpy"

    def moons(
        self, weights: Weights, biases: Biases, X: list[list[float]], y: list[int], alpha: float
    ) -> MoonsStep:
        import numpy as np

        graph, numbers = self.compiled(weights, biases, X, y, alpha)
        values = np.array(numbers)

        def step() -> tuple[float, Grads]:
            loss, grads, _ = graph.run_array(values)
            np.subtract(values, 0.1 * grads, out=values)  # in place, as an optimizer does
            return loss, grads.tolist

        return step


def moons_loss(
    engine: Any, nn: Any, model: Any, X: list[list[float]], y: list[int], alpha: float
) -> Any:
    """Build the moons step's graph: the hinge loss of ``model`` on every point, plus L2.

    The L2 term ``sum(p * p)`` is written as this project writes it, one ``dot`` node.
    """
    params = model.parameters()
    return nn.hinge_loss([model(x) for x in X], y) + alpha * engine.dot(params, params)


def moons_loss_micrograd(
    engine: Any, nn: Any, model: Any, X: list[list[float]], y: list[int], alpha: float
) -> Any:
    """The same loss written as micrograd's demo writes it: Python's ``sum`` and a mean by ``*``."""
    params = model.parameters()
    scores = [model(x) for x in X]
    losses = [(1 + -(2 * label - 1) * s).relu() for label, s in zip(y, scores, strict=True)]
    data_loss = sum(losses) * (1.0 / len(losses))
    return data_loss + alpha * sum(p * p for p in params)


class Micrograd(Engine):
    """Karpathy's micrograd 0.1.0 from the package index."""

    name = "micrograd"

    def __init__(self) -> None:
        from micrograd.engine import Value
        from micrograd.nn import MLP

        self.value, self.mlp = Value, MLP

    def moons(
        self, weights: Weights, biases: Biases, X: list[list[float]], y: list[int], alpha: float
    ) -> MoonsStep:
        model = self.mlp(2, [len(layer) for layer in weights])
        set_weights(model, weights, biases)
        params = [p for layer in model.layers for n in layer.neurons for p in [*n.w, n.b]]
        value = self.value

        def step() -> tuple[float, list[float]]:
            # micrograd's demo, as its notebook writes it
            inputs = [list(map(value, x)) for x in X]
            scores = list(map(model, inputs))
            losses = [(1 + -(2 * label - 1) * s).relu() for label, s in zip(y, scores, strict=True)]
            data_loss = sum(losses) * (1.0 / len(losses))
            loss = data_loss + alpha * sum(p * p for p in params)
            model.zero_grad()
            loss.backward()
            grads = [p.grad for p in params]
            for p in params:
                p.data -= 0.1 * p.grad
            return loss.data, grads

        return step

    def chain(self, n: int) -> float:
        return self.scalar_chain(n)

    def wide_sum(self, ws: list[float], xs: list[float]) -> float:
        w = [self.value(v) for v in ws]
        x = [self.value(v) for v in xs]
        sum(a * b for a, b in zip(w, x, strict=True)).backward()
        return float(w[0].grad)

    def memory_leaves(self, n: int) -> tuple[list[Any], list[Any]]:
        return self.memory_leaves_of_values(n)


class Handwritten(Engine):
    """Plain floats and the backpropagation algorithm, no graph: the yardstick."""

    name = "hand-written"
    workloads = frozenset({"moons", "chain", "wide_sum"})  # no graph, so no graph memory

    def moons(
        self, weights: Weights, biases: Biases, X: list[list[float]], y: list[int], alpha: float
    ) -> MoonsStep:
        w = [[list(row) for row in layer] for layer in weights]
        b = [list(layer) for layer in biases]

        def step() -> tuple[float, list[float]]:
            loss, gw, gb = handwritten.moons_loss_and_grads(w, b, X, y, alpha)
            grads = flat_grads(gw, gb)
            handwritten.sgd(w, b, gw, gb, 0.1)
            return loss, grads

        return step

    def chain(self, n: int) -> float:
        return handwritten.chain(n)

    def wide_sum(self, ws: list[float], xs: list[float]) -> float:
        return handwritten.wide_sum(ws, xs)[1][0]


class HandwrittenNumpy(Engine):
    """The backpropagation algorithm on the whole batch in numpy, no graph: the array yardstick."""

    name = "hand-written (numpy)"
    workloads = frozenset({"moons"})

    def moons(
        self, weights: Weights, biases: Biases, X: list[list[float]], y: list[int], alpha: float
    ) -> MoonsStep:
        import numpy as np

        from bench import handwritten_numpy

        w = [np.array(layer, dtype=float) for layer in weights]
        b = [np.array(layer, dtype=float)[:, None] for layer in biases]
        inputs = np.array(X, dtype=float).T
        signs = np.array([1.0 if v == 1 else -1.0 for v in y])

        def step() -> tuple[float, Grads]:
            loss, gw, gb = handwritten_numpy.moons_loss_and_grads(w, b, inputs, signs, alpha)
            handwritten_numpy.sgd(w, b, gw, gb, 0.1)
            return loss, lambda: flat_grads(
                [g.tolist() for g in gw], [g[:, 0].tolist() for g in gb]
            )

        return step


class _Torch(Engine):
    """What both PyTorch engines share: torch itself, imported only when it is installed."""

    def __init__(self) -> None:
        import torch

        self.torch = torch


class TorchScalar(_Torch):
    """PyTorch on 0-dim float64 tensors: the same scalar program."""

    name = "torch (scalar)"
    # tracemalloc does not see torch's C++ allocations, so no memory figure.
    workloads = frozenset({"moons", "chain", "wide_sum"})

    def moons(
        self, weights: Weights, biases: Biases, X: list[list[float]], y: list[int], alpha: float
    ) -> MoonsStep:
        t = self.torch
        W = [
            [[t.tensor(v, dtype=t.float64, requires_grad=True) for v in row] for row in layer]
            for layer in weights
        ]
        B = [[t.tensor(v, dtype=t.float64, requires_grad=True) for v in layer] for layer in biases]
        params = [
            p
            for wl, bl in zip(W, B, strict=True)
            for row, b in zip(wl, bl, strict=True)
            for p in [*row, b]
        ]
        last = len(W) - 1

        def step() -> tuple[float, list[float]]:
            losses = []
            for x, label in zip(X, y, strict=True):
                h = [t.tensor(v, dtype=t.float64) for v in x]
                for l in range(last + 1):
                    a = [
                        sum(w * v for w, v in zip(row, h, strict=True)) + b
                        for row, b in zip(W[l], B[l], strict=True)
                    ]
                    h = a if l == last else [t.relu(v) for v in a]
                losses.append(t.relu(1 - (2 * label - 1) * h[0]))
            loss = sum(losses) / len(losses) + alpha * sum(p * p for p in params)
            for p in params:
                p.grad = None
            loss.backward()
            grads = [float(p.grad) for p in params]
            with t.no_grad():
                for p in params:
                    p -= 0.1 * p.grad
            return loss.item(), grads

        return step

    def chain(self, n: int) -> float:
        t = self.torch
        x = t.tensor(0.5, dtype=t.float64, requires_grad=True)
        y = x
        for _ in range(n):
            y = t.relu(y * 1.0001 + 0.0001)
        y.backward()
        return float(x.grad)

    def wide_sum(self, ws: list[float], xs: list[float]) -> float:
        t = self.torch
        w = [t.tensor(v, dtype=t.float64, requires_grad=True) for v in ws]
        x = [t.tensor(v, dtype=t.float64, requires_grad=True) for v in xs]
        t.stack([a * b for a, b in zip(w, x, strict=True)]).sum().backward()
        return float(w[0].grad)


class TorchBatched(_Torch):
    """PyTorch as people use it: the whole batch as matrices."""

    name = "torch (batched)"
    workloads = frozenset({"moons", "wide_sum"})  # a scalar chain has nothing to batch

    def moons(
        self, weights: Weights, biases: Biases, X: list[list[float]], y: list[int], alpha: float
    ) -> MoonsStep:
        t = self.torch
        W = [t.tensor(layer, dtype=t.float64, requires_grad=True) for layer in weights]
        B = [t.tensor(layer, dtype=t.float64, requires_grad=True) for layer in biases]
        inputs = t.tensor(X, dtype=t.float64)
        signs = t.tensor([2.0 * v - 1.0 for v in y], dtype=t.float64)

        def step() -> tuple[float, list[float]]:
            h = inputs
            for l, (w, b) in enumerate(zip(W, B, strict=True)):
                h = h @ w.T + b
                if l < len(W) - 1:
                    h = t.relu(h)
            data_loss = t.relu(1 - signs * h[:, 0]).mean()
            loss = data_loss + alpha * sum((p * p).sum() for p in [*W, *B])
            for p in [*W, *B]:
                p.grad = None
            loss.backward()
            gw = [p.grad.tolist() for p in W]
            gb = [p.grad.tolist() for p in B]
            with t.no_grad():
                for p in [*W, *B]:
                    p -= 0.1 * p.grad
            return loss.item(), flat_grads(gw, gb)

        return step

    def wide_sum(self, ws: list[float], xs: list[float]) -> float:
        t = self.torch
        w = t.tensor(ws, dtype=t.float64, requires_grad=True)
        (w * t.tensor(xs, dtype=t.float64)).sum().backward()
        return float(w.grad[0])


def set_weights(model: Any, weights: Weights, biases: Biases) -> None:
    """Copy the shared weights into a micrograd-shaped model (layers, neurons, w, b)."""
    for layer, w_layer, b_layer in zip(model.layers, weights, biases, strict=True):
        for neuron, row, b in zip(layer.neurons, w_layer, b_layer, strict=True):
            for p, w in zip(neuron.w, row, strict=True):
                p.data = w
            neuron.b.data = b


def flat_grads(gw: Weights, gb: Biases) -> list[float]:
    """Gradients in parameter order: per layer, per neuron, its weights then its bias."""
    return [
        g
        for wl, bl in zip(gw, gb, strict=True)
        for row, b in zip(wl, bl, strict=True)
        for g in [*row, b]
    ]


def available() -> list[Engine]:
    """The engines that can run here: torch and micrograd only when installed."""
    engines: list[Engine] = [Chainrule(), ChainrulePaused(), ChainruleCompiled(), Handwritten()]
    if importlib.util.find_spec("numpy") is not None:
        engines[3:3] = [ChainruleArrays()]
        engines.append(HandwrittenNumpy())
    if importlib.util.find_spec("micrograd") is not None:
        engines.insert(1, Micrograd())
    if importlib.util.find_spec("torch") is not None:
        engines += [TorchScalar(), TorchBatched()]
    return engines
