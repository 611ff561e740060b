"""Optimizers: they read each parameter's ``.grad`` and update its ``.data`` in place.

After ``use_arrays(values, grads)`` they update a flat numpy array of the parameters'
numbers instead, from an array of their gradients, by the same rule.
"""

import math
from collections.abc import Iterable
from typing import TYPE_CHECKING

from engine import Value

if TYPE_CHECKING:  # numpy is optional: nn imports without it
    import numpy as np
    from numpy.typing import NDArray

    Array = NDArray[np.float64]


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


def _check_array(where: str, arg: str, array: object, size: int) -> None:
    import numpy as np

    wanted = f"{where}: {arg} must be a 1-D float64 numpy array"
    if not isinstance(array, np.ndarray):
        raise TypeError(f"{wanted}, got {type(array).__name__}")
    if array.ndim != 1 or array.dtype != np.float64:
        raise TypeError(f"{wanted}, got a {array.ndim}-D {array.dtype} array")
    if len(array) != size:
        raise ValueError(f"{wanted} of {size} numbers, one per parameter; got {len(array)}")
    if not array.flags.writeable:
        raise ValueError(f"{wanted} that can be written, got a read-only one")


class Optimizer:
    """What every optimizer has: its parameters, a learning rate ``lr``, ``zero_grad()``."""

    def __init__(self, params: Iterable[Value], lr: float) -> None:
        name = type(self).__name__
        self.params = _parameters(params, name)
        self.lr = _number(name, "lr", lr, 0.0)
        # In array mode: "values" and "grads" (the caller's arrays) and the state's arrays.
        self._arrays: dict[str, Array] | None = None

    def zero_grad(self) -> None:
        """Set every parameter's ``.grad`` to 0.0 (in array mode: ``grads``, in place)."""
        if self._arrays is not None:
            self._arrays["grads"].fill(0.0)
            return
        for p in self.params:
            p.grad = 0.0

    def step(self) -> None:
        """Update every parameter's ``.data`` from its ``.grad``."""
        raise NotImplementedError

    def use_arrays(self, values: "Array", grads: "Array") -> None:
        """From now on step and zero_grad work in place on ``values`` and ``grads``.

        ``values[i]`` is ``params[i]``'s number and ``grads[i]`` its gradient, both 1-D
        float64 numpy arrays; the state (momentum, Adam's moments) moves into arrays.
        """
        where = f"{type(self).__name__}.use_arrays"
        try:
            import numpy as np
        except ModuleNotFoundError:
            raise ImportError(f"{where} needs numpy, the optional extra chainrule[numpy]") from None
        _check_array(where, "values", values, len(self.params))
        _check_array(where, "grads", grads, len(self.params))
        if np.shares_memory(values, grads):
            raise ValueError(f"{where}: values and grads must be two arrays that share no memory")
        # Called again, it keeps the state's arrays and takes the new values and grads.
        state = self._state_to_arrays() if self._arrays is None else self._arrays
        self._arrays = {**state, "values": values, "grads": grads}

    def use_values(self) -> None:
        """Work on the parameters' ``.data`` and ``.grad`` again; the state moves back into lists.

        The arrays' numbers are not written to the parameters: that is the caller's job.
        """
        if self._arrays is not None:
            self._state_to_lists(self._arrays)
            self._arrays = None

    def _state_to_arrays(self) -> "dict[str, Array]":
        """Move the state from lists into numpy arrays, by name; a plain optimizer has none."""
        return {}

    def _state_to_lists(self, arrays: "dict[str, Array]") -> None:
        """Move the state back from the arrays that ``_state_to_arrays`` made."""


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
        if self._arrays is not None:
            self._step_arrays(self._arrays)
            return
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

    def _step_arrays(self, arrays: "dict[str, Array]") -> None:
        values = arrays["values"]
        g = arrays["grads"] + self.weight_decay * values
        if self.momentum:
            if "velocity" in arrays:
                g = self.momentum * arrays["velocity"] + g
            arrays["velocity"] = g
        values -= self.lr * g  # in place: the caller holds this array

    def _state_to_arrays(self) -> "dict[str, Array]":
        import numpy as np

        if self._velocity is None:  # before the first step
            return {}
        velocity, self._velocity = self._velocity, None
        return {"velocity": np.array(velocity, dtype=np.float64)}

    def _state_to_lists(self, arrays: "dict[str, Array]") -> None:
        if "velocity" in arrays:
            self._velocity = arrays["velocity"].tolist()


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
        if self._arrays is not None:
            self._step_arrays(self._arrays, correction1, correction2)
            return
        for i, p in enumerate(self.params):
            g = p.grad + self.weight_decay * p.data
            self._m[i] = b1 * self._m[i] + (1.0 - b1) * g
            self._v[i] = b2 * self._v[i] + (1.0 - b2) * g * g
            m_hat = self._m[i] / correction1
            v_hat = self._v[i] / correction2
            p.data -= self.lr * m_hat / (math.sqrt(v_hat) + self.eps)

    def _step_arrays(
        self, arrays: "dict[str, Array]", correction1: float, correction2: float
    ) -> None:
        import numpy as np

        # The same operations in the same order as above, so the same numbers.
        b1, b2 = self.betas
        values = arrays["values"]
        g = arrays["grads"] + self.weight_decay * values
        arrays["m"] = b1 * arrays["m"] + (1.0 - b1) * g
        arrays["v"] = b2 * arrays["v"] + (1.0 - b2) * g * g
        m_hat = arrays["m"] / correction1
        v_hat = arrays["v"] / correction2
        values -= self.lr * m_hat / (np.sqrt(v_hat) + self.eps)  # in place: the caller's array

    def _state_to_arrays(self) -> "dict[str, Array]":
        import numpy as np

        arrays = {
            "m": np.array(self._m, dtype=np.float64),
            "v": np.array(self._v, dtype=np.float64),
        }
        self._m, self._v = [], []
        return arrays

    def _state_to_lists(self, arrays: "dict[str, Array]") -> None:
        self._m, self._v = arrays["m"].tolist(), arrays["v"].tolist()


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
