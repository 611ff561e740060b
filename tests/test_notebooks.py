"""The notebooks in examples/ run from top to bottom, show graphs inline, and are kept stripped.

Their Markdown writes equations in TeX, which Jupyter typesets with MathJax and the site's
build writes as MathML (docs/hooks/mathml.py), and links to the course's pages as they lie
in the repository (docs/hooks/notebooks.py makes those links the site's).
"""

import importlib.util
import re
import shutil
from pathlib import Path
from types import ModuleType

import pytest

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = sorted((ROOT / "examples").glob("*.ipynb"))
nbformat = pytest.importorskip("nbformat")

# The TeX of a Markdown cell, as Jupyter and nbconvert find it: $$...$$, then $...$.
_TEX = re.compile(r"\$\$(.+?)\$\$|\$(.+?)\$", re.S)
_CODE_SPAN = re.compile(r"`[^`]*`")
_LINK = re.compile(r"\]\(([^)#:]+)(?:#[^)]*)?\)")


def test_there_are_two_to_four_notebooks() -> None:
    assert 2 <= len(NOTEBOOKS) <= 4


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_notebooks_are_kept_without_outputs(path: Path) -> None:
    book = nbformat.read(path, as_version=4)
    for cell in book.cells:
        if cell.cell_type == "code":
            assert cell.outputs == [] and cell.execution_count is None


@pytest.mark.slow
@pytest.mark.skipif(shutil.which("dot") is None, reason="Graphviz's dot is missing")
@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_notebooks_run_top_to_bottom(path: Path, tmp_path: Path) -> None:
    nbclient = pytest.importorskip("nbclient")
    book = nbformat.read(path, as_version=4)
    client = nbclient.NotebookClient(
        book, timeout=120, kernel_name="python3", resources={"metadata": {"path": str(tmp_path)}}
    )
    client.execute()  # raises CellExecutionError on the first failing cell
    outputs = [out for cell in book.cells if cell.cell_type == "code" for out in cell.outputs]
    assert not [out for out in outputs if out.output_type == "error"]
    if path.stem.startswith("01"):
        svgs = [out for out in outputs if "image/svg+xml" in out.get("data", {})]
        assert len(svgs) >= 2  # L and y shown as graphs, inline
        printed = "".join(out.get("text", "") for out in outputs if out.output_type == "stream")
        assert "-3.0 2.0 1.0" in printed and "x: grad -1.5000" in printed


def markdown_cells(path: Path) -> list[str]:
    return [c.source for c in nbformat.read(path, as_version=4).cells if c.cell_type == "markdown"]


def mathml_hook() -> ModuleType:
    spec = importlib.util.spec_from_file_location("mathml_hook", ROOT / "docs/hooks/mathml.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_the_equations_are_tex_that_the_site_can_write_as_mathml(path: Path) -> None:
    pytest.importorskip("latex2mathml")
    hook = mathml_hook()
    formulas = [
        (display or inline, bool(display))
        for source in markdown_cells(path)
        for display, inline in _TEX.findall(_CODE_SPAN.sub("", source))
    ]
    assert formulas
    for tex, display in formulas:
        assert "<math" in hook.to_mathml(tex, display), tex


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_no_equation_is_left_in_ascii_outside_tex_and_code(path: Path) -> None:
    for source in markdown_cells(path):
        text = _TEX.sub("", source)  # Python writes no ^ and no dL/da, in code spans either
        assert not re.search(r"\^|\bd\w*/d\w", text), text
        assert not re.search(r"delta|\\", _CODE_SPAN.sub("", text)), text


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_links_lead_to_the_course_pages_from_the_notebooks_folder(path: Path) -> None:
    targets = [t for source in markdown_cells(path) for t in _LINK.findall(source)]
    assert any(t.endswith("docs/algorithm.md") for t in targets)
    for target in targets:
        assert (path.parent / target).is_file(), target


def test_the_site_writes_a_markdown_cells_tex_as_mathml_and_leaves_outputs_alone() -> None:
    pytest.importorskip("latex2mathml")
    cell = '<div class="jp-RenderedHTMLCommon jp-RenderedMarkdown jp-MarkdownOutput">'
    html = (
        f"{cell}<p>If $a &lt; b$, then <code>$x$</code> stays code, and</p>\n"
        "<p>$$\n\\delta^L = 1\n$$</p></div>"
        '<div class="jp-OutputArea-output"><div>costs $a$ and $b$</div><pre>$c$</pre></div>'
    )
    outputs = '<div class="jp-OutputArea-output">'
    markdown, output = mathml_hook().text_math_to_mathml(html).split(outputs)
    assert markdown.count("<math ") == 2 and "<code>$x$</code>" in markdown
    assert "$" not in markdown.replace("<code>$x$</code>", "") and "<p>$$" not in markdown
    assert '<div class="math"><math' in markdown and 'display="block"' in markdown
    assert output == html.split(outputs)[1]  # a code cell's output is what it printed
