"""Every dL/dθ the explorer names for a parameter θ is the number .grad holds after backward().

A batch is drawn as one sample's piece, but a parameter's gradient is the sum over every
sample and every other term of the loss (an L2 term). The pages show that whole gradient,
with the drawn sample's share beside it; these tests read every gradient a page names and
compare it with ``.grad``, to the digits it prints.
"""

import re
import shutil
from decimal import Decimal
from fractions import Fraction
from pathlib import Path
from typing import Any

import pytest

import engine
import nn
import viz
from engine import Value
from tests.viz.test_explorer import near, page_data
from viz.explorer.steps import backward_pass, plain_lines

pytestmark = pytest.mark.skipif(shutil.which("dot") is None, reason="Graphviz's dot is missing")

_NAME = re.compile(r"^([Wb])(\d+)\[(\d+)(?:,(\d+))?\]$")


def parameter(model: nn.MLP, name: str) -> Value:
    """The parameter a page names ``W2[j,i]`` or ``b2[j]`` (layers count from 1)."""
    match = _NAME.match(name)
    assert match, name
    kind, layer, j, i = match.groups()
    neuron = model.layers[int(layer) - 1].neurons[int(j)]
    return neuron.w[int(i)] if kind == "W" else neuron.b


def named_gradients(step: dict[str, Any]) -> list[tuple[str, str]]:
    """Every (parameter name, shown dL/dθ) of a step: gradient tables and gradient matrices."""
    found = []
    for block in step.get("blocks", []):
        if block.get("role") == "gradients":
            # The whole gradient, or, when nothing else reads θ, the share "a · b = whole".
            found += [
                (row["head"], row["cells"][0].removeprefix("≈ ").split("=")[-1].strip())
                for row in block["rows"]
            ]
        elif block.get("role") == "matrix" and block.get("name", "").startswith("dW"):
            layer = block["name"].removeprefix("dW")
            for j, row in enumerate(block["rows"]):
                found += [(f"W{layer}[{j},{i}]", cell) for i, cell in enumerate(row["cells"])]
    return found


def assert_every_gradient_is_grad(model: nn.MLP, loss: Value, data: dict[str, Any]) -> set[str]:
    model.zero_grad()
    loss.backward()
    seen = set()
    for step in data["steps"]:
        for name, shown in named_gradients(step):
            grad = parameter(model, name).grad
            assert near(Fraction(grad), shown), (step["id"], name, shown, grad)
            seen.add(name)
    return seen


def assert_the_parts_add_up(data: dict[str, Any]) -> None:
    """In each gradient table, share + the other samples + the other terms is the whole."""
    for step in data["steps"]:
        for block in step.get("blocks", []):
            if block.get("role") != "gradients":
                continue
            for row in block["rows"]:
                if len(row["cells"]) == 1:
                    continue  # the share is the whole gradient
                total, share, *rest = row["cells"]
                if total.startswith("≈"):
                    continue  # rounded on purpose: the shown digits cannot add up
                parts = [share.split("=")[-1].strip(), *rest]
                added = sum((Fraction(Decimal(p)) for p in parts), Fraction(0))
                assert near(added, total), (row, added)


@pytest.fixture(scope="module")
def moons() -> tuple[nn.MLP, Value]:
    """The issue's case: the moons model after training, hinge loss plus the L2 term."""
    X, y = nn.make_moons(n_samples=100, noise=0.1, seed=1)
    model = nn.MLP(2, [16, 16, 1], seed=1337)
    nn.fit(model, X, y, steps=20, progress=False, compile=True)
    params = model.parameters()
    scores = [model(x) for x in X]
    loss = nn.hinge_loss(scores, y) + 1e-4 * engine.dot(params, params)  # type: ignore[arg-type]
    return model, loss


@pytest.mark.parametrize("detail", ["neurons", "layers"])
def test_the_moons_pages_show_each_parameters_whole_gradient(
    moons: tuple[nn.MLP, Value], detail: str, tmp_path: Path
) -> None:
    model, loss = moons
    data = page_data(viz.explorer(loss, tmp_path / "p.html", model=model, detail=detail))
    seen = assert_every_gradient_is_grad(model, loss, data)
    assert len(seen) == len(model.parameters())  # every parameter, each named once at least
    assert_the_parts_add_up(data)
    text = " ".join(line for s in data["steps"] for line in plain_lines(s))
    assert "the other 99 samples" in text and "other terms" in text
    assert "add up to each parameter's gradient" not in text  # the old, untrue statement


def test_a_sample_is_named_by_its_index_in_the_data(
    moons: tuple[nn.MLP, Value], tmp_path: Path
) -> None:
    model, loss = moons
    path = viz.explorer(loss, tmp_path / "p.html", model=model, detail="layers", sample=1)
    data = page_data(path)
    text = " ".join(line for s in data["steps"] for line in plain_lines(s))
    assert "sample X[1] (X counts from 0)" in text and "X[1]'s share" in text
    assert "sample X[1] of 100" in path.read_text(encoding="utf-8")


def small_batches() -> list[tuple[str, nn.MLP, Value]]:
    model = nn.MLP(2, [3, 2], activation="tanh", seed=4)
    X = [[0.5, -1.0], [1.5, 0.25], [-0.75, 2.0]]
    outs = [model(x) for x in X]
    mse = nn.mse_loss([o[0] for o in outs], [1.0, -1.0, 0.5])  # type: ignore[index]
    ce_model = nn.MLP(2, [3, 2], activation="relu", seed=5)
    ce = nn.cross_entropy([ce_model(x) for x in X], [0, 1, 1])  # type: ignore[misc]
    one_model = nn.MLP(2, [3, 1], activation="tanh", seed=6)
    alone = (one_model([0.3, -0.8]) - 1.0) ** 2  # type: ignore[operator]
    return [("mse", model, mse), ("cross_entropy", ce_model, ce), ("one sample", one_model, alone)]


@pytest.mark.parametrize(("what", "model", "loss"), small_batches(), ids=lambda x: "")
@pytest.mark.parametrize("detail", ["neurons", "layers"])
def test_small_batches_and_a_single_sample_show_grad_too(
    what: str, model: nn.MLP, loss: Value, detail: str, tmp_path: Path
) -> None:
    data = page_data(viz.explorer(loss, tmp_path / "p.html", model=model, detail=detail))
    seen = assert_every_gradient_is_grad(model, loss, data)
    assert seen  # the page names parameters' gradients
    assert_the_parts_add_up(data)
    if what == "one sample":
        # Nothing else reads the parameters: the share is the whole, and the page says so.
        text = " ".join(line for s in data["steps"] for line in plain_lines(s))
        assert "the whole gradient" in text and "other samples" not in text


def uses(lines: list[str]) -> list[str]:
    return re.findall(r"∂\S+/∂\S+?(₍[₀-₉]+₎)", " ".join(lines))


def test_each_use_of_an_operand_is_a_term_of_its_own_and_the_terms_add_up(
    tmp_path: Path,
) -> None:
    x = Value(3.0, label="x")
    y = x * x
    y.label = "y"
    z = y + x
    z.label = "z"
    data = page_data(viz.explorer(z, tmp_path / "p.html"))
    step = data["steps"][-1]
    assert step["lines"][0] == "dz/dx = dz/dz · ∂z/∂x + dz/dy · ∂y/∂x₍₁₎ + dz/dy · ∂y/∂x₍₂₎"
    assert step["lines"][1].split("=", 1)[1].split() == ["1", "·", "1", "+", "1", "·", "3", "+",
                                                         "1", "·", "3"]  # fmt: skip
    assert step["lines"][-1].split()[-1] == "7" and x.grad == 0.0
    z.backward()
    assert x.grad == 7.0
    (note,) = step["blocks"][0]["lines"]
    assert note.startswith("y reads x 2 times: a term per use")


def test_a_fused_sum_with_a_repeated_operand_has_a_term_per_use(tmp_path: Path) -> None:
    x, w = Value(0.5, label="x"), Value(-2.0, label="w")
    s = engine.sum([x, w, x, x])
    s.label = "s"
    out = s * w
    out.label = "out"
    backward = backward_pass(out)
    terms = backward.terms[x]
    assert [t.use for t in terms] == [1, 2, 3]
    assert sum(t.product for t in terms) == backward.grads[x] == engine.grad(out, [x])[0].data
    data = page_data(viz.explorer(out, tmp_path / "p.html"))
    x_step = next(st for st in data["steps"] if st["heading"].startswith("x "))
    assert uses(x_step["lines"][:1]) == ["₍₁₎", "₍₂₎", "₍₃₎"]
    assert float(x_step["lines"][-1].split()[-1]) == backward.grads[x] == -6.0


def test_a_name_with_an_operator_is_written_in_parentheses(tmp_path: Path) -> None:
    x, w = Value(2.0, label="x"), Value(-3.0, label="w")
    n = x * w
    n.label = "x*w"
    y = n.tanh()
    y.label = "y"
    data = page_data(viz.explorer(y, tmp_path / "p.html"))
    x_step = next(st for st in data["steps"] if st["heading"].startswith("x "))
    assert x_step["lines"][0] == "dy/dx = dy/d(x*w) · ∂(x*w)/∂x"
    n_step = next(st for st in data["steps"] if st["heading"].startswith("x*w "))
    assert n_step["lines"][0] == "dy/d(x*w) = dy/dy · ∂y/∂(x*w)"


def test_pictures_say_which_derivative_a_number_is(moons: tuple[nn.MLP, Value]) -> None:
    model, loss = moons
    neurons = viz.draw_dot(loss, model=model, detail="neurons").source
    layers = viz.draw_dot(loss, model=model, detail="layers").source
    assert "dL/dh " in neurons and not re.search(r"grad -?\d", _neuron_cells(neurons))
    assert "δ1 = dL/da1" in layers and "δ2 = dL/da2" in layers


def _neuron_cells(source: str) -> str:
    return " ".join(line for line in source.splitlines() if "class=neuron" in line)
