"""engine.operation: a user's operation works wherever a built-in one does."""

import math
import shutil

import pytest
from hypothesis import given
from hypothesis import strategies as st

import engine
from engine import Value

log1p = engine.operation("log1p", lambda x: math.log1p(x), lambda x, out, m: (m.div(1.0, 1.0 + x),))
swish = engine.operation(
    "swish",
    lambda x: x / (1.0 + math.exp(-x)),
    lambda x, out, m: (m.sigmoid(x) + out * (1.0 - m.sigmoid(x)),),
)
hypot = engine.operation(
    "hypot",
    lambda a, b: math.hypot(a, b),
    lambda a, b, out, m: (m.div(a, out), m.div(b, out)),
    arity=2,
)
norm = engine.operation(
    "norm",
    lambda xs: math.sqrt(sum(x * x for x in xs)),
    lambda xs, out, m: [m.div(x, out) for x in xs],
    arity=0,
)

# Each: the function of one input x, and its first and second derivatives, by hand.
CASES = {
    "log1p": (lambda v: log1p(v), lambda x: 1 / (1 + x), lambda x: -1 / (1 + x) ** 2),
    "swish": (
        lambda v: swish(v),
        lambda x: (s := 1 / (1 + math.exp(-x))) + x * s * (1 - s),
        lambda x: (s := 1 / (1 + math.exp(-x))) * (1 - s) * (2 + x * (1 - 2 * s)),
    ),
    "hypot": (
        lambda v: hypot(v, 2.0),
        lambda x: x / math.hypot(x, 2.0),
        lambda x: 4.0 / math.hypot(x, 2.0) ** 3,
    ),
    "norm": (
        lambda v: norm([v, 3.0, v]),
        lambda x: 2 * x / math.sqrt(2 * x * x + 9),
        lambda x: 18 / (2 * x * x + 9) ** 1.5,
    ),
}

inputs = st.floats(-0.9, 3.0).filter(lambda x: abs(x) > 1e-3)


@pytest.mark.parametrize("name", CASES)
@given(x=inputs)
def test_a_user_operation_matches_central_differences(name: str, x: float) -> None:
    f = CASES[name][0]
    assert engine.gradcheck(lambda v: f(v) * v, [x])


@pytest.mark.parametrize("name", CASES)
@given(x=inputs)
def test_second_derivatives_come_through_create_graph(name: str, x: float) -> None:
    f, first, second = CASES[name]
    v = Value(x)
    (d,) = engine.grad(f(v), [v], create_graph=True)
    (d2,) = engine.grad(d, [v])
    assert d.data == pytest.approx(first(x), rel=1e-9, abs=1e-12)
    assert d2.data == pytest.approx(second(x), rel=1e-7, abs=1e-10)


def test_backward_adds_into_grad_and_the_node_names_its_operation() -> None:
    x = Value(0.5)
    y = log1p(x) * 2.0
    y.backward()
    assert y.parents[0].op == "log1p" and x.grad == pytest.approx(2 / 1.5)


def test_numbers_become_leaves_and_the_n_ary_form_takes_a_list() -> None:
    assert hypot(3, 4.0).data == 5.0
    assert norm([3, 4]).data == 5.0 and len(norm([Value(1.0), 2, 2]).parents) == 3


@pytest.mark.parametrize("name", CASES)
def test_compiled_code_equals_the_engine(name: str) -> None:
    f = CASES[name][0]
    x = Value(0.8)
    cg = engine.compile(f(x) * x + f(x), [x])
    for value in (0.8, 1.7, -0.5):
        v = Value(value)
        expected = f(v) * v + f(v)
        (grad,) = engine.grad(expected, [v])
        got, grads = cg([value])
        assert got == expected.data and grads == [grad.data]


def test_anomaly_mode_names_a_user_operation_that_makes_nan() -> None:
    sqrt_op = engine.operation(
        "mysqrt",
        lambda x: math.sqrt(x) if x >= 0 else math.nan,
        lambda x, out, m: (m.div(0.5, out),),
    )
    with engine.detect_anomaly(), pytest.raises(FloatingPointError, match="'mysqrt'"):
        sqrt_op(Value(-1.0))


@pytest.mark.skipif(shutil.which("dot") is None, reason="Graphviz's dot is missing")
def test_pictures_show_the_operations_name() -> None:
    import viz

    assert ">log1p<" in viz.to_svg(log1p(Value(0.5, label="x")), detail="values")


@pytest.mark.parametrize(
    ("kwargs", "error", "message"),
    [
        ({"name": "tanh"}, ValueError, "'tanh' is a built-in operation"),
        ({"name": "two words"}, ValueError, "must be a Python identifier"),
        ({"name": "lambda"}, ValueError, "must be a Python identifier"),
        ({"forward": 1.0}, TypeError, "forward must be a function"),
        ({"local": None}, TypeError, "local must be a function"),
        ({"arity": 3}, ValueError, "arity must be 1, 2 or 0"),
    ],
)
def test_bad_definitions_are_clear_errors(
    kwargs: dict[str, object], error: type[Exception], message: str
) -> None:
    args: dict[str, object] = {
        "name": "mine",
        "forward": lambda x: x,
        "local": lambda x, out, m: (1.0,),
    }
    with pytest.raises(error, match=message):
        engine.operation(**(args | kwargs))  # type: ignore[arg-type]


def test_a_local_with_the_wrong_number_of_derivatives_names_the_operation() -> None:
    two = engine.operation("two", lambda x: x, lambda x, out, m: (1.0, 2.0))
    with pytest.raises(ValueError, match=r"operation 'two': local must return one derivative"):
        two(Value(1.0)).backward()


def test_a_forward_that_returns_no_number_names_the_operation() -> None:
    words = engine.operation("words", lambda x: "many", lambda x, out, m: (1.0,))  # type: ignore[arg-type, return-value]
    with pytest.raises(TypeError, match=r"operation 'words': forward must return a real number"):
        words(1.0)
