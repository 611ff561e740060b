"""nn's activations are one list: the modules, the seed's algorithm and the torch bridge agree."""

from engine import Value
from nn.backprop import _DERIVATIVES, _FUNCTIONS
from nn.layers import ACTIVATIONS
from nn.torch_bridge import TORCH_MODULES


def test_the_seeds_algorithm_knows_every_activation_a_neuron_may_have() -> None:
    assert set(_FUNCTIONS) == set(_DERIVATIVES) == set(ACTIVATIONS)


def test_the_torch_bridge_knows_every_activation_but_linear() -> None:
    assert set(TORCH_MODULES) == set(ACTIVATIONS) - {"linear"}


def test_each_activation_is_the_engine_operation_of_its_name() -> None:
    for name, method in ACTIVATIONS.items():
        if method is None:
            assert name == "linear"
            continue
        assert method is getattr(Value, name)
        assert method(Value(0.3)).op == name
