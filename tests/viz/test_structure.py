"""viz.drawing.structure.read: a graph read as neurons, layers and a batch, with a model or not."""

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import pytest
from hypothesis import given
from hypothesis import strategies as st

import engine
import nn
from engine import Value
from viz.drawing import structure

ACTIVATIONS = ("relu", "tanh", "sigmoid")


@dataclass(frozen=True)
class Spec:
    """What makes one small network's graph: the MLP, its input and the loss's targets."""

    nin: int
    nouts: tuple[int, ...]
    activation: str
    seed: int
    x: tuple[float, ...]
    targets: tuple[float, ...]


@dataclass
class Net:
    """A network's graph on one input, with each layer's outputs kept to check against."""

    model: nn.MLP
    xs: list[Value]
    outs: list[list[Value]]
    """outs[l][j]: the output of neuron j of layer l (model.layers[l])."""
    root: Value


@st.composite
def specs(draw: st.DrawFn, max_layers: int = 3, max_width: int = 4) -> Spec:
    """Small random MLPs: 1 to 3 inputs, 1 to 3 layers of 1 to 4 neurons."""
    nin = draw(st.integers(1, 3))
    nouts = tuple(draw(st.lists(st.integers(1, max_width), min_size=1, max_size=max_layers)))
    activation = draw(st.sampled_from(ACTIVATIONS))
    seed = draw(st.integers(0, 2**16))
    x = tuple(draw(st.lists(st.floats(-2, 2), min_size=nin, max_size=nin)))
    targets = tuple(draw(st.lists(st.floats(-1, 1), min_size=nouts[-1], max_size=nouts[-1])))
    return Spec(nin, nouts, activation, seed, x, targets)


def forward(model: nn.MLP, xs: Sequence[Value]) -> list[list[Value]]:
    """Run ``model`` layer by layer, as ``MLP.__call__`` does; return each layer's outputs."""
    outs: list[list[Value]] = []
    h = list(xs)
    for layer in model.layers:
        out = layer(h)
        h = out if isinstance(out, list) else [out]
        outs.append(h)
    return outs


def build(spec: Spec) -> Net:
    """The graph of ``spec``: the loss sum((out_k - t_k) ** 2), after backward()."""
    model = nn.MLP(spec.nin, list(spec.nouts), activation=spec.activation, seed=spec.seed)
    xs = [Value(v) for v in spec.x]
    outs = forward(model, xs)
    root = engine.sum([(o - t) ** 2 for o, t in zip(outs[-1], spec.targets, strict=True)])
    root.backward()
    return Net(model, xs, outs, root)


def same(a: Sequence[object], b: Sequence[object]) -> bool:
    """Whether two sequences hold the very same objects, in order."""
    return len(a) == len(b) and all(x is y for x, y in zip(a, b, strict=True))


def outline(found: structure.Structure) -> list[list[tuple[object, ...]]]:
    """Each layer's neurons as comparable tuples: place, parameters, nodes and inputs by id."""
    return [[_outline(n, layer) for n in layer.neurons] for layer in found.layers]


def _outline(n: structure.Neuron, layer: structure.Layer) -> tuple[object, ...]:
    weights, inputs = [id(w) for w in n.weights], [id(x) for x in n.inputs]
    nodes = (id(n.bias), id(n.pre), id(n.out))
    return (n.layer, n.index, n.activation, weights, nodes, inputs, [id(x) for x in layer.inputs])


@given(specs())
def test_a_models_neurons_are_found_with_their_weights_in_order_and_the_input_of_each(
    spec: Spec,
) -> None:
    net = build(spec)
    found = structure.read(net.root, net.model)
    assert len(found.neurons) == sum(spec.nouts)
    assert len(found.layers) == len(spec.nouts)
    for l, (layer, module) in enumerate(zip(found.layers, net.model.layers, strict=True)):
        inputs = net.xs if l == 0 else net.outs[l - 1]
        assert layer.index == l
        assert same(layer.inputs, inputs)
        assert len(layer.neurons) == module.nout
        for j, (neuron, unit) in enumerate(zip(layer.neurons, module.neurons, strict=True)):
            assert (neuron.key, neuron.layer, neuron.index) == (f"layers.{l}.neurons.{j}", l, j)
            assert same(neuron.weights, unit.w)
            assert neuron.bias is unit.b
            assert same(neuron.inputs, inputs)
            assert neuron.out is net.outs[l][j]
            assert neuron.activation == module.activation
            assert neuron.pre.op == "dot+b"
            if module.activation == "linear":
                assert neuron.pre is neuron.out
            else:
                assert neuron.out.parents == (neuron.pre,)
            assert found.owner[neuron.out] is neuron
            assert all(found.owner[p] is neuron for p in neuron.parameters)
    assert found.batch is None


@given(specs(), st.booleans())
def test_without_a_model_each_dot_plus_b_node_is_read_as_the_same_neuron(
    spec: Spec, unlabelled: bool
) -> None:
    net = build(spec)
    if unlabelled:  # parameters made by hand need no label to be found
        for p in net.model.parameters():
            p.label = ""
    with_model = structure.read(net.root, net.model)
    without = structure.read(net.root)
    assert len(without.neurons) == sum(spec.nouts)
    assert outline(without) == outline(with_model)


HAND_WRITTEN: dict[str, Callable[[nn.Neuron, list[Value]], Value]] = {
    # micrograd's own Neuron.__call__: the sum starts from the bias.
    "sum(w*x, b)": lambda n, xs: sum((w * x for w, x in zip(n.w, xs, strict=True)), n.b),
    "x*w, from b": lambda n, xs: sum((x * w for w, x in zip(n.w, xs, strict=True)), n.b),
    "engine.sum(w*x) + b": lambda n, xs: (
        engine.sum([w * x for w, x in zip(n.w, xs, strict=True)]) + n.b
    ),
    "w0*x0 + w1*x1 + w2*x2 + b": lambda n, xs: (
        n.w[0] * xs[0] + n.w[1] * xs[1] + n.w[2] * xs[2] + n.b
    ),
    # Python's sum starts from 0: the pre-activation is 0 + w0*x0 + ... + b.
    "sum(w*x) + b": lambda n, xs: sum(w * x for w, x in zip(n.w, xs, strict=True)) + n.b,
}


@pytest.mark.parametrize("form", HAND_WRITTEN)
def test_a_hand_written_neuron_is_one_neuron_when_its_module_is_the_model(form: str) -> None:
    unit = nn.Neuron(3, activation="tanh", seed=0)
    xs = [Value(0.5, label="x0"), Value(-1.0, label="x1"), Value(2.0, label="x2")]
    pre = HAND_WRITTEN[form](unit, xs)
    out = pre.tanh()
    found = structure.read(out, unit)
    count = len(found.neurons)
    assert count == 1, f"{form}: found {count} neurons"
    neuron = found.neurons[0]
    assert same(neuron.weights, unit.w)
    assert neuron.bias is unit.b
    assert same(neuron.inputs, xs)
    assert neuron.pre is pre
    assert neuron.out is out
    assert neuron.activation == "tanh"
    assert len(found.layers) == 1
    assert same(found.layers[0].inputs, xs)


def moons_loss(n: int, model: nn.MLP) -> tuple[Value, list[list[float]], list[Value]]:
    """The hinge loss of ``model`` over ``n`` moons; returns it, the points and the scores."""
    X, y = nn.make_moons(n, noise=0.1, seed=1)
    scores = [model(x) for x in X]
    loss = nn.hinge_loss(scores, y)  # type: ignore[arg-type]
    loss.backward()
    return loss, X, scores  # type: ignore[return-value]


@given(st.integers(4, 7), st.data(), st.booleans())
def test_a_batch_is_read_as_the_piece_of_one_sample(
    n: int, data: st.DataObject, with_model: bool
) -> None:
    model = nn.MLP(2, [3, 1], seed=0)
    loss, X, scores = moons_loss(n, model)
    k = data.draw(st.integers(0, n - 1) | st.none(), label="sample")
    found = structure.read(loss, model if with_model else None, sample=k)
    shown = 0 if k is None else k
    batch = found.batch
    assert batch is not None
    assert (batch.count, batch.sample) == (n, shown)
    assert batch.fan_in.op == "sum" and len(batch.fan_in.parents) == n
    order = set(found.order)
    for i, score in enumerate(scores):
        assert (score in order) == (i == shown)
        assert (batch.fan_in.parents[i] in order) == (i == shown)
    assert len(found.neurons) == 4  # one sample's: 3 hidden and 1 output
    assert [x.data for x in found.network_inputs()] == X[shown]
    assert all(neuron.out in batch.piece for neuron in found.neurons)
    assert set(model.parameters()) <= order


def test_a_sample_outside_the_batch_is_an_error_naming_the_range() -> None:
    model = nn.MLP(2, [3, 1], seed=0)
    loss, _, _ = moons_loss(5, model)
    with pytest.raises(ValueError, match="sample must be an int from 0 to 4"):
        structure.read(loss, model, sample=5)
    single = model([1.0, 2.0])
    assert isinstance(single, Value)
    assert structure.read(single, model).batch is None
    with pytest.raises(ValueError, match="sample=1: the graph has no batch"):
        structure.read(single, model, sample=1)


@pytest.mark.parametrize("n", [2, 3])
def test_a_model_on_fewer_samples_than_a_batch_finds_the_neurons_the_dot_nodes_show(
    n: int,
) -> None:
    """Fewer than 4 samples make no batch: every sample's neurons are drawn.

    Passing the model should then find at least the neurons read without it (one
    per dot+b node), not none at all.
    """
    model = nn.MLP(2, [4, 1], seed=1)
    loss, _, _ = moons_loss(n, model)
    without = structure.read(loss)
    assert without.batch is None
    expected = len(without.neurons)
    assert expected == 5 * n
    found = len(structure.read(loss, model).neurons)
    assert found == expected
