"""The lessons embed their explorers: the pages exist, the built site serves them, they step."""

import re
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from tests.viz.conftest import open_page

ROOT = Path(__file__).resolve().parents[2]
LESSONS = ROOT / "docs" / "lessons"


def embedded() -> list[tuple[Path, str]]:
    return [
        (lesson, src)
        for lesson in sorted(LESSONS.glob("*.md"))
        for src in re.findall(r'<iframe src="([^"]+)"', lesson.read_text(encoding="utf-8"))
    ]


def test_lessons_2_3_and_4_embed_an_explorer_that_exists() -> None:
    found = embedded()
    assert {lesson.name[:2] for lesson, _ in found} >= {"02", "03", "04"}
    for lesson, src in found:
        page = lesson.parent / src
        assert page.exists(), f"{lesson.name} embeds {src}, which is missing"
        assert '<script type="application/json" id="steps">' in page.read_text(encoding="utf-8")


@pytest.mark.slow
@pytest.mark.skipif(shutil.which("dot") is None, reason="Graphviz's dot is missing")
def test_the_explorer_embedded_in_lesson_4_steps_in_the_built_site(
    browser: Any, tmp_path: Path
) -> None:
    site = tmp_path / "site"
    subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--quiet", "--site-dir", str(site)],
        cwd=ROOT,
        check=True,
    )
    page, _ = open_page(browser, site / "lessons" / "04-error-signal.html")
    page.locator("iframe").first.scroll_into_view_if_needed()  # it loads lazily
    frame = page.frame_locator("iframe").first
    frame.locator("#next").click()
    assert frame.locator("body").get_attribute("data-step") == "1"
    frame.locator("#last").click()
    heading = frame.locator("#heading").inner_text()
    assert heading.startswith("layer 1: δ1 = (W2ᵀ δ2) ⊙ f'(a1)")
    page.close()
