"""SGD, Adam and LinearLR against hand-computed steps; bad hyper-parameters."""

import math

import pytest

import nn
from engine import Value


def params(grads: list[float], datas: list[float]) -> list[Value]:
    ps = [Value(d) for d in datas]
    for p, g in zip(ps, grads, strict=True):
        p.grad = g
    return ps


def test_plain_sgd_step() -> None:
    ps = params([2.0, -1.0], [1.0, 0.5])
    nn.SGD(ps, lr=0.1).step()
    assert [p.data for p in ps] == [1.0 - 0.1 * 2.0, 0.5 + 0.1 * 1.0]


def test_sgd_with_momentum_and_weight_decay_follows_pytorchs_rule() -> None:
    ps = params([2.0], [1.0])
    opt = nn.SGD(ps, lr=0.1, momentum=0.9, weight_decay=0.01)
    opt.step()
    g1 = 2.0 + 0.01 * 1.0
    p1 = 1.0 - 0.1 * g1
    assert ps[0].data == p1
    opt.step()  # same grad, new data
    g2 = 2.0 + 0.01 * p1
    buf = 0.9 * g1 + g2
    assert math.isclose(ps[0].data, p1 - 0.1 * buf, rel_tol=1e-15)


def test_adam_first_two_steps_with_bias_correction() -> None:
    ps = params([0.5], [1.0])
    opt = nn.Adam(ps, lr=0.01)
    opt.step()
    # Step 1: m_hat = g, v_hat = g^2, so the step is lr * g / (|g| + eps).
    p1 = 1.0 - 0.01 * 0.5 / (0.5 + 1e-8)
    assert math.isclose(ps[0].data, p1, rel_tol=1e-15)
    ps[0].grad = -1.0
    opt.step()
    m = 0.9 * (0.1 * 0.5) + 0.1 * -1.0
    v = 0.999 * (0.001 * 0.25) + 0.001 * 1.0
    m_hat, v_hat = m / (1 - 0.9**2), v / (1 - 0.999**2)
    assert math.isclose(ps[0].data, p1 - 0.01 * m_hat / (math.sqrt(v_hat) + 1e-8), rel_tol=1e-14)


def test_linear_lr_reproduces_micrograds_schedule_and_then_holds() -> None:
    opt = nn.SGD([Value(0.0)], lr=1.0)
    schedule = nn.LinearLR(opt, 1.0, 0.1, total_steps=100)
    used = []
    for _ in range(100):
        used.append(opt.lr)
        schedule.step()
    assert all(math.isclose(lr, 1.0 - 0.9 * k / 100, rel_tol=1e-12) for k, lr in enumerate(used))
    schedule.step()
    assert math.isclose(opt.lr, 0.1)


def test_optimizer_zero_grad() -> None:
    ps = params([1.0, 2.0], [0.0, 0.0])
    nn.Adam(ps).zero_grad()
    assert [p.grad for p in ps] == [0.0, 0.0]


@pytest.mark.parametrize(
    ("make", "error", "message"),
    [
        (lambda p: nn.SGD(p, lr=-0.1), ValueError, "lr must be finite, at least 0.0"),
        (lambda p: nn.SGD(p, lr=math.nan), ValueError, "lr must be finite"),
        (lambda p: nn.SGD(p, lr="1"), TypeError, "lr must be a number, got str"),
        (lambda p: nn.SGD(p, lr=0.1, momentum=-0.5), ValueError, "momentum"),
        (lambda p: nn.SGD(p, lr=0.1, weight_decay=-1), ValueError, "weight_decay"),
        (
            lambda p: nn.Adam(p, betas=(0.9, 1.0)),
            ValueError,
            r"betas\[1\] must be finite, at least 0.0 and below 1.0",
        ),
        (lambda p: nn.Adam(p, betas=(-0.1, 0.9)), ValueError, r"betas\[0\]"),
        (lambda p: nn.Adam(p, betas=0.9), TypeError, "betas must be a pair"),
        (lambda p: nn.Adam(p, eps=-1e-8), ValueError, "eps"),
        (lambda p: nn.SGD([], lr=0.1), ValueError, "params is empty"),
        (lambda p: nn.SGD([1.0], lr=0.1), TypeError, r"params\[0\] must be a Value, got float"),
        (lambda p: nn.SGD(p[0], lr=0.1), TypeError, "params must be an iterable of Values"),
        (lambda p: nn.LinearLR(p, 1.0, 0.1), TypeError, "optimizer must be an Optimizer"),
        (lambda p: nn.LinearLR(nn.SGD(p, lr=1.0), total_steps=0), ValueError, "total_steps"),
    ],
)
def test_bad_hyper_parameters_are_clear_errors(make, error, message: str) -> None:
    ps = params([1.0], [2.0])
    with pytest.raises(error, match=message):
        make(ps)
    assert (ps[0].data, ps[0].grad) == (2.0, 1.0)
