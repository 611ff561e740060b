"""The explorer read from the back of a classroom: legible text, no sideways scroll, a drill-down.

In headless Chromium, on the moons model (one sample of a 100-sample batch drawn, the
hinge loss plus the L2 term), at the window sizes of a classroom projector.
"""

import shutil
from pathlib import Path
from typing import Any

import pytest

import engine
import nn
import viz
from engine import Value
from tests.viz.conftest import open_page

pytestmark = pytest.mark.skipif(shutil.which("dot") is None, reason="Graphviz's dot is missing")

ROOT = Path(__file__).resolve().parents[2]

SMALLEST_TEXT = """() => {
    // The graph's smallest text on screen, in px: its font size times the SVG's scale there.
    const sizes = [...document.querySelectorAll("#graph svg text[font-size]")].map(t =>
        parseFloat(t.getAttribute("font-size")) * t.getScreenCTM().a);
    return Math.min(...sizes);
}"""

SIDEWAYS = """() => {
    // Whatever scrolls or spills sideways in the step's text: the panel, or a table.
    const panel = document.getElementById("panel");
    const out = [];
    if (panel.scrollWidth > panel.clientWidth) out.push(["panel", panel.scrollWidth]);
    for (const t of panel.querySelectorAll("table")) {
        const room = t.closest("figure").clientWidth;
        if (t.offsetWidth > room) out.push([t.dataset.name || t.className, t.offsetWidth, room]);
    }
    return out;
}"""


@pytest.fixture(scope="module")
def pages(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("moons")
    X, y = nn.make_moons(n_samples=100, noise=0.1, seed=1)
    model = nn.MLP(2, [16, 16, 1], seed=1337)
    params = model.parameters()
    loss = nn.hinge_loss([model(x) for x in X], y) + 1e-4 * engine.dot(params, params)  # type: ignore[misc]
    return {
        detail: viz.explorer(loss, folder / f"{detail}.html", model=model, detail=detail)
        for detail in ("neurons", "layers")
    }


def opened(browser: Any, path: Path, size: tuple[int, int]) -> tuple[Any, list[str]]:
    page, problems = open_page(browser, path)
    page.set_viewport_size({"width": size[0], "height": size[1]})
    page.reload()
    return page, problems


@pytest.mark.parametrize("size", [(1024, 768), (1280, 800)])
@pytest.mark.parametrize("detail", ["neurons", "layers"])
def test_at_the_opening_zoom_the_graphs_smallest_text_is_at_least_12_px(
    browser: Any, pages: dict[str, Path], detail: str, size: tuple[int, int]
) -> None:
    page, problems = opened(browser, pages[detail], size)
    assert page.evaluate(SMALLEST_TEXT) >= 12 - 1e-6
    assert problems == []
    page.close()


@pytest.mark.parametrize("size", [(1024, 768), (1280, 800)])
def test_no_layer_step_scrolls_sideways(
    browser: Any, pages: dict[str, Path], size: tuple[int, int]
) -> None:
    page, problems = opened(browser, pages["layers"], size)
    steps = page.evaluate("JSON.parse(document.getElementById('steps').textContent).steps")
    layer_steps = [k for k, s in enumerate(steps) if s["id"].startswith("layer")]
    assert len(layer_steps) == 3
    graph = page.locator("#graph").bounding_box()
    panel = page.locator("#panel").bounding_box()
    assert panel["x"] >= graph["x"] + graph["width"] - 1  # the text beside the graph
    for k in layer_steps:
        page.evaluate("document.getElementById('last').click()")
        page.keyboard.press("Home")
        for _ in range(k):
            page.keyboard.press("ArrowRight")
        assert page.evaluate("document.body.dataset.step") == str(k)
        assert page.evaluate(SIDEWAYS) == [], f"step {k}"
    assert problems == []
    page.close()


def test_a_click_on_a_delta_row_marks_the_column_of_the_weights_above(
    browser: Any, pages: dict[str, Path]
) -> None:
    page, problems = opened(browser, pages["layers"], (1280, 800))
    page.keyboard.press("End")
    steps = page.evaluate("JSON.parse(document.getElementById('steps').textContent).steps")
    k = next(k for k, s in enumerate(steps) if s["id"] == "layer0")  # layer 1: W2 is 16 × 16
    for _ in range(len(steps) - 1 - k):
        page.keyboard.press("ArrowLeft")
    page.click('table.recursion tbody tr[data-row="5"] td')
    marked = page.eval_on_selector_all(
        'table[data-name="W2"] td.marked', "tds => tds.map(td => td.dataset.col)"
    )
    assert marked == ["5"] * 16  # column 5 of W2, in every row k
    assert page.eval_on_selector_all('table[data-name="delta2"] td.marked', "t => t.length") == 16
    drill = page.inner_text("pre.drill:not([hidden])")
    assert drill.startswith("(W2ᵀ δ2)_5 = Σ_k W2[k,5] · δ2[k]") and "k=15:" in drill
    # The sum written out is the recursion's: its last line is the row's own product.
    row = page.inner_text('table.recursion tbody tr[data-row="5"] td')
    assert drill.splitlines()[-1].endswith(row)
    # A click on the layer box's δ cell in the graph selects the same row.
    page.keyboard.press("ArrowLeft")  # layer 2, drawn beside layer 1
    assert page.evaluate("document.body.dataset.step") == str(k - 1)
    page.click("#a_layer0_d7_grad text")
    assert page.evaluate("document.body.dataset.step") == str(k)
    assert page.inner_text("pre.drill:not([hidden])").startswith("(W2ᵀ δ2)_7 =")
    assert problems == []
    page.close()


def test_a_click_on_a_gradient_shows_its_parts(browser: Any, pages: dict[str, Path]) -> None:
    page, problems = opened(browser, pages["layers"], (1280, 800))
    page.keyboard.press("End")
    page.click('table[data-name="dW1"] tbody tr[data-row="3"] td[data-col="1"]')
    parts = page.inner_text(
        'table[data-name="dW1"] ~ pre.drill, figure:has(table[data-name="dW1"]) pre.drill'
    )
    assert parts.startswith("dL/dW1[3,1] = ") and "(the other 99 samples)" in parts
    assert "(other terms: " in parts
    assert problems == []
    page.close()


def test_presentation_mode_and_hiding_the_text(browser: Any, pages: dict[str, Path]) -> None:
    page, problems = opened(browser, pages["layers"], (1280, 800))
    width = page.evaluate("document.querySelector('#graph svg').getBoundingClientRect().width")
    size = page.evaluate("parseFloat(getComputedStyle(document.getElementById('panel')).fontSize)")
    page.keyboard.press("p")
    assert page.evaluate("document.body.classList.contains('presenting')")
    assert page.evaluate(
        "document.querySelector('#graph svg').getBoundingClientRect().width"
    ) == pytest.approx(width * 1.5, rel=1e-3)
    assert (
        page.evaluate("parseFloat(getComputedStyle(document.getElementById('panel')).fontSize)")
        >= 1.4 * size
    )
    page.click("#present")
    assert not page.evaluate("document.body.classList.contains('presenting')")
    graph = page.locator("#graph").bounding_box()["width"]
    page.keyboard.press("t")
    assert page.locator("#panel").is_hidden()
    assert page.locator("#graph").bounding_box()["width"] > graph + 300
    page.click("#toggle-text")
    assert page.locator("#panel").is_visible()
    assert problems == []
    page.close()


def test_a_reload_keeps_the_step(browser: Any, pages: dict[str, Path]) -> None:
    page, problems = opened(browser, pages["neurons"], (1280, 800))
    for _ in range(4):
        page.keyboard.press("ArrowRight")
    # The keys reach the page in their own time (a loaded machine once reloaded after two
    # of them): the step to keep is the one the page shows before the reload.
    page.wait_for_function("document.body.dataset.step === '4' && location.hash === '#step=4'")
    page.reload()
    assert page.evaluate("document.body.dataset.step") == "4"
    assert problems == []
    page.close()


def lesson_three(folder: Path, theme: str = "auto") -> Path:
    x = Value(3.0, label="x")
    y = x * x
    y.label = "y"
    z = y + x
    z.label = "z"
    return viz.explorer(z, folder / "reuse.html", theme=theme, focus=[x, z], rankdir="TB")


def test_focus_opens_at_the_first_values_step_with_the_values_in_view(
    browser: Any, tmp_path: Path
) -> None:
    page, problems = opened(browser, lesson_three(tmp_path), (700, 800))  # a lesson's frame
    assert page.evaluate("document.body.dataset.step") == "2"  # x: the sum of three terms
    view = page.locator("#graph").bounding_box()
    focus = page.evaluate("JSON.parse(document.getElementById('steps').textContent).focus")
    assert len(focus) == 2  # x and z
    for box in focus:
        r = page.locator(f"#{box}").bounding_box()
        assert view["x"] <= r["x"] and r["x"] + r["width"] <= view["x"] + view["width"], box
        assert view["y"] <= r["y"] and r["y"] + r["height"] <= view["y"] + view["height"], box
    assert page.evaluate(SMALLEST_TEXT) >= 12 - 1e-6
    assert problems == []
    page.close()


BACKGROUND = "getComputedStyle(document.body).backgroundColor"


def test_an_embedded_explorer_follows_the_sites_palette(browser: Any, tmp_path: Path) -> None:
    from tests.viz.test_explorer_browser import luminance

    lesson_three(tmp_path)
    script = (ROOT / "docs" / "assets" / "palette.js").read_text(encoding="utf-8")
    parent = tmp_path / "lesson.html"
    parent.write_text(
        '<!DOCTYPE html><html><body data-md-color-scheme="slate">'
        '<iframe src="reuse.html" style="width: 900px; height: 600px"></iframe>'
        f"<script>{script}</script></body></html>",
        encoding="utf-8",
    )
    page, problems = open_page(browser, parent)
    frame = page.frames[1]
    frame.wait_for_function("document.body.dataset.palette === 'dark'", timeout=5000)
    assert luminance(frame.evaluate(BACKGROUND)) < 0.2
    # The graph's boxes turn dark too: no bright white block is left.
    fills = frame.eval_on_selector_all(
        "#graph svg [fill]", "els => els.map(e => e.getAttribute('fill'))"
    )
    assert "white" not in fills and "#ffffff" not in fills
    page.evaluate("document.body.setAttribute('data-md-color-scheme', 'default')")
    frame.wait_for_function("document.body.dataset.palette === 'light'", timeout=5000)
    assert luminance(frame.evaluate(BACKGROUND)) > 0.8
    assert problems == []
    page.close()
