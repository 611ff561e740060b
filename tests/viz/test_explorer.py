"""The explorer page: self-contained, steps in reverse topological order, engine's numbers."""

import json
import math
import re
import shutil
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import engine
import viz
from engine import Value
from viz.explorer import backward_steps

needs_dot = pytest.mark.skipif(shutil.which("dot") is None, reason="Graphviz's dot is missing")


@st.composite
def graphs(draw: st.DrawFn) -> Value:
    nodes = [Value(draw(st.floats(-2, 2)), label=f"x{i}") for i in range(draw(st.integers(1, 3)))]
    for _ in range(draw(st.integers(1, 10))):
        a, b = draw(st.sampled_from(nodes)), draw(st.sampled_from(nodes))
        nodes.append(draw(st.sampled_from([a + b, a * b, a.tanh(), a - b * 2.0, a.exp()])))
    return nodes[-1]


def page_data(path: Path) -> dict:  # type: ignore[type-arg]
    html = path.read_text(encoding="utf-8")
    match = re.search(r'<script type="application/json" id="steps">(.*?)</script>', html, re.S)
    assert match is not None
    return json.loads(match.group(1))


@given(graphs())
def test_steps_follow_reverse_topological_order_with_the_engines_gradients(root: Value) -> None:
    order = engine.topological_order(root)
    steps = backward_steps(root)
    assert [s["id"] for s in steps] == [f"v{i}" for i in reversed(range(len(order)))]
    for step, node in zip(steps, reversed(order), strict=True):
        (expected,) = engine.grad(root, [node])
        assert step["grad"] == as_shown(expected.data)
        assert step["data"] == as_shown(node.data)
        total = 0.0
        for term in step["terms"]:
            total += float(term["upstream"]) * float(term["local"])
        assert as_shown(total) == step["grad"] or (not step["terms"] and step["grad"] == 1.0)


def as_shown(x: float) -> float | str:
    """How the page carries a number: JSON has no nan or inf, so those travel as text."""
    return x if math.isfinite(x) else str(x)


def test_a_value_used_twice_has_two_terms() -> None:
    x = Value(3.0, label="x")
    y = x * x
    y.label = "y"
    steps = backward_steps(y)
    x_step = steps[-1]
    assert x_step["name"] == "x" and len(x_step["terms"]) == 2
    assert [(t["via"], t["upstream"], t["local"]) for t in x_step["terms"]] == [("y", 1.0, 3.0)] * 2
    assert x_step["grad"] == 6.0


def test_each_term_is_upstream_times_local_derivative() -> None:
    x, w = Value(2.0, label="x"), Value(-3.0, label="w")
    y = (x * w).tanh()
    y.label = "y"
    steps = {s["name"]: s for s in backward_steps(y)}
    (term,) = steps["x"]["terms"]
    product_step = steps[term["via"]]
    assert term["upstream"] == product_step["grad"] and term["local"] == -3.0


@needs_dot
@settings(max_examples=20)
@given(graphs())
def test_the_page_is_one_self_contained_file_and_touches_no_grad(root: Value) -> None:
    import tempfile

    before = [(v.data, v.grad) for v in engine.topological_order(root)]
    with tempfile.TemporaryDirectory() as tmp:
        path = viz.explorer(root, Path(tmp) / "page.html")
        html = path.read_text(encoding="utf-8")
        data = page_data(path)
    assert [(v.data, v.grad) for v in engine.topological_order(root)] == before
    assert not re.search(r"""(src|href)\s*=\s*["']?(https?:|//)""", html)
    assert "@import" not in html and "url(" not in html
    assert len(data["steps"]) == len(before)


@needs_dot
def test_hostile_labels_stay_inert_and_intact(tmp_path: Path) -> None:
    label = '</script><script>alert(1)</script> & "q" \x00\n\u2028'
    x = Value(1.0, label=label)
    y = x * 2.0
    path = viz.explorer(y, tmp_path / "page.html")
    html = path.read_text(encoding="utf-8")
    assert html.count("<script") == 2  # the data block and the page's own script
    assert page_data(path)["steps"][-1]["name"] == label


@needs_dot
def test_non_finite_numbers_reach_the_page_as_text(tmp_path: Path) -> None:
    x = Value(0.0, label="x")
    y = x.sqrt()
    steps = page_data(viz.explorer(y, tmp_path / "p.html"))["steps"]
    assert steps[-1]["grad"] == "inf"


def test_bad_arguments_leave_no_file(tmp_path: Path) -> None:
    with pytest.raises(TypeError, match="root must be a Value, got float"):
        viz.explorer(1.0, tmp_path / "p.html")  # type: ignore[arg-type]
    with pytest.raises(FileNotFoundError, match="does not exist"):
        viz.explorer(Value(1.0), tmp_path / "missing" / "p.html")
    assert list(tmp_path.iterdir()) == []
