"""Careless and hostile input: a clear error every time, never a silent wrong number.

Each error names what was wrong and what is allowed; a call that fails changes nothing.
The sections follow issue 23's items: names in compiled code, ``.data`` edited between a
graph and its backward pass, a ``local`` that returns no number, a pass inside a pass,
``create_graph`` under ``no_grad``, ``no_grad`` on generators and coroutines, ``.grad``
that is not a number, and ``label`` and pickling.
"""

import ast
import asyncio
import builtins
import importlib.util
import keyword
import math
import pickle
import re
import sys
import threading
from collections.abc import AsyncIterator, Generator
from typing import Any

import pytest

import engine
import nn
from engine import Value, ops

HAS_NUMPY = importlib.util.find_spec("numpy") is not None
BACKENDS = [
    "python",
    pytest.param("numpy", marks=pytest.mark.skipif(not HAS_NUMPY, reason="numpy")),
]


def everything_in(root: Value) -> list[Value]:
    return engine.topological_order(root)


def grads_of(root: Value) -> list[float]:
    return [node.grad for node in everything_in(root)]


# -- 1. compiled code: a user's operation never meets the code's own names ---------------


def nudge_forward(x: float) -> float:
    return x + 0.01 * math.sin(x)


def nudge_local(x: Any, out: Any, m: Any) -> tuple[Any, ...]:
    return (1.0 + 0.01 * m.cos(x),)


def mean_forward(xs: list[float]) -> float:
    return sum(xs) / len(xs)


def mean_local(xs: list[Any], out: Any, m: Any) -> list[Any]:
    return [1.0 / len(xs)] * len(xs)


def moons_graph(
    unary: list[Any], gather: Any = None, samples: int = 4
) -> tuple[Value, list[Value]]:
    """The moons step's loss, each score through ``unary`` in turn, then the loss through them."""
    model = nn.MLP(2, [4, 4, 1], seed=0)
    X, y = nn.make_moons(samples, noise=0.1, seed=1)
    params = model.parameters()
    scores = []
    for x in X:
        score: Any = model(x)
        for op in unary:
            score = op(score)
        scores.append(score)
    if gather is None:
        loss = nn.hinge_loss(scores, y)
    else:
        loss = gather(
            [(1 - (2 * label - 1) * s).relu() for label, s in zip(y, scores, strict=True)]
        )
    loss = loss + 1e-4 * engine.dot(params, params)  # the L2 term: one node over the inputs
    for op in unary:
        loss = op(loss)
    return loss, params


def compiled_against_backward(loss: Value, params: list[Value], backend: str) -> None:
    cg = engine.compile(loss, params, backend=backend)
    for p in params:
        p.grad = 0.0
    loss.backward()
    out, grads = cg([p.data for p in params])
    if backend == "python":
        assert (out, grads) == (loss.data, [p.grad for p in params])
    else:
        assert out == pytest.approx(loss.data, rel=1e-12)
        assert grads == pytest.approx([p.grad for p in params], rel=1e-12, abs=1e-15)


@pytest.mark.parametrize("backend", BACKENDS)
def test_an_operation_named_float_does_not_replace_pythons_float(backend: str) -> None:
    # Before, the numpy backend's `v109 = float(v24.sum())` called the user's operation.
    named_float = engine.operation("float", nudge_forward, nudge_local)
    loss, params = moons_graph([named_float])
    compiled_against_backward(loss, params, backend)


def names_the_code_uses() -> set[str]:
    """Every name in both backends' code for a moons-style graph with a user's operation."""
    op = engine.operation("mine", nudge_forward, nudge_local)
    mean = engine.operation("mean", mean_forward, mean_local, arity=0)
    names: set[str] = set()
    for backend in ["python", "numpy"] if HAS_NUMPY else ["python"]:
        for gather in (None, mean):
            loss, params = moons_graph([op], gather)
            source = engine.compile(loss, params, backend=backend).source
            for node in ast.walk(ast.parse(source)):
                if isinstance(node, ast.Name):
                    names.add(node.id)
                elif isinstance(node, ast.Attribute):
                    names.add(node.attr)
                elif isinstance(node, ast.arg):
                    names.add(node.arg)
                elif isinstance(node, ast.FunctionDef):
                    names.add(node.name)
    return names


def acceptable(name: str) -> bool:
    """Whether engine.operation takes ``name`` (an identifier, not a keyword nor a built-in op)."""
    return (
        name.isidentifier()
        and not keyword.iskeyword(name)
        and name not in {op.name for op in ops.TABLE}
    )


@pytest.mark.parametrize("backend", BACKENDS)
def test_operations_named_after_builtins_and_the_codes_own_names_compile_right(
    backend: str,
) -> None:
    used = names_the_code_uses()
    assert {"values", "forward_backward", "zip", "reversed", "ops", "float_math"} <= used
    assert {"v", "g", "d"} <= {n[0] for n in used if n[1:].isdigit()}
    if HAS_NUMPY:
        assert {"W1", "a1", "b1", "h1", "p", "dW1", "delta1", "grads", "xp"} <= used
    # The names issue 23 found colliding, whether or not this graph's code has them.
    found = {"float", "v0", "g1", "d1", "W1", "a1", "b1", "h1", "p", "dW1", "delta1", "grads"}
    names = sorted(n for n in set(dir(builtins)) | used | found if acceptable(n))
    unary = [engine.operation(name, nudge_forward, nudge_local) for name in names]
    unary += [engine.operation("float", nudge_forward, nudge_local)]  # two of one name
    gather = engine.operation("d1", mean_forward, mean_local, arity=0)  # gathers the samples
    loss, params = moons_graph(unary, gather)
    compiled_against_backward(loss, params, backend)
    # Normal variables keep their names; the user's operations are reached through ops only.
    cg = engine.compile(loss, params, backend=backend)
    assert "ops.float(" in cg.source and "ops.float_2(" in cg.source
    assert re.search(r"\n +v\d+ = ", cg.source) and re.search(r"\n +g\d+ = ", cg.source)
    function = getattr(cg._function, "__wrapped__", cg._function)  # numpy: under errstate
    theirs = {
        id(f) for n in everything_in(loss) for f in (n._operation.forward, n._operation.local)
    }
    theirs -= {id(f) for op in (*ops.TABLE, ops.LEAF) for f in (op.forward, op.local)}
    assert not [k for k, v in function.__globals__.items() if id(v) in theirs]
    assert {id(v) for v in vars(function.__globals__["ops"]).values()} == theirs


def test_the_header_says_what_ops_holds_only_when_there_are_user_operations() -> None:
    x = Value(2.0)
    plain = engine.compile(x * x, [x]).source
    mine = engine.operation("mine", nudge_forward, nudge_local)
    own = engine.compile(mine(x) * x, [x]).source
    assert "ops.<name>" not in plain
    assert "ops.<name> is an operation of your own (engine.operation)" in own


# -- 2. .data edited between building a graph and its backward pass ---------------------


def test_an_operand_edited_after_the_graph_was_built_is_refused_naming_it() -> None:
    x = Value(2.0, label="x")
    y = x * x
    x.data = 5.0  # before, y.backward() then gave x.grad = 10.0 while y.data was 4.0
    with pytest.raises(RuntimeError, match=r"backward: the \.data of the leaf 'x' \(now 5\.0\)"):
        y.backward()
    assert x.grad == 0.0 and y.grad == 0.0  # a failed pass changes nothing
    with pytest.raises(RuntimeError, match=r"was edited after the '\*' node"):
        engine.grad(y, [x])


def test_an_edit_under_a_relu_is_refused_too() -> None:
    x = Value(-1.0)
    y = x.relu()
    x.data = 5.0  # before: y.data 0.0 and x.grad 1.0
    with pytest.raises(RuntimeError, match="edited after the 'relu' node"):
        y.backward()


def test_a_node_whose_own_data_was_edited_is_refused() -> None:
    x = Value(0.5)
    y = x.tanh()
    y.data = 2.0
    with pytest.raises(
        RuntimeError, match=r"the \.data of the 'tanh' node \(now 2\.0\) was edited"
    ):
        y.backward()


def test_an_edit_below_a_node_made_after_it_is_still_found() -> None:
    x = Value(2.0)
    y = x * x
    x.data = 5.0
    z = y + x  # z is newer than the edit; y is not
    with pytest.raises(RuntimeError, match=r"edited after the '\*' node"):
        z.backward()


def test_updating_parameters_after_backward_then_building_anew_is_free() -> None:
    model = nn.MLP(2, [4, 1], seed=0)
    params = model.parameters()
    optimizer = nn.SGD(params, lr=0.1)
    for _ in range(3):
        out = model([0.5, -1.0])
        assert isinstance(out, Value)
        loss = (out - 1.0) ** 2
        optimizer.zero_grad()
        loss.backward()
        expected = [g.data for g in engine.grad(loss, params)]
        assert [p.grad for p in params] == expected
        optimizer.step()  # edits every parameter's .data
    # The old graph was built before the last step: its backward pass refuses.
    with pytest.raises(RuntimeError, match="Build the graph again"):
        loss.backward()


def test_an_edit_of_a_value_outside_the_graph_changes_nothing() -> None:
    x, other = Value(3.0), Value(1.0)
    y = x * x
    other.data = 7.0
    y.backward()
    assert x.grad == 6.0


def test_data_must_be_a_real_number_when_assigned() -> None:
    x = Value(1.0)
    for bad, name in (("2", "str"), (None, "NoneType"), (1j, "complex"), (Value(2.0), "Value")):
        with pytest.raises(TypeError, match=f"Value: data must be a real number, got {name}"):
            x.data = bad  # type: ignore[assignment]
    assert x.data == 1.0
    x.data = 3  # an int is a number
    assert x.data == 3.0 and type(x.data) is float


def test_compile_refuses_a_constant_computed_before_its_operand_was_edited() -> None:
    x, c = Value(2.0), Value(3.0)
    k = c * c  # a constant of the code: its number would be written in
    c.data = 4.0
    with pytest.raises(RuntimeError, match=r"compile: the \.data of the leaf"):
        engine.compile(x * k, [x])
    x.data = 5.0  # an input's number is the call's, not the graph's: no trouble
    y = x * c
    x.data = 6.0
    assert engine.compile(y, [x])([2.0]) == (8.0, [4.0])


# -- 3. a local that returns something else than numbers -------------------------------


def returning(value: Any) -> Any:
    return engine.operation("odd", lambda x: x, lambda x, out, m: (value,))


@pytest.mark.parametrize(
    ("value", "shown"),
    [(1j, r"1j \(complex\)"), (Value(1.0), r"Value\(data=1\.0.*\(Value\)"), ("1", r"'1' \(str\)")],
)
def test_a_local_that_returns_no_number_is_named_with_what_it_returned(
    value: Any, shown: str
) -> None:
    x = Value(1.0)
    y = returning(value)(x) * 2.0
    with pytest.raises(
        TypeError, match=f"operation 'odd': local must return a real number.*got {shown}"
    ):
        y.backward()
    assert x.grad == 0.0


@pytest.mark.skipif(not HAS_NUMPY, reason="numpy")
def test_a_local_that_returns_an_array_is_refused() -> None:
    import numpy as np

    x = Value(1.0)
    with pytest.raises(TypeError, match=r"operation 'odd'.*\(ndarray\) for operand 0"):
        returning(np.array([1.0, 2.0]))(x).backward()
    x.grad = 0.0
    returning(np.float64(3.0))(x).backward()  # a numpy number is a number, kept as a float
    assert x.grad == 3.0 and type(x.grad) is float


def test_under_create_graph_a_local_may_return_values_but_not_other_things() -> None:
    cube = engine.operation("cube", lambda x: x**3, lambda x, out, m: (3.0 * x * x,))
    x = Value(2.0)
    (d,) = engine.grad(cube(x), [x], create_graph=True)
    assert d.data == 12.0 and engine.grad(d, [x])[0].data == 12.0
    with pytest.raises(TypeError, match=r"a Value or a real number.*got 1j.*given Values"):
        engine.grad(returning(1j)(x), [x], create_graph=True)


def test_compiled_code_checks_a_user_local_too() -> None:
    x = Value(1.0)
    cg = engine.compile(returning(1j)(x) * x, [x])
    with pytest.raises(TypeError, match="operation 'odd': local must return a real number"):
        cg([1.0])


# -- 4. a backward pass inside a local derivative ---------------------------------------


def test_a_pass_inside_a_local_on_a_graph_sharing_nodes_gives_the_right_number() -> None:
    a = Value(1.0)

    def local(x: Any, out: Any, m: Any) -> tuple[float]:
        engine.grad(a * a, [a])  # shares a with the outer graph
        (a * a).backward()  # and adds 2.0 to a.grad, as it should
        return (1.0,)

    nested = engine.operation("nested", lambda x: x, local)
    z = nested(a * a) + 3 * a**4  # dz/da = 2a + 12a^3 = 14 (before: 2.0)
    assert engine.grad(z, [a])[0].data == 14.0
    assert a.grad == 2.0  # the inner backward() ran once
    z.backward()
    assert a.grad == 2.0 + 2.0 + 14.0
    assert {node._pass_grad for node in everything_in(z)} == {0.0}


def test_a_failing_pass_inside_a_pass_leaves_the_outer_one_intact() -> None:
    a = Value(2.0)

    def local(x: Any, out: Any, m: Any) -> tuple[float]:
        with pytest.raises(RuntimeError):
            b = a * a
            a.data = a.data  # an edit: the inner pass refuses
            b.backward()
        return (1.0,)

    nested = engine.operation("nested_fails", lambda x: x, local)
    z = a * 3 + nested(a)
    with pytest.raises(RuntimeError, match="edited"):
        z.backward()  # the edit inside made a stale too: the outer pass refuses at its end


# -- 5. create_graph inside no_grad -----------------------------------------------------


def test_create_graph_inside_no_grad_is_refused() -> None:
    x = Value(2.0)
    y = x**3
    with engine.no_grad(), pytest.raises(RuntimeError, match=r"create_graph=True inside no_grad"):
        engine.grad(y, [x], create_graph=True)  # before: a leaf, so a second grad gave 0.0
    with engine.no_grad(), engine.enable_grad():
        (d,) = engine.grad(y, [x], create_graph=True)
    assert engine.grad(d, [x])[0].data == 12.0
    with engine.no_grad():
        assert engine.grad(y, [x])[0].data == 12.0  # without create_graph: fine


# -- 6. no_grad on generators and coroutines --------------------------------------------


@engine.no_grad()
def counting(n: int) -> Generator[tuple[bool, bool], str | None, str]:
    for _ in range(n):
        made = Value(1.0) * 2.0
        received = yield engine.is_grad_enabled(), made.is_leaf()
        assert received is None or received == "sent"
    return "done"


def test_no_grad_on_a_generator_holds_in_its_body_only() -> None:
    steps = counting(3)
    assert engine.is_grad_enabled()
    assert next(steps) == (False, True)
    assert engine.is_grad_enabled()  # back on while the generator waits
    assert not (Value(1.0) * 2).is_leaf()
    assert steps.send("sent") == (False, True)
    assert engine.is_grad_enabled()
    assert next(steps) == (False, True)
    with pytest.raises(StopIteration) as finished:
        next(steps)
    assert finished.value.value == "done"
    assert counting.__name__ == "counting"


def test_a_decorated_generator_passes_throw_and_close_on() -> None:
    caught: list[bool] = []

    @engine.no_grad()
    def careful() -> Generator[int, None, None]:
        try:
            yield 1
        except ValueError:
            caught.append(engine.is_grad_enabled())
            yield 2
        finally:
            caught.append(engine.is_grad_enabled())

    steps = careful()
    next(steps)
    assert steps.throw(ValueError("boom")) == 2
    steps.close()
    assert caught == [False, False] and engine.is_grad_enabled()


def test_no_grad_on_a_coroutine_holds_in_its_body_only() -> None:
    @engine.no_grad()
    async def inside() -> tuple[bool, bool, bool]:
        before = engine.is_grad_enabled()
        await asyncio.sleep(0)
        return before, engine.is_grad_enabled(), (Value(1.0) * 2).is_leaf()

    async def beside() -> bool:
        await asyncio.sleep(0)
        return engine.is_grad_enabled()

    async def both() -> list[Any]:
        return list(await asyncio.gather(inside(), beside()))

    assert asyncio.run(both()) == [(False, False, True), True]


def test_no_grad_on_an_async_generator_holds_in_its_body_only() -> None:
    @engine.no_grad()
    async def numbers() -> AsyncIterator[bool]:
        for _ in range(2):
            await asyncio.sleep(0)
            yield engine.is_grad_enabled()

    async def consume() -> list[tuple[bool, bool]]:
        return [(inside, engine.is_grad_enabled()) async for inside in numbers()]

    assert asyncio.run(consume()) == [(False, True), (False, True)]


def test_with_no_grad_around_a_yield_holds_in_the_caller_as_documented() -> None:
    def generator() -> Generator[None, None, None]:
        with engine.no_grad():
            yield

    steps = generator()
    next(steps)
    assert not engine.is_grad_enabled()  # as in PyTorch; the decorator form avoids it
    steps.close()
    assert engine.is_grad_enabled()
    assert "leaves grad mode off in the caller" in (engine.no_grad.__doc__ or "")


@pytest.mark.skipif(sys.platform == "emscripten", reason="Pyodide cannot start threads")
def test_a_decorated_function_is_safe_in_two_threads_and_in_recursion() -> None:
    @engine.no_grad()
    def depth(n: int) -> bool:
        return depth(n - 1) if n else not engine.is_grad_enabled()

    results: list[bool] = []
    threads = [threading.Thread(target=lambda: results.append(depth(50))) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert results == [True] * 4 and engine.is_grad_enabled()


# -- 7. .grad that is not a number -------------------------------------------------------


def test_grad_none_is_refused_at_once_and_no_grad_changes() -> None:
    x, y = Value(1.0), Value(2.0)
    z = x * y
    with pytest.raises(TypeError, match=r"Value: grad must be a real number, got None.*0\.0"):
        z.grad = None  # type: ignore[assignment]
    assert (x.grad, y.grad, z.grad) == (0.0, 0.0, 0.0)
    z.backward()
    assert (x.grad, y.grad, z.grad) == (2.0, 1.0, 1.0)


@pytest.mark.parametrize(("bad", "name"), [("0", "str"), (1j, "complex"), (Value(0.0), "Value")])
def test_grad_must_be_a_real_number(bad: Any, name: str) -> None:
    x = Value(1.0)
    with pytest.raises(TypeError, match=f"Value: grad must be a real number, got {name}"):
        x.grad = bad
    x.grad = 2  # an int is a number, kept as a float
    assert x.grad == 2.0 and type(x.grad) is float


# -- 8. label, and pickling ------------------------------------------------------------


def test_a_label_must_be_a_str_when_assigned() -> None:
    v = Value(1.0, label="v")
    with pytest.raises(TypeError, match="Value: label must be a str, got int"):
        v.label = 5  # type: ignore[assignment]
    assert v.label == "v"


def square_forward(x: float) -> float:
    return x * x


def square_local(x: Any, out: Any, m: Any) -> tuple[Any]:
    return (2.0 * x,)


square = engine.operation("square", square_forward, square_local)


def round_trip(x: Any) -> Any:
    return pickle.loads(pickle.dumps(x))


def test_a_leaf_pickles_with_its_data_grad_and_label() -> None:
    v = Value(3.0, label="w")
    v.grad = 0.25
    back = round_trip(v)
    assert (back.data, back.grad, back.label, back.parents) == (3.0, 0.25, "w", ())


def test_a_graph_pickles_and_still_runs_its_backward_pass() -> None:
    x, w = Value(0.5, label="x"), Value(-1.5, label="w")
    y = (
        engine.dot([x, w], [w, x], bias=1.0).tanh() * x**2 / w
        + x.leaky_relu(0.2)
        + w.softplus(2.0, 5.0)
        + square(x)
        + engine.logsumexp([x, w])
    )
    y.grad = 0.5
    back = round_trip(y)
    assert [(n.data, n.grad, n.label, n.op) for n in everything_in(back)] == [
        (n.data, n.grad, n.label, n.op) for n in everything_in(y)
    ]
    y.backward()
    back.backward()
    assert grads_of(back) == grads_of(y)


def test_leaves_keep_their_identity_within_one_pickle() -> None:
    model = nn.MLP(2, [3, 1], seed=0)
    params = model.parameters()
    out = model([1.0, 2.0])
    assert isinstance(out, Value)
    loss = out**2
    loss2, params2 = round_trip((loss, params))
    loss2.backward()
    loss.backward()
    assert [p.grad for p in params2] == [p.grad for p in params]


def test_a_graph_deeper_than_the_recursion_limit_pickles() -> None:
    x = Value(0.5)
    y = x
    for _ in range(20_000):
        y = (y * 1.0001).relu()
    back = round_trip(y)
    back.backward()
    y.backward()
    assert everything_in(back)[0].grad == x.grad


def test_an_operation_defined_by_lambdas_is_refused_by_name() -> None:
    made_here = engine.operation("made_here", lambda x: x, lambda x, out, m: (1.0,))
    with pytest.raises(
        pickle.PicklingError, match=r"operation 'made_here' cannot be pickled.*lambda"
    ):
        pickle.dumps(made_here(Value(1.0)))
    stray = ops.Op("stray", 1, lambda x: x, lambda x, out, m: (1.0,))
    from engine.value import result_node

    with pytest.raises(
        pickle.PicklingError, match=r"operation 'stray' is not a row of engine\.ops"
    ):
        pickle.dumps(result_node(stray, (Value(1.0),), 1.0, ()))


def test_a_graph_edited_before_pickling_still_refuses_its_backward_pass() -> None:
    x = Value(2.0)
    y = x * x
    x.data = 5.0
    with pytest.raises(RuntimeError, match="edited"):
        round_trip(y).backward()
