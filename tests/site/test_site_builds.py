"""The course site builds, and each page of its navigation exists in it."""

import re
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]


def nav_pages() -> list[str]:
    """The Markdown pages and notebooks of mkdocs.yml's navigation, in its order."""
    text = (ROOT / "mkdocs.yml").read_text(encoding="utf-8")
    nav = text.split("\nnav:\n", 1)[1].split("\n\n", 1)[0]
    return re.findall(r":\s*(\S+\.(?:md|ipynb))\s*$", nav, re.M)


def test_every_page_of_the_navigation_is_built(built_site: Path) -> None:
    for page in nav_pages():
        html = re.sub(r"\.(md|ipynb)$", ".html", page.removeprefix("examples/"))
        candidates = [built_site / html, built_site / "examples" / html]
        assert any(c.exists() for c in candidates), page


def test_the_first_page_says_how_to_install_and_offers_the_wheel(built_site: Path) -> None:
    page = (built_site / "index.html").read_text(encoding="utf-8")
    assert "pip install" in page and "graphviz" in page.lower() and "playground.html" in page
    wheels = re.findall(r'href="(playground/wheels/[^"]+\.whl)"', page)
    assert wheels and all((built_site / wheel).is_file() for wheel in wheels)


def test_every_page_opens_without_errors_or_requests_elsewhere(
    served_site: str, browser: Any
) -> None:
    page = browser.new_page(viewport={"width": 1280, "height": 800})
    problems: list[str] = []
    page.on("pageerror", lambda e: problems.append(f"{page.url}: {e}"))
    page.on(
        "console", lambda m: problems.append(f"{page.url}: {m.text}") if m.type == "error" else None
    )

    def elsewhere(route: Any) -> None:
        problems.append(f"{page.url}: a request outside the site, {route.request.url}")
        route.abort()

    page.route(re.compile(rf"^(?!{re.escape(served_site)}|data:|blob:|about:)"), elsewhere)
    for source in nav_pages():
        html = re.sub(r"\.(md|ipynb)$", ".html", source)
        page.goto(served_site + html)
        assert page.title(), html
    page.close()
    assert problems == []
