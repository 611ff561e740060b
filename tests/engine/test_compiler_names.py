"""engine.compile names its variables as the pictures name their nodes; numbers only where none.

A layer's nodes go by the backpropagation algorithm's names (``W1_3_0``, ``b1_3``,
``a1_3``, ``h1_3``, ``x_0``), a user's label stays, the root is ``L``; gradients are
``d<name>``, and ``delta1_3`` for a neuron's error signal. The array backend keeps its
matrices' names (``W1``, ``h1``, ``delta1``, ``dW1``). Names never change a number.
"""

import ast
import builtins
import importlib.util
import keyword
import math
import re
from collections import Counter

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

import engine
import nn
from engine import Value
from engine.codegen.names import Names, identifier, short_path

HAS_NUMPY = importlib.util.find_spec("numpy") is not None
BACKENDS = [
    "python",
    pytest.param("numpy", marks=pytest.mark.skipif(not HAS_NUMPY, reason="numpy")),
]


def moons_loss(model: nn.MLP, samples: int) -> Value:
    """The moons step of lessons 5 and 7: a hinge loss over a batch, plus an L2 term."""
    X, y = nn.make_moons(n_samples=samples, noise=0.1, seed=1)
    params = model.parameters()
    scores = [s for s in (model(x) for x in X) if isinstance(s, Value)]
    assert len(scores) == samples  # one output per sample
    return nn.hinge_loss(scores, y) + 1e-4 * engine.dot(params, params)


def function_lines(cg: engine.CompiledGraph) -> list[str]:
    lines = cg.source.splitlines()
    return [line.strip() for line in lines[lines.index("def forward_backward(values):") :]]


def input_names(cg: engine.CompiledGraph) -> list[str]:
    """The variable of each input, as the comment block at the top lists them."""
    lines = function_lines(cg)
    if "# inputs, in the order given to engine.compile:" not in lines:
        return []  # array code reads every input from one array
    start = lines.index("# inputs, in the order given to engine.compile:") + 1
    block = []
    for line in lines[start:]:
        if not line.startswith("#   "):
            break
        block.append(line.split()[1])
    return block


def assigned_names(cg: engine.CompiledGraph) -> dict[int, str]:
    """The variable each computed node (its place in the order) is assigned to."""
    lines = cg.source.splitlines()
    return {i: lines[numbers[0] - 1].split(" = ")[0].strip() for i, numbers in cg.lines.items()}


def stored_names(source: str) -> set[str]:
    """Every name the generated code assigns, loops over or takes as an argument."""
    names = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store):
            names.add(node.id)
        elif isinstance(node, ast.arg):
            names.add(node.arg)
    return names


def forward_assignments(source: str) -> Counter[str]:
    """How often the forward pass assigns each name (a loop's body counts once)."""
    lines = source.splitlines()
    backward = next(k for k, line in enumerate(lines, 1) if line.startswith("    # backward: "))
    counts: Counter[str] = Counter()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store):
            counts[node.id] += node.lineno < backward
    return counts


def against_backward(cg: engine.CompiledGraph, loss: Value, params: list[Value]) -> None:
    for p in params:
        p.grad = 0.0
    loss.backward()
    out, grads = cg([p.data for p in params])
    expected = [loss.data, *(p.grad for p in params)]
    if cg.backend == "python":
        assert [out, *grads] == expected  # bit for bit
    else:
        assert all(
            (math.isnan(a) and math.isnan(b)) or abs(a - b) <= 1e-12 * max(1.0, abs(b))
            for a, b in zip([out, *grads], expected, strict=True)
        )


# -- a model's nodes go by the algorithm's names ------------------------------------------


def test_an_mlps_python_code_uses_the_layers_names() -> None:
    model = nn.MLP(2, [3, 1], seed=0)
    loss = moons_loss(model, 6)
    cg = engine.compile(loss, model.parameters())
    lines = function_lines(cg)
    assert input_names(cg)[:3] == ["W1_0_0", "W1_0_1", "b1_0"]
    assert input_names(cg)[-4:] == ["W2_0_0", "W2_0_1", "W2_0_2", "b2_0"]
    assert "#   W1_0_0   'layers.0.neurons.0.w.0'" in lines  # nn's full name beside it
    # The loop runs one sample's piece: its inputs x[0] and x[1] are the loop's variables.
    assert any(re.fullmatch(r"for x_0, x_1, v\d+ in samples:", line) for line in lines)
    forward = [line.split("#")[0].strip() for line in lines]
    assert "a1_0 = 0.0 + W1_0_0 * x_0 + W1_0_1 * x_1 + b1_0" in forward
    assert "h1_0 = 0.0 if a1_0 <= 0.0 else a1_0" in forward
    assert "h2_0 = 0.0 + W2_0_0 * h1_0 + W2_0_1 * h1_1 + W2_0_2 * h1_2 + b2_0" in forward
    assert "dL = 1.0" in forward  # the root, unlabelled, is the loss
    assert any(line.startswith("total = ") for line in forward)  # the sum over the samples
    # Gradients: d<name>; a neuron's node's is its error signal delta.
    assert "delta1_0 = dh1_0 * (0.0 if a1_0 <= 0.0 else 1.0)" in forward
    assert "dW1_0_0 += delta1_0 * x_0" in forward and "db2_0 += delta2_0" in forward


@pytest.mark.skipif(not HAS_NUMPY, reason="numpy")
def test_an_mlps_array_code_keeps_the_matrices_names_and_names_its_own_arrays() -> None:
    model = nn.MLP(2, [16, 16, 1], seed=1)
    cg = engine.compile(moons_loss(model, 100), model.parameters(), backend="numpy")
    source = cg.source
    for l in (1, 2, 3):  # the algorithm's l
        # with whether its operands are known finite, which lets it be numpy's @
        assert re.search(rf"a{l} = xp\.matmul\(W{l}, h{l - 1}, finite_[\w ]+\) \+ b{l}", source)
        assert re.search(rf"dW{l} = xp\.matmul\(delta{l}, h{l - 1}\.T[,\w ]*\)", source)
        assert f"db{l} = delta{l}.sum(axis=1)" in source
        assert f"finite_delta{l} = xp.all_finite(db{l})" in source
    assert "h1 = xp.relu(a1)" in source and "h2 = xp.relu(a2)" in source
    assert "finite_h1 = xp.all_finite(h1)" in source and "finite_p = xp.all_finite(p)" in source
    # The data is h0; the per-sample constants, the sum over the samples and the L2 term
    # are named for what they are, not numbered.
    assert re.search(r"^ +# v\d+: the constants that differ between samples", source, re.M)
    assert "total = float(" in source and "xp.full(100, dtotal)" in source
    assert "xp.matmul(p, p, finite_p)" in source and "L = " in source
    assert not re.search(r"data\d|index_v\d|roots\d|saved\d", source)


def test_a_neuron_with_labelled_inputs_reads_as_lesson_7_writes_it() -> None:
    neuron = nn.Neuron(2, activation="tanh", seed=0)
    x = [Value(0.5, label="x0"), Value(-1.0, label="x1")]
    h = neuron(x)
    h.label = "h"
    cg = engine.compile(h, [*neuron.w, neuron.b, *x])
    lines = [line.split("#")[0].strip() for line in function_lines(cg)]
    # nn's w.0 gives way to the algorithm's name; the user's x0, x1, h and b stay.
    assert "W1_0_0, W1_0_1, b, x0, x1 = values" in lines
    assert "a1_0 = 0.0 + W1_0_0 * x0 + W1_0_1 * x1 + b" in lines
    assert "h = tanh(a1_0)" in lines and "dh = 1.0" in lines
    assert "delta1_0 = dh * (1.0 - h * h)" in lines
    assert "dx0 += delta1_0 * W1_0_0" in lines and "db += delta1_0" in lines
    assert "return h, [dW1_0_0, dW1_0_1, db, dx0, dx1], []" in lines


def test_the_neurons_j_is_the_models_when_a_loss_reads_its_outputs_in_another_order() -> None:
    model = nn.MLP(2, [3, 2], seed=0)
    out = model([Value(0.5), Value(-1.0)])
    assert isinstance(out, list)
    cg = engine.compile(out[1] - out[0], model.parameters())
    names = input_names(cg)
    labels = [p.label for p in model.parameters()]
    assert names[labels.index("layers.1.neurons.1.b")] == "b2_1"
    assert names[labels.index("layers.1.neurons.0.w.2")] == "W2_0_2"


@pytest.mark.parametrize("sizes", [[3, 1], [16, 16, 1]])
@pytest.mark.parametrize("loops", [True, False])
def test_the_names_are_the_pictures_names(sizes: list[int], loops: bool) -> None:
    viz_names = pytest.importorskip("viz.drawing.names")
    viz_structure = pytest.importorskip("viz.drawing.structure")
    model = nn.MLP(2, sizes, seed=0)
    x = [Value(0.5), Value(-1.0)]
    root = model(x)
    assert isinstance(root, Value)
    inputs = [*model.parameters(), *x]  # as the explorer compiles: the data is an input too
    cg = engine.compile(root, inputs, loops=loops)
    order = engine.topological_order(root)
    ours = dict(zip(inputs, input_names(cg), strict=True))
    ours |= {order[i]: name for i, name in assigned_names(cg).items()}
    pictures = viz_names.algorithm_names(viz_structure.read(root, model))
    assert len(pictures) == len(ours)
    for node, name in pictures.items():
        assert ours[node] == re.sub(r"\[(\d+)(?:,(\d+))?\]", r"_\1_\2", name).rstrip("_")


# -- labels, numbers and the loss ----------------------------------------------------------


def test_unnamed_nodes_are_numbered_and_the_root_is_L() -> None:
    x, w = Value(2.0, label="x"), Value(-3.0, label="w")
    product = x * w  # no label: v2, its place in the topological order
    root = (product + 1.0).tanh()
    cg = engine.compile(root, [x, w])
    lines = [line.split("#")[0].strip() for line in function_lines(cg)]
    assert "v2 = x * w" in lines and "v4 = v2 + 1.0" in lines and "L = tanh(v4)" in lines
    assert "g4 = dL * (1.0 - L * L)" in lines and "dx += g2 * w" in lines


def test_a_label_that_is_no_python_name_becomes_one_or_a_number() -> None:
    x = Value(2.0, label="x*w")
    y = Value(1.0, label="my loss")
    odd = x * y
    odd.label = "δ"  # no ASCII letter: numbered
    keyword_ = odd + x
    keyword_.label = "lambda"
    builtin = keyword_ * 2.0
    builtin.label = "sum"
    numbered = builtin - 1.0
    numbered.label = "v2"  # a number's form, though not its node's
    cg = engine.compile(numbered, [x, y])
    stored = stored_names(cg.source)
    assert {"x_w", "my_loss", "v2", "lambda_", "sum_", "v2_"} <= stored
    assert {"dx_w", "dmy_loss", "g2", "dlambda_", "dsum_", "dv2_"} <= stored
    against_backward(cg, numbered, [x, y])


def test_two_nodes_of_one_name_are_told_apart_in_the_order_of_the_graph() -> None:
    a, b = Value(1.0, label="x"), Value(2.0, label="x")
    c = a * b
    c.label = "x"
    cg = engine.compile(c, [a, b])
    assert input_names(cg) == ["x", "x_2"]
    assert "x_3 = x * x_2" in [line.split("#")[0].strip() for line in function_lines(cg)]


def test_a_reserved_name_gets_an_underscore_and_a_taken_one_a_count() -> None:
    reserved = Names(["tanh", "values"])
    assert [reserved.fresh(n) for n in ["tanh", "values", "float", "if", "g7", "x", "x"]] == [
        *("tanh_", "values_", "float_", "if_", "g7_", "x", "x_2"),
    ]
    assert identifier("layers.0.w") == "layers_0_w" and identifier("x₀") == "x0"
    assert identifier("1st") == "" and identifier("") == "" and identifier("δ") == ""
    assert len(identifier("a" * 100)) == 32
    assert short_path("layers.0.neurons.3.w.1") == "w_0_3_1" and short_path("0.0") == ""


# -- any label at all ---------------------------------------------------------------------

# Labels that meet the code's own names, Python's, and each other.
CLASHING = [
    *("x", "v3", "g1", "d2", "d", "_", "p", "grads", "values", "forward_backward"),
    *("samples", "roots", "saved", "seen", "total", "local_total", "L", "dL", "dx"),
    *("W1", "b1", "a1", "h1", "h0", "dh1", "delta1", "dW1", "db1", "index_W1", "index_dot_w"),
    *("W1_0_0", "x_0", "a1_0", "h1_0", "delta1_0", "dW1_0_0", "add_up", "add_all", "d_sum"),
    *("xp", "ops", "float_math", "math", "tanh", "relu", "float", "sum", "lambda", "class"),
    *("layers.0.neurons.0.w.0", "layers.1.neurons.0.b", "w.0", "b", "x*w", "1st", "\udc80"),
    *("0.0", "1.e", "a..0", ".w"),  # what reads almost as a module path
]
LABELS = st.one_of(st.sampled_from(CLASHING), st.text(max_size=12))


@settings(max_examples=max(10, round(settings.default.max_examples * 0.2)))  # a fifth: 40 in ci
@given(labels=st.lists(LABELS, min_size=1, max_size=60), loops=st.booleans())
@example(labels=["0.0"], loops=False)  # reads as a module path with no word in it
@pytest.mark.parametrize("backend", BACKENDS)
def test_any_labels_give_unique_python_names_and_the_engines_numbers(
    backend: str, labels: list[str], loops: bool
) -> None:
    model = nn.MLP(2, [3, 1], seed=0)
    loss = moons_loss(model, 5)
    for k, node in enumerate(engine.topological_order(loss)):
        node.label = labels[k % len(labels)]
    params = model.parameters()
    cg = engine.compile(loss, params, backend=backend, loops=loops)
    stored = stored_names(cg.source)
    assert all(n.isidentifier() and n.isascii() for n in stored), stored
    assert not [n for n in stored if keyword.iskeyword(n) or n in dir(builtins)]
    function = getattr(cg._function, "__wrapped__", cg._function)  # numpy: under errstate
    assert not stored & set(function.__globals__)  # no variable hides what the code calls
    assert not [name for name, n in forward_assignments(cg.source).items() if n > 1]
    assert len(set(input_names(cg))) == len(input_names(cg))
    against_backward(cg, loss, params)
