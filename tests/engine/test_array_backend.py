"""engine.compile(backend="numpy"): a batch's repeated piece as array code, the engine's numbers.

Every graph here is built three times on the same numbers: once for the engine's own
``backward()``, once for ``backend="python"`` (bit for bit the engine's) and once for
``backend="numpy"`` (the engine's numbers up to the order in which sums are added).
"""

import ast
import functools
import math
import operator
import re
import subprocess
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, NamedTuple

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

import engine
import nn
from engine import Value, float_math, ops
from tests.engine import test_compiler as compiler_tests
from tests.engine.test_operation import hypot, norm

inf, nan = math.inf, math.nan
ROOT = Path(__file__).resolve().parents[2]


def examples(share: float) -> settings:
    """``share`` of the profile's examples (tests/conftest.py), so each profile scales them."""
    return settings(max_examples=max(10, round(settings.default.max_examples * share)))


# -- a user's operation, run sample by sample in array code -----------------------------

softsign = engine.operation(
    "softsign",
    lambda x: x / (1.0 + abs(x)),
    lambda x, out, m: (m.div(1.0, (1.0 + abs(x)) * (1.0 + abs(x))),),
)
"""``x / (1 + |x|)``: total on floats (no error for inf or nan), like the table's rules."""

# -- the per-sample piece: random steps over every operation ----------------------------

UNARY: dict[str, Callable[..., Value]] = {**compiler_tests.UNARY, "softsign": softsign}
BINARY = compiler_tests.BINARY
NARY = compiler_tests.NARY
# Activations a layer's neurons may share ("" is none: the neurons' a themselves).
ACTIVATIONS = ["", "relu", "tanh", "sigmoid", "leaky_relu", "softplus", "abs", "exp", "neg"]
PARAMS = compiler_tests.PARAMS
WITH_A_NUMBER = {"plus_number", "number_minus", "times_number", "number_over", "number_pow"}
KINKS = [0.0, -0.0, 1.0, -1.0, 2.0, 0.5]
SPECIAL = [*KINKS, 1e-300, -1e300, 700.0, 25.0, inf, -inf, nan]
TAME = st.one_of(st.floats(-3.0, 3.0), st.sampled_from(KINKS))
WILD = st.one_of(st.floats(-3.0, 3.0), st.sampled_from(SPECIAL))

Step = tuple[str, tuple[int, ...], tuple[Any, ...]]


class Batch(NamedTuple):
    """A random training graph: the same piece on each sample, gathered, then a mean and L2."""

    params: list[float]  # the inputs of the compiled graph, shared by every sample
    shared: int  # how many of them the steps read by index (the layers' own come after)
    data: list[list[float]]  # per sample, the constants its piece reads
    steps: list[Step]  # the piece, over [*params, *data[k]] and the nodes made so far
    root: str  # how the piece ends: "sum" (engine.sum) or "chain" (Python's sum)
    gather: str  # how the pieces are added: a key of GATHERS
    mean: str  # "", "/ n" or "* (1/n)"
    l2: str  # "", "dot" (engine.dot(params, params)) or "sum()" (sum(p*p for p in params))


@st.composite
def batches(draw: st.DrawFn, min_samples: int = 4, max_samples: int = 6) -> Batch:
    numbers = draw(st.sampled_from([TAME, TAME, WILD]))
    params = [draw(numbers) for _ in range(draw(st.integers(1, 3)))]
    base = len(params)  # the parameters steps read by index; layers add their own after
    n_data = draw(st.integers(1, 3))
    samples = draw(st.integers(min_samples, max_samples))
    data = [[draw(numbers) for _ in range(n_data)] for _ in range(samples)]
    steps: list[Step] = []
    made = 0
    previous: tuple[int, ...] = ()  # the nodes the last layer made
    for _ in range(draw(st.integers(1, 5))):
        available = base + n_data + made
        index = st.integers(0, available - 1)
        kind = draw(st.sampled_from(["unary", "unary", "binary", "nary", "layer"]))
        if kind == "unary":
            op = draw(st.sampled_from(sorted(UNARY)))
            if op in PARAMS:
                extra: tuple[Any, ...] = draw(PARAMS[op])
            elif op in WITH_A_NUMBER:
                extra = (draw(numbers),)
            else:
                extra = ()
            steps.append((op, (draw(index),), extra))
            made += 1
        elif kind == "binary":
            steps.append((draw(st.sampled_from(sorted(BINARY))), (draw(index), draw(index)), ()))
            made += 1
        elif kind == "nary":
            operands = tuple(draw(st.lists(index, min_size=0, max_size=6)))
            steps.append((draw(st.sampled_from(sorted(NARY))), operands, ()))
            made += 1
        else:
            # A layer: neurons (dot+b, as nn.Neuron makes them, or dot) of their own new
            # parameters, all reading the same nodes (perhaps the last layer's outputs,
            # as an MLP's next layer does), then perhaps one activation each.
            if previous and draw(st.booleans()):
                reads = previous
            else:
                reads = tuple(draw(st.lists(index, min_size=1, max_size=3)))
            neurons = draw(st.integers(1, 3))
            bias = draw(st.booleans())
            first = len(params)
            params += [draw(numbers) for _ in range(neurons * (len(reads) + bias))]
            activation = draw(st.sampled_from(ACTIVATIONS))
            steps.append(("layer", reads, (first, neurons, activation, bias)))
            previous = tuple(range(available, available + neurons))
            made += neurons * (2 if activation else 1)
    return Batch(
        params,
        base,
        data,
        steps,
        draw(st.sampled_from(["sum", "chain"])),
        draw(st.sampled_from(sorted(GATHERS))),
        draw(st.sampled_from(["", "/ n", "* (1/n)"])),
        draw(st.sampled_from(["", "dot", "sum()"])),
    )


def piece(params: list[Value], shared: int, data: list[Value], steps: list[Step]) -> list[Value]:
    """Build one sample's piece; return the nodes its steps made.

    ``params[:shared]`` are the parameters the steps may read by index; a layer's
    weights and biases are read from ``params`` at the positions its step names.
    """
    nodes: list[Value] = [*params[:shared], *data]
    made: list[Value] = []
    for op, args, extra in steps:
        if op == "layer":
            first, neurons, activation, bias = extra
            xs = [nodes[i] for i in args]
            size = len(xs) + bias
            pre = []
            for j in range(neurons):
                at = first + j * size
                ws, b = params[at : at + len(xs)], params[at + len(xs)] if bias else None
                pre.append(engine.dot(ws, xs, bias=b))
            # The activations, then the pre-activations, which other nodes may read too.
            new = [LAYER_ACTIVATIONS[activation](a) for a in pre] + (pre if activation else [])
        elif op in UNARY:
            new = [UNARY[op](nodes[args[0]], *extra)]
        elif op in BINARY:
            new = [BINARY[op](nodes[args[0]], nodes[args[1]])]
        else:
            new = [NARY[op]([nodes[i] for i in args])]
        nodes += new
        made += new
    return made


LAYER_ACTIVATIONS: dict[str, Callable[[Value], Value]] = {
    "": lambda a: a,
    "relu": Value.relu,
    "tanh": Value.tanh,
    "sigmoid": Value.sigmoid,
    "leaky_relu": lambda a: a.leaky_relu(0.1),
    "softplus": lambda a: a.softplus(2.0, 1.0),
    "abs": abs,
    "exp": Value.exp,
    "neg": operator.neg,
}


def right_sum(terms: Sequence[Value]) -> Value:
    """``t0 + (t1 + (... + tn))``: a recursive sum leans right."""
    return terms[0] if len(terms) == 1 else terms[0] + right_sum(terms[1:])


GATHERS: dict[str, Callable[[list[Value]], Value]] = {
    "engine.sum": engine.sum,
    "sum()": sum,  # type: ignore[dict-item]  # Python's: 0 + t0 + t1 + ..., a chain of +
    "right": right_sum,
    "reduce": lambda terms: functools.reduce(operator.add, terms),  # t0 + t1 + ..., no 0
    # n-ary nodes other than a sum gather the roots too, one of them the user's own
    "logsumexp": engine.logsumexp,
    "norm": lambda terms: norm(terms),
}


class Built(NamedTuple):
    output: Value
    params: list[Value]
    data: list[list[Value]]  # per sample, the leaves of its numbers


def build(batch: Batch) -> Built:
    """Build ``batch``'s graph on fresh leaves."""
    params = [Value(x, label=f"p{i}") for i, x in enumerate(batch.params)]
    roots = []
    rows = [[Value(x) for x in row] for row in batch.data]
    for data in rows:
        made = piece(params, batch.shared, data, batch.steps)
        # The root reads a parameter too, so every piece depends on the inputs.
        if batch.root == "sum":
            roots.append(engine.sum([*made, params[0]]))
        else:
            roots.append(sum(made, params[0]))
    total = GATHERS[batch.gather](roots)
    n = len(roots)
    if batch.mean == "/ n":
        total = total / n
    elif batch.mean == "* (1/n)":
        total = total * (1.0 / n)
    if batch.l2 == "dot":
        total = total + 0.25 * engine.dot(params, params)
    elif batch.l2 == "sum()":
        total = total + 0.25 * sum(p * p for p in params)
    return Built(total, params, rows)


# -- comparing the backends with the engine ---------------------------------------------


def _times(size: float, d: float) -> float:
    """``size * |d|``: nothing where either is 0 (even 0 * inf), no bound (inf) for a nan ``d``."""
    if size == 0.0 or d == 0.0:
        return 0.0
    return inf if math.isnan(d) else size * abs(d)


def magnitudes(output: Value) -> dict[Value, float]:
    """For each node, the sum of the absolute values of the chain-rule terms behind its gradient.

    The reverse pass of ``backward()`` with every local derivative taken as ``|d|``,
    on a graph whose ``backward()`` has run.

    Why this is the scale for comparing the array code's gradients with the engine's:
    a gradient is a sum of such terms, and the array code adds the same terms in another
    order (over the samples, inside each matrix product such as ``W.T @ delta``). Each
    addition in another order moves the result by at most 2**-53 of the running sum of
    |terms|, so the whole gradient by at most about (additions) x 2**-53 x this size:
    1e-12 x size allows some 4500 additions, more than any graph here makes. numpy's
    exp, log, tanh, sin, cos and pow may also round a forward number a few ulps away
    from libm (tests/engine/test_array_math.py); a local derivative made from it, such
    as tanh's ``1 - out * out``, then moves by a few 2**-53 of the numbers it is made
    of, which the floor max(1, size) covers wherever the gradient flowing into it is
    below about 1e3 (true of every graph here: tens of thousands of random batches were
    tried; a saturated tanh under a huge gradient would need a looser bound).

    The bound stays honest: a wrong gradient (a term missed, counted twice or of the
    wrong sign, a sample left out) is off by a whole term, and only a term smaller than
    1e-12 x size could hide in it (test_the_tolerance_fails_a_gradient_that_misses_one_term).
    """
    order = engine.topological_order(output)
    numbers = forward_sizes(output)
    size = {output: 1.0}
    for node in reversed(order):
        if not node.parents:
            continue
        a = size.get(node, 0.0)
        for parent, d in zip(
            node.parents, node._operation.derivatives(node, float_math), strict=True
        ):
            term = _times(a, d)
            if node.op in EXPONENTIAL:
                # Such a derivative (exp(x - out) for logsumexp) moves by |d| times its
                # numbers' rounding: a few 2**-53 of x's size, which is large where x is.
                term = _times(term, 1.0 + numbers[parent] + numbers[node])
            size[parent] = size.get(parent, 0.0) + term
    return size


EXPONENTIAL = frozenset({"exp", "logsumexp", "sigmoid", "softplus", "tanh"})
"""Operations whose derivative is exponential in the operand: its error is relative to it."""


def forward_size(output: Value) -> float:
    """The same for ``output``'s number: how far reordered sums and last bits can move it.

    First-order error analysis: a node's error is a few roundings of its own number plus
    its local derivatives times its operands' errors; in units of 2**-53, that is at most
    a small multiple of |value| plus |d| x (each operand's size), summed through the graph.
    """
    return forward_sizes(output)[output]


def forward_sizes(output: Value) -> dict[Value, float]:
    """``forward_size`` of every node of ``output``'s graph."""
    size: dict[Value, float] = {}
    for node in engine.topological_order(output):
        total = abs(node.data)
        if node.parents:
            for parent, d in zip(
                node.parents, node._operation.derivatives(node, float_math), strict=True
            ):
                total += _times(size[parent], d)
        size[node] = total
    return size


def same_bits(a: float, b: float) -> bool:
    return a == b or (math.isnan(a) and math.isnan(b))


def close(got: float, expected: float, size: float) -> bool:
    """nan where nan, the same inf, else within 1e-12 of max(1, size) (see magnitudes).

    Where the terms' size overflows (inf), the order of the additions decides between a
    finite number, inf and nan (1e308 + 1e308 - 1e308), so nothing is compared there.
    """
    if math.isinf(size):
        return True
    if math.isnan(got) or math.isnan(expected):
        return math.isnan(got) and math.isnan(expected)
    if math.isinf(got) or math.isinf(expected):
        return got == expected
    return abs(got - expected) <= 1e-12 * max(1.0, size)


class Reference(NamedTuple):
    output: float
    grads: list[float]
    output_size: float
    grad_sizes: list[float]


def reference(batch: Batch, values: list[float] | None = None) -> Reference:
    """The engine's numbers for ``batch`` (with the parameters at ``values``, if given)."""
    if values is not None:
        batch = batch._replace(params=values)
    built = build(batch)
    built.output.backward()
    sizes = magnitudes(built.output)
    return Reference(
        built.output.data,
        [p.grad for p in built.params],
        forward_size(built.output),
        [sizes.get(p, 0.0) for p in built.params],
    )


def engine_reference(loss: Value, params: list[Value]) -> Reference:
    loss.backward()
    sizes = magnitudes(loss)
    return Reference(
        loss.data,
        [p.grad for p in params],
        forward_size(loss),
        [sizes.get(p, 0.0) for p in params],
    )


def assert_bit_for_bit(got: tuple[float, list[float]], expected: Reference) -> None:
    out, grads = got
    assert same_bits(out, expected.output), (out, expected.output)
    assert len(grads) == len(expected.grads)
    wrong = [
        (i, g, e)
        for i, (g, e) in enumerate(zip(grads, expected.grads, strict=True))
        if not same_bits(g, e)
    ]
    assert not wrong, wrong


def assert_close(got: tuple[float, list[float]], expected: Reference) -> None:
    out, grads = got
    assert close(out, expected.output, expected.output_size), (out, expected.output)
    assert len(grads) == len(expected.grads)
    wrong = [
        (i, g, e, s)
        for i, (g, e, s) in enumerate(zip(grads, expected.grads, expected.grad_sizes, strict=True))
        if not close(g, e, s)
    ]
    assert not wrong, wrong


def compiled(batch: Batch, backend: str, *, used_only: bool = False) -> engine.CompiledGraph:
    """``batch``'s graph compiled; with ``used_only``, its inputs are the parameters it reads."""
    built = build(batch)
    inputs = built.params
    if used_only:
        graph = set(engine.topological_order(built.output))
        inputs = [p for p in inputs if p in graph]
    return engine.compile(built.output, inputs, backend=backend)


def used(batch: Batch) -> list[int]:
    """The positions of the parameters ``batch``'s graph reads."""
    built = build(batch)
    graph = set(engine.topological_order(built.output))
    return [i for i, p in enumerate(built.params) if p in graph]


# -- random batches: both backends against the engine -----------------------------------


def assert_floats(got: tuple[float, list[float]]) -> None:
    """The output and gradients are Python floats in a list, never numpy's types."""
    out, grads = got
    assert type(out) is float, type(out)
    assert type(grads) is list, type(grads)
    assert all(type(g) is float for g in grads), {type(g) for g in grads}


@examples(3.0)
@given(batches(), st.data())
def test_both_backends_give_the_engines_numbers_on_random_batches(
    batch: Batch, data: st.DataObject
) -> None:
    python = compiled(batch, "python")
    array = compiled(batch, "numpy")
    n = len(batch.params)
    fresh = data.draw(st.lists(WILD, min_size=n, max_size=n), label="new parameters")
    # The numbers the graph was built on, then new ones: the code decides at every call.
    for values in (batch.params, fresh):
        expected = reference(batch, values)
        assert_bit_for_bit(python(values), expected)
        got = array(values)
        assert_floats(got)
        assert_close(got, expected)


def test_a_logsumexp_of_huge_numbers_agrees_within_its_derivatives_rounding() -> None:
    # Found by the thorough profile: the samples' results are about 6e11, the backends
    # round them a few units apart, and exp(x - out) turns those units into a relative
    # 5e-5 of the gradient. magnitudes() bounds such a derivative by its numbers' size.
    batch = Batch(
        params=[0.0] * 7, shared=1, data=[[0.0, 0.0]] * 5,
        steps=[("layer", (0,), (1, 3, "", False)), ("layer", (3, 4, 5), (4, 1, "exp", False))],
        root="sum", gather="logsumexp", mean="", l2="",
    )  # fmt: skip
    values = [25.0, 0.0, 1.5707053651629224, 0.28356374261260875, 0.0, 0.375, 1.75]
    expected = reference(batch, values)
    got = compiled(batch, "numpy")(values)
    assert_close(got, expected)
    assert got[1] != expected.grads  # not bit for bit: the bound is what holds here


def test_a_matrix_product_keeps_ieees_nan_where_a_weight_is_inf() -> None:
    # Found by the thorough profile: BLAS may skip the products of a zero, so W @ h gave
    # a finite a where the engine's 0 · inf is nan, and leaky_relu's derivative took the
    # other branch (1.0 against 0.1). xp.matmul takes such a product term by term.
    batch = Batch(
        params=[0.0] * 23, shared=2, data=[[-1.0, 0.0, 0.0]] + [[0.0, 0.0, 0.0]] * 3,
        steps=[("layer", (2, 0, 2), (2, 3, "", True)),
               ("layer", (5, 6, 7), (14, 3, "leaky_relu", False))],
        root="sum", gather="engine.sum", mean="", l2="",
    )  # fmt: skip
    values = [0.0] * 23
    values[6], values[12], values[15], values[16] = inf, -1e300, -1.0, -1e300
    expected = reference(batch, values)
    got = compiled(batch, "numpy")(values)
    assert_close(got, expected)
    assert math.isnan(got[0]) and math.isnan(expected.output)


def test_the_random_batches_cover_every_operation_of_the_table() -> None:
    a, b = Value(0.3), Value(0.7)
    extra = {"pow_const": (2.0,), "leaky_relu": (0.2,), "softplus": (1.0, 20.0)}
    extra |= {name: (2.0,) for name in WITH_A_NUMBER}
    made = {f(a, *extra.get(name, ()))._operation for name, f in UNARY.items()}
    made |= {f(a, b)._operation for f in BINARY.values()}
    made |= {f([a, b, a])._operation for f in NARY.values()}
    made |= {f(a)._operation for name, f in LAYER_ACTIVATIONS.items() if name}
    assert set(ops.TABLE) <= made
    assert made - set(ops.TABLE) == {softsign(a)._operation}  # and one operation of the user's own
    assert set(ACTIVATIONS) == set(LAYER_ACTIVATIONS)


def test_the_tolerance_fails_a_gradient_that_misses_one_term() -> None:
    w = Value(0.5)
    cs = [3.0, -2.0, 1e-3, 4.0, -1.5]
    out = engine.sum([w * c for c in cs])
    out.backward()
    size = magnitudes(out)[w]
    # Every chain-rule term, counted by its size (Python 3.12's sum() rounds otherwise).
    assert size == pytest.approx(math.fsum(abs(c) for c in cs), rel=1e-15)
    assert close(w.grad + 1e-13 * size, w.grad, size)  # rounding: a few last bits
    assert not close(w.grad - 1e-3, w.grad, size)  # the smallest term left out
    assert not close(-w.grad, w.grad, size) and not close(nan, w.grad, size)
    assert not close(inf, 1e308, size) and close(nan, nan, size) and close(-inf, -inf, size)


@examples(0.25)
@given(batches(min_samples=1, max_samples=3))
def test_a_batch_too_small_to_repeat_falls_back_to_python_code_and_says_so(batch: Batch) -> None:
    array = compiled(batch, "numpy", used_only=True)
    assert array.backend == "numpy"
    assert any("no repeated per-sample piece" in note for note in array.notes), array.notes
    expected = reference(batch)
    read = used(batch)
    got = array([batch.params[i] for i in read])
    assert_floats(got)
    assert_close(
        got,
        expected._replace(
            grads=[expected.grads[i] for i in read],
            grad_sizes=[expected.grad_sizes[i] for i in read],
        ),
    )


# -- every operation at its kinks, inf and nan, as the piece of a batch ---------------------

ONE_OF_EACH: dict[str, Callable[[Value, Value], Value]] = {
    **compiler_tests.ONE_OF_EACH,
    "**-1": lambda a, b: a**-1,
    "softsign": lambda a, b: softsign(a),
}
KINK_SAMPLES = [-2.0, -1.0, -0.0, 0.0, 0.5, 1.0, 3.0, 25.0, 800.0, inf, -inf, nan]


def kinked(name: str, w: Value, b: Value, x: float) -> Value:
    """Four samples at ``x`` and one at 1.5, each ``op(w * x, b)``; their mean, plus b."""
    f = ONE_OF_EACH[name]
    mean = sum(f(w * xk, b) for xk in [x, x, x, x, 1.5]) * 0.2
    return mean + b  # every operation's graph reads b


def test_the_kink_table_has_every_operation() -> None:
    a, b = Value(0.3), Value(0.7)
    made = {f(a, b)._operation for f in ONE_OF_EACH.values()}
    assert made == {*ops.TABLE, softsign(a)._operation}


@pytest.mark.parametrize("name", sorted(ONE_OF_EACH))
def test_each_operation_at_its_kinks_and_at_inf_and_nan_in_a_batch(name: str) -> None:
    for x in KINK_SAMPLES:
        w, b = Value(1.0), Value(2.0)
        python = engine.compile(kinked(name, w, b, x), [w, b])
        array = engine.compile(kinked(name, w, b, x), [w, b], backend="numpy")
        for values in ([1.0, 0.0], [1.0, 2.0], [-1.0, -1.0], [0.0, 0.5], [1.0, inf], [1.0, nan]):
            u, c = Value(values[0]), Value(values[1])
            expected = engine_reference(kinked(name, u, c, x), [u, c])
            assert_bit_for_bit(python(values), expected)
            got = array(values)
            assert_floats(got)
            assert_close(got, expected)


# -- the array code runs each piece once, whatever the number of samples -----------------


def twice(batch: Batch) -> Batch:
    """The same model on more samples: every sample but the first once more.

    So the same columns of the data vary among the repeated pieces: a chain written with
    functools.reduce takes the first sample as a link of its own, outside the repeat, and
    a second copy of it would make a column vary that the repeated pieces held constant.
    """
    return batch._replace(data=batch.data + batch.data[1:])


def line_count(cg: engine.CompiledGraph) -> int:
    return len(cg.source.splitlines())


def loops(source: str) -> list[ast.AST]:
    """The loops of the generated module: for and while statements, comprehensions."""
    kinds = (ast.For, ast.AsyncFor, ast.While, ast.comprehension)
    return [node for node in ast.walk(ast.parse(source)) if isinstance(node, kinds)]


@examples(1.0)
@given(batches(min_samples=5, max_samples=6))
# The first sample, a link of its own, differs from the four repeated copies, which hold
# a constant: more samples must not make that column vary (found by the thorough profile).
@example(
    batch=Batch(params=[0.0], shared=1, data=[[0.0], [1.0], [1.0], [1.0], [1.0]],
                steps=[("abs", (1,), ())], root="chain", gather="reduce", mean="", l2="")
)  # fmt: skip
def test_the_array_code_has_no_loop_and_no_more_lines_for_more_samples(batch: Batch) -> None:
    # Five samples at least: a chain that takes one piece's root for a link of its own
    # (functools.reduce over roots that end in +) still leaves four copies.
    if batch.gather == "right" and batch.root == "chain":
        # A recursive sum of roots that are chains of + themselves: the chain finder follows
        # the longer of a root's chain and the sum's, so few samples hide the repeat.
        batch = batch._replace(root="sum")
    array = compiled(batch, "numpy", used_only=True)
    assert not any("no repeated per-sample piece" in note for note in array.notes), array.notes
    assert not loops(array.source), array.source
    assert line_count(compiled(twice(batch), "numpy", used_only=True)) == line_count(array)
    python = compiled(batch, "python", used_only=True)
    assert loops(python.source)  # a loop over the samples, not a copy of the code per sample
    assert line_count(compiled(twice(batch), "python", used_only=True)) == line_count(python)


# -- micrograd's moons model --------------------------------------------------------------


def moons_loss(model: nn.MLP, samples: int, style: str) -> Value:
    """The loss of micrograd's demo: written its way, or with the fused nodes of nn and engine."""
    X, y = nn.make_moons(samples, noise=0.1, seed=1)
    params = model.parameters()
    scores = [model(x) for x in X]
    assert all(isinstance(score, Value) for score in scores)  # one output neuron
    if style == "fused":
        return nn.hinge_loss(scores, y) + 1e-4 * engine.dot(params, params)
    ys = [1.0 if label == 1 else -1.0 for label in y]
    losses = [(1 + -yi * score).relu() for yi, score in zip(ys, scores, strict=True)]  # type: ignore[operator]
    data_loss = sum(losses) * (1.0 / len(losses))
    loss = data_loss + 1e-4 * sum(p * p for p in params)
    assert isinstance(loss, Value)
    return loss


@pytest.mark.parametrize("style", ["micrograd", "fused"])
def test_the_moons_loss_gives_the_engines_numbers_on_both_backends_step_after_step(
    style: str,
) -> None:
    model = nn.MLP(2, [16, 16, 1], seed=0)
    params = model.parameters()
    python = engine.compile(moons_loss(model, 30, style), params)
    array = engine.compile(moons_loss(model, 30, style), params, backend="numpy")
    values = [p.data for p in params]
    for _ in range(3):
        for p, v in zip(params, values, strict=True):
            p.data, p.grad = v, 0.0
        expected = engine_reference(moons_loss(model, 30, style), params)
        assert_bit_for_bit(python(values), expected)
        got = array(values)
        assert_floats(got)
        assert_close(got, expected)
        values = [v - 0.5 * g for v, g in zip(values, expected.grads, strict=True)]
    assert values != [p.data for p in params]  # the steps moved the numbers


@pytest.mark.parametrize("style", ["micrograd", "fused"])
def test_the_moons_model_becomes_the_seeds_matrix_products(style: str) -> None:
    model = nn.MLP(2, [16, 16, 1], seed=0)
    array = engine.compile(moons_loss(model, 20, style), model.parameters(), backend="numpy")
    source = array.source
    for layer, below in ((1, 0), (2, 1), (3, 2)):
        # What is known of the operands' numbers follows them: see xp.matmul.
        product = rf"a{layer} = xp\.matmul\(W{layer}, h{below}, [\w ]+\) \+ b{layer} "
        assert re.search(product, source), source
        assert f"delta{layer}" in source
    assert re.search(r"dW1 = xp\.matmul\(delta1, h0\.T, \w+\) ", source)
    assert not loops(source)
    assert not any("no repeated per-sample piece" in note for note in array.notes)


def fancy_indexing(source: str) -> list[str]:
    """The subscripts of ``p``, ``grads`` and ``data`` whose index holds a name: a gather."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if (
            isinstance(node, ast.Subscript)
            and isinstance(node.value, ast.Name)
            and node.value.id in ("p", "grads", "data")
            and any(isinstance(n, ast.Name) for n in ast.walk(node.slice))
        ):
            found.append(ast.unparse(node))
    return found


def assigned(source: str, name: str) -> str:
    """The expression the generated code assigns to ``name`` (its one assignment)."""
    (line,) = re.findall(rf"^ +{name} = ([^#]+?) *(?:#.*)?$", source, re.M)
    return str(line)


@pytest.mark.parametrize("style", ["micrograd", "fused"])
def test_an_mlps_weights_are_views_of_p_and_its_gradients_go_through_views(style: str) -> None:
    np = pytest.importorskip("numpy")
    model = nn.MLP(2, [16, 16, 1], seed=0)
    params = model.parameters()
    array = engine.compile(moons_loss(model, 20, style), params, backend="numpy")
    source = array.source
    assert fancy_indexing(source) == [], source  # no index array: slices, a reshape
    assert "index_" not in source
    p = np.array([q.data for q in params])
    for name in ("W1", "b1", "W2", "b2", "W3", "b3"):
        read = assigned(source, name)
        view = eval(read, {"p": p})  # the generated code's own text
        assert np.shares_memory(view, p), (name, read)  # a view: nothing is copied
        # ... of the right numbers: row j is neuron j's weights (or its bias).
        layer = model.layers[int(name[1]) - 1]
        want = [n.w if name[0] == "W" else [n.b] for n in layer.neurons]
        assert view.tolist() == [[q.data for q in row] for row in want]
    if style == "fused":  # engine.dot(params, params) reads every input in order: p itself
        assert re.search(r"= float\(xp\.matmul\(p, p, \w+\)\) ", source), source
    expected = engine_reference(moons_loss(model, 20, style), params)
    assert_close(array([q.data for q in params]), expected)


@pytest.mark.parametrize("backend", ["python", "numpy"])
@pytest.mark.parametrize("style", ["micrograd", "fused"])
def test_the_moons_code_is_as_long_for_200_samples_as_for_20(style: str, backend: str) -> None:
    lines = []
    for samples in (20, 200):
        model = nn.MLP(2, [16, 16, 1], seed=0)
        loss = moons_loss(model, samples, style)
        lines.append(line_count(engine.compile(loss, model.parameters(), backend=backend)))
    assert lines[0] == lines[1]


def test_an_l2_term_over_the_inputs_is_one_array_operation() -> None:
    params = [Value(0.1 * k - 0.5) for k in range(12)]
    out = engine.dot(params, params) + engine.sum(params)
    array = engine.compile(out, params, backend="numpy")
    assert "xp.matmul(" in array.source and ".sum()" in array.source
    expected = engine_reference(out, params)
    got = array([p.data for p in params])
    assert_floats(got)
    assert_close(got, expected)


@pytest.mark.parametrize("special", [1.5, inf, nan])
def test_sums_and_dots_over_inputs_in_any_order_read_and_write_the_right_places(
    special: float,
) -> None:
    params = [Value(0.1 * k - 0.5) for k in range(12)]

    def terms(ps: list[Value]) -> Value:
        backwards = engine.dot(ps[1::2][::-1], ps[:6])  # views that step back, and forward
        twice = engine.sum(ps + ps[:3])  # an input twice: its gradient adds up (xp.add_at)
        scattered = engine.dot([ps[k] for k in (3, 0, 7, 5)], [ps[k] for k in (9, 9, 2, 11)])
        return backwards + twice + scattered * engine.sum(ps[::3]) + engine.dot(ps, ps)

    array = engine.compile(terms(params), params, backend="numpy")
    assert "xp.add_at(grads, " in array.source and "p[11:0:-2]" in array.source
    assert "xp.matmul(p, p, " in array.source  # engine.dot(params, params): p itself
    for values in ([p.data for p in params], [special if k == 4 else 0.1 * k for k in range(12)]):
        fresh = [Value(v) for v in values]
        expected = engine_reference(terms(fresh), fresh)
        got = array(values)
        assert_floats(got)
        assert_close(got, expected)


@pytest.mark.parametrize("w", [-0.0, 0.0, 2.0, inf, nan])
def test_a_layer_of_one_input_is_a_broadcast_product_that_keeps_the_engines_zeros(
    w: float,
) -> None:
    # A matrix product of one term to each sum is a column times a row, IEEE's as it is;
    # the engine's dot starts at 0.0, so -0.0 * x is 0.0 there, and 3 / 0.0 is +inf.
    def loss(u: Value, v: Value) -> Value:
        xs = [0.0, -1.0, 2.0, 3.0, -0.0]
        return engine.sum([3.0 / (engine.dot([u], [Value(x)]) * v) for x in xs])

    u, v = Value(w), Value(1.5)
    array = engine.compile(loss(u, v), [u, v], backend="numpy")
    assert re.search(r"a1 = 0\.0 \+ W1 \* h0 ", array.source), array.source
    for values in ([w, 1.5], [w, -2.0], [-0.0, 0.0]):
        fresh = [Value(x) for x in values]
        expected = engine_reference(loss(*fresh), fresh)
        got = array(values)
        assert_close(got, expected)


@given(
    size=st.integers(1, 60),
    shape=st.sampled_from([(1,), (5,), (3, 4), (4, 1), (1, 4), (2, 2)]),
    first=st.integers(0, 59),
    down=st.integers(-8, 20),
    across=st.integers(-4, 6),
)
def test_a_view_reads_exactly_the_positions_it_was_asked_for_or_is_not_made(
    size: int, shape: tuple[int, ...], first: int, down: int, across: int
) -> None:
    np = pytest.importorskip("numpy")
    from engine.codegen.arrays import basic_view

    steps = (across,) if len(shape) == 1 else (down, across)
    index = first + sum(np.arange(n).reshape([-1 if k == j else 1 for k in range(len(shape))]) * s
                        for j, (n, s) in enumerate(zip(shape, steps, strict=True)))  # fmt: skip
    if index.min() < 0 or index.max() >= size:
        return  # not positions of the array
    text = basic_view(index, size)
    if len(shape) == 1 and (across != 0 or shape[0] == 1):
        assert text is not None  # any even step is a slice
    if text is None:
        return
    array = np.arange(size, dtype=float) * 10.0
    got = eval(text.format("a"), {"a": array})
    assert np.array_equal(got, index * 10.0) and np.shares_memory(got, array), text
    if got.ndim:  # what the code writes through the same text lands in the array
        exec(f"{text.format('a') if text != '{}' else 'a'}[...] = -1.0", {"a": array})
        assert set((array == -1.0).nonzero()[0].tolist()) == set(index.ravel().tolist()), text


# -- data leaves: the batch given at each call ----------------------------------------------


def moons_batch(samples: int, seed: int) -> tuple[list[list[float]], list[float]]:
    """A batch of the moons: each sample's two inputs, and its label as a sign, -1 or 1."""
    X, y = nn.make_moons(samples, noise=0.1, seed=seed)
    return [[float(a) for a in x] for x in X], [1.0 if label == 1 else -1.0 for label in y]


LAYOUTS: dict[str, Callable[[list[list[Value]], list[Value]], list[Value]]] = {
    # How a batch's numbers may lie in data: the order engine.compile is given the leaves.
    "sample by sample": lambda xs, ss: [v for x, s in zip(xs, ss, strict=True) for v in (*x, s)],
    "label first": lambda xs, ss: [v for x, s in zip(xs, ss, strict=True) for v in (s, *x)],
    "feature by feature": lambda xs, ss: [x[0] for x in xs] + [x[1] for x in xs] + ss,
    # Every third sample first: in no even steps, so numpy's fancy indexing reads them.
    "shuffled": lambda xs, ss: [
        v for k in [*range(0, len(xs), 3), *range(1, len(xs), 3), *range(2, len(xs), 3)]
        for v in (*xs[k], ss[k])
    ],
}  # fmt: skip


class DataGraph(NamedTuple):
    loss: Value
    params: list[Value]
    data: list[Value]  # the batch's leaves, in the order the compiled code takes them


def data_moons(model: nn.MLP, X: list[list[float]], signs: list[float], layout: str) -> DataGraph:
    """micrograd's hinge loss on ``model``, each sample's inputs and label a data leaf.

    ``-s`` (s the label) is a node of the data alone: computed at each call, with no gradient.
    """
    params = model.parameters()
    xs = [[Value(a), Value(b)] for a, b in X]
    ss = [Value(s) for s in signs]
    losses = [(1 + -s * model(x)).relu() for x, s in zip(xs, ss, strict=True)]  # type: ignore[operator]
    loss = engine.sum(losses) * (1.0 / len(losses)) + 1e-4 * engine.dot(params, params)
    return DataGraph(loss, params, LAYOUTS[layout](xs, ss))


def fresh_reference(graph: DataGraph) -> Reference:
    """The engine's numbers for ``graph``, its parameters' gradients counted from zero."""
    for p in graph.params:
        p.grad = 0.0
    return engine_reference(graph.loss, graph.params)


@pytest.mark.parametrize("layout", sorted(LAYOUTS))
def test_data_leaves_give_the_engines_numbers_for_every_batch_through_one_function(
    layout: str,
) -> None:
    model = nn.MLP(2, [8, 8, 1], seed=0)
    X, signs = moons_batch(20, seed=1)
    graph = data_moons(model, X, signs, layout)
    python = engine.compile(graph.loss, graph.params, data=graph.data)
    array = engine.compile(graph.loss, graph.params, data=graph.data, backend="numpy")
    assert not loops(array.source), array.source  # the batch is arrays, whatever its layout
    assert not any("no repeated per-sample piece" in note for note in array.notes)
    values = [p.data for p in graph.params]
    seen = set()
    for seed in (2, 3, 4):  # other batches, none the graph was built on
        X, signs = moons_batch(20, seed)
        batch = data_moons(model, X, signs, layout)
        numbers = [leaf.data for leaf in batch.data]
        expected = fresh_reference(batch)
        assert_bit_for_bit(python(values, numbers), expected)
        got = array(values, numbers)
        assert_floats(got)
        assert_close(got, expected)
        seen.add(got[0])
    assert len(seen) == 3  # each batch gave its own loss


def test_a_batch_laid_out_evenly_is_read_through_views_of_data_else_by_an_index() -> None:
    model = nn.MLP(2, [4, 1], seed=0)
    X, signs = moons_batch(10, seed=1)
    sources = {}
    for layout in LAYOUTS:
        graph = data_moons(model, X, signs, layout)
        sources[layout] = engine.compile(
            graph.loss, graph.params, data=graph.data, backend="numpy"
        ).source
    # h0 holds the inputs, a row per feature; the labels are a row of their own.
    assert assigned(sources["sample by sample"], "h0") == "data.reshape(10, 3)[:, :2].T"
    assert assigned(sources["label first"], "h0") == "data.reshape(10, 3)[:, 1:].T"
    assert assigned(sources["feature by feature"], "h0") == "data[0:20].reshape(2, 10)"
    for layout in ("sample by sample", "label first", "feature by feature"):
        assert fancy_indexing(sources[layout]) == [], sources[layout]
    assert re.search(r"^ +v\d+ = data\[2::3\] ", sources["sample by sample"], re.M)
    assert re.search(r"^ +v\d+ = data\[20:\] ", sources["feature by feature"], re.M)
    assert assigned(sources["shuffled"], "h0") == "data[index_h0]"
    # The label's -s is the data's alone: computed at each call, and no gradient goes to it.
    source = sources["sample by sample"]
    (sign,) = re.findall(r"^ +(v\d+) = data\[2::3\]", source, re.M)
    (minus,) = re.findall(rf"^ +(v\d+) = -{sign} ", source, re.M)
    assert not re.search(rf"\bg{minus[1:]}\b|\bg{sign[1:]}\b", source), source


def test_run_array_gives_what_run_gives_and_a_new_gradient_array() -> None:
    np = pytest.importorskip("numpy")
    model = nn.MLP(2, [8, 8, 1], seed=0)
    X, signs = moons_batch(16, seed=1)
    graph = data_moons(model, X, signs, "sample by sample")
    watch = [graph.loss.parents[0]]
    array = engine.compile(graph.loss, graph.params, data=graph.data, watch=watch, backend="numpy")
    values = [p.data for p in graph.params]
    X, signs = moons_batch(16, seed=2)
    numbers = [leaf.data for leaf in data_moons(model, X, signs, "sample by sample").data]
    p, d = np.array(values), np.array(numbers)
    listed = array.run(values, numbers)
    got = array.run_array(p, d)
    grads: Any = got.grads  # a numpy array here
    assert type(got.output) is float and got.output == listed.output
    assert isinstance(grads, np.ndarray) and grads.dtype == np.float64
    assert grads.tolist() == listed.grads and got.watched == listed.watched
    assert not np.shares_memory(grads, p) and not np.shares_memory(grads, d)
    assert p.tolist() == values and d.tolist() == numbers  # read, never written
    again: Any = array.run_array(p, d).grads
    assert again is not grads and again.tolist() == grads.tolist()


@pytest.mark.parametrize("special", [inf, -inf, nan])
def test_data_and_weights_of_inf_and_nan_give_the_engines_numbers(special: float) -> None:
    # BLAS may skip a zero's products; each array is tested once for inf and nan, where it
    # is made, and the products it enters are taken term by term (see xp.matmul).
    model = nn.MLP(2, [4, 4, 1], seed=0)
    X, signs = moons_batch(8, seed=1)
    graph = data_moons(model, X, signs, "sample by sample")
    python = engine.compile(graph.loss, graph.params, data=graph.data)
    array = engine.compile(graph.loss, graph.params, data=graph.data, backend="numpy")
    kept = [p.data for p in graph.params]
    first, second = model.layers[0].neurons, model.layers[1].neurons
    for case in ("a sample's input", "a weight", "a weight, and relus at zero"):
        for p, v in zip(graph.params, kept, strict=True):
            p.data = v
        X, signs = moons_batch(8, seed=1)
        if case == "a sample's input":
            X[3][0] = special
        elif case == "a weight":
            first[0].w[1].data = special
        else:  # 0 · special where a neuron of layer 1 is off: nan, which BLAS may skip
            first[1].b.data = -10.0
            second[2].w[1].data = special
        batch = data_moons(model, X, signs, "sample by sample")
        values = [p.data for p in batch.params]
        numbers = [leaf.data for leaf in batch.data]
        expected = fresh_reference(batch)
        assert_bit_for_bit(python(values, numbers), expected)
        got = array(values, numbers)
        assert_close(got, expected)
        assert any(not math.isfinite(g) for g in [got[0], *got[1]]), case


def test_data_leaves_outside_any_piece_are_read_as_floats() -> None:
    # Three samples repeat too few times to be a piece: the whole graph is scalar code,
    # and it reads the data as floats, as it reads the inputs.
    model = nn.MLP(2, [3, 1], seed=0)
    X, signs = moons_batch(3, seed=1)
    graph = data_moons(model, X, signs, "sample by sample")
    python = engine.compile(graph.loss, graph.params, data=graph.data)
    array = engine.compile(graph.loss, graph.params, data=graph.data, backend="numpy")
    assert any("no repeated per-sample piece" in note for note in array.notes)
    assert "data.tolist()" in array.source
    values = [p.data for p in graph.params]
    for seed in (2, 3):
        X, signs = moons_batch(3, seed)
        batch = data_moons(model, X, signs, "sample by sample")
        numbers = [leaf.data for leaf in batch.data]
        expected = fresh_reference(batch)
        assert_bit_for_bit(python(values, numbers), expected)
        got = array(values, numbers)
        assert_floats(got)
        assert_close(got, expected)


def test_a_sample_outside_the_repeat_reads_only_its_own_data_as_floats() -> None:
    # The first sample's loss counts twice: it is no copy of the others' piece, so it is
    # scalar code, reading its three numbers from data as floats; the rest are the piece.
    model = nn.MLP(2, [4, 1], seed=0)

    def weighted(seed: int) -> DataGraph:
        X, signs = moons_batch(7, seed)
        graph = data_moons(model, X, signs, "sample by sample")
        x, s = graph.data, graph.data[2::3]
        terms = [(1 + -s[k] * model(x[3 * k : 3 * k + 2])).relu() for k in range(7)]  # type: ignore[operator]
        return graph._replace(loss=sum(terms[1:], terms[0] * 2.0))

    graph = weighted(1)
    python = engine.compile(graph.loss, graph.params, data=graph.data)
    array = engine.compile(graph.loss, graph.params, data=graph.data, backend="numpy")
    assert "gathers 6 copies" in array.source, array.source
    assert re.search(r"= data\[index_data\]\.tolist\(\)", array.source), array.source
    values = [p.data for p in graph.params]
    for seed in (2, 3):
        batch = weighted(seed)
        expected = fresh_reference(batch)
        numbers = [leaf.data for leaf in batch.data]
        assert_bit_for_bit(python(values, numbers), expected)
        got = array(values, numbers)
        assert_floats(got)
        assert_close(got, expected)


@examples(1.0)
@given(batches(), st.data())
def test_both_backends_give_the_engines_numbers_with_the_samples_as_data_leaves(
    batch: Batch, data: st.DataObject
) -> None:
    built = build(batch)
    leaves = [leaf for row in built.data for leaf in row]
    # The leaves in the samples' order, or in any other: the code reads each where it is.
    places = list(range(len(leaves)))
    order = data.draw(st.one_of(st.just(places), st.permutations(places)), label="data's order")
    given_data = [leaves[i] for i in order]
    python = engine.compile(built.output, built.params, data=given_data)
    array = engine.compile(built.output, built.params, data=given_data, backend="numpy")
    n, width = len(batch.params), len(batch.data[0])
    fresh = data.draw(st.lists(WILD, min_size=n, max_size=n), label="new parameters")
    sample = st.lists(WILD, min_size=width, max_size=width)
    rows = data.draw(
        st.lists(sample, min_size=len(batch.data), max_size=len(batch.data)), label="a new batch"
    )
    for values, samples in ((batch.params, batch.data), (fresh, rows)):
        expected = reference(batch._replace(data=samples), values)
        flat = [x for row in samples for x in row]
        numbers = [flat[i] for i in order]
        assert_bit_for_bit(python(values, numbers), expected)
        got = array(values, numbers)
        assert_floats(got)
        assert_close(got, expected)


# -- what does not vectorise ----------------------------------------------------------------


def test_a_graph_with_no_repeat_runs_as_the_python_backend_writes_it() -> None:
    w, b = Value(0.5), Value(-1.0)
    out = (w * 2.0 + b).tanh() * w.exp() + (b**2).relu()
    array = engine.compile(out, [w, b], backend="numpy")
    assert array.notes and any("no repeated per-sample piece" in note for note in array.notes)
    for values in ([0.5, -1.0], [0.0, 3.0], [inf, nan]):
        u, c = Value(values[0]), Value(values[1])
        ref = (u * 2.0 + c).tanh() * u.exp() + (c**2).relu()
        ref.backward()
        got = array(values)
        assert_floats(got)
        assert same_bits(got[0], ref.data) and all(map(same_bits, got[1], [u.grad, c.grad]))


USER_OPERATIONS: dict[str, Callable[[Value, float], Value]] = {
    "softsign": lambda h, c: softsign(h * c),
    "hypot": lambda h, c: hypot(h, c * h),
    "norm": lambda h, c: norm([h, h * c, 2.0]),
}


def user_batch(name: str, w: Value) -> Value:
    make = USER_OPERATIONS[name]
    return engine.sum([make((w * c).tanh(), c) for c in [0.5, 1.0, -2.0, 3.0, 0.25]])


@pytest.mark.parametrize("name", sorted(USER_OPERATIONS))
def test_a_user_operation_inside_the_piece_is_noted_by_name(name: str) -> None:
    w = Value(0.7)
    array = engine.compile(user_batch(name, w), [w], backend="numpy")
    assert any(repr(name) in note for note in array.notes), array.notes
    assert not any("no repeated per-sample piece" in note for note in array.notes)


@pytest.mark.parametrize("name", sorted(USER_OPERATIONS))
def test_a_user_operation_inside_the_piece_gives_the_engines_numbers(name: str) -> None:
    w = Value(0.7)
    python = engine.compile(user_batch(name, w), [w])
    array = engine.compile(user_batch(name, w), [w], backend="numpy")
    for x in (0.7, 0.0, -1.5, inf, nan):
        v = Value(x)
        loss = user_batch(name, v)
        expected = engine_reference(loss, [v])
        assert_bit_for_bit(python([x]), expected)
        got = array([x])
        assert_floats(got)
        assert_close(got, expected)


def test_an_input_the_output_does_not_use_gets_zero_on_the_array_backend() -> None:
    x, unused = Value(3.0), Value(1.0)
    array = engine.compile(x * x, [unused, x], backend="numpy")
    assert array([7.0, 2.0]) == (4.0, [0.0, 4.0])


# -- watched nodes --------------------------------------------------------------------------


class Watched(NamedTuple):
    loss: Value
    params: list[Value]
    scores: list[Value]  # one per sample: the last layer's neuron, inside the piece
    hidden: list[list[Value]]  # per sample, the first layer's activations
    losses: list[Value]  # the pieces' roots
    link: Value  # a link in the middle of the chain of + that adds the losses
    l2: Value  # outside the pieces


def watched_moons() -> Watched:
    X, y = nn.make_moons(12, noise=0.1, seed=3)
    model = nn.MLP(2, [4, 4, 1], seed=0)
    hidden, scores = [], []
    for x in X:
        h = model.layers[0](x)
        assert isinstance(h, list)
        hidden.append(h)
        score = model.layers[2](model.layers[1](h))
        assert isinstance(score, Value)
        scores.append(score)
    losses = [(1 + -(2.0 * yi - 1.0) * s).relu() for yi, s in zip(y, scores, strict=True)]
    total = sum(losses)
    link = total
    for _ in range(5):  # a link in the middle of the chain: watching it splits the chain
        link = link.parents[0]
    params = model.parameters()
    l2 = engine.dot(params, params)
    loss = total * (1.0 / len(losses)) + 1e-4 * l2
    return Watched(loss, params, scores, hidden, losses, link, l2)


def assert_watched(graph: Watched, watch: list[Value], backend: str) -> None:
    """The watched numbers: the engine's bit for bit in Python, to 1e-12 in arrays."""
    cg = engine.compile(graph.loss, graph.params, watch=watch, backend=backend)
    got = cg.run([p.data for p in graph.params])
    assert type(got.watched) is list and all(type(v) is float for v in got.watched)
    assert len(got.watched) == len(watch)
    for node, number in zip(watch, got.watched, strict=True):
        if backend == "python":
            assert same_bits(number, node.data), (node, number)
        else:
            assert close(number, node.data, forward_size(node)), (node, number)
    expected = engine_reference(graph.loss, graph.params)
    if backend == "python":
        assert_bit_for_bit((got.output, got.grads), expected)
    else:
        assert_close((got.output, got.grads), expected)


@pytest.mark.parametrize("backend", ["python", "numpy"])
def test_nodes_watched_in_every_sample_and_outside_the_piece_come_back(backend: str) -> None:
    graph = watched_moons()
    watch = [*graph.scores, *graph.losses, graph.l2, graph.loss, graph.scores[3]]
    assert_watched(graph, watch, backend)


@pytest.mark.parametrize("backend", ["python", "numpy"])
def test_nodes_watched_in_some_samples_only_come_back(backend: str) -> None:
    graph = watched_moons()
    watch = [
        graph.scores[0],  # the last layer's neuron, of the first sample
        graph.hidden[2][3],  # an activation of the first layer, of the third sample only
        graph.hidden[2][3].parents[0],  # its pre-activation, a dot+b node
        graph.losses[7],  # one piece's root
    ]
    assert_watched(graph, watch, backend)


@pytest.mark.parametrize("backend", ["python", "numpy"])
def test_a_watched_link_of_the_chain_comes_back_and_the_pieces_still_repeat(
    backend: str,
) -> None:
    graph = watched_moons()
    assert_watched(graph, [graph.link, *graph.scores], backend)
    cg = engine.compile(graph.loss, graph.params, watch=[graph.link], backend=backend)
    assert not any("no repeated per-sample piece" in note for note in cg.notes)
    if backend == "numpy":
        assert not loops(cg.source)


# -- errors and the optional numpy ----------------------------------------------------------


def test_an_unknown_backend_is_a_value_error_naming_the_backends() -> None:
    x = Value(1.0)
    with pytest.raises(ValueError, match=r"backend.*'python'.*'numpy'.*'jax'"):
        engine.compile(x * x, [x], backend="jax")


def run_python(code: str) -> str:
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=ROOT
    )
    return result.stdout


def test_without_numpy_the_array_backend_is_an_import_error_naming_the_extra() -> None:
    code = """
import sys
sys.modules["numpy"] = None  # as if numpy were not installed
import engine
x = engine.Value(2.0)
print(engine.compile(x * x, [x])([3.0]))
try:
    engine.compile(x * x, [x], backend="numpy")
except ImportError as error:
    print("ImportError:", error)
"""
    lines = run_python(code).splitlines()
    assert lines[0] == "(9.0, [6.0])"  # the Python backend needs no numpy
    assert lines[1].startswith("ImportError:") and "chainrule[numpy]" in lines[1]


def test_importing_engine_and_compiling_to_python_never_imports_numpy() -> None:
    code = """
import sys
import engine
x = engine.Value(2.0)
out = engine.sum([(x * c).tanh() for c in (1.0, 2.0, 3.0, 4.0, 5.0)])
engine.compile(out, [x])([1.0])
print("numpy" in sys.modules)
"""
    assert run_python(code).split() == ["False"]
