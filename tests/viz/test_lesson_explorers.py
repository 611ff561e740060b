"""The lessons embed their explorers, and the pages they embed exist."""

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
LESSONS = ROOT / "docs" / "lessons"


def embedded() -> list[tuple[Path, str]]:
    return [
        (lesson, src)
        for lesson in sorted(LESSONS.glob("*.md"))
        for src in re.findall(
            r'<iframe class="explorer" src="([^"]+)"', lesson.read_text(encoding="utf-8")
        )
    ]


def test_lessons_2_3_and_4_embed_an_explorer_that_exists() -> None:
    found = embedded()
    assert {lesson.name[:2] for lesson, _ in found} >= {"02", "03", "04"}
    for lesson, src in found:
        page = lesson.parent / src
        assert page.exists(), f"{lesson.name} embeds {src}, which is missing"
        assert '<script type="application/json" id="steps">' in page.read_text(encoding="utf-8")


# That the embedded explorer steps inside the built site is tested with the site, in
# tests/site/test_site.py, which shares one build among all the site's tests.
