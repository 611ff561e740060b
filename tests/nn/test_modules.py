"""Module, Neuron, Layer, MLP: micrograd's names, seeds, initialisation, state dicts."""

import math
import statistics

import pytest
from hypothesis import given
from hypothesis import strategies as st

import engine
import nn
from engine import Value


def test_micrograd_attribute_names_and_the_classic_model_size() -> None:
    model = nn.MLP(2, [16, 16, 1], seed=0)
    assert len(model.layers) == 3 and len(model.layers[0].neurons) == 16
    neuron = model.layers[0].neurons[0]
    assert len(neuron.w) == 2 and isinstance(neuron.b, engine.Value)
    assert len(model.parameters()) == 2 * 16 + 16 + 16 * 16 + 16 + 16 + 1 == 337


@given(st.floats(-2, 2), st.floats(-2, 2), st.integers(0, 1000))
def test_relu_hidden_layers_and_a_linear_output_by_hand(x1: float, x2: float, seed: int) -> None:
    model = nn.MLP(2, [3, 2], seed=seed)
    h = [x1, x2]
    for k, layer in enumerate(model.layers):
        a = [
            math.fsum(w.data * v for w, v in zip(n.w, h, strict=True)) + n.b.data
            for n in layer.neurons
        ]
        h = [max(0.0, v) for v in a] if k == 0 else a
    out = model([x1, x2])
    assert isinstance(out, list)
    assert all(
        math.isclose(o.data, e, rel_tol=1e-12, abs_tol=1e-12) for o, e in zip(out, h, strict=True)
    )


def test_one_output_is_a_value_several_are_a_list() -> None:
    assert isinstance(nn.MLP(2, [4, 1], seed=0)([1.0, 2.0]), engine.Value)
    assert isinstance(nn.MLP(2, [4, 3], seed=0)([1.0, 2.0]), list)


def test_activation_choices_and_a_bad_one() -> None:
    for activation in ("relu", "tanh", "sigmoid", "linear"):
        assert nn.MLP(2, [2, 1], activation, seed=0).layers[0].activation == activation
    with pytest.raises(ValueError, match="'relu', 'tanh', 'sigmoid', 'linear'"):
        nn.MLP(2, [2, 1], activation="gelu")


def test_a_seed_gives_the_same_weights_and_another_seed_others() -> None:
    assert nn.MLP(3, [4, 1], seed=7).state_dict() == nn.MLP(3, [4, 1], seed=7).state_dict()
    assert nn.MLP(3, [4, 1], seed=7).state_dict() != nn.MLP(3, [4, 1], seed=8).state_dict()


def test_default_init_is_micrograds_uniform_with_zero_biases() -> None:
    model = nn.MLP(4, [50, 50], seed=3)
    weights = [w.data for layer in model.layers for n in layer.neurons for w in n.w]
    assert all(-1.0 <= w <= 1.0 for w in weights) and min(weights) < -0.9 and max(weights) > 0.9
    assert all(n.b.data == 0.0 for layer in model.layers for n in layer.neurons)


def test_he_and_xavier_have_their_spread() -> None:
    he = nn.Layer(50, 200, init="he", seed=1)
    ws = [w.data for n in he.neurons for w in n.w]
    assert math.isclose(statistics.pstdev(ws), math.sqrt(2 / 50), rel_tol=0.05)
    xavier = nn.Layer(50, 200, init="xavier", seed=1)
    ws = [w.data for n in xavier.neurons for w in n.w]
    bound = math.sqrt(6 / 250)
    assert max(abs(w) for w in ws) <= bound and max(abs(w) for w in ws) > 0.95 * bound


@pytest.mark.parametrize("nin", [1, 5, 40])
def test_a_neuron_is_two_graph_nodes_whatever_its_inputs(nin: int) -> None:
    neuron = nn.Neuron(nin, activation="linear", seed=0)
    neuron.b.data = 0.25
    xs = [Value(0.5 - i / 10) for i in range(nin)]
    pre = neuron(xs)
    out = nn.Neuron(nin, seed=0)(xs)
    inner = [v for v in engine.topological_order(out) if v.parents]
    assert [v.op for v in inner] == ["dot+b", "relu"]
    # The pre-activation's parents are the weights, the inputs, then the bias.
    assert pre.op == "dot+b" and pre.parents == (*neuron.w, *xs, neuron.b)
    expected = math.fsum(w.data * x.data for w, x in zip(neuron.w, xs, strict=True)) + 0.25
    assert math.isclose(pre.data, expected, rel_tol=1e-12, abs_tol=1e-12)


def test_wrong_number_of_inputs_is_a_value_error() -> None:
    with pytest.raises(ValueError, match="takes 2 inputs, got 3"):
        nn.MLP(2, [2, 1], seed=0)([1.0, 2.0, 3.0])


def test_named_parameters_are_stable_readable_and_label_the_parameters() -> None:
    model = nn.MLP(2, [4, 1], seed=0)
    named = list(model.named_parameters())
    assert named[0][0] == "layers.0.neurons.0.w.0"
    assert named[2][0] == "layers.0.neurons.0.b"
    assert ("layers.0.neurons.3.w.1", model.layers[0].neurons[3].w[1]) in named
    assert [p for _, p in named] == model.parameters()
    assert all(p.label == name for name, p in named)
    assert [n for n, _ in named] == [n for n, _ in model.named_parameters()]


def test_zero_grad_zeroes_every_parameter() -> None:
    model = nn.MLP(2, [3, 1], seed=0)
    out = model([1.0, -1.0])
    assert isinstance(out, engine.Value)
    out.backward()
    assert any(p.grad != 0 for p in model.parameters())
    model.zero_grad()
    assert all(p.grad == 0.0 for p in model.parameters())


def test_state_dict_round_trips() -> None:
    a, b = nn.MLP(2, [3, 1], seed=0), nn.MLP(2, [3, 1], seed=1)
    b.load_state_dict(a.state_dict())
    assert b.state_dict() == a.state_dict()
    assert all(isinstance(v, float) for v in a.state_dict().values())


@pytest.mark.parametrize(
    ("change", "error", "message"),
    [
        (
            lambda d: d.pop("layers.1.neurons.0.b"),
            KeyError,
            "missing the parameter 'layers.1.neurons.0.b'",
        ),
        (lambda d: d.update(extra=1.0), KeyError, "has the key 'extra'"),
        (lambda d: d.update({"layers.0.neurons.0.w.0": math.nan}), ValueError, "must be finite"),
        (lambda d: d.update({"layers.0.neurons.0.w.0": math.inf}), ValueError, "must be finite"),
        (
            lambda d: d.update({"layers.0.neurons.2.b": "1"}),
            ValueError,
            "'layers.0.neurons.2.b' must be a real",
        ),
        (
            lambda d: d.update({"layers.0.neurons.2.b": None}),
            ValueError,
            "must be a real number, got NoneType",
        ),
        (
            lambda d: d.update({"layers.0.neurons.2.b": True}),
            ValueError,
            "must be a real number, got bool",
        ),
    ],
)
def test_a_failed_load_state_dict_names_the_key_and_changes_nothing(
    change, error, message: str
) -> None:
    model = nn.MLP(2, [3, 1], seed=0)
    before = model.state_dict()
    state = nn.MLP(2, [3, 1], seed=5).state_dict()
    change(state)
    with pytest.raises(error, match=message):
        model.load_state_dict(state)
    assert model.state_dict() == before


@pytest.mark.parametrize(
    ("args", "kwargs", "error", "message"),
    [
        ((0, [1]), {}, ValueError, "nin must be at least 1"),
        (("2", [1]), {}, TypeError, "nin must be an int, got str"),
        ((2, []), {}, ValueError, "nouts must be a non-empty list"),
        ((2, [0]), {}, ValueError, r"nouts\[0\] must be at least 1"),
        ((2, [1]), {"init": "bogus"}, ValueError, "init must be one of 'uniform', 'he', 'xavier'"),
        ((2, [1]), {"seed": "x"}, TypeError, "seed must be None, an int or a random.Random"),
    ],
)
def test_bad_constructor_arguments_are_clear_errors(args, kwargs, error, message: str) -> None:
    with pytest.raises(error, match=message):
        nn.MLP(*args, **kwargs)
