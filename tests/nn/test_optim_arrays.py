"""Optimizers on numpy arrays (use_arrays): Value steps' numbers, bit for bit, in place."""

import random
import subprocess
import sys
from collections.abc import Callable

import pytest
from hypothesis import given
from hypothesis import strategies as st

import nn
from engine import Value

np = pytest.importorskip("numpy")

# An optimizer on the given parameters, and the LinearLR that changes its lr (or None).
Make = Callable[[list[Value]], tuple[nn.Optimizer, nn.LinearLR | None]]

STEPS = 9


def scheduled(optimizer: nn.Optimizer) -> tuple[nn.Optimizer, nn.LinearLR]:
    return optimizer, nn.LinearLR(optimizer, 1.0, 0.1, total_steps=STEPS)


OPTIMIZERS: dict[str, Make] = {
    "sgd": lambda ps: (nn.SGD(ps, lr=0.1), None),
    "sgd-momentum": lambda ps: (nn.SGD(ps, lr=0.1, momentum=0.9), None),
    "sgd-weight-decay": lambda ps: (nn.SGD(ps, lr=0.1, weight_decay=0.01), None),
    "sgd-both": lambda ps: (nn.SGD(ps, lr=0.05, momentum=0.5, weight_decay=0.1), None),
    "adam": lambda ps: (nn.Adam(ps, lr=0.01), None),
    "adam-weight-decay": lambda ps: (
        nn.Adam(ps, lr=0.02, betas=(0.8, 0.99), eps=1e-6, weight_decay=0.1),
        None,
    ),
    "sgd-linear-lr": lambda ps: scheduled(nn.SGD(ps, lr=1.0, momentum=0.9)),
    "adam-linear-lr": lambda ps: scheduled(nn.Adam(ps, lr=0.1, weight_decay=0.01)),
}


def starting_numbers() -> list[float]:
    return [p.data for p in nn.MLP(2, [4, 1], seed=0).parameters()]


def gradients(seed: int, size: int, steps: int = STEPS) -> list[list[float]]:
    rng = random.Random(seed)
    return [[rng.uniform(-2.0, 2.0) for _ in range(size)] for _ in range(steps)]


def run(make: Make, modes: str, datas: list[float], grads: list[list[float]]) -> list[float]:
    """One step per letter of ``modes``, "v" on the Values, "a" on arrays; the final numbers."""
    params = [Value(d) for d in datas]
    optimizer, schedule = make(params)
    values, grad_array = None, np.zeros(len(params))
    for mode, step_grads in zip(modes, grads, strict=True):
        if mode == "a" and values is None:
            values = np.array([p.data for p in params])
            optimizer.use_arrays(values, grad_array)
        elif mode == "v" and values is not None:
            optimizer.use_values()
            for p, x in zip(params, values.tolist(), strict=True):
                p.data = x
            values = None
        if values is None:
            for p, g in zip(params, step_grads, strict=True):
                p.grad = g
        else:
            grad_array[:] = step_grads
        optimizer.step()
        if schedule is not None:
            schedule.step()
    return [p.data for p in params] if values is None else values.tolist()


@pytest.mark.parametrize("modes", ["vvvaaavvv", "aaaaaaaaa", "avavavava", "vvvvvvaaa"])
@pytest.mark.parametrize("name", list(OPTIMIZERS))
def test_array_steps_give_value_steps_numbers_bit_for_bit(name: str, modes: str) -> None:
    datas = starting_numbers()
    grads = gradients(1, len(datas))
    on_values = run(OPTIMIZERS[name], "v" * STEPS, datas, grads)
    assert all(x != d for x, d in zip(on_values, datas, strict=True))  # the steps did move
    assert run(OPTIMIZERS[name], modes, datas, grads) == on_values


@given(
    lr=st.floats(0.0, 1.0),
    momentum=st.floats(0.0, 0.99),
    weight_decay=st.floats(0.0, 0.5),
    linear_lr=st.booleans(),
    modes=st.text("va", min_size=1, max_size=6),
    seed=st.integers(0, 2**32 - 1),
)
def test_sgd_on_arrays_equals_sgd_on_values(
    lr: float, momentum: float, weight_decay: float, linear_lr: bool, modes: str, seed: int
) -> None:
    def make(ps: list[Value]) -> tuple[nn.Optimizer, nn.LinearLR | None]:
        optimizer = nn.SGD(ps, lr=lr, momentum=momentum, weight_decay=weight_decay)
        return scheduled(optimizer) if linear_lr else (optimizer, None)

    datas = [random.Random(seed).uniform(-1.0, 1.0) for _ in range(5)]
    grads = gradients(seed, len(datas), len(modes))
    assert run(make, modes, datas, grads) == run(make, "v" * len(modes), datas, grads)


@given(
    lr=st.floats(0.0, 1.0),
    beta1=st.floats(0.0, 0.999),
    beta2=st.floats(0.0, 0.9999),
    eps=st.floats(1e-12, 1e-2),
    weight_decay=st.floats(0.0, 0.5),
    linear_lr=st.booleans(),
    modes=st.text("va", min_size=1, max_size=6),
    seed=st.integers(0, 2**32 - 1),
)
def test_adam_on_arrays_equals_adam_on_values(
    lr: float,
    beta1: float,
    beta2: float,
    eps: float,
    weight_decay: float,
    linear_lr: bool,
    modes: str,
    seed: int,
) -> None:
    def make(ps: list[Value]) -> tuple[nn.Optimizer, nn.LinearLR | None]:
        optimizer = nn.Adam(ps, lr, (beta1, beta2), eps, weight_decay)
        return scheduled(optimizer) if linear_lr else (optimizer, None)

    datas = [random.Random(seed).uniform(-1.0, 1.0) for _ in range(5)]
    grads = gradients(seed, len(datas), len(modes))
    assert run(make, modes, datas, grads) == run(make, "v" * len(modes), datas, grads)


@pytest.mark.parametrize("name", list(OPTIMIZERS))
def test_step_and_zero_grad_change_the_callers_arrays_in_place(name: str) -> None:
    datas = starting_numbers()
    grads = gradients(2, len(datas), 2)
    params = [Value(d) for d in datas]
    for p in params:
        p.grad = 5.0
    optimizer, _ = OPTIMIZERS[name](params)
    # values is a view of every other number of buffer: only a change in place shows there.
    buffer = np.zeros(2 * len(datas))
    values, grad_array = buffer[::2], np.array(grads[0])
    values[:] = datas
    optimizer.use_arrays(values, grad_array)
    optimizer.step()
    assert buffer[::2].tolist() == run(OPTIMIZERS[name], "v", datas, grads[:1])
    assert buffer[1::2].tolist() == [0.0] * len(datas)
    optimizer.zero_grad()
    assert grad_array.tolist() == [0.0] * len(datas)
    # The Values are the caller's business in array mode: neither step nor zero_grad touches them.
    assert [(p.data, p.grad) for p in params] == [(d, 5.0) for d in datas]


def test_use_values_leaves_the_values_and_the_arrays_apart() -> None:
    datas = starting_numbers()
    params = [Value(d) for d in datas]
    optimizer = nn.Adam(params, lr=0.1)
    values, grad_array = np.array(datas), np.ones(len(datas))
    optimizer.use_arrays(values, grad_array)
    optimizer.step()
    moved = values.tolist()
    assert moved != datas
    optimizer.use_values()
    assert [p.data for p in params] == datas  # the caller copies the numbers back, not use_values
    for p in params:
        p.grad = 1.0
    optimizer.step()
    optimizer.zero_grad()
    assert values.tolist() == moved and grad_array.tolist() == [1.0] * len(datas)
    assert [p.data for p in params] != datas and [p.grad for p in params] == [0.0] * len(datas)


def test_use_values_outside_array_mode_does_nothing() -> None:
    datas = starting_numbers()
    grads = gradients(3, len(datas))

    def make(ps: list[Value]) -> tuple[nn.Optimizer, None]:
        optimizer = nn.Adam(ps, lr=0.1)
        optimizer.use_values()
        return optimizer, None

    adam = lambda ps: (nn.Adam(ps, lr=0.1), None)  # noqa: E731
    assert run(make, "vvvaaavvv", datas, grads) == run(adam, "v" * 9, datas, grads)
    params = [Value(d) for d in datas]
    optimizer = nn.SGD(params, lr=0.1, momentum=0.9)
    for p, g in zip(params, grads[0], strict=True):
        p.grad = g
    optimizer.step()
    optimizer.use_values()
    optimizer.use_values()
    optimizer.step()
    assert [p.data for p in params] == run(OPTIMIZERS["sgd-momentum"], "vv", datas, grads[:1] * 2)


@pytest.mark.parametrize("name", ["sgd-momentum", "adam-weight-decay"])
def test_use_arrays_again_moves_to_the_new_arrays_and_keeps_the_state(name: str) -> None:
    datas = starting_numbers()
    grads = gradients(4, len(datas), 6)
    params = [Value(d) for d in datas]
    optimizer, _ = OPTIMIZERS[name](params)
    first, first_grads = np.array(datas), np.zeros(len(datas))
    optimizer.use_arrays(first, first_grads)
    for step_grads in grads[:3]:
        first_grads[:] = step_grads
        optimizer.step()
    second, second_grads = first.copy(), np.zeros(len(datas))
    optimizer.use_arrays(second, second_grads)
    left = first.tolist()
    for step_grads in grads[3:]:
        second_grads[:] = step_grads
        optimizer.step()
    assert first.tolist() == left
    assert second.tolist() == run(OPTIMIZERS[name], "v" * 6, datas, grads)
    if isinstance(optimizer, nn.Adam):
        assert optimizer.steps == 6


def bad_arrays(size: int) -> list[tuple[str, Callable[[], tuple[object, object]], type, str]]:
    """(case, make values and grads, error, message), for an optimizer of ``size`` parameters."""
    ok = lambda: np.zeros(size)  # noqa: E731 - a fresh array each time
    buffer, same = np.zeros(size + 1), np.zeros(size)
    read_only = np.zeros(size)
    read_only.setflags(write=False)
    wanted = "must be a 1-D float64 numpy array"
    return [
        ("list", lambda: (ok().tolist(), ok()), TypeError, f"values {wanted}, got list"),
        ("none", lambda: (ok(), None), TypeError, f"grads {wanted}, got NoneType"),
        ("2-D", lambda: (ok().reshape(1, -1), ok()), TypeError, f"{wanted}, got a 2-D float64"),
        ("float32", lambda: (ok(), ok().astype(np.float32)), TypeError, "got a 1-D float32"),
        ("int", lambda: (np.arange(size), ok()), TypeError, "values .* got a 1-D int64 array"),
        (
            "short",
            lambda: (ok()[1:], ok()),
            ValueError,
            f"values {wanted} of {size} numbers, one per parameter; got {size - 1}",
        ),
        ("long", lambda: (ok(), np.zeros(size + 1)), ValueError, f"grads .* got {size + 1}"),
        ("read-only", lambda: (read_only, ok()), ValueError, "values .* got a read-only one"),
        ("same", lambda: (same, same), ValueError, "values and grads must be two arrays"),
        ("overlap", lambda: (buffer[1:], buffer[:-1]), ValueError, "share no memory"),
    ]


@pytest.mark.parametrize(
    ("case", "arrays", "error", "message"), bad_arrays(17), ids=[c[0] for c in bad_arrays(17)]
)
def test_bad_arrays_are_clear_errors_that_change_nothing(
    case: str, arrays: Callable[[], tuple[object, object]], error: type, message: str
) -> None:
    datas = starting_numbers()
    assert len(datas) == 17
    grads = gradients(5, len(datas), 3)
    params = [Value(d) for d in datas]
    optimizer = nn.SGD(params, lr=0.1, momentum=0.9)
    for p, g in zip(params, grads[0], strict=True):
        p.grad = g
    optimizer.step()
    with pytest.raises(error, match=f"SGD.use_arrays: .*{message}"):
        optimizer.use_arrays(*arrays())
    for p, g in zip(params, grads[1], strict=True):
        p.grad = g
    optimizer.step()  # still on the Values, with the momentum kept
    assert [p.data for p in params] == run(OPTIMIZERS["sgd-momentum"], "vv", datas, grads[:2])
    values, grad_array = np.array([p.data for p in params]), np.array(grads[2])
    optimizer.use_arrays(values, grad_array)
    with pytest.raises(error):
        optimizer.use_arrays(*arrays())
    optimizer.step()  # still on the first arrays
    assert values.tolist() == run(OPTIMIZERS["sgd-momentum"], "vva", datas, grads)


def test_nn_needs_no_numpy_until_use_arrays() -> None:
    code = """
import sys
sys.modules["numpy"] = None  # as if numpy were not installed
import nn
from engine import Value
for optimizer in (nn.SGD([Value(1.0)], lr=0.5, momentum=0.9), nn.Adam([Value(1.0)])):
    optimizer.params[0].grad = 2.0
    optimizer.use_values()
    optimizer.step()
    print(optimizer.params[0].data)
try:
    optimizer.use_arrays([1.0], [0.0])
except ImportError as error:
    print("ImportError:", error)
"""
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    assert result.stdout.splitlines() == [
        "0.0",
        repr(1.0 - 0.001 * 2.0 / (2.0 + 1e-8)),  # Adam's first step: lr * g / (|g| + eps)
        "ImportError: Adam.use_arrays needs numpy, the optional extra chainrule[numpy]",
    ]
