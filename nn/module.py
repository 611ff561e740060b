"""``Module``: a tree of parameters with names, gradients and a state dict."""

import math
import numbers
from collections.abc import Iterator, Mapping
from typing import ClassVar

from engine import Value


class Module:
    """Base class of models: walks its parameters by name, zeroes them, saves them.

    A subclass lists in ``_fields`` the attributes that hold its parameters: a
    Value, a list of Values, a Module, or a list of Modules. Names join the
    attribute names and list indices with dots, as in PyTorch:
    ``layers.0.neurons.3.w.1``.
    """

    _fields: ClassVar[tuple[str, ...]] = ()

    def named_parameters(self) -> Iterator[tuple[str, Value]]:
        """Yield ``(name, parameter)`` pairs, in a fixed order (the order of ``_fields``)."""
        for field in self._fields:
            yield from _named(field, getattr(self, field))

    def parameters(self) -> list[Value]:
        """Return every parameter, in the order of ``named_parameters()``."""
        return [p for _, p in self.named_parameters()]

    def zero_grad(self) -> None:
        """Set every parameter's ``.grad`` to 0.0 (gradients accumulate otherwise)."""
        for p in self.parameters():
            p.grad = 0.0

    def state_dict(self) -> dict[str, float]:
        """Return each parameter's name mapped to its float value."""
        return {name: p.data for name, p in self.named_parameters()}

    def load_state_dict(self, state: Mapping[str, float]) -> None:
        """Set every parameter from ``state``, which must hold exactly this model's names.

        Everything is checked before anything changes: a missing or unexpected
        name is a ``KeyError`` and a value that is not a finite real number is a
        ``ValueError``, each naming the key, and the model is left as it was.
        """
        if not isinstance(state, Mapping):
            raise TypeError(f"load_state_dict: state must be a mapping, got {type(state).__name__}")
        params = dict(self.named_parameters())
        missing = [name for name in params if name not in state]
        if missing:
            raise KeyError(f"load_state_dict: state is missing the parameter {missing[0]!r}")
        unexpected = [name for name in state if name not in params]
        if unexpected:
            raise KeyError(
                f"load_state_dict: state has the key {unexpected[0]!r}, which is not a "
                f"parameter of this {type(self).__name__}"
            )
        values: dict[str, float] = {}
        for name in params:
            value = state[name]
            if isinstance(value, bool) or not isinstance(value, numbers.Real):
                raise ValueError(
                    f"load_state_dict: {name!r} must be a real number, got {type(value).__name__}"
                )
            if not math.isfinite(value):
                raise ValueError(f"load_state_dict: {name!r} must be finite, got {value!r}")
            values[name] = float(value)
        for name, p in params.items():
            p.data = values[name]

    def _label_parameters(self) -> None:
        # Labels name each parameter in pictures; an enclosing module relabels with longer names.
        for name, p in self.named_parameters():
            p.label = name


def _named(prefix: str, item: object) -> Iterator[tuple[str, Value]]:
    if isinstance(item, Value):
        yield prefix, item
    elif isinstance(item, Module):
        for name, p in item.named_parameters():
            yield f"{prefix}.{name}", p
    elif isinstance(item, list):
        for i, child in enumerate(item):
            yield from _named(f"{prefix}.{i}", child)
    else:
        raise TypeError(f"{prefix} holds a {type(item).__name__}, not a Value, Module or list")
