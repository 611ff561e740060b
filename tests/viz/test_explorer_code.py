"""The explorer's code panel: the generated Python beside the graph, each step's lines marked."""

import re
import shutil
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

import engine
import viz
from engine import Value
from tests.viz.conftest import open_page
from tests.viz.test_cli import ROOT, assert_one_error_line
from tests.viz.test_explorer import page_data
from tests.viz.test_explorer_browser import layered_graph, open_explorer, with_code
from viz.cli import main as cli
from viz.explorer import steps as steps_module

needs_dot = pytest.mark.skipif(shutil.which("dot") is None, reason="Graphviz's dot is missing")
pytestmark = needs_dot

HOSTILE = "</pre><script>alert(1)</script>"


def neuron() -> Value:
    x, w, b = Value(2.0, label="x"), Value(-3.0, label="w"), Value(6.8813735870195432, label="b")
    n = x * w + b
    n.label = "n"
    y = n.tanh()
    y.label = "y"
    return y


def reused() -> Value:
    x = Value(3.0, label="x")
    s = x * x + x  # x used three times
    s.label = "s"
    return (s * s).relu()  # s used twice


def constant() -> Value:
    x = Value(0.5, label="x")
    return (x * 2.0 + 1.0).exp()  # 2.0 and 1.0 are leaves without labels


def hostile() -> Value:
    x = Value(1.0, label=HOSTILE)
    y = (x * 2.0).tanh()
    y.label = '"\n#'
    return y


GRAPHS = [neuron, reused, constant, hostile]


def compiled(root: Value) -> tuple[list[Value], engine.CompiledGraph]:
    """The graph's nodes in order and its code, every leaf an input, as the panel asks for."""
    order = engine.topological_order(root)
    return order, engine.compile(root, [n for n in order if not n.parents], loops=False)


# -- the data the page carries ---------------------------------------------------------------


@pytest.mark.parametrize("make", GRAPHS)
def test_the_page_carries_the_compiled_source_and_each_steps_lines(
    make: Callable[[], Value], tmp_path: Path
) -> None:
    root = make()
    _, cg = compiled(root)
    data = page_data(viz.explorer(root, tmp_path / "page.html", code=True))
    assert data["code"]["lines"] == cg.source.splitlines()
    for step in data["steps"]:
        (i,) = step["nodes"]  # at the level of Values, a step is one node
        assert step["id"] == f"v{i}"
        assert step["own"] == cg.lines.get(i, [])
        assert step["feeding"] == [n for n in cg.grad_lines.get(i, []) if n not in step["own"]]
    assert any(s["own"] for s in data["steps"]) and any(s["feeding"] for s in data["steps"])


def variables(lines: list[str], order: list[Value], cg: engine.CompiledGraph) -> list[str]:
    """Each node's variable in the code: an input's from the line that unpacks the values,
    a computed node's from the line that computes it."""
    unpacked = next(line for line in lines if line.strip().endswith("= values"))
    inputs = [name.strip() for name in unpacked.split("=")[0].split(",")]
    leaves = iter(inputs)
    return [
        lines[cg.lines[i][0] - 1].split("=")[0].strip() if node.parents else next(leaves)
        for i, node in enumerate(order)
    ]


@pytest.mark.parametrize("make", GRAPHS)
def test_each_steps_marked_lines_are_its_forward_line_and_its_chain_rule_terms(
    make: Callable[[], Value], tmp_path: Path
) -> None:
    root = make()
    order, cg = compiled(root)
    terms = steps_module.backward_pass(root).terms
    data = page_data(viz.explorer(root, tmp_path / "page.html", code=True))
    lines = data["code"]["lines"]
    name = variables(lines, order, cg)
    for step in data["steps"]:
        (i,) = step["nodes"]
        node = order[i]
        own, feeding = step["own"], step["feeding"]
        if node.parents:
            assert lines[own[0] - 1].strip().startswith(name[i] + " = ")
        else:
            assert own == []  # a leaf is an input: no line computes it
        # One line per term of the sum the explorer prints, each naming the same user, and
        # all adding into one gradient variable.
        assert len(feeding) == len(terms[node])
        users = [re.search(r"# .*: d(\w+)/d(\w+)$", lines[n - 1]) for n in feeding]
        assert all(u is not None and u[2] == name[i] for u in users)
        expected = sorted(name[order.index(via)] for via, *_ in terms[node])
        assert sorted(u[1] for u in users if u) == expected
        targets = {re.split(r" \+?= ", lines[n - 1].strip())[0] for n in feeding}
        assert len(targets) <= 1 and name[i] not in targets


def test_without_code_there_is_no_panel(tmp_path: Path) -> None:
    html = viz.explorer(neuron(), tmp_path / "page.html").read_text()
    assert 'id="code"' not in html and 'id="source"' not in html and "with-code" not in html
    assert "code" not in page_data(tmp_path / "page.html")
    assert html.count("<script") == 2  # the data and the page's script


def test_a_hostile_label_in_the_code_stays_escaped_in_the_file(tmp_path: Path) -> None:
    html = viz.explorer(hostile(), tmp_path / "page.html", code=True).read_text()
    assert html.count("<script") == 3  # the data, the page's script, the panel's script
    assert HOSTILE not in html and html.count("</pre>") == 1  # the code panel
    data = page_data(tmp_path / "page.html")
    assert any(HOSTILE in line for line in data["code"]["lines"])


# -- the command line ------------------------------------------------------------------------


def test_the_command_line_writes_the_panel_with_code(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    with_code, without = tmp_path / "code.html", tmp_path / "plain.html"
    argv = ["graph", "tanh(x*w + b)", "x=2", "w=-3", "b=1", "--explorer"]
    assert cli([*argv, str(with_code), "--code"]) == 0
    assert cli([*argv, str(without)]) == 0
    lines = page_data(with_code)["code"]["lines"]
    assert any(re.match(r"\s*\w+ = tanh\(", line) for line in lines)
    assert 'id="source"' in with_code.read_text() and 'id="source"' not in without.read_text()
    capsys.readouterr()


def test_code_without_explorer_is_a_one_line_usage_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "graph.svg"
    assert cli(["graph", "x*w", "x=2", "w=3", "--code", "-o", str(out)]) == 2
    err = capsys.readouterr().err
    assert_one_error_line(err)
    assert err.startswith("viz: error: --code needs --explorer")
    assert not out.exists()
    # The same through the interpreter: exit status 2, one line on stderr.
    run = subprocess.run(
        [sys.executable, "-m", "viz", "graph", "x*w", "x=2", "w=3", "--code"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    assert run.returncode == 2 and run.stdout == ""
    assert_one_error_line(run.stderr)


# -- in a browser (the fixture is in conftest.py) ---------------------------------------


def marked(page: Any, cls: str) -> list[int]:
    """The line numbers of the rows that carry ``cls``, top to bottom."""
    numbers = page.eval_on_selector_all(f"#source .{cls}", "rows => rows.map(r => r.dataset.line)")
    return [int(n) for n in numbers]


def wait_for_step(page: Any, k: int, own: list[int]) -> None:
    """Wait until the page shows step ``k`` and the panel has marked its lines."""
    page.wait_for_function(
        f"document.body.dataset.step === '{k}' && "
        f"document.body.dataset.own === '{','.join(map(str, own))}'",
        timeout=5000,
    )


@pytest.mark.parametrize("make", [neuron, reused, constant])
def test_stepping_marks_each_nodes_lines_in_the_code(
    make: Callable[[], Value], browser: Any, tmp_path: Path
) -> None:
    root = make()
    order, cg = compiled(root)
    page, problems = open_page(browser, viz.explorer(root, tmp_path / "page.html", code=True))
    rows = page.eval_on_selector_all(
        "#source .line",
        "rows => rows.map(r => [r.firstChild.textContent, r.lastChild.textContent])",
    )
    assert rows == [[str(n), line] for n, line in enumerate(cg.source.splitlines(), start=1)]
    walk = page_data(tmp_path / "page.html")["steps"]
    for k, step in enumerate(walk):
        if k % 2:
            page.keyboard.press("ArrowRight")
        elif k:
            page.click("#next")
        (i,) = step["nodes"]
        wait_for_step(page, k, cg.lines.get(i, []))
        assert page.evaluate("document.body.dataset.node") == f"v{i}"
        assert marked(page, "own") == cg.lines.get(i, [])
        assert marked(page, "feeding") == cg.grad_lines.get(i, [])
    # Back again: the marks follow.
    page.keyboard.press("Home")
    wait_for_step(page, 0, cg.lines.get(len(order) - 1, []))
    assert marked(page, "feeding") == []  # the seed: nothing adds into the output's gradient
    # The legend wears the two colours the rows wear, and they differ.
    colours = page.evaluate(
        """() => ["#code .legend .own", "#code .legend .feeding", "#source .line.own"]
          .map(s => getComputedStyle(document.querySelector(s)).backgroundColor)"""
    )
    assert colours[0] == colours[2] and colours[0] != colours[1]
    assert problems == []
    page.close()


def test_a_hostile_label_shows_as_text_in_the_browser(browser: Any, tmp_path: Path) -> None:
    page, problems = open_page(browser, viz.explorer(hostile(), tmp_path / "page.html", code=True))
    dialogs: list[str] = []

    def dialog(d: Any) -> None:
        dialogs.append(d.message)
        d.dismiss()

    page.on("dialog", dialog)
    page.reload()  # with the dialog watched from the start
    page.click("#last")
    assert page.evaluate("document.scripts.length") == 3
    assert page.locator("#source script, #source pre, #panel script").count() == 0
    source = page.text_content("#source") or ""
    assert HOSTILE in source and "'\"\\n#'" in source  # the code's comments, literally
    assert HOSTILE in (page.text_content("#heading") or "")
    page.keyboard.press("Home")
    assert '"\n#' in (page.text_content("#heading") or "")  # the newline as it is, in the text
    assert dialogs == [] and problems == []
    page.close()


def test_the_first_marked_line_scrolls_into_view_inside_the_panel(
    browser: Any, tmp_path: Path
) -> None:
    xs = [Value(float(i), label=f"x{i}") for i in range(16)]
    root = sum((x * x for x in xs), Value(0.0, label="zero"))  # a few hundred lines of code
    _, cg = compiled(root)
    page, problems = open_page(browser, viz.explorer(root, tmp_path / "page.html", code=True))
    page.set_viewport_size({"width": 1200, "height": 700})
    assert page.evaluate(
        "(s => s.scrollHeight > 2 * s.clientHeight)(document.getElementById('source'))"
    )
    visible = """([first]) => {
        const source = document.getElementById("source");
        const row = source.querySelector(`.line[data-line="${first}"]`);
        const s = source.getBoundingClientRect(), r = row.getBoundingClientRect();
        return r.top >= s.top && r.bottom <= s.top + source.clientHeight;
    }"""
    scrolled = set()
    for k, step in enumerate(page_data(tmp_path / "page.html")["steps"]):
        if k:
            page.keyboard.press("ArrowRight")
        (i,) = step["nodes"]
        lines = cg.lines.get(i, []) + cg.grad_lines.get(i, [])
        wait_for_step(page, k, cg.lines.get(i, []))
        assert page.evaluate(visible, [min(lines)]), f"step {k}: line {min(lines)} is hidden"
        scrolled.add(page.evaluate("document.getElementById('source').scrollTop"))
    assert len(scrolled) > 3
    assert page.evaluate("window.scrollY") == 0  # the panel scrolls, not the page
    assert problems == []
    page.close()


@pytest.mark.parametrize(("width", "beside"), [(1400, True), (700, False)])
def test_the_panel_is_beside_the_graph_or_below_it_on_a_narrow_screen(
    width: int, beside: bool, browser: Any, tmp_path: Path
) -> None:
    page, problems = open_page(browser, viz.explorer(neuron(), tmp_path / "page.html", code=True))
    page.set_viewport_size({"width": width, "height": 900})
    graph, code = page.locator("#graph").bounding_box(), page.locator("#code").bounding_box()
    if beside:
        assert code["x"] >= graph["x"] + graph["width"] - 1  # beside, under the step's text
    else:
        assert code["y"] >= graph["y"] + graph["height"] - 1
    assert code["x"] + code["width"] <= width  # no page-wide horizontal scroll
    assert problems == []
    page.close()


# -- the panel beside a large graph, on hand-made steps (viz.explorer.page.page_html) -------

FIRST_MARKED_IS_VISIBLE = """() => {
    const source = document.getElementById("source");
    const marked = source.querySelector(".own, .feeding");
    if (!marked) return null;
    const s = source.getBoundingClientRect(), r = marked.getBoundingClientRect();
    return r.top >= s.top && r.bottom <= s.top + source.clientHeight;
}"""


def test_the_code_stays_readable_beside_a_large_graph_and_follows_each_step(
    browser: Any, tmp_path: Path
) -> None:
    svg, data = layered_graph([6] * 10 + [1])  # 61 boxes
    data = with_code(data)
    page, problems = open_explorer(browser, tmp_path, svg, data, code=True, size=(1600, 900))
    sizes = page.eval_on_selector_all(
        "#source .line", "rows => rows.map(r => parseFloat(getComputedStyle(r).fontSize))"
    )
    assert len(sizes) == len(data["code"]["lines"]) and min(sizes) >= 13
    graph, code = page.locator("#graph").bounding_box(), page.locator("#code").bounding_box()
    assert code["x"] >= graph["x"] + graph["width"] - 1  # beside, under the step's text
    for k, step in enumerate(data["steps"]):
        if k:
            page.keyboard.press("ArrowRight")
        # The event that moves the marks is sent synchronously: no waiting here.
        assert page.evaluate("[document.body.dataset.own, document.body.dataset.feeding]") == [
            ",".join(map(str, step["own"])),
            ",".join(map(str, step["feeding"])),
        ]
        assert marked(page, "own") == step["own"] and marked(page, "feeding") == step["feeding"]
        assert page.evaluate(FIRST_MARKED_IS_VISIBLE), f"step {k}"
    assert page.evaluate("[window.scrollX, window.scrollY]") == [0, 0]  # the panel scrolled
    assert problems == []
    page.close()


def test_on_a_narrow_window_the_code_is_below_the_graph(browser: Any, tmp_path: Path) -> None:
    svg, data = layered_graph([6] * 10 + [1])
    page, problems = open_explorer(
        browser, tmp_path, svg, with_code(data), code=True, size=(700, 900)
    )
    graph, code = page.locator("#graph").bounding_box(), page.locator("#code").bounding_box()
    assert code["y"] >= graph["y"] + graph["height"] - 1
    assert code["x"] + code["width"] <= 700  # no page-wide horizontal scroll
    assert (
        page.evaluate("parseFloat(getComputedStyle(document.getElementById('source')).fontSize)")
        >= 13
    )
    assert problems == []
    page.close()
