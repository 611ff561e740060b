"""engine.gradcheck: True for right gradients, an AssertionError naming the input otherwise."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

import engine
from engine import Value


@given(st.floats(-2, 2), st.floats(0.5, 2))
def test_gradcheck_passes_correct_gradients(a: float, b: float) -> None:
    assert engine.gradcheck(lambda x, y: (x * y).tanh() + y.log() * x.sin(), [a, b]) is True


def test_gradcheck_names_the_input_whose_gradient_is_wrong() -> None:
    # Value(y.data) cuts the graph: the engine sees d/dy (x * y) only once, the truth twice.
    def f(x: Value, y: Value) -> Value:
        return x + y * Value(y.data)

    with pytest.raises(engine.GradcheckError, match="input 1") as info:
        engine.gradcheck(f, [1.0, 3.0])
    assert isinstance(info.value, AssertionError)
    assert "3.0" in str(info.value) and "6.0" in str(info.value)


@pytest.mark.parametrize(
    ("args", "kwargs", "error", "message"),
    [
        ((42, [1.0]), {}, TypeError, "f must be callable"),
        ((Value.exp, "12"), {}, TypeError, "xs must be a sequence of numbers"),
        ((Value.exp, [1.0, "2"]), {}, TypeError, r"xs\[1\] must be a real number, got str"),
        ((Value.exp, [1.0]), {"eps": 0.0}, ValueError, "eps must be a positive number"),
        ((Value.exp, [1.0]), {"atol": -1.0}, ValueError, "atol must be a number >= 0"),
        ((Value.exp, [1.0]), {"rtol": float("nan")}, ValueError, "rtol must be a number >= 0"),
        ((lambda x: 1.0, [1.0]), {}, TypeError, "f must return a Value, got float"),
    ],
)
def test_bad_arguments_are_clear_errors(args, kwargs, error, message: str) -> None:
    with pytest.raises(error, match=message):
        engine.gradcheck(*args, **kwargs)
