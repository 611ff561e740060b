"""The explorer in a real headless Chromium: no errors, no network, stepping, right numbers."""

import itertools
import re
import shutil
from pathlib import Path
from typing import Any

import pytest

import engine
import viz
from engine import Value
from tests.viz.conftest import open_page
from viz.explorer.page import page_html

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
        return node, page.inner_text("#lines"), page.inner_text("#counter")

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
        assert last_number == pytest.approx(grad.data, rel=1e-3)
        if expected_node.label:
            assert f"dy/d{expected_node.label} =" in formula
        # The box's own grad cell now shows the gradient.
        cell = (page.text_content(f"#a_{node}_grad") or "").strip()
        assert cell == f"grad {grad.data:.4f}"
    page.keyboard.press("ArrowLeft")
    assert shown()[0] == f"v{order.index(order[1])}"
    page.keyboard.press("Home")
    assert shown()[0] == f"v{len(order) - 1}"
    assert (
        page.text_content("#a_v0_grad") or ""
    ).strip() == "grad ?"  # x's gradient is not known yet
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
    text = " ".join(page.inner_text("#lines").split())
    assert text == "dy/dx = dy/dy · ∂y/∂x = 1 · 0.5 = 0.5"
    page.close()


# -- the real explorer on a model ------------------------------------------------------------


def model_loss() -> tuple[Any, Value, list[float]]:
    import nn

    model = nn.MLP(2, [6, 6, 1], seed=2)
    x = [0.7, -1.1]
    out = model(x)
    assert isinstance(out, Value)
    return model, (1.0 - out * 0.5).relu(), x


def test_a_model_of_over_100_values_keeps_the_current_node_in_view_and_clicks_jump(
    browser: Any, tmp_path: Path
) -> None:
    model, loss, _ = model_loss()
    path = viz.explorer(loss, tmp_path / "page.html", model=model, detail="values")
    page, problems = open_page(browser, path)
    page.set_viewport_size({"width": 1280, "height": 800})
    page.reload()
    count = page.evaluate("JSON.parse(document.getElementById('steps').textContent).steps.length")
    assert page.locator("#graph g.node").count() >= 100
    for k in range(count):
        if k:
            page.keyboard.press("ArrowRight")
        node, inside = page.evaluate(INSIDE)
        assert inside, f"step {k}: {node} is outside the viewport"
    # Click another box in view: the page goes to its step.
    visible = page.evaluate(
        """() => {
        const v = document.getElementById("graph").getBoundingClientRect();
        const steps = JSON.parse(document.getElementById("steps").textContent).steps;
        return steps.map((s, k) => [k, document.getElementById(s.id).getBoundingClientRect()])
          .filter(([k, r]) => k < steps.length - 1 && r.left > v.left && r.right < v.right
                  && r.top > v.top && r.bottom < v.bottom)
          .map(([k, r]) => [k, r.left + r.width / 2, r.top + r.height / 2]);
    }"""
    )
    assert visible, "no other box in view"
    k, x, y = visible[0]
    page.mouse.click(x, y)
    assert page.evaluate("document.body.dataset.step") == str(k)
    assert problems == []
    page.close()


def test_layer_mode_in_the_browser_shows_nn_backprops_deltas(browser: Any, tmp_path: Path) -> None:
    from decimal import Decimal
    from fractions import Fraction

    from nn.backprop import backprop

    model, loss, x = model_loss()
    out = loss.parents[0].parents[1].parents[0]  # relu(1 - out * 0.5): the network's output
    (g,) = engine.grad(loss, [out])
    trace = backprop(model, x, grad_output=[g.data])
    path = viz.explorer(loss, tmp_path / "page.html", model=model, detail="layers", theme="dark")
    page, problems = open_page(browser, path)
    steps = page.evaluate("JSON.parse(document.getElementById('steps').textContent).steps")
    for k, step in enumerate(steps):
        if not step["id"].startswith("layer"):
            continue
        page.keyboard.press("End")  # elsewhere; then a click on the layer box, in view
        page.evaluate(f"document.getElementById('{step['id']}').scrollIntoView()")
        page.locator(f"#{step['id']}").click()
        assert page.evaluate("document.body.dataset.step") == str(k)
        l = int(step["id"].removeprefix("layer"))
        rows = page.eval_on_selector_all(
            "table.recursion tbody tr",
            "trs => trs.map(tr => [tr.cells[0].textContent, tr.cells[1].textContent"
            ".split(' ').pop()])",
        )
        assert len(rows) == len(trace.delta[l])
        for (_, shown), d in zip(rows, trace.delta[l], strict=True):
            places = len(shown.split(".")[1]) if "." in shown else 0
            assert abs(Fraction(Decimal(shown)) - Fraction(d)) <= Fraction(1, 2 * 10**places)
        for j, d in enumerate(trace.delta[l]):
            assert (page.text_content(f"#a_layer{l}_d{j}_grad") or "").strip() == f"{d + 0.0:.4f}"
    background = page.evaluate("getComputedStyle(document.body).backgroundColor")
    assert luminance(background) < 0.2
    assert problems == []
    page.close()


def layered_graph(sizes: list[int]) -> tuple[str, dict[str, Any]]:
    """An SVG of layers of boxes and the explorer's data for it, both made by hand.

    Box ``v<i>`` is a table with a grad cell ``v<i>_grad`` (a link, as the explorer's are);
    every box past the first layer is made by an operation ``v<i>_op`` from two boxes of
    the layer before (the last box from all of them, so every box counts). The steps go
    from the last box back to the first, as backprop does.
    """
    import graphviz

    layers, n = [], 0
    for size in sizes:
        layers.append(list(range(n, n + size)))
        n += size
    parents: dict[int, list[int]] = {i: [] for i in range(n)}
    for before, layer in itertools.pairwise(layers):
        for j, i in enumerate(layer):
            mine = {q for q in before if (q - before[0]) % len(layer) == j}
            parents[i] = sorted(mine | {before[(j + 1) % len(before)]})
    users: dict[int, list[int]] = {i: [] for i in range(n)}
    for i, ps in parents.items():
        for p in ps:
            users[p].append(i)

    dot = graphviz.Digraph()
    dot.attr(rankdir="LR")
    for i in range(n):
        dot.node(
            f"v{i}",
            f'<<TABLE BORDER="0" CELLBORDER="1" CELLSPACING="0" CELLPADDING="4" BGCOLOR="#bfdbfe">'
            f"<TR><TD><B>x{i}</B></TD><TD>data {i / 10:.4f}</TD>"
            f'<TD ID="v{i}_grad" HREF="#">grad ?</TD></TR></TABLE>>',
            shape="plain",
            id=f"v{i}",
        )
        if parents[i]:
            dot.node(f"v{i}_op", "+", shape="ellipse", id=f"v{i}_op")
            dot.edge(f"v{i}_op", f"v{i}")
            for p in parents[i]:
                dot.edge(f"v{p}", f"v{i}_op")
    svg = dot.pipe("svg").decode("utf-8")
    svg = svg[svg.index("<svg") :]

    steps, boxes = [], {}
    for k, i in enumerate(reversed(range(n))):
        steps.append(
            {
                "id": f"v{i}",
                "heading": f"x{i}   data {i / 10:.4f}   grad {k}",
                "lines": [
                    f"dL/dx{i} = " + " + ".join(f"dL/dx{u}" for u in users[i]),
                    f"      = {k}",
                ],
                "sources": [f"v{u}" for u in users[i]],
                "fill": {f"v{i}_grad": f"grad {k}"},
            }
        )
        boxes[f"v{i}"] = k
        if parents[i]:
            boxes[f"v{i}_op"] = k
    return svg, {"mode": "nodes", "steps": steps, "blank": "grad ?", "boxes": boxes}


def with_code(data: dict[str, Any]) -> dict[str, Any]:
    """``data`` with a code panel: a forward line per box, then a line per term of each grad."""
    n = len(data["steps"])
    lines = [f"v{i} = f(...)  # x{i}" for i in range(n)]
    for k, step in enumerate(data["steps"]):
        own = [int(step["id"][1:]) + 1]
        feeding = []
        for source in step["sources"]:
            lines.append(f"g{step['id'][1:]} += g{source[1:]} * d{source}/d{step['id']}")
            feeding.append(len(lines))
        step["own"], step["feeding"] = own, feeding
        assert k == n - own[0]
    return {**data, "code": {"lines": lines}}


def open_explorer(
    browser: Any, tmp_path: Path, svg: str, data: dict[str, Any], *,
    theme: str = "light", code: bool = False, size: tuple[int, int] = (1280, 800),
) -> tuple[Any, list[str]]:  # fmt: skip
    """Write the page and open it at ``size``: loaded at that size, so no resize is pending."""
    path = tmp_path / "page.html"
    path.write_text(
        page_html(title="A model", svg=svg, data=data, theme=theme, code=code), encoding="utf-8"
    )
    page, problems = open_page(browser, path)
    page.set_viewport_size({"width": size[0], "height": size[1]})
    page.reload()
    return page, problems


BIG = [12] * 10 + [1]  # 121 boxes and 120 operations, ten columns wide: far beyond 1280x800

INSIDE = """() => {
    const v = document.getElementById("graph").getBoundingClientRect();
    const [el] = document.querySelectorAll("g.current");
    const r = el.getBoundingClientRect();
    return [el.id, r.left >= v.left && r.top >= v.top && r.right <= v.right
        && r.bottom <= v.bottom && r.width > 0];
}"""


def test_the_current_box_is_in_view_at_every_step(browser: Any, tmp_path: Path) -> None:
    svg, data = layered_graph(BIG)
    page, problems = open_explorer(browser, tmp_path, svg, data)
    graph = page.locator("#graph").bounding_box()
    assert graph["height"] > 400 and page.evaluate("document.scrollingElement.scrollHeight") <= 800
    # Opened at a readable scale, not shrunk to the window's width.
    assert page.locator("#graph svg").bounding_box()["width"] > 1.5 * graph["width"]
    n = len(data["steps"])
    for k in range(n):
        if k % 2:
            page.click("#next")
        elif k:
            page.keyboard.press("ArrowRight")
        assert page.evaluate("document.body.dataset.step") == str(k)
        assert page.evaluate(INSIDE) == [data["steps"][k]["id"], True], f"step {k}"
    assert page.inner_text("#counter") == f"step {n - 1} of {n - 1}"
    # Panned away by hand, the graph comes back to the current box at the next move.
    page.mouse.move(640, 500)
    page.mouse.wheel(5000, 0)  # the first box is on the left: the wheel pans to the right
    page.wait_for_function(f"!({INSIDE})()[1]", timeout=5000)
    for key, k in [("Home", 0), ("End", n - 1), ("ArrowLeft", n - 2)]:
        page.keyboard.press(key)
        assert page.evaluate(INSIDE) == [data["steps"][k]["id"], True], key
    assert problems == []
    page.close()


def test_a_click_on_a_box_goes_to_its_step_and_a_cell_link_goes_nowhere(
    browser: Any, tmp_path: Path
) -> None:
    svg, data = layered_graph(BIG)
    page, problems = open_explorer(browser, tmp_path, svg, data)
    url = page.url
    page.keyboard.press("End")
    # A box in view whose step is not the current one: the last step's first user.
    target = data["steps"][-1]["sources"][0]
    k = data["boxes"][target]
    page.click(f"#{target}")
    assert page.evaluate("[document.body.dataset.step, document.body.dataset.node]") == [
        str(k),
        target,
    ]
    # The operation that made a box belongs to the box's step.
    op = data["steps"][k]["sources"][0] + "_op"
    page.click(f"#{op}")
    assert page.evaluate("document.body.dataset.step") == str(data["boxes"][op])
    # A grad cell is a link; a click on it goes to its box's step and nowhere else.
    cell_box = data["steps"][data["boxes"][op]]["sources"][0]
    page.evaluate(f"document.getElementById('{cell_box}').scrollIntoView()")  # the graph pans
    page.click(f"#a_{cell_box}_grad text")
    assert page.url.split("#")[0] == url.split("#")[0]  # the address keeps only the step
    assert page.evaluate("document.body.dataset.step") == str(data["boxes"][cell_box])
    assert page.evaluate("location.hash") == f"#step={data['boxes'][cell_box]}"
    assert page.evaluate(f"getComputedStyle(document.getElementById('{cell_box}')).cursor") == (
        "pointer"
    )
    assert problems == []
    page.close()


SVG_WIDTH = "document.querySelector('#graph svg').getBoundingClientRect().width"


def test_zoom_buttons_and_keys_scale_the_graph_and_fit_shows_all_of_it(
    browser: Any, tmp_path: Path
) -> None:
    svg, data = layered_graph(BIG)
    page, problems = open_explorer(browser, tmp_path, svg, data)
    start = page.evaluate(SVG_WIDTH)
    page.click("#zoom-in")
    assert page.evaluate(SVG_WIDTH) == pytest.approx(start * 1.25, rel=1e-3)
    page.click("#zoom-out")
    page.click("#zoom-out")
    assert page.evaluate(SVG_WIDTH) == pytest.approx(start / 1.25, rel=1e-3)
    assert page.evaluate(INSIDE)[1]  # zooming keeps the current box in view
    page.click("#fit")
    graph, whole = page.locator("#graph").bounding_box(), page.locator("#graph svg").bounding_box()
    assert whole["x"] >= graph["x"] and whole["y"] >= graph["y"]
    assert whole["x"] + whole["width"] <= graph["x"] + graph["width"]
    assert whole["y"] + whole["height"] <= graph["y"] + graph["height"]
    fitted = whole["width"]
    page.keyboard.press("+")
    assert page.evaluate(SVG_WIDTH) > fitted
    page.keyboard.press("-")
    page.keyboard.press("-")
    assert page.evaluate(SVG_WIDTH) < fitted
    page.keyboard.press("0")
    assert page.evaluate(SVG_WIDTH) == pytest.approx(fitted, rel=1e-3)
    # Ctrl with the wheel zooms; a drag pans and leaves the step where it was.
    page.mouse.move(640, 500)
    page.keyboard.down("Control")
    page.mouse.wheel(0, -200)
    page.keyboard.up("Control")
    page.wait_for_function(f"{SVG_WIDTH} > {fitted}", timeout=5000)
    before = page.locator("#graph svg").bounding_box()
    page.mouse.move(700, 500)
    page.mouse.down()
    page.mouse.move(600, 450, steps=5)
    page.mouse.up()
    page.wait_for_function(
        "([x, y]) => { const r = document.querySelector('#graph svg').getBoundingClientRect();"
        " return r.x !== x || r.y !== y; }",
        arg=[before["x"], before["y"]],
        timeout=5000,
    )
    assert page.evaluate("document.body.dataset.step") == "0"
    assert problems == []
    page.close()


CELL = "id => document.querySelector(`#a_${id}_grad text`).textContent"


def test_grad_cells_fill_in_at_their_step_and_empty_again_going_back(
    browser: Any, tmp_path: Path
) -> None:
    svg, data = layered_graph([3, 3, 2, 1])
    page, problems = open_explorer(browser, tmp_path, svg, data)
    steps = data["steps"]
    for k in range(len(steps)):
        if k:
            page.keyboard.press("ArrowRight")
        for j, step in enumerate(steps):
            (value,) = step["fill"].values()
            assert page.evaluate(CELL, step["id"]) == (value if j <= k else "grad ?")
    page.keyboard.press("Home")
    assert [page.evaluate(CELL, s["id"]) for s in steps] == ["grad 0"] + ["grad ?"] * (
        len(steps) - 1
    )
    assert problems == []
    page.close()


def rgba(css_colour: str) -> tuple[float, float, float, float]:
    """A computed colour, ``rgb(...)``, ``rgba(...)`` or ``color(srgb ...)``, as 0..1 numbers."""
    numbers = [float(x) for x in re.findall(r"[\d.]+", css_colour)]
    r, g, b, *alpha = numbers
    if css_colour.startswith("rgb"):
        r, g, b = r / 255, g / 255, b / 255
    return r, g, b, alpha[0] if alpha else 1.0


def luminance(css_colour: str) -> float:
    r, g, b, _ = rgba(css_colour)
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


@pytest.mark.parametrize(
    ("theme", "dark"), [("dark", True), ("light", False), ("transparent", False)]
)
def test_the_theme_colours_the_whole_page(
    theme: str, dark: bool, browser: Any, tmp_path: Path
) -> None:
    svg, data = layered_graph([3, 2, 1])
    page, problems = open_explorer(browser, tmp_path, svg, with_code(data), theme=theme, code=True)
    colours = page.evaluate(
        """() => ["body", "header button", "#panel", "#source"].map(s => {
            const c = getComputedStyle(document.querySelector(s));
            return [c.backgroundColor, c.color];
        })"""
    )
    (body_bg, body_fg), *parts = colours
    assert (luminance(body_bg) < 0.2) is dark and (luminance(body_fg) > 0.5) is dark
    for background, colour in parts:
        # Every part is on the page's side of light and dark, or transparent over it.
        if rgba(background)[3] > 0:
            assert (luminance(background) < 0.3) is dark, (background, colours)
        assert (luminance(colour) > 0.5) is dark
    assert problems == []
    page.close()


def test_no_console_errors_and_no_network_on_a_large_page(browser: Any, tmp_path: Path) -> None:
    svg, data = layered_graph(BIG)
    html = page_html(title="<b>A</b> & B", svg=svg, data=with_code(data), theme="dark", code=True)
    assert "<b>A</b>" not in html and "&lt;b&gt;A&lt;/b&gt; &amp; B" in html
    assert not re.search(r"""(src|href)\s*=\s*["']?(https?:|//)""", html)
    assert "@import" not in html and "url(" not in html
    page, problems = open_explorer(browser, tmp_path, svg, with_code(data), code=True)
    page.keyboard.press("End")
    page.click("#fit")
    page.keyboard.press("Home")
    assert page.title() == "A model"
    assert problems == []
    page.close()
