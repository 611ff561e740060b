"""The lecture's code runs on our Value: micrograd's ``_prev``, ``_op`` and ``_backward()``.

Written the way the micrograd lecture writes them: a neuron whose backward pass is
called node by node, a student's own recursive topological sort, a ``draw_dot`` built
from ``_prev`` and ``_op``, and expressions checked against PyTorch. Then, beyond the
lecture: every operation of the table takes the same ``_backward()`` step as
``backward()``, and ``nn`` reads micrograd's ``nonlin=``.
"""

import math
import random
import shutil
from collections.abc import Callable
from typing import Any

import pytest
from graphviz import Digraph

import engine
import nn
from engine import Value, ops
from tests.test_table import REACH, key

# -- the lecture's neuron: o = tanh(x1*w1 + x2*w2 + b) ------------------------------


def lecture_neuron() -> dict[str, Value]:
    """Return the lecture's neuron, every Value by its label."""
    x1 = Value(2.0, label="x1")
    x2 = Value(0.0, label="x2")
    w1 = Value(-3.0, label="w1")
    w2 = Value(1.0, label="w2")
    b = Value(6.8813735870195432, label="b")  # makes the numbers come out nicely
    x1w1 = x1 * w1
    x1w1.label = "x1w1"
    x2w2 = x2 * w2
    x2w2.label = "x2w2"
    x1w1x2w2 = x1w1 + x2w2
    x1w1x2w2.label = "x1w1x2w2"
    n = x1w1x2w2 + b
    n.label = "n"
    o = n.tanh()
    o.label = "o"
    return {v.label: v for v in (x1, x2, w1, w2, b, x1w1, x2w2, x1w1x2w2, n, o)}


def grads_by_label(values: dict[str, Value]) -> dict[str, float]:
    return {label: v.grad for label, v in values.items()}


def test_the_lecture_neuron_speaks_micrograds_vocabulary() -> None:
    v = lecture_neuron()
    assert v["o"]._op == "tanh" and v["o"]._prev == {v["n"]}
    assert v["n"]._op == "+" and v["n"]._prev == {v["x1w1x2w2"], v["b"]}
    assert v["x1w1"]._op == "*" and v["x1w1"]._prev == {v["x1"], v["w1"]}
    assert v["x1"]._op == "" and v["x1"]._prev == set()
    assert f"{v['o'].data:.4f}" == "0.7071"


def test_backward_by_hand_node_by_node_gives_what_backward_gives() -> None:
    v = lecture_neuron()
    v["o"].grad = 1.0
    v["o"]._backward()  # n.grad = 1 - o**2
    v["n"]._backward()  # a + passes the gradient on to both
    v["b"]._backward()  # a leaf: nothing to do
    v["x1w1x2w2"]._backward()
    v["x2w2"]._backward()  # a * hands each side the other side's data
    v["x1w1"]._backward()
    for leaf in ("w2", "x2", "w1", "x1"):
        v[leaf]._backward()
    by_hand = grads_by_label(v)

    fresh = lecture_neuron()
    fresh["o"].backward()
    assert by_hand == grads_by_label(fresh)
    rounded = {label: round(g, 4) for label, g in by_hand.items()}
    assert rounded == {
        "o": 1.0, "n": 0.5, "x1w1x2w2": 0.5, "b": 0.5, "x1w1": 0.5, "x2w2": 0.5,
        "x1": -1.5, "w1": 1.0, "x2": 0.5, "w2": 0.0,
    }  # fmt: skip


def test_backward_by_hand_accumulates_into_a_value_used_twice() -> None:
    # The lecture's bug: b = a + a must give a.grad = 2, so _backward adds, never sets.
    a = Value(3.0, label="a")
    b = a + a
    b.grad = 1.0
    b._backward()
    assert a.grad == 2.0


def test_backward_of_a_leaf_changes_nothing() -> None:
    a = Value(3.0, label="a")
    a.grad = 0.25
    a._backward()
    assert (a.data, a.grad) == (3.0, 0.25)


# -- a student's own topological sort over _prev -------------------------------------


def backward_the_lecture_way(root: Value) -> list[Value]:
    """The lecture's backward(): a recursive topological sort, then _backward() in reverse."""
    topo: list[Value] = []
    visited: set[Value] = set()

    def build_topo(v: Value) -> None:
        if v not in visited:
            visited.add(v)
            for child in v._prev:
                build_topo(child)
            topo.append(v)

    build_topo(root)
    root.grad = 1.0
    for node in reversed(topo):
        node._backward()
    return topo


def test_a_students_topological_sort_gives_what_backward_gives() -> None:
    v = lecture_neuron()
    topo = backward_the_lecture_way(v["o"])
    assert set(topo) == set(v.values()) and topo[-1] is v["o"]
    fresh = lecture_neuron()
    fresh["o"].backward()
    assert grads_by_label(v) == grads_by_label(fresh)


def lecture_neuron_through_exp() -> dict[str, Value]:
    """The lecture's second version: tanh spelled out with exp, so e is used twice."""
    v = lecture_neuron()
    e = (2 * v["n"]).exp()
    e.label = "e"
    o = (e - 1) / (e + 1)
    o.label = "o"
    return {**v, "e": e, "o": o}


def test_a_students_topological_sort_on_tanh_through_exp() -> None:
    v = lecture_neuron_through_exp()
    backward_the_lecture_way(v["o"])
    fresh = lecture_neuron_through_exp()
    fresh["o"].backward()
    assert grads_by_label(v) == grads_by_label(fresh)
    assert round(v["x1"].grad, 4) == -1.5 and round(v["w1"].grad, 4) == 1.0


def test_a_students_topological_sort_on_an_mlp() -> None:
    # An input feeds every neuron of the first layer, so its gradient sums several terms;
    # a set's order may add them in another order than backward(), hence approx.
    def loss() -> tuple[Value, nn.MLP]:
        model = nn.MLP(3, [4, 4, 1], seed=5)
        xs = [[2.0, 3.0, -1.0], [3.0, -1.0, 0.5], [0.5, 1.0, 1.0], [1.0, 1.0, -1.0]]
        ys = [1.0, -1.0, -1.0, 1.0]
        ypred: list[Any] = [model(x) for x in xs]
        return sum((yout - ygt) ** 2 for ygt, yout in zip(ys, ypred, strict=True)), model

    by_hand, model = loss()
    backward_the_lecture_way(by_hand)
    expected, reference = loss()
    expected.backward()
    assert [p.grad for p in model.parameters()] == pytest.approx(
        [p.grad for p in reference.parameters()], rel=1e-12, abs=1e-15
    )


# -- the lecture's draw_dot, from _prev and _op --------------------------------------


def trace(root: Value) -> tuple[set[Value], set[tuple[Value, Value]]]:
    """Every Value behind root, and an edge from each child to the Value it made."""
    nodes: set[Value] = set()
    edges: set[tuple[Value, Value]] = set()

    def build(v: Value) -> None:
        if v not in nodes:
            nodes.add(v)
            for child in v._prev:
                edges.add((child, v))
                build(child)

    build(root)
    return nodes, edges


def lecture_draw_dot(root: Value) -> Digraph:
    """A record per Value (label, data, grad), and an oval per operation, left to right."""
    dot = Digraph(format="svg", graph_attr={"rankdir": "LR"})
    nodes, edges = trace(root)
    for n in nodes:
        uid = str(id(n))
        label = "{ %s | data %.4f | grad %.4f }" % (n.label, n.data, n.grad)  # noqa: UP031 - the lecture's spelling
        dot.node(name=uid, label=label, shape="record")
        if n._op:
            dot.node(name=uid + n._op, label=n._op)
            dot.edge(uid + n._op, uid)
    for child, parent in edges:
        dot.edge(str(id(child)), str(id(parent)) + parent._op)
    return dot


@pytest.mark.skipif(shutil.which("dot") is None, reason="Graphviz's dot is missing")
def test_a_lecture_style_draw_dot_renders_every_value_and_operation() -> None:
    v = lecture_neuron()
    v["o"].backward()
    nodes, edges = trace(v["o"])
    assert nodes == set(engine.topological_order(v["o"]))
    assert len(edges) == 9  # two operands for each * and +, one for tanh
    svg = lecture_draw_dot(v["o"]).pipe(format="svg").decode("utf-8")
    assert svg.count('class="node"') == 10 + 5  # ten Values, five operations
    assert svg.count('class="edge"') == 9 + 5
    for label in v:
        assert f">{label}</text>" in svg, label
    for op in ("*", "+", "tanh"):
        assert f">{op}</text>" in svg, op
    assert ">grad &#45;1.5000</text>" in svg  # x1's gradient, as the lecture shows it


# -- micrograd's sanity checks, in the same spirit, against PyTorch -----------------


def relu_branches_and_products(x: Any) -> Any:
    """relu on both sides of its kink, products, a sum that uses x three times."""
    z = 3 * x + 1 - x
    q = z.relu() + z * x
    h = (z * z).relu() + (-z).relu()
    return h + q * x + q


def accumulation_division_powers(a: Any, b: Any) -> Any:
    """Rebinding through +=, subtraction, negation, powers and division by a Value."""
    c = a - b
    d = a * b + b**3
    c += c + 1
    c += 1 + c + (-a)
    d += d * 2 + (b + a).relu()
    d += 3 * d + (b - a).relu()
    e = c - d
    f = e**2
    g = f / 2.0
    g += 10.0 / f
    g += a / b - b**-1 + (a * a) ** 0.5
    return g


def tanh_through_exp(x1: Any, w1: Any, b: Any) -> Any:
    """The lecture's neuron with tanh written out as (e**2n - 1) / (e**2n + 1)."""
    n = x1 * w1 + b
    e = (2 * n).exp()
    return (e - 1) / (e + 1) + n.tanh()


EXPRESSIONS: list[tuple[Callable[..., Any], tuple[float, ...]]] = [
    (relu_branches_and_products, (-4.0,)),
    (relu_branches_and_products, (1.5,)),
    (accumulation_division_powers, (-3.0, 1.5)),
    (accumulation_division_powers, (2.5, -0.75)),
    (tanh_through_exp, (2.0, -3.0, 6.8813735870195432)),
]
EXPRESSION_IDS = [f"{f.__name__}{args}" for f, args in EXPRESSIONS]


def run_ours(f: Callable[..., Any], args: tuple[float, ...]) -> tuple[float, list[float]]:
    xs = [Value(a) for a in args]
    out = f(*xs)
    out.backward()
    return out.data, [x.grad for x in xs]


@pytest.mark.parametrize(("f", "args"), EXPRESSIONS, ids=EXPRESSION_IDS)
def test_sanity_expressions_agree_with_pytorch_in_float64(
    f: Callable[..., Any], args: tuple[float, ...]
) -> None:
    torch = pytest.importorskip("torch")
    xs = [torch.tensor(a, dtype=torch.float64, requires_grad=True) for a in args]
    out = f(*xs)
    out.backward()
    value, grads = run_ours(f, args)
    assert value == pytest.approx(out.item(), rel=1e-9, abs=1e-9)
    assert grads == pytest.approx([x.grad.item() for x in xs], rel=1e-9, abs=1e-9)


@pytest.mark.parametrize(("f", "args"), EXPRESSIONS[:4], ids=EXPRESSION_IDS[:4])
def test_the_same_code_runs_on_micrograds_value_and_ours(
    f: Callable[..., Any], args: tuple[float, ...]
) -> None:
    # micrograd 0.1.0 has relu, powers and arithmetic, but no exp or tanh.
    micrograd = pytest.importorskip("micrograd.engine")
    xs = [micrograd.Value(a) for a in args]
    out = f(*xs)
    out.backward()
    value, grads = run_ours(f, args)
    assert value == pytest.approx(out.data, rel=1e-9, abs=1e-9)
    assert grads == pytest.approx([x.grad for x in xs], rel=1e-9, abs=1e-9)


# -- every operation's _backward() is the step backward() takes ---------------------

POINTS = [(0.7, 1.3), (2.0, 0.4), (-0.3, 1.1)]
G = 0.7


def same(a: float, b: float) -> bool:
    return (math.isnan(a) and math.isnan(b)) or a == b


@pytest.mark.parametrize("point", POINTS, ids=str)
@pytest.mark.parametrize("op", ops.TABLE, ids=key)
def test_every_operations_backward_step_is_the_step_of_backward(
    op: ops.Op, point: tuple[float, float]
) -> None:
    make, _ = REACH[key(op)]
    x, y = Value(point[0], label="x"), Value(point[1], label="y")
    node = make(x, y)
    assert node._op == node.op == ("**3" if op is ops.POW_CONST else op.name)
    assert node._prev == set(node.parents) and node._prev <= {x, y}

    # One step by hand: each parent gains G times its local derivative, summed over
    # the places it appears (sum(x, y, x), dot([x, y], [y, x])).
    expected = {x: 0.0, y: 0.0}
    for parent, d in zip(node.parents, engine.local_derivatives(node), strict=True):
        expected[parent] += G * d
    node.grad = G
    node._backward()
    assert same(x.grad, expected[x]) and same(y.grad, expected[y])
    assert node.grad == G  # the step hands the gradient on and keeps its own

    # backward() from G * node reaches node with gradient G, then takes the same step.
    x2, y2 = Value(point[0]), Value(point[1])
    (make(x2, y2) * G).backward()
    assert same(x.grad, x2.grad) and same(y.grad, y2.grad)


def test_an_operation_of_ones_own_steps_back_like_backward() -> None:
    cube = engine.operation("cube", forward=lambda x: x**3, local=lambda x, out, m: (3 * x * x,))
    x = Value(1.5)
    node = cube(x)
    assert node._op == "cube" and node._prev == {x}
    node.grad = G
    node._backward()
    x2 = Value(1.5)
    (cube(x2) * G).backward()
    assert x.grad == x2.grad == G * 3 * 1.5 * 1.5


# -- nn reads micrograd's nonlin= ----------------------------------------------------


def test_a_neuron_reads_micrograds_nonlin() -> None:
    assert nn.Neuron(3, nonlin=False).activation == "linear"
    assert nn.Neuron(3, nonlin=True).activation == "relu"
    assert nn.Neuron(3, False).activation == "linear"  # micrograd's positional spelling
    linear = nn.Neuron(2, nonlin=False, seed=0)
    out = linear([1.0, -2.0])
    assert out._op == "dot+b"  # no activation node after the pre-activation


def test_a_layer_passes_nonlin_to_each_neuron() -> None:
    layer = nn.Layer(3, 2, nonlin=False)
    assert [n.activation for n in layer.neurons] == ["linear", "linear"]
    assert [n.activation for n in nn.Layer(3, 2, nonlin=True).neurons] == ["relu", "relu"]


class MicrogradStyleMLP(nn.Module):
    """An MLP written as micrograd writes it, from our Layers and nonlin=."""

    def __init__(self, nin: int, nouts: list[int]) -> None:
        sz = [nin, *nouts]
        self.layers = [
            nn.Layer(sz[i], sz[i + 1], nonlin=i != len(nouts) - 1) for i in range(len(nouts))
        ]

    def __call__(self, x: Any) -> Any:
        for layer in self.layers:
            x = layer(x)
        return x

    def parameters(self) -> list[Value]:
        return [p for layer in self.layers for p in layer.parameters()]


def shape(model: Any) -> list[list[str]]:
    """Each neuron's parameters, layer by layer, as "w" and "b" in parameters() order."""

    def kind(p: Any, neuron: Any) -> str:
        return "w" if any(p is w for w in neuron.w) else "b" if p is neuron.b else "?"

    params = iter(model.parameters())
    return [
        [kind(next(params), n) for _ in range(len(n.w) + 1)]
        for layer in model.layers
        for n in layer.neurons
    ]


def test_an_mlp_built_micrograds_way_has_micrograds_parameters_in_order() -> None:
    micrograd_nn = pytest.importorskip("micrograd.nn")
    theirs = micrograd_nn.MLP(2, [4, 1])
    ours = MicrogradStyleMLP(2, [4, 1])
    ours_too = nn.MLP(2, [4, 1])
    assert len(ours.parameters()) == len(ours_too.parameters()) == len(theirs.parameters()) == 17
    hidden, output = ["w", "w", "b"], ["w", "w", "w", "w", "b"]
    assert shape(ours) == shape(ours_too) == shape(theirs) == [hidden] * 4 + [output]
    assert [[n.activation for n in layer.neurons] for layer in ours.layers] == [
        ["relu"] * 4,
        ["linear"],
    ]
    assert [[n.nonlin for n in layer.neurons] for layer in theirs.layers] == [[True] * 4, [False]]

    # The same numbers, put in parameters() order, give the same output and gradients.
    rng = random.Random(17)
    for p, q in zip(ours.parameters(), theirs.parameters(), strict=True):
        p.data = q.data = rng.uniform(-1, 1)
    x = [0.5, -1.5]
    out, their_out = ours(x), theirs(x)
    out.backward()
    their_out.backward()
    assert out.data == pytest.approx(their_out.data, rel=1e-12, abs=1e-12)
    assert [p.grad for p in ours.parameters()] == pytest.approx(
        [q.grad for q in theirs.parameters()], rel=1e-12, abs=1e-12
    )
