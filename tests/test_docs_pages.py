"""The docs pages beside the lessons run: every example prints what the page shows."""

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
