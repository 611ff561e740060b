"""nn.backprop: the seed's layer-wise algorithm equals the engine's gradients."""

import doctest
import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

import engine
import nn
import nn.backprop
from nn.backprop import backprop

F_PRIME = {
    "relu": lambda a: 1.0 if a > 0 else 0.0,
    "tanh": lambda a: 1 - math.tanh(a) ** 2,
    "sigmoid": lambda a: (1 / (1 + math.exp(-a))) * (1 - 1 / (1 + math.exp(-a))),
    "linear": lambda a: 1.0,
}


@st.composite
def cases(draw: st.DrawFn) -> tuple[nn.MLP, list[float], list[float]]:
    nin = draw(st.integers(1, 4))
    nouts = draw(st.lists(st.integers(1, 5), min_size=1, max_size=3))
    activation = draw(st.sampled_from(["relu", "tanh", "sigmoid", "linear"]))
    model = nn.MLP(nin, nouts, activation, seed=draw(st.integers(0, 2**32)))
    x = [draw(st.floats(-3, 3)) for _ in range(nin)]
    grad_output = [draw(st.floats(-2, 2)) for _ in range(nouts[-1])]
    return model, x, grad_output


def engine_backward(model: nn.MLP, x: list[float], grad_output: list[float]) -> list[engine.Value]:
    out = model(x)
    outs = out if isinstance(out, list) else [out]
    # L = sum_k g_k * out_k, so dL/dh^L is exactly grad_output.
    engine.dot(grad_output, outs).backward()
    return outs


def close(a: float, b: float) -> bool:
    return math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-12)


@given(cases())
def test_layerwise_gradients_equal_the_engines(
    case: tuple[nn.MLP, list[float], list[float]],
) -> None:
    model, x, grad_output = case
    trace = backprop(model, x, grad_output)
    engine_backward(model, x, grad_output)
    for l, layer in enumerate(model.layers):
        for j, neuron in enumerate(layer.neurons):
            assert close(neuron.b.grad, trace.grad_b[l][j])
            for i, w in enumerate(neuron.w):
                assert close(w.grad, trace.grad_W[l][j][i]), (l, j, i)


@given(cases())
def test_forward_values_and_the_delta_recursion_hold(
    case: tuple[nn.MLP, list[float], list[float]],
) -> None:
    model, x, grad_output = case
    trace = backprop(model, x, grad_output)
    outs = engine_backward(model, x, grad_output)
    last = len(model.layers) - 1
    assert all(close(o.data, h) for o, h in zip(outs, trace.h[last], strict=True))
    f_prime = [F_PRIME[layer.activation] for layer in model.layers]
    # delta^L = dL/dh^L * f'(a^L)
    for j, a in enumerate(trace.a[last]):
        assert close(trace.delta[last][j], grad_output[j] * f_prime[last](a))
    # delta^l = (W^{l+1})^T delta^{l+1} * f'(a^l), recomputed here from the weights
    for l in range(last):
        nxt = model.layers[l + 1].neurons
        for j, a in enumerate(trace.a[l]):
            back = math.fsum(n.w[j].data * d for n, d in zip(nxt, trace.delta[l + 1], strict=True))
            assert math.isclose(
                trace.delta[l][j], back * f_prime[l](a), rel_tol=1e-9, abs_tol=1e-12
            )
    # dL/dW = delta h^T with h of the layer before (the input for layer 0)
    for l in range(last + 1):
        h_before = x if l == 0 else trace.h[l - 1]
        for j, d in enumerate(trace.delta[l]):
            assert trace.grad_W[l][j] == [d * float(h) for h in h_before]


def test_a_single_float_grad_output_is_accepted_for_one_output() -> None:
    model = nn.MLP(2, [3, 1], seed=0)
    assert backprop(model, [1.0, 2.0], 1.0).delta == backprop(model, [1.0, 2.0], [1.0]).delta


def test_values_in_x_and_grad_output_are_read_by_their_data() -> None:
    model = nn.MLP(2, [3, 1], seed=0)
    floats = backprop(model, [1.0, 2.0], [0.5])
    values = backprop(model, [engine.Value(1.0), 2.0], engine.Value(0.5))
    assert (values.x, values.delta, values.grad_W) == (floats.x, floats.delta, floats.grad_W)


@pytest.mark.parametrize(
    ("model", "x", "g", "error", "message"),
    [
        ("mlp", [1.0], [1.0], ValueError, "x must hold 2 numbers, got 1"),
        ("mlp", [1.0, 2.0], [1.0, 2.0], ValueError, "grad_output must hold 1 numbers"),
        ("layer", [1.0, 2.0], [1.0], TypeError, "model must be an nn.MLP, got Layer"),
    ],
)
def test_bad_input_is_a_clear_error(
    model: str, x: list[float], g: list[float], error: type, message: str
) -> None:
    m = nn.MLP(2, [3, 1], seed=0) if model == "mlp" else nn.Layer(2, 1)
    with pytest.raises(error, match=message):
        backprop(m, x, g)  # type: ignore[arg-type]


def test_docstring_example_runs() -> None:
    result = doctest.testmod(nn.backprop)
    assert result.attempted > 0 and result.failed == 0
