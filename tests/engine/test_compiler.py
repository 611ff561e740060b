"""engine.compile: generated code equal to the engine on every operation, refusals, safe labels."""

import ast
import math
import re
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

import engine
import nn
from engine import Value, ops
from engine.codegen.names import identifier
from tests.test_table import REACH

inf, nan = math.inf, math.nan

# -- the reference: the same graph built again in the engine ---------------------------


def same(a: float, b: float) -> bool:
    """Equal to 1e-12 relative to max(1, |b|); nan matches nan, inf matches inf of its sign."""
    if math.isnan(a) or math.isnan(b):
        return math.isnan(a) and math.isnan(b)
    return a == b or abs(a - b) <= 1e-12 * max(1.0, abs(b))


Step = tuple[str, tuple[int, ...], tuple[float, ...]]
UNARY: dict[str, Callable[..., Value]] = {
    # Every row of one operand called by its name, as its Value method (exp, log, ...).
    **{op.name: getattr(Value, op.name) for op in ops.TABLE if op.called and op.arity == 1},
    "neg": lambda a: -a,
    "pow_const": lambda a, c: a**c,
    "abs": abs,
    "plus_number": lambda a, c: a + c,
    "number_minus": lambda a, c: c - a,
    "times_number": lambda a, c: a * c,
    "number_over": lambda a, c: c / a,
    "number_pow": lambda a, c: c**a,
}
BINARY: dict[str, Callable[[Value, Value], Value]] = {
    "+": lambda a, b: a + b,
    "-": lambda a, b: a - b,
    "*": lambda a, b: a * b,
    "/": lambda a, b: a / b,
    "**": lambda a, b: a**b,
}
NARY: dict[str, Callable[[list[Value]], Value]] = {
    # Every n-ary row called by its name, as its engine function (engine.sum, ...).
    **{op.name: getattr(engine, op.name) for op in ops.TABLE if op.called and op.arity == 0},
    "dot": lambda vs: engine.dot(vs[: len(vs) // 2], vs[len(vs) // 2 : 2 * (len(vs) // 2)]),
    "dot+b": lambda vs: engine.dot(
        vs[: len(vs) // 2], vs[len(vs) // 2 : 2 * (len(vs) // 2)], bias=vs[-1] if vs else 1.5
    ),
}
PARAMS: dict[str, st.SearchStrategy[tuple[float, ...]]] = {
    "pow_const": st.tuples(st.sampled_from([0.0, 1.0, 2.0, 3.0, 0.5, -1.0, -2.5])),
    "leaky_relu": st.tuples(st.sampled_from([0.01, 0.2, -0.5])),
    "softplus": st.tuples(st.sampled_from([1.0, 2.0, 0.5]), st.sampled_from([20.0, 1.0, 0.0])),
}
NUMBERS = st.one_of(
    st.floats(-3.0, 3.0),
    st.sampled_from([0.0, -0.0, 1.0, -1.0, 2.0, 1e-300, -1e300, 700.0, inf, -inf, nan]),
)
TAMER = st.floats(-2.0, 2.0)


@st.composite
def recipes(draw: st.DrawFn, numbers: st.SearchStrategy[float] = NUMBERS) -> Any:
    """Leaves (each an input or a constant) and steps over every kind of operation."""
    n_leaves = draw(st.integers(1, 4))
    leaves = [draw(numbers) for _ in range(n_leaves)]
    is_input = [draw(st.booleans()) for _ in range(n_leaves)]
    steps: list[Step] = []
    for k in range(draw(st.integers(1, 7))):
        available = n_leaves + k
        index = st.integers(0, available - 1)
        kind = draw(st.sampled_from(["unary", "unary", "binary", "nary"]))
        if kind == "unary":
            op = draw(st.sampled_from(sorted(UNARY)))
            if op in PARAMS:
                params = draw(PARAMS[op])
            elif op in ("plus_number", "number_minus", "times_number", "number_over", "number_pow"):
                params = (draw(numbers),)
            else:
                params = ()
            steps.append((op, (draw(index),), params))
        elif kind == "binary":
            steps.append((draw(st.sampled_from(sorted(BINARY))), (draw(index), draw(index)), ()))
        else:
            operands = tuple(draw(st.lists(index, min_size=0, max_size=6)))
            steps.append((draw(st.sampled_from(sorted(NARY))), operands, ()))
    return leaves, is_input, steps


def build(leaves: list[Value], steps: list[Step]) -> Value:
    """Run the recipe on ``leaves``; the output sums every node made, so each one matters."""
    nodes = list(leaves)
    for op, args, params in steps:
        if op in UNARY:
            nodes.append(UNARY[op](nodes[args[0]], *params))
        elif op in BINARY:
            nodes.append(BINARY[op](nodes[args[0]], nodes[args[1]]))
        else:
            nodes.append(NARY[op]([nodes[i] for i in args]))
    return engine.sum(nodes[len(leaves) :])


def engine_result(
    numbers: list[float], is_input: list[bool], steps: list[Step]
) -> tuple[float, list[float]]:
    leaves = [Value(x) for x in numbers]
    out = build(leaves, steps)
    out.backward()
    return out.data, [leaf.grad for leaf, flag in zip(leaves, is_input, strict=True) if flag]


def compiled(numbers: list[float], is_input: list[bool], steps: list[Step], **options: Any) -> Any:
    leaves = [Value(x) for x in numbers]
    out = build(leaves, steps)
    inputs = [leaf for leaf, flag in zip(leaves, is_input, strict=True) if flag]
    return engine.compile(out, inputs, **options)


def assert_same(got: tuple[float, list[float]], expected: tuple[float, list[float]]) -> None:
    assert same(got[0], expected[0]), (got[0], expected[0])
    assert len(got[1]) == len(expected[1])
    for a, b in zip(got[1], expected[1], strict=True):
        assert same(a, b), (got[1], expected[1])


# -- equality with the engine ----------------------------------------------------------


@given(recipes(), st.booleans())
def test_compiled_code_equals_the_engine_on_random_graphs(recipe: Any, loops: bool) -> None:
    numbers, is_input, steps = recipe
    cg = compiled(numbers, is_input, steps, loops=loops)
    values = [x for x, flag in zip(numbers, is_input, strict=True) if flag]
    assert_same(cg(values), engine_result(numbers, is_input, steps))


@given(recipes(), st.lists(NUMBERS, min_size=4, max_size=4))
def test_compiled_code_is_right_for_new_input_numbers(recipe: Any, fresh: list[float]) -> None:
    numbers, is_input, steps = recipe
    cg = compiled(numbers, is_input, steps)
    # New numbers for the inputs; the constants keep theirs.
    moved = [f if flag else x for x, f, flag in zip(numbers, fresh, is_input, strict=False)]
    values = [x for x, flag in zip(moved, is_input, strict=True) if flag]
    assert_same(cg(values), engine_result(moved, is_input, steps))


@given(recipes(numbers=TAMER))
def test_compiled_code_matches_the_engine_bit_for_bit_on_finite_numbers(recipe: Any) -> None:
    numbers, is_input, steps = recipe
    cg = compiled(numbers, is_input, steps)
    values = [x for x, flag in zip(numbers, is_input, strict=True) if flag]
    out, grads = cg(values)
    expected_out, expected_grads = engine_result(numbers, is_input, steps)
    assert out == expected_out or (math.isnan(out) and math.isnan(expected_out))
    assert all(
        a == b or (math.isnan(a) and math.isnan(b))
        for a, b in zip(grads, expected_grads, strict=True)
    )


KINKS = [-2.0, -1.0, -0.0, 0.0, 0.5, 1.0, 3.0, 25.0, inf, -inf, nan]
ONE_OF_EACH: dict[str, Callable[[Value, Value], Value]] = {
    # Every row, as a student reaches it (tests/test_table.py), then particular cases.
    **{name: make for name, (make, _) in REACH.items()},
    "+": lambda a, b: a + b,
    "-": lambda a, b: a - b,
    "*": lambda a, b: a * b,
    "/": lambda a, b: a / b,
    "**": lambda a, b: a**b,
    "neg": lambda a, b: -a,
    "**2": lambda a, b: a**2,
    "**0.5": lambda a, b: a**0.5,
    "**0": lambda a, b: a**0,
    "exp": lambda a, b: a.exp(),
    "log": lambda a, b: a.log(),
    "sqrt": lambda a, b: a.sqrt(),
    "abs": lambda a, b: abs(a),
    "sin": lambda a, b: a.sin(),
    "cos": lambda a, b: a.cos(),
    "tanh": lambda a, b: a.tanh(),
    "sigmoid": lambda a, b: a.sigmoid(),
    "relu": lambda a, b: a.relu(),
    "leaky_relu": lambda a, b: a.leaky_relu(0.1),
    "softplus": lambda a, b: a.softplus(beta=2.0, threshold=1.0),
    "sum": lambda a, b: engine.sum([a, b, a, 1.5]),
    "dot": lambda a, b: engine.dot([a, b, 2.0], [b, a, a]),
    "dot+b": lambda a, b: engine.dot([a, b], [b, 2.0], bias=a),
    "logsumexp": lambda a, b: engine.logsumexp([a, b, 0.0]),
}


def test_every_operation_of_the_table_is_covered() -> None:
    a, b = Value(0.3), Value(0.7)
    made = {f(a, b)._operation for f in ONE_OF_EACH.values()}
    assert made == set(ops.TABLE)


@pytest.mark.parametrize("name", sorted(ONE_OF_EACH))
def test_each_operation_at_its_kinks_and_at_inf_and_nan(name: str) -> None:
    f = ONE_OF_EACH[name]
    x, y = Value(1.0), Value(2.0)
    cg = engine.compile(f(x, y), [x, y])
    for a in KINKS:
        for b in [0.0, 2.0, -1.0, 0.5, inf, nan]:
            u, v = Value(a), Value(b)
            out = f(u, v)
            out.backward()
            assert_same(cg([a, b]), (out.data, [u.grad, v.grad]))


def test_a_relu_decides_at_every_call_not_once() -> None:
    x = Value(1.0)
    cg = engine.compile(x.relu() * 3.0, [x])
    assert cg([2.0]) == (6.0, [3.0])
    assert cg([-2.0]) == (0.0, [0.0])
    assert "if" in cg.source


def test_an_inactive_relu_skips_its_dot_product_only_when_the_skip_is_exact() -> None:
    w = [Value(1.0), Value(2.0)]
    x = [Value(1.0), Value(1.0)]
    out = engine.dot(w, x).relu()
    cg = engine.compile(out, [*w, *x])
    assert "!= 0.0 or" in cg.source
    # Off: the gradients are zeros. With inf in the dot product the engine gives nan
    # (0 * inf), and so must the compiled code.
    assert cg([-1.0, -1.0, 1.0, 1.0])[1] == [0.0, 0.0, 0.0, 0.0]
    u, v = [Value(-inf), Value(1.0)], [Value(1.0), Value(1.0)]
    ref = engine.dot(u, v).relu()
    ref.backward()
    assert_same(cg([-inf, 1.0, 1.0, 1.0]), (ref.data, [p.grad for p in [*u, *v]]))
    assert math.isnan(u[0].grad) or math.isnan(v[0].grad)


# -- repeated pieces as loops ----------------------------------------------------------


def moons_loss(model: nn.MLP, samples: int = 12) -> Value:
    X, y = nn.make_moons(samples, noise=0.1, seed=1)
    params = model.parameters()
    scores = [model(x) for x in X]
    return nn.hinge_loss(scores, y) + 1e-4 * engine.sum([p * p for p in params])


def test_the_moons_loss_compiles_to_a_loop_with_the_engines_numbers() -> None:
    model = nn.MLP(2, [8, 8, 1], seed=0)
    loss, params = moons_loss(model), model.parameters()
    looped = engine.compile(loss, params)
    straight = engine.compile(loss, params, loops=False)
    assert "for " in looped.source and "for " not in straight.source
    assert looped.source.count("\n") * 3 < straight.source.count("\n")
    loss.backward()
    expected = (loss.data, [p.grad for p in params])
    values = [p.data for p in params]
    assert looped(values) == expected
    assert straight(values) == expected


def test_training_on_compiled_steps_follows_the_engine_step_by_step() -> None:
    model = nn.MLP(2, [8, 8, 1], seed=0)
    params = model.parameters()
    cg = engine.compile(moons_loss(model), params)
    values = [p.data for p in params]
    for _ in range(4):
        for p, v in zip(params, values, strict=True):
            p.data, p.grad = v, 0.0
        reference = moons_loss(model)  # the graph built again, on these numbers
        reference.backward()
        got, grads = cg(values)
        assert got == reference.data
        assert grads == [p.grad for p in params]
        values = [v - 0.5 * g for v, g in zip(values, grads, strict=True)]
    assert values != [p.data for p in params]  # the numbers moved: the steps did something


def test_watched_nodes_come_back_from_inside_the_loop() -> None:
    X, y = nn.make_moons(9, noise=0.1, seed=2)
    model = nn.MLP(2, [4, 1], seed=0)
    scores = [model(x) for x in X]
    loss = nn.hinge_loss(scores, y)
    cg = engine.compile(loss, model.parameters(), watch=scores)
    assert "for " in cg.source
    result = cg.run([p.data for p in model.parameters()])
    assert result.watched == [s.data for s in scores]
    assert result.output == loss.data


def test_copies_that_share_an_inner_node_are_not_a_loop_and_stay_right() -> None:
    w = Value(0.5)
    shared = w * 2.0
    terms = [(shared * c).tanh() for c in [0.1, 0.2, 0.3, 0.4, 0.5]]
    out = engine.sum(terms)
    cg = engine.compile(out, [w])
    assert "for " not in cg.source
    out.backward()
    assert cg([0.5]) == (out.data, [w.grad])


def test_a_sum_over_different_parameters_is_not_a_loop() -> None:
    ps = [Value(float(i)) for i in range(6)]
    out = engine.sum([p * p for p in ps])
    cg = engine.compile(out, ps)
    assert "for " not in cg.source
    assert cg([1.0] * 6) == (6.0, [2.0] * 6)


def test_a_wide_sum_is_a_call_on_a_list_not_a_chain_of_plus() -> None:
    xs = [Value(float(i)) for i in range(500)]
    out = engine.sum([x * x for x in xs])
    cg = engine.compile(out, xs)
    out.backward()
    assert cg([x.data for x in xs]) == (out.data, [x.grad for x in xs])


# -- what the code says ----------------------------------------------------------------


def test_one_forward_line_per_node_and_lines_map_to_nodes() -> None:
    x, w, b = Value(2.0, label="x"), Value(-3.0, label="w"), Value(0.5, label="b")
    y = (x * w + b).tanh()
    cg = engine.compile(y, [x, w, b])
    order = engine.topological_order(y)
    lines = cg.source.splitlines()
    computed = [i for i, n in enumerate(order) if n.parents]
    assert sorted(cg.lines) == computed
    # x * w and + have no name: their place in the order; the output is the loss, L.
    names = dict(zip(computed, ["v2", "v4", "L"], strict=True))
    for i in computed:
        assert sum(line.strip().startswith(f"{names[i]} = ") for line in lines) == 1
        assert lines[cg.lines[i][0] - 1].strip().startswith(f"{names[i]} = ")
    gradients = ["dx", "dw", "g2", "db", "g4"]
    for i, numbers in cg.grad_lines.items():
        assert all(lines[k - 1].strip().startswith(f"{gradients[i]} ") for k in numbers)
    assert sorted(cg.grad_lines) == [0, 1, 2, 3, 4]  # every node but the output gets terms


def test_the_generated_module_parses_and_says_what_each_line_is() -> None:
    x = Value(1.0, label="x")
    cg = engine.compile((x * x).sin(), [x])
    ast.parse(cg.source)
    assert "# sin" in cg.source
    assert "# sin: dL/dv1" in cg.source
    assert repr(cg).startswith("<CompiledGraph: 1 inputs")


# -- edge cases ------------------------------------------------------------------------


def test_the_output_may_be_an_input() -> None:
    x = Value(3.0)
    assert engine.compile(x, [x])([5.0]) == (5.0, [1.0])


def test_a_constant_output_has_zero_gradients() -> None:
    x, c = Value(3.0), Value(2.0)
    cg = engine.compile(c * 4.0, [x])
    assert cg([1.0]) == (8.0, [0.0])


def test_an_input_the_output_does_not_use_gets_zero() -> None:
    x, unused = Value(3.0), Value(1.0)
    assert engine.compile(x * x, [unused, x])([7.0, 2.0]) == (4.0, [0.0, 4.0])


def test_no_inputs_at_all() -> None:
    assert engine.compile(Value(2.0).exp(), [])([]) == (math.exp(2.0), [])


def test_ints_and_bools_count_as_numbers() -> None:
    x, y = Value(1.0), Value(1.0)
    assert engine.compile(x * y, [x, y])([3, True]) == (3.0, [1.0, 3.0])


def test_compiling_in_two_threads_at_once_gives_each_its_own_code() -> None:
    results: dict[int, tuple[float, list[float]]] = {}

    def work(k: int) -> None:
        x = Value(0.5)
        out = engine.sum([(x * float(c)).relu().abs().softplus() for c in range(k, k + 40)])
        results[k] = engine.compile(out, [x])([0.25])

    threads = [threading.Thread(target=work, args=(k,)) for k in (1, -30)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    for k in (1, -30):
        x = Value(0.25)
        out = engine.sum([(x * float(c)).relu().abs().softplus() for c in range(k, k + 40)])
        out.backward()
        assert results[k] == (out.data, [x.grad])


# -- refusals --------------------------------------------------------------------------


def test_the_output_must_be_a_value() -> None:
    with pytest.raises(TypeError, match="output must be a Value, got float"):
        engine.compile(2.0, [])  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("inputs", "error", "message"),
    [
        ("x", TypeError, r"inputs must be a list of Values, got str"),
        (Value(1.0), TypeError, r"inputs must be a list of Values, got Value"),
        ([1.0], TypeError, r"inputs\[0\] must be a Value, got float"),
    ],
)
def test_inputs_must_be_a_list_of_values(inputs: Any, error: type, message: str) -> None:
    x = Value(1.0)
    with pytest.raises(error, match=message):
        engine.compile(x * 2.0, inputs)


def test_an_input_that_is_not_a_leaf_is_refused() -> None:
    x = Value(1.0)
    h = x * 2.0
    with pytest.raises(ValueError, match=r"inputs\[1\] is the result of '\*', not a leaf"):
        engine.compile(h.tanh(), [x, h])


def test_the_same_leaf_twice_is_refused_naming_both_places() -> None:
    x = Value(1.0)
    with pytest.raises(ValueError, match=r"inputs\[2\] is inputs\[0\] again"):
        engine.compile(x * x, [x, Value(2.0), x])


def test_an_operation_outside_the_table_runs_as_calls_by_its_name_in_ops() -> None:
    from engine.value import nary

    mystery = ops.Op("mystery", 0, lambda xs: sum(xs), lambda xs, out, m: [1.0] * len(xs))
    x, y = Value(1.0), Value(2.0)
    out = nary(mystery, (x, y)) * x
    cg = engine.compile(out, [x, y])
    assert "ops.mystery([v0, v1])" in cg.source and "ops.mystery_local([v0, v1]" in cg.source
    assert cg([1.0, 2.0]) == (3.0, [4.0, 1.0])


def test_a_watched_node_outside_the_graph_is_refused() -> None:
    x = Value(1.0)
    with pytest.raises(ValueError, match=r"watch\[0\] is not a node of output's graph"):
        engine.compile(x * 2.0, [x], watch=[Value(3.0)])


@pytest.mark.parametrize(
    ("values", "error", "message"),
    [
        ([1.0], ValueError, "values must hold 2 numbers"),
        ([1.0, "2"], TypeError, r"values\[1\] must be a real number, got str"),
        ([1.0, None], TypeError, r"values\[1\] must be a real number, got NoneType"),
        ("12", TypeError, "values must be a list of numbers"),
        (3.0, TypeError, "values must be a list of numbers"),
    ],
)
def test_calls_with_bad_values_are_refused(values: Any, error: type, message: str) -> None:
    x, y = Value(1.0), Value(1.0)
    cg = engine.compile(x * y, [x, y])
    with pytest.raises(error, match=message):
        cg(values)


# -- labels stay in comments -----------------------------------------------------------

HOSTILE = [
    "\n",
    "\r",
    "a\rimport os",
    '"""',
    "'",
    "\nimport os; os.system('touch MARKER')",
    "\u2028x = 1",
    "\x0cx",
    "\x00",
    "# coding: latin-1",
    "\\",
]


@pytest.mark.parametrize("label", HOSTILE)
def test_a_label_cannot_leave_its_comment(
    label: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    x = Value(2.0, label=label)
    inner = x * 3.0
    inner.label = label + "os.system('touch MARKER2')"
    out = inner.tanh()
    out.label = label
    cg = engine.compile(out, [x])
    assert cg([2.0]) == (math.tanh(6.0), [3.0 * (1.0 - math.tanh(6.0) ** 2)])
    assert not list(tmp_path.iterdir())
    tree = ast.parse(cg.source)
    # A label reaches the code only as a name made of its letters, digits and _ (x, x_2).
    made = [re.escape(identifier(t)) for t in (label, inner.label) if identifier(t)]
    plain = re.compile(rf"d?(?:{'|'.join([*made, 'L'])})(?:_[0-9]+)?|[vg][0-9]+")
    names = {node.id for node in ast.walk(tree) if isinstance(node, ast.Name)}
    assert all(n in {"values", "tanh"} or plain.fullmatch(n) for n in names), names
    assert not [n for n in ast.walk(tree) if isinstance(n, ast.Import | ast.ImportFrom)]
    calls = [n.func for n in ast.walk(tree) if isinstance(n, ast.Call)]
    assert {f.id if isinstance(f, ast.Name) else "" for f in calls} == {"tanh"}  # tanh only
    strings = [
        node.value
        for node in ast.walk(tree)
        if isinstance(node, ast.Constant) and isinstance(node.value, str)
    ]
    assert all("touch" not in s for s in strings)  # only the module and function docstrings
    for line in cg.source.splitlines():
        code = line.split("#")[0]
        assert "'touch" not in code and "import os" not in code and "system(" not in code
