"""IEEE results as PyTorch gives them: inf and nan, never an exception; stable functions."""

import math

import pytest

import engine
from engine import Value


def test_overflow_and_domain_errors_give_inf_and_nan() -> None:
    assert Value(1000.0).exp().data == math.inf
    assert Value(-1000.0).exp().data == 0.0
    assert math.isnan(Value(-1.0).log().data)
    assert Value(0.0).log().data == -math.inf
    assert math.isnan(Value(-1.0).sqrt().data)
    assert math.isnan(Value(math.inf).sin().data)
    assert math.isnan(Value(math.inf).cos().data)


@pytest.mark.parametrize(
    ("a", "b", "expected"),
    [(1.0, 0.0, math.inf), (-1.0, 0.0, -math.inf), (1.0, -0.0, -math.inf), (0.0, 0.0, math.nan)],
)
def test_division_by_a_zero_value_follows_ieee(a: float, b: float, expected: float) -> None:
    got = (Value(a) / Value(b)).data
    assert got == expected or (math.isnan(expected) and math.isnan(got))
    got_number = (Value(a) / b).data
    assert got_number == expected or (math.isnan(expected) and math.isnan(got_number))


def test_powers_follow_c99_not_python_complex_or_errors() -> None:
    assert math.isnan((Value(-8.0) ** (1 / 3)).data)
    assert (Value(0.0) ** -1).data == math.inf
    assert (Value(-0.0) ** -1).data == -math.inf
    assert (Value(10.0) ** 400).data == math.inf
    assert (Value(-10.0) ** 401).data == -math.inf
    assert (Value(-10.0) ** 400).data == math.inf
    assert (Value(2.0) ** Value(0.5)).data == math.sqrt(2.0)


def test_backward_through_non_finite_values_does_not_raise() -> None:
    x = Value(1000.0)
    y = x.exp() * 0.0 + x.log()
    y.backward()
    assert math.isnan(x.grad)  # inf * 0 in the chain rule, as in PyTorch
    z = Value(0.0)
    (z.sqrt() + (Value(-1.0) * z).log()).backward()
    assert not math.isfinite(z.grad)


@pytest.mark.parametrize("big", [1000.0, 50.0])
def test_sigmoid_tanh_softplus_are_stable_at_large_positive_inputs(big: float) -> None:
    x = Value(big)
    s, t, p = x.sigmoid(), x.tanh(), x.softplus()
    assert (s.data, t.data, p.data) == (1.0, 1.0, big)
    grads = [engine.grad(out, [x])[0].data for out in (s, t, p)]
    assert 0.0 <= grads[0] < 1e-20 and grads[1] == 0.0 and grads[2] == 1.0


@pytest.mark.parametrize("big", [-1000.0, -50.0])
def test_sigmoid_tanh_softplus_are_stable_at_large_negative_inputs(big: float) -> None:
    x = Value(big)
    s, t, p = x.sigmoid(), x.tanh(), x.softplus()
    assert 0.0 <= s.data < 1e-20 and t.data == -1.0 and 0.0 <= p.data < 1e-20
    grads = [engine.grad(out, [x])[0].data for out in (s, t, p)]
    assert 0.0 <= grads[0] < 1e-20 and grads[1] == 0.0 and 0.0 <= grads[2] < 1e-20


def test_softplus_is_linear_above_its_threshold_like_pytorch() -> None:
    x = Value(25.0)
    y = x.softplus()
    y.backward()
    assert y.data == 25.0 and x.grad == 1.0
    assert Value(3.0).softplus(beta=2.0, threshold=5.0).data == 3.0
    assert Value(2.0).softplus(beta=2.0, threshold=5.0).data == pytest.approx(
        math.log1p(math.e**4) / 2
    )


def test_relu_passes_nan_through_like_pytorch() -> None:
    assert math.isnan(Value(math.nan).relu().data)
    assert Value(-0.0).relu().data == 0.0


def test_logsumexp_is_stable_for_large_and_infinite_inputs() -> None:
    assert engine.logsumexp([1000.0, 1000.0]).data == pytest.approx(1000 + math.log(2))
    assert engine.logsumexp([-1000.0, -1000.0]).data == pytest.approx(-1000 + math.log(2))
    assert engine.logsumexp([math.inf, 1.0]).data == math.inf
    assert engine.logsumexp([-math.inf, -math.inf]).data == -math.inf
    assert math.isnan(engine.logsumexp([math.nan, 1.0]).data)


def test_matches_pytorch_where_torch_is_installed() -> None:
    torch = pytest.importorskip("torch")
    cases = [
        (Value.exp, torch.exp, 1000.0),
        (Value.log, torch.log, -1.0),
        (Value.log, torch.log, 0.0),
        (Value.sigmoid, torch.sigmoid, -1000.0),
        (Value.relu, torch.relu, 0.0),
        (Value.softplus, torch.nn.functional.softplus, 30.0),
    ]
    for ours, theirs, x in cases:
        v = Value(x)
        out = ours(v)
        out.backward()
        t = torch.tensor(x, dtype=torch.float64, requires_grad=True)
        tout = theirs(t)
        tout.backward()
        for a, b in ((out.data, tout.item()), (v.grad, t.grad.item())):
            assert a == b or (math.isnan(a) and math.isnan(b)) or math.isclose(a, b, rel_tol=1e-12)
