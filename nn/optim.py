"""Optimizers: they read each parameter's ``.grad`` and update its ``.data`` in place."""

import math
from collections.abc import Iterable

from engine import Value


def _parameters(params: Iterable[Value], name: str) -> list[Value]:
    if isinstance(params, Value):
        raise TypeError(f"{name}: params must be an iterable of Values (e.g. model.parameters())")
    out = list(params)
    if not out:
        raise ValueError(f"{name}: params is empty; pass model.parameters()")
    for i, p in enumerate(out):
        if not isinstance(p, Value):
            raise TypeError(f"{name}: params[{i}] must be a Value, got {type(p).__name__}")
    return out


def _number(name: str, arg: str, value: object, low: float, high: float = math.inf) -> float:
    """Check ``low <= value < high`` (``value <= high`` when high is inf) and return a float."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise TypeError(f"{name}: {arg} must be a number, got {type(value).__name__}")
    if not (math.isfinite(value) and low <= value and (high == math.inf or value < high)):
        upper = "" if high == math.inf else f" and below {high}"
        raise ValueError(f"{name}: {arg} must be finite, at least {low}{upper}; got {value!r}")
    return float(value)


class Optimizer:
    """What every optimizer has: its parameters, a learning rate ``lr``, ``zero_grad()``."""

    def __init__(self, params: Iterable[Value], lr: float) -> None:
        name = type(self).__name__
        self.params = _parameters(params, name)
        self.lr = _number(name, "lr", lr, 0.0)

    def zero_grad(self) -> None:
        """Set every parameter's ``.grad`` to 0.0."""
        for p in self.params:
            p.grad = 0.0

    def step(self) -> None:
        """Update every parameter's ``.data`` from its ``.grad``."""
        raise NotImplementedError


class SGD(Optimizer):
    """Stochastic gradient descent, PyTorch's rule: ``p -= lr * v``.

    ``v`` is the gradient plus ``weight_decay * p``; with ``momentum`` it is
    the running ``v = momentum * v + g`` instead (the first step takes ``g``).
    """

    def __init__(
        self,
        params: Iterable[Value],
        lr: float,
        momentum: float = 0.0,
        weight_decay: float = 0.0,
    ) -> None:
        super().__init__(params, lr)
        self.momentum = _number("SGD", "momentum", momentum, 0.0, 1.0)
        self.weight_decay = _number("SGD", "weight_decay", weight_decay, 0.0)
        self._velocity: list[float] | None = None

    def step(self) -> None:
        """Take one step down the gradient."""
        grads = [p.grad + self.weight_decay * p.data for p in self.params]
        if self.momentum:
            if self._velocity is None:
                self._velocity = grads
            else:
                m = self.momentum
                self._velocity = [m * v + g for v, g in zip(self._velocity, grads, strict=True)]
            grads = self._velocity
        for p, g in zip(self.params, grads, strict=True):
            p.data -= self.lr * g


class Adam(Optimizer):
    """Adam (Kingma and Ba, 2015) with bias correction, PyTorch's defaults and rule."""

    def __init__(
        self,
        params: Iterable[Value],
        lr: float = 1e-3,
        betas: tuple[float, float] = (0.9, 0.999),
        eps: float = 1e-8,
        weight_decay: float = 0.0,
    ) -> None:
        super().__init__(params, lr)
        if not isinstance(betas, tuple | list) or len(betas) != 2:
            raise TypeError(f"Adam: betas must be a pair of numbers, got {betas!r}")
        self.betas = (
            _number("Adam", "betas[0]", betas[0], 0.0, 1.0),
            _number("Adam", "betas[1]", betas[1], 0.0, 1.0),
        )
        self.eps = _number("Adam", "eps", eps, 0.0)
        self.weight_decay = _number("Adam", "weight_decay", weight_decay, 0.0)
        self.steps = 0
        self._m = [0.0] * len(self.params)
        self._v = [0.0] * len(self.params)

    def step(self) -> None:
        """Take one Adam step."""
        b1, b2 = self.betas
        self.steps += 1
        correction1 = 1.0 - b1**self.steps
        correction2 = 1.0 - b2**self.steps
        for i, p in enumerate(self.params):
            g = p.grad + self.weight_decay * p.data
            self._m[i] = b1 * self._m[i] + (1.0 - b1) * g
            self._v[i] = b2 * self._v[i] + (1.0 - b2) * g * g
            m_hat = self._m[i] / correction1
            v_hat = self._v[i] / correction2
            p.data -= self.lr * m_hat / (math.sqrt(v_hat) + self.eps)


class LinearLR:
    """Scale an optimizer's learning rate linearly from ``start_factor`` to ``end_factor``.

    Call ``step()`` after each optimizer step. micrograd's demo schedule,
    ``lr = 1.0 - 0.9 * k / 100``, is ``LinearLR(opt, 1.0, 0.1, total_steps=100)``
    with ``opt.lr = 1.0``; after ``total_steps`` the rate stays at the end.
    """

    def __init__(
        self,
        optimizer: Optimizer,
        start_factor: float = 1.0,
        end_factor: float = 0.1,
        total_steps: int = 100,
    ) -> None:
        if not isinstance(optimizer, Optimizer):
            raise TypeError(
                f"LinearLR: optimizer must be an Optimizer, got {type(optimizer).__name__}"
            )
        self.start_factor = _number("LinearLR", "start_factor", start_factor, 0.0)
        self.end_factor = _number("LinearLR", "end_factor", end_factor, 0.0)
        if isinstance(total_steps, bool) or not isinstance(total_steps, int) or total_steps < 1:
            raise ValueError(f"LinearLR: total_steps must be an int >= 1, got {total_steps!r}")
        self.optimizer = optimizer
        self.total_steps = total_steps
        self.base_lr = optimizer.lr
        self.steps = 0
        optimizer.lr = self.base_lr * self.start_factor

    def step(self) -> None:
        """Advance one step and set the optimizer's ``lr`` for the next one."""
        self.steps += 1
        t = min(self.steps, self.total_steps) / self.total_steps
        factor = self.start_factor + (self.end_factor - self.start_factor) * t
        self.optimizer.lr = self.base_lr * factor
