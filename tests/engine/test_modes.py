"""no_grad and detect_anomaly: what they record, and that they stay in their thread or task."""

import asyncio
import math
import threading

import pytest

import engine
from engine import Value


def test_no_grad_makes_leaves_and_restores_recording_on_exit() -> None:
    x = Value(2.0)
    with engine.no_grad():
        y = x * 3 + 1
        assert not engine.is_grad_enabled()
    assert y.parents == () and y.op == "" and y.data == 7.0
    z = x * 3
    assert z.parents[0] is x and engine.is_grad_enabled()


def test_no_grad_is_restored_after_an_exception() -> None:
    with pytest.raises(KeyError), engine.no_grad():
        raise KeyError("boom")
    assert engine.is_grad_enabled()


def test_no_grad_nests_and_enable_grad_records_inside_it() -> None:
    x = Value(1.0)
    with engine.no_grad():
        with engine.no_grad():
            assert not engine.is_grad_enabled()
        assert not engine.is_grad_enabled()
        with engine.enable_grad():
            recorded = x * 2
        assert (x * 2).parents == ()
    assert recorded.parents[0] is x


def test_no_grad_works_as_a_decorator() -> None:
    @engine.no_grad()
    def update(v: Value) -> Value:
        return v * 0.5

    assert update(Value(4.0)).parents == ()
    assert engine.is_grad_enabled()


def test_no_grad_in_one_thread_does_not_reach_another_running_at_the_same_time() -> None:
    inside = threading.Event()
    checked = threading.Event()
    seen: dict[str, bool] = {}

    def quiet() -> None:
        with engine.no_grad():
            inside.set()
            seen["quiet_made_leaf"] = (Value(1.0) * 2).parents == ()
            checked.wait(5)

    def recording() -> None:
        inside.wait(5)
        seen["other_recorded"] = len((Value(1.0) * 2).parents) == 2
        checked.set()

    threads = [threading.Thread(target=quiet), threading.Thread(target=recording)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(10)
    assert seen == {"quiet_made_leaf": True, "other_recorded": True}


def test_no_grad_in_one_asyncio_task_does_not_reach_another() -> None:
    async def quiet() -> bool:
        with engine.no_grad():
            await asyncio.sleep(0)
            leaf = (Value(1.0) * 2).parents == ()
            await asyncio.sleep(0)
            return leaf

    async def recording() -> bool:
        await asyncio.sleep(0)
        recorded = len((Value(1.0) * 2).parents) == 2
        await asyncio.sleep(0)
        return recorded

    async def both() -> list[bool]:
        return list(await asyncio.gather(quiet(), recording()))

    assert asyncio.run(both()) == [True, True]


@pytest.mark.parametrize(
    ("make", "op"),
    [
        (lambda: Value(1000.0).exp(), "exp"),
        (lambda: Value(0.0).log(), "log"),
        (lambda: Value(-1.0).sqrt(), "sqrt"),
        (lambda: Value(1.0) / Value(0.0), "/"),
        (lambda: Value(0.0) ** -1, "**"),
        (lambda: Value(1e308) * Value(10.0), "*"),
    ],
)
def test_anomaly_mode_raises_at_the_forward_operation_naming_it(make, op: str) -> None:
    with (
        engine.detect_anomaly(),
        pytest.raises(FloatingPointError, match=f"operation '{re_escape(op)}'"),
    ):
        make()
    result = make()  # outside the mode: IEEE results, no exception
    assert not math.isfinite(result.data)


def re_escape(text: str) -> str:
    import re

    return re.escape(text)


def test_anomaly_mode_message_names_the_inputs() -> None:
    with engine.detect_anomaly(), pytest.raises(FloatingPointError) as info:
        Value(710.0).exp()
    assert "710.0" in str(info.value)


def test_anomaly_mode_raises_in_backward_and_leaves_grads_as_they_were() -> None:
    x = Value(0.0)
    y = x.sqrt() * 2.0  # forward is finite; d sqrt/dx at 0 is inf
    with engine.detect_anomaly(), pytest.raises(FloatingPointError, match="backward of 'sqrt'"):
        y.backward()
    assert [v.grad for v in engine.topological_order(y)] == [0.0] * len(engine.topological_order(y))
    y.backward()  # outside: inf, no exception
    assert x.grad == math.inf


def test_anomaly_mode_does_not_blame_an_operation_for_a_nan_it_was_given() -> None:
    with engine.detect_anomaly():
        out = Value(math.nan) * 2.0 + 1.0
        out.backward()
    assert math.isnan(out.data)


def test_collector_paused_restores_the_collector_as_it_was() -> None:
    import gc

    assert gc.isenabled()
    with engine.collector_paused():
        assert not gc.isenabled()
    assert gc.isenabled()
    gc.disable()
    try:
        with engine.collector_paused():
            pass
        assert not gc.isenabled()  # it was off, and stays off
    finally:
        gc.enable()
    with pytest.raises(ValueError), engine.collector_paused():
        raise ValueError
    assert gc.isenabled()


def test_backward_leaves_the_collector_on() -> None:
    import gc

    (Value(2.0) * 3.0).backward()
    assert gc.isenabled()
