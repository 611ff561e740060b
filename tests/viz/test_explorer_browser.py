"""The explorer in a real headless Chromium: no errors, no network, stepping, right numbers."""

import shutil
from pathlib import Path
from typing import Any

import pytest

import engine
import viz
from engine import Value
from tests.viz.conftest import open_page

pytestmark = pytest.mark.skipif(shutil.which("dot") is None, reason="Graphviz's dot is missing")


def neuron() -> tuple[Value, list[Value]]:
    x, w, b = Value(2.0, label="x"), Value(-3.0, label="w"), Value(6.8813735870195432, label="b")
    n = x * w + b
    n.label = "n"
    y = n.tanh()
    y.label = "y"
    return y, [x, w, b, n]


def test_stepping_highlights_each_node_and_shows_the_engines_numbers(
    browser: Any, tmp_path: Path
) -> None:
    y, _ = neuron()
    order = engine.topological_order(y)
    page, problems = open_page(browser, viz.explorer(y, tmp_path / "page.html"))

    def shown() -> tuple[str, str, str]:
        node = page.evaluate("document.body.dataset.node")
        highlighted = page.eval_on_selector_all("g.current", "els => els.map(e => e.id)")
        assert highlighted == [node]
        return node, page.inner_text("#formula"), page.inner_text("#counter")

    node, formula, counter = shown()
    assert (
        node == f"v{len(order) - 1}"
        and "dy/dy = 1" in formula
        and counter == f"step 0 of {len(order) - 1}"
    )
    for k in range(1, len(order)):
        if k % 2:
            page.click("#next")
        else:
            page.keyboard.press("ArrowRight")
        node, formula, _ = shown()
        expected_node = order[len(order) - 1 - k]
        assert node == f"v{order.index(expected_node)}"
        (grad,) = engine.grad(y, [expected_node])
        last_number = float(formula.rsplit("=", 1)[1])
        assert last_number == pytest.approx(grad.data, abs=5e-5)
        if expected_node.label:
            assert f"dy/d{expected_node.label} =" in formula
    page.keyboard.press("ArrowLeft")
    assert shown()[0] == f"v{order.index(order[1])}"
    page.keyboard.press("Home")
    assert shown()[0] == f"v{len(order) - 1}"
    page.click("#last")
    assert shown()[0] == "v0"
    assert problems == []
    page.close()


def test_the_chain_rule_product_reads_as_the_issue_asks(browser: Any, tmp_path: Path) -> None:
    x = Value(2.0, label="x")
    y = x * 0.5
    y.label = "y"
    page = browser.new_page()
    page.goto(viz.explorer(y, tmp_path / "p.html").as_uri())
    page.click("#last")
    text = " ".join(page.inner_text("#formula").split())
    assert text == "dy/dx = dy/dy · dy/dx = 1.0000 · 0.5000 = 0.5000"
    page.close()
