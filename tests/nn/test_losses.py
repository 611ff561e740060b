"""Losses against closed forms on floats: values and gradients; stability; bad input."""

import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

import nn
from engine import Value

scores = st.lists(st.floats(-4, 4), min_size=1, max_size=8)


def close(a: float, b: float) -> bool:
    return math.isclose(a, b, rel_tol=1e-12, abs_tol=1e-12)


@given(st.data())
def test_mse_loss_value_and_gradient(data: st.DataObject) -> None:
    ps = data.draw(scores)
    ts = data.draw(st.lists(st.floats(-4, 4), min_size=len(ps), max_size=len(ps)))
    preds = [Value(p) for p in ps]
    loss = nn.mse_loss(preds, ts)
    loss.backward()
    n = len(ps)
    assert close(loss.data, math.fsum((p - t) ** 2 for p, t in zip(ps, ts, strict=True)) / n)
    for v, p, t in zip(preds, ps, ts, strict=True):
        assert close(v.grad, 2 * (p - t) / n)


@given(st.data())
def test_hinge_loss_value_and_gradient_with_either_label_style(data: st.DataObject) -> None:
    ss = data.draw(scores)
    labels = data.draw(st.lists(st.sampled_from([0, 1]), min_size=len(ss), max_size=len(ss)))
    ys = [1.0 if label == 1 else -1.0 for label in labels]
    values = [Value(s) for s in ss]
    loss = nn.hinge_loss(values, labels)
    loss.backward()
    n = len(ss)
    assert close(loss.data, math.fsum(max(0.0, 1 - y * s) for s, y in zip(ss, ys, strict=True)) / n)
    for v, s, y in zip(values, ss, ys, strict=True):
        assert close(v.grad, -y / n if 1 - y * s > 0 else 0.0)
    signed = nn.hinge_loss([Value(s) for s in ss], [int(y) for y in ys])
    assert signed.data == loss.data


@given(st.data())
def test_binary_cross_entropy_value_and_gradient(data: st.DataObject) -> None:
    zs = data.draw(scores)
    labels = data.draw(st.lists(st.sampled_from([0, 1]), min_size=len(zs), max_size=len(zs)))
    logits = [Value(z) for z in zs]
    loss = nn.binary_cross_entropy(logits, labels)
    loss.backward()
    n = len(zs)

    def sig(z: float) -> float:
        return 1 / (1 + math.exp(-z))

    expected = (
        -math.fsum(
            math.log(sig(z)) if y == 1 else math.log(1 - sig(z))
            for z, y in zip(zs, labels, strict=True)
        )
        / n
    )
    assert math.isclose(loss.data, expected, rel_tol=1e-9, abs_tol=1e-12)
    for v, z, y in zip(logits, zs, labels, strict=True):
        assert math.isclose(v.grad, (sig(z) - y) / n, rel_tol=1e-9, abs_tol=1e-12)


@given(st.data())
def test_cross_entropy_value_and_gradient(data: st.DataObject) -> None:
    k = data.draw(st.integers(2, 4))
    rows = data.draw(
        st.lists(st.lists(st.floats(-4, 4), min_size=k, max_size=k), min_size=1, max_size=5)
    )
    labels = [data.draw(st.integers(0, k - 1)) for _ in rows]
    logits = [[Value(z) for z in row] for row in rows]
    loss = nn.cross_entropy(logits, labels)
    loss.backward()
    n = len(rows)
    total = 0.0
    for row, label, values in zip(rows, labels, logits, strict=True):
        exps = [math.exp(z) for z in row]
        softmax = [e / math.fsum(exps) for e in exps]
        total += -math.log(softmax[label])
        for c, v in enumerate(values):
            assert math.isclose(
                v.grad, (softmax[c] - (c == label)) / n, rel_tol=1e-9, abs_tol=1e-12
            )
    assert math.isclose(loss.data, total / n, rel_tol=1e-9, abs_tol=1e-12)


def test_logit_losses_are_exact_at_plus_minus_1000() -> None:
    assert nn.binary_cross_entropy([Value(1000.0)], [0]).data == 1000.0
    assert nn.binary_cross_entropy([Value(1000.0)], [1]).data == 0.0
    assert nn.binary_cross_entropy([Value(-1000.0)], [1]).data == 1000.0
    logits = [Value(1000.0), Value(-1000.0)]
    loss = nn.cross_entropy([logits], [1])
    loss.backward()
    assert loss.data == 2000.0
    assert [v.grad for v in logits] == [1.0, -1.0]


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda: nn.mse_loss([Value(1.0)], [1.0, 2.0]), "1 predictions but 2 targets"),
        (lambda: nn.mse_loss([], []), "at least one sample"),
        (lambda: nn.hinge_loss([Value(1.0)], [2]), r"labels\[0\] must be 0 or 1"),
        (lambda: nn.binary_cross_entropy([Value(1.0)], [-1]), r"labels\[0\] must be 0 or 1"),
        (lambda: nn.cross_entropy([[Value(1.0), Value(2.0)]], [2]), r"class index in 0..1, got 2"),
        (lambda: nn.cross_entropy([Value(1.0)], [0]), r"logits\[0\] must be a non-empty list"),
    ],
)
def test_bad_input_is_a_clear_error(call, message: str) -> None:
    with pytest.raises((ValueError, TypeError), match=message):
        call()
