"""The explorer's code panel: the generated Python beside the graph, each step's lines marked."""

import shutil
from pathlib import Path
from typing import Any

import pytest

import engine
import viz
from engine import Value
from tests.viz.conftest import open_page
from tests.viz.test_explorer import page_data
from viz.cli import main as cli

needs_dot = pytest.mark.skipif(shutil.which("dot") is None, reason="Graphviz's dot is missing")
pytestmark = needs_dot


def neuron() -> Value:
    x, w, b = Value(2.0, label="x"), Value(-3.0, label="w"), Value(6.8813735870195432, label="b")
    n = x * w + b
    n.label = "n"
    y = n.tanh()
    y.label = "y"
    return y


def reused() -> Value:
    x = Value(3.0, label="x")
    return (x * x + x).relu() * 2.0  # x used three times; 2.0 a constant leaf


@pytest.mark.parametrize("make", [neuron, reused])
def test_the_page_carries_the_compiled_source_and_each_nodes_lines(
    make: Any, tmp_path: Path
) -> None:
    root = make()
    order = engine.topological_order(root)
    cg = engine.compile(root, [n for n in order if not n.parents], loops=False)
    data = page_data(viz.explorer(root, tmp_path / "page.html", code=True))
    code = data["code"]
    assert code["lines"] == cg.source.splitlines()
    for i in range(len(order)):
        assert code["own"][f"v{i}"] == cg.lines.get(i, [])
        assert code["feeding"][f"v{i}"] == cg.grad_lines.get(i, [])
    # Each step's own lines are about its node: its forward line assigns it.
    for step in data["steps"]:
        own = code["own"][step["id"]]
        if own:
            assert code["lines"][own[0] - 1].strip().startswith(step["id"] + " = ")
        for number in code["feeding"][step["id"]]:
            assert code["lines"][number - 1].strip().startswith("g" + step["id"][1:] + " ")


def test_without_code_there_is_no_panel(tmp_path: Path) -> None:
    html = viz.explorer(neuron(), tmp_path / "page.html").read_text()
    assert 'id="source"' not in html and "with-code" not in html
    assert "code" not in page_data(tmp_path / "page.html")


def test_a_hostile_label_in_the_code_stays_text(tmp_path: Path) -> None:
    x = Value(1.0, label="</pre><script>alert(1)</script>")
    y = (x * 2.0).tanh()
    y.label = '"\n#</script>'
    html = viz.explorer(y, tmp_path / "page.html", code=True).read_text()
    assert html.count("<script") == 3  # the data, the page's script, the panel's script
    data = page_data(tmp_path / "page.html")
    assert any("</pre><script>alert(1)</script>" in line for line in data["code"]["lines"])


def test_the_command_line_writes_the_panel_and_wants_explorer_for_code(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    page = tmp_path / "page.html"
    assert (
        cli(["graph", "tanh(x*w + b)", "x=2", "w=-3", "b=1", "--explorer", str(page), "--code"])
        == 0
    )
    assert 'id="source"' in page.read_text()
    assert cli(["graph", "x*w", "x=2", "w=3", "--code"]) == 2
    error = capsys.readouterr().err.strip().splitlines()
    assert error[-1].startswith("viz: error: --code needs --explorer")


# -- in a browser (the fixture is in conftest.py) ---------------------------------------


def test_stepping_marks_each_nodes_lines_in_the_code(browser: Any, tmp_path: Path) -> None:
    root = neuron()
    data = page_data(viz.explorer(root, tmp_path / "page.html", code=True))
    page, problems = open_page(browser, tmp_path / "page.html")

    def marked(cls: str) -> list[int]:
        numbers = page.eval_on_selector_all(
            f"#source .{cls}", "rows => rows.map(r => r.dataset.line)"
        )
        return [int(n) for n in numbers]

    assert page.locator("#source .line").count() == len(data["code"]["lines"])
    for k, step in enumerate(data["steps"]):
        if k % 2:
            page.keyboard.press("ArrowRight")
        elif k:
            page.click("#next")
        own = ",".join(map(str, data["code"]["own"][step["id"]]))
        page.wait_for_function(
            f"document.body.dataset.step === '{k}' && document.body.dataset.own === '{own}'"
        )
        assert marked("own") == data["code"]["own"][step["id"]]
        assert marked("feeding") == data["code"]["feeding"][step["id"]]
    # The labels and the code reach the panel as text.
    assert "tanh(v4)" in page.inner_text("#source")
    assert problems == []
