"""``Neuron``, ``Layer`` and ``MLP``: micrograd's modules, on the engine's fused dot product."""

import random
from collections.abc import Callable, Sequence

import engine
from engine import Value, ops
from nn import init as initialisation
from nn.module import Module

Input = Sequence[Value | float]
"""What a module takes: numbers or Values, one per input."""

ACTIVATIONS: dict[str, Callable[[Value], Value] | None] = {
    **{op.name: getattr(Value, op.name) for op in ops.TABLE if op.activation},
    "linear": None,
}
"""A neuron's activations: the rows of the engine's table marked ``activation`` (each the
Value method of its name), and ``"linear"``, none."""


def check_activation(activation: str) -> str:
    """Return ``activation`` if it is known, else raise a ValueError that lists the choices."""
    if activation not in ACTIVATIONS:
        choices = ", ".join(map(repr, ACTIVATIONS))
        raise ValueError(f"activation must be one of {choices}; got {activation!r}")
    return activation


def _micrograd_nonlin(activation: str, nonlin: bool | None) -> str:
    """Return ``activation``, or micrograd's ``nonlin=True/False`` as "relu"/"linear"."""
    if isinstance(activation, bool) and nonlin is None:  # micrograd's Neuron(nin, False)
        activation, nonlin = "relu", activation
    if nonlin is None:
        return check_activation(activation)
    if not isinstance(nonlin, bool):
        raise TypeError(f"nonlin must be True or False (micrograd's), got {type(nonlin).__name__}")
    wanted = "relu" if nonlin else "linear"
    if activation not in ("relu", wanted):
        raise ValueError(
            f"nonlin={nonlin} means activation={wanted!r}, but activation={activation!r} was "
            "given too; pass one of them"
        )
    return wanted


def _positive_int(value: object, name: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise TypeError(f"{name} must be an int, got {type(value).__name__}")
    if value < 1:
        raise ValueError(f"{name} must be at least 1, got {value}")
    return value


def _rng(seed: int | random.Random | None) -> random.Random:
    if isinstance(seed, random.Random):
        return seed
    if seed is None or (isinstance(seed, int) and not isinstance(seed, bool)):
        return random.Random(seed)
    raise TypeError(f"seed must be None, an int or a random.Random, got {type(seed).__name__}")


class Neuron(Module):
    """One neuron: ``activation(w . x + b)``, two graph nodes however many inputs.

    ``seed`` is an int (the same weights on every machine), a ``random.Random``
    to draw from (how a Layer shares one stream), or None. micrograd's
    ``nonlin=False`` (or ``Neuron(nin, False)``) means ``activation="linear"``.
    """

    _fields = ("w", "b")

    def __init__(
        self,
        nin: int,
        activation: str = "relu",
        *,
        init: str = "uniform",
        fan_out: int = 1,
        seed: int | random.Random | None = None,
        nonlin: bool | None = None,
    ) -> None:
        self.nin = _positive_int(nin, "nin")
        self.activation = activation = _micrograd_nonlin(activation, nonlin)
        self.init = initialisation.check_scheme(init)
        weights = initialisation.weights(init, nin, fan_out, _rng(seed))
        self.w = [Value(x) for x in weights]
        self.b = Value(0.0)
        self._act = ACTIVATIONS[activation]
        self._label_parameters()

    def __call__(self, x: Input) -> Value:
        """Return the neuron's output for the inputs ``x`` (``nin`` numbers or Values)."""
        if len(x) != self.nin:
            raise ValueError(f"{self!r} takes {self.nin} inputs, got {len(x)}")
        pre = engine.dot(self.w, x, bias=self.b)
        return pre if self._act is None else self._act(pre)

    def __repr__(self) -> str:
        return f"Neuron({self.nin}, activation={self.activation!r})"


class Layer(Module):
    """``nout`` neurons that read the same inputs.

    Called on inputs, it returns a list of ``nout`` Values, or one Value when
    ``nout`` is 1 (as in micrograd).
    """

    _fields = ("neurons",)

    def __init__(
        self,
        nin: int,
        nout: int,
        activation: str = "relu",
        *,
        init: str = "uniform",
        seed: int | random.Random | None = None,
        nonlin: bool | None = None,
    ) -> None:
        self.nin = _positive_int(nin, "nin")
        self.nout = _positive_int(nout, "nout")
        self.activation = activation = _micrograd_nonlin(activation, nonlin)
        rng = _rng(seed)
        self.neurons = [
            Neuron(nin, activation, init=init, fan_out=nout, seed=rng) for _ in range(nout)
        ]
        self._label_parameters()

    def __call__(self, x: Input) -> Value | list[Value]:
        """Return each neuron's output for the inputs ``x``."""
        # Numbers become Values once here, not once in every neuron.
        inputs = [v if isinstance(v, Value) else Value(v) for v in x]
        outs = [n(inputs) for n in self.neurons]
        return outs[0] if len(outs) == 1 else outs

    def __repr__(self) -> str:
        return f"Layer({self.nin}, {self.nout}, activation={self.activation!r})"


class MLP(Module):
    """A multi-layer perceptron: hidden layers with ``activation``, a linear output layer.

    ``MLP(2, [16, 16, 1])`` is micrograd's two-moons model. ``init`` picks the
    weight initialisation (see ``nn.init``); ``seed`` makes the weights the
    same on every machine.

    Examples:
        >>> model = MLP(2, [4, 1], seed=0)
        >>> len(model.parameters()), type(model([1.0, -1.0])).__name__
        (17, 'Value')
    """

    _fields = ("layers",)

    def __init__(
        self,
        nin: int,
        nouts: Sequence[int],
        activation: str = "relu",
        seed: int | random.Random | None = None,
        *,
        init: str = "uniform",
    ) -> None:
        self.nin = _positive_int(nin, "nin")
        if isinstance(nouts, (str, bytes)) or not isinstance(nouts, Sequence) or not nouts:
            raise ValueError(f"nouts must be a non-empty list of layer sizes, got {nouts!r}")
        self.nouts = [_positive_int(n, f"nouts[{i}]") for i, n in enumerate(nouts)]
        self.activation = check_activation(activation)
        self.init = initialisation.check_scheme(init)
        rng = _rng(seed)
        sizes = [nin, *self.nouts]
        last = len(self.nouts) - 1
        self.layers = [
            Layer(
                sizes[i],
                sizes[i + 1],
                "linear" if i == last else activation,
                init=init,
                seed=rng,
            )
            for i in range(len(self.nouts))
        ]
        self._label_parameters()

    def __call__(self, x: Input) -> Value | list[Value]:
        """Return the network's output: one Value if the last layer has one neuron, else a list."""
        out: Value | list[Value] = list(x)  # type: ignore[arg-type]
        for layer in self.layers:
            out = layer(out if isinstance(out, list) else [out])
        return out

    def __repr__(self) -> str:
        return f"MLP({self.nin}, {self.nouts}, activation={self.activation!r}, init={self.init!r})"
