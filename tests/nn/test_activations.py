"""nn's activations are one list, the engine's table: the modules, the algorithm and torch agree."""

import pytest

from engine import Value, ops
from nn.backprop import _DERIVATIVES, _FUNCTIONS
from nn.layers import ACTIVATIONS
from nn.torch_bridge import torch_activation


def test_the_activations_are_the_rows_of_the_table_marked_so_and_linear() -> None:
    assert list(ACTIVATIONS) == [op.name for op in ops.TABLE if op.activation] + ["linear"]
    assert list(ACTIVATIONS) == ["relu", "tanh", "sigmoid", "linear"]


def test_the_algorithm_knows_every_activation_a_neuron_may_have() -> None:
    assert set(_FUNCTIONS) == set(_DERIVATIVES) == set(ACTIVATIONS)


@pytest.mark.parametrize("name", [n for n in ACTIVATIONS if n != "linear"])
def test_the_algorithms_f_and_f_prime_are_the_rows_forward_rule_and_local_derivative(
    name: str,
) -> None:
    for a in [-2.0, -0.3, 0.0, 0.4, 3.0]:
        x = Value(a)
        y = ACTIVATIONS[name](x)  # type: ignore[misc]
        y.backward()
        assert _FUNCTIONS[name](a) == y.data and _DERIVATIVES[name](a) == x.grad


def test_the_torch_bridge_knows_every_activation_but_linear() -> None:
    torch = pytest.importorskip("torch")
    for name in ACTIVATIONS:
        if name != "linear":
            module = torch_activation(name)
            assert issubclass(module, torch.nn.Module) and module.__name__.lower() == name


def test_each_activation_is_the_engine_operation_of_its_name() -> None:
    for name, method in ACTIVATIONS.items():
        if method is None:
            assert name == "linear"
            continue
        assert method is getattr(Value, name)
        assert method(Value(0.3)).op == name
