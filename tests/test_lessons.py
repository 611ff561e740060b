"""The lessons run: every example in docs/lessons prints the numbers its text shows."""

import doctest
from pathlib import Path

import pytest

LESSONS = sorted((Path(__file__).resolve().parents[1] / "docs" / "lessons").glob("*.md"))


def test_there_are_eight_lessons_in_order() -> None:
    assert [p.name[:2] for p in LESSONS] == ["01", "02", "03", "04", "05", "06", "07", "08"]


@pytest.mark.parametrize("lesson", LESSONS, ids=lambda p: p.stem)
def test_lesson_examples_print_what_the_text_says(lesson: Path) -> None:
    result = doctest.testfile(str(lesson), module_relative=False, optionflags=doctest.ELLIPSIS)
    assert result.attempted > 0 and result.failed == 0


@pytest.mark.parametrize("lesson", LESSONS, ids=lambda p: p.stem)
def test_linked_pictures_and_lessons_exist(lesson: Path) -> None:
    import re

    for target in re.findall(r"\]\(([^)#]+)\)", lesson.read_text()):
        assert (lesson.parent / target).exists(), target
