"""The docs pages beside the lessons run: every example prints what the page shows."""

import ast
import doctest
import re
import shutil
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PAGES = [ROOT / "docs" / "micrograd.md"]


@pytest.mark.skipif(shutil.which("dot") is None, reason="Graphviz's dot is missing")
@pytest.mark.parametrize("page", PAGES, ids=lambda p: p.stem)
def test_page_examples_print_what_the_text_says(page: Path) -> None:
    pytest.importorskip("graphviz")
    result = doctest.testfile(str(page), module_relative=False, optionflags=doctest.ELLIPSIS)
    assert result.attempted > 0 and result.failed == 0


@pytest.mark.parametrize("page", PAGES, ids=lambda p: p.stem)
def test_linked_pages_exist(page: Path) -> None:
    for target in re.findall(r"\]\(([^)#]+)\)", page.read_text()):
        assert (page.parent / target).exists(), target


@pytest.mark.parametrize("page", PAGES, ids=lambda p: p.stem)
def test_page_is_in_the_site_and_linked_from_the_readme(page: Path) -> None:
    relative = page.relative_to(ROOT / "docs").as_posix()
    assert re.search(rf":\s*{re.escape(relative)}\s*$", (ROOT / "mkdocs.yml").read_text(), re.M)
    assert f"](docs/{relative})" in (ROOT / "README.md").read_text()


PACKAGES = [ROOT / "engine", ROOT / "nn", ROOT / "viz"]
REST_ROLE = re.compile(r":(?:class|func|meth|mod|attr|data|exc|obj|ref|py:\w+):`")


def docstrings(path: Path) -> list[tuple[int, str]]:
    """Every docstring of ``path``: the module's, each class's and function's, and each
    attribute's (a string statement after an assignment), with its line."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    return [
        (node.lineno, node.value.value)
        for node in ast.walk(tree)
        if isinstance(node, ast.Expr)
        and isinstance(node.value, ast.Constant)
        and isinstance(node.value.value, str)
    ]


@pytest.mark.parametrize("package", PACKAGES, ids=lambda p: p.name)
def test_docstrings_use_markdown_cross_references_not_rest_roles(package: Path) -> None:
    # The reference renders docstrings as Markdown (mkdocstrings): a reST role would show raw,
    # ":class:`Value`". Write [`Value`][engine.Value] for a link, or ``Value`` for code.
    found = [
        f"{path.relative_to(ROOT)}:{line}: {match.group(0)}"
        for path in sorted(package.rglob("*.py"))
        for line, text in docstrings(path)
        for match in REST_ROLE.finditer(text)
    ]
    assert found == []


@pytest.mark.parametrize("package", PACKAGES, ids=lambda p: p.name)
def test_docstring_examples_are_in_examples_sections(package: Path) -> None:
    # Google style: a docstring's doctest goes under "Examples:", which the reference shows
    # as highlighted code; left in the prose it runs together into one paragraph.
    found = [
        f"{path.relative_to(ROOT)}:{line}"
        for path in sorted(package.rglob("*.py"))
        for line, text in docstrings(path)
        if ">>>" in text and not re.search(r"^\s*Examples:\s*$", text, re.M)
    ]
    assert found == []
