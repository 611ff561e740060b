"""The explorer page's data: the engine's pass, step by step, at each level of detail.

The browser tests (test_explorer_browser.py) check what the page does with it.
"""

import json
import math
import re
import shutil
from decimal import Decimal
from fractions import Fraction
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import engine
import nn
import viz
from engine import Value
from nn.backprop import backprop
from viz.explorer import steps as steps_module

needs_dot = pytest.mark.skipif(shutil.which("dot") is None, reason="Graphviz's dot is missing")


@st.composite
def graphs(draw: st.DrawFn) -> Value:
    nodes = [Value(draw(st.floats(-2, 2)), label=f"x{i}") for i in range(draw(st.integers(1, 3)))]
    for _ in range(draw(st.integers(1, 10))):
        a, b = draw(st.sampled_from(nodes)), draw(st.sampled_from(nodes))
        nodes.append(draw(st.sampled_from([a + b, a * b, a.tanh(), a - b * 2.0, a.exp()])))
    return nodes[-1]


def page_data(path: Path) -> dict[str, Any]:
    html = path.read_text(encoding="utf-8")
    match = re.search(r'<script type="application/json" id="steps">(.*?)</script>', html, re.S)
    assert match is not None
    data: dict[str, Any] = json.loads(match.group(1))
    return data


def page_svg_text(path: Path) -> str:
    """The texts the picture shows, as one string."""
    html = path.read_text(encoding="utf-8")
    texts = re.findall(r"<text[^>]*>(.*?)</text>", html, re.S)
    return " ".join(t.replace("&amp;", "&").replace("&#45;", "-") for t in texts)


@given(graphs())
def test_the_pass_gives_the_engines_gradients_and_its_terms_add_up(root: Value) -> None:
    backward = steps_module.backward_pass(root)
    for node in engine.topological_order(root):
        (expected,) = engine.grad(root, [node])
        got = backward.grads[node]
        assert got == expected.data or (math.isnan(got) and math.isnan(expected.data))
        if node is not root:
            total = 0.0
            for term in backward.terms[node]:
                assert term.product == term.upstream * term.local or math.isnan(term.product)
                total += term.product
            assert total == got or (math.isnan(total) and math.isnan(got))


def neuron() -> Value:
    x, w = Value(2.0, label="x"), Value(-3.0, label="w")
    b = Value(6.8813735870195432, label="b")
    n = x * w + b
    n.label = "n"
    y = n.tanh()
    y.label = "y"
    return y


@needs_dot
def test_node_steps_follow_reverse_topological_order_and_write_partials_apart(
    tmp_path: Path,
) -> None:
    y = neuron()
    order = engine.topological_order(y)
    data = page_data(viz.explorer(y, tmp_path / "p.html"))
    assert data["mode"] == "nodes"
    assert [s["id"] for s in data["steps"]] == [f"v{i}" for i in reversed(range(len(order)))]
    x_step = data["steps"][-1]
    assert x_step["lines"][0] == "dy/dx = dy/d(x*w) · ∂(x*w)/∂x"  # total d, local ∂
    assert " ".join(x_step["lines"][1:]).split() == ["=", "0.5", "·", "-3", "=", "-1.5"]
    assert x_step["fill"] == {"v0_grad": "grad -1.5000"}
    assert x_step["sources"] == ["v2"]


@needs_dot
@settings(max_examples=15, deadline=None)
@given(graphs())
def test_every_step_ends_in_the_engines_gradient_and_its_printed_arithmetic_holds(
    root: Value,
) -> None:
    import tempfile

    with tempfile.TemporaryDirectory() as tmp:
        path = viz.explorer(root, Path(tmp) / "p.html", detail="values")
        data = page_data(path)
        shown = page_svg_text(path)
    index = engine.topological_order(root)
    for step in data["steps"]:
        node = index[int(step["id"][1:])]
        (expected,) = engine.grad(root, [node])
        last = re.split("[=≈]", step["lines"][-1])[-1].strip()
        if math.isfinite(expected.data):
            assert float(last) == pytest.approx(expected.data, rel=1e-3, abs=1e-12)
        assert_arithmetic_holds(step["lines"])
        # The picture names every node the step speaks of.
        # A name with an operator is in parentheses; a use of an operand is marked ₍k₎.
        for name in re.findall(r"[d∂]([^\s/·=₍]+)/[d∂]([^\s/·=₍]+)", " ".join(step["lines"])):
            for part in name:
                assert part.removeprefix("(").removesuffix(")") in shown, (part, step["lines"])


def near(exact: Fraction, shown: str) -> bool:
    """Whether ``shown`` is ``exact`` rounded to the digits it shows (half a unit, and a hair)."""
    places = len(shown.split(".")[1]) if "." in shown else 0
    return abs(exact - Fraction(Decimal(shown))) <= Fraction(1, 2 * 10**places) * (1 + 1e-9)


def assert_arithmetic_holds(lines: list[str]) -> None:
    """In "= a · b + c · d", "= p + q", "= total", each product and the total read right."""
    numeric = [line.strip().removeprefix("=").strip() for line in lines[1:]]
    if len(numeric) < 2 or re.search(r"[(≈]|nan|inf", " ".join(numeric)):
        return  # the seed, a sum with terms left out, rounded on purpose (≈), IEEE specials
    pairs = [term.split(" · ") for term in numeric[0].split(" + ")]
    products = numeric[1].split(" + ") if len(numeric) == 3 else [numeric[-1]]
    for (a, b), p in zip(pairs, products, strict=True):
        assert near(Fraction(Decimal(a)) * Fraction(Decimal(b)), p), lines
    assert near(sum((Fraction(Decimal(p)) for p in products), Fraction(0)), numeric[-1]), lines


@needs_dot
def test_duplicate_labels_are_told_apart_in_the_picture_and_the_text(tmp_path: Path) -> None:
    x1, x2 = Value(2.0, label="x"), Value(3.0, label="x")
    y = x1 * x2
    y.label = "y"
    path = viz.explorer(y, tmp_path / "p.html")
    lines = [line for s in page_data(path)["steps"] for line in s["lines"]]
    assert "dy/dx#2 = dy/dy · ∂y/∂x#2" in lines and "dy/dx = dy/dy · ∂y/∂x" in lines
    assert "x#2" in page_svg_text(path)


def layer_rows(step: dict[str, Any]) -> list[str]:
    """The printed delta of each neuron, from the rows "u · f' = delta" of a layer's recursion."""
    (table,) = [b for b in step["blocks"] if b.get("role") == "recursion"]
    return [row["cells"][0].split()[-1] for row in table["rows"]]


@needs_dot
@pytest.mark.parametrize("activation", ["relu", "tanh", "sigmoid"])
def test_layer_steps_show_the_seeds_deltas_as_nn_backprop_computes_them(
    tmp_path: Path, activation: str
) -> None:
    model = nn.MLP(3, [4, 3, 2], activation=activation, seed=5)
    x = [0.3, -1.2, 0.8]
    out = model(x)
    assert isinstance(out, list)
    loss = (out[0] - 1.0) ** 2 + out[1] * 0.5
    data = page_data(viz.explorer(loss, tmp_path / "p.html", model=model, detail="layers"))
    assert data["mode"] == "layers"
    layer_steps = [s for s in data["steps"] if s["id"].startswith("layer")]
    assert [s["id"] for s in layer_steps] == ["layer2", "layer1", "layer0"]
    (g0, g1) = engine.grad(loss, out)
    trace = backprop(model, x, grad_output=[g0.data, g1.data])
    for step in layer_steps:
        l = int(step["id"].removeprefix("layer"))
        rows = layer_rows(step)
        assert len(rows) == len(trace.delta[l])
        # Every printed digit is the seed's: each row is backprop's delta, rounded as shown.
        assert all(near(Fraction(d), shown) for d, shown in zip(trace.delta[l], rows, strict=True))
        assert step["fill"] == {
            f"layer{l}_d{j}_grad": format(d + 0.0, ".4f") for j, d in enumerate(trace.delta[l])
        }
    assert "δ2 = (W3ᵀ δ3) ⊙ f'(a2)" in layer_steps[1]["heading"]


@needs_dot
def test_a_batch_is_one_samples_piece_with_few_steps(tmp_path: Path) -> None:
    model = nn.MLP(2, [4, 4, 1], seed=3)
    X, y = nn.make_moons(n_samples=20, noise=0.1, seed=1)
    loss = nn.hinge_loss([model(x) for x in X], y)  # type: ignore[misc]  # one output each
    path = viz.explorer(loss, tmp_path / "p.html", model=model, detail="values", sample=3)
    data = page_data(path)
    assert len(data["steps"]) < len(engine.topological_order(loss)) / 5  # 20 samples
    assert "× 20 samples" in path.read_text(encoding="utf-8")
    weight = next(s for s in data["steps"] if s["heading"].startswith("W1[0,0]"))
    assert "the other 19 samples" in " ".join(weight["lines"])
    (expected,) = engine.grad(loss, [model.layers[0].neurons[0].w[0]])
    assert float(weight["lines"][-1].rsplit("=", 1)[1]) == pytest.approx(expected.data, rel=1e-3)


@needs_dot
@settings(max_examples=10, deadline=None)
@given(graphs())
def test_the_page_is_one_self_contained_file_and_touches_no_grad(root: Value) -> None:
    import tempfile

    before = [(v.data, v.grad) for v in engine.topological_order(root)]
    with tempfile.TemporaryDirectory() as tmp:
        path = viz.explorer(root, Path(tmp) / "page.html")
        html = path.read_text(encoding="utf-8")
    assert [(v.data, v.grad) for v in engine.topological_order(root)] == before
    assert not re.search(r"""(src|href)\s*=\s*["']?(https?:|//)""", html)
    assert "@import" not in html and "url(" not in html


@needs_dot
def test_hostile_labels_stay_inert_and_intact(tmp_path: Path) -> None:
    label = '</script><script>alert(1)</script> & "q" \x00\n\u2028'
    x = Value(1.0, label=label)
    y = x * 2.0
    path = viz.explorer(y, tmp_path / "page.html")
    html = path.read_text(encoding="utf-8")
    assert html.count("<script") == 2  # the data block and the page's own script
    assert page_data(path)["steps"][-1]["heading"].startswith(label)


@needs_dot
def test_non_finite_numbers_reach_the_page_as_text(tmp_path: Path) -> None:
    x = Value(0.0, label="x")
    y = x.sqrt()
    steps = page_data(viz.explorer(y, tmp_path / "p.html"))["steps"]
    assert steps[-1]["fill"] == {"v0_grad": "grad inf"}
    assert steps[-1]["lines"][-1].split() == ["=", "inf"]


def test_bad_arguments_leave_no_file(tmp_path: Path) -> None:
    with pytest.raises(TypeError, match="root must be a Value, got float"):
        viz.explorer(1.0, tmp_path / "p.html")  # type: ignore[call-overload]
    with pytest.raises(FileNotFoundError, match="does not exist"):
        viz.explorer(Value(1.0), tmp_path / "missing" / "p.html")
    with pytest.raises(ValueError, match="detail must be one of"):
        viz.explorer(Value(1.0), tmp_path / "p.html", detail="atoms")
    with pytest.raises(ValueError, match="model="):
        viz.explorer(Value(1.0) * 2, tmp_path / "p.html", detail="layers")
    assert list(tmp_path.iterdir()) == []


@needs_dot
def test_without_a_path_the_page_shows_inline_and_writes_no_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    shown = viz.explorer(neuron())
    assert isinstance(shown, viz.ExplorerPage) and list(tmp_path.iterdir()) == []
    frame = shown._repr_html_()
    assert frame.startswith('<iframe srcdoc="&lt;!DOCTYPE html&gt;') and "&lt;svg" in frame
    assert html_unescaped_steps(frame) == page_data(shown.save(tmp_path / "p.html"))


def html_unescaped_steps(frame: str) -> dict[str, Any]:
    import html

    page = html.unescape(frame.split('srcdoc="', 1)[1].split('" title=', 1)[0])
    match = re.search(r'<script type="application/json" id="steps">(.*?)</script>', page, re.S)
    assert match is not None
    data: dict[str, Any] = json.loads(match.group(1))
    return data


def test_an_unknown_picture_option_is_named_with_those_allowed() -> None:
    y = (Value(2.0, label="x") * 3).tanh()
    with pytest.raises(TypeError, match=r"explorer: unknown option 'colour'; .* rankdir, "):
        viz.explorer(y, colour="red")
    assert viz.explorer(y, rankdir="TB", font_size=14, legend=False).steps  # allowed ones pass
