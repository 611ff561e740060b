"""The lessons run: every example in docs/lessons prints the numbers its text shows."""

import doctest
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
LESSONS = sorted((ROOT / "docs" / "lessons").glob("*.md"))


def nav_lessons() -> list[str]:
    """The lessons in the order of the site's navigation (mkdocs.yml), as file names."""
    text = (ROOT / "mkdocs.yml").read_text(encoding="utf-8")
    return re.findall(r"^\s*- [^:]+: lessons/(\S+\.md)\s*$", text, re.M)


def test_the_navigation_lists_every_lesson_in_the_order_of_their_numbers() -> None:
    assert nav_lessons() == [p.name for p in LESSONS]
    for number, lesson in enumerate(LESSONS, start=1):
        assert lesson.name.startswith(f"{number:02d}-")
        assert lesson.read_text(encoding="utf-8").startswith(f"# Lesson {number}: ")


def test_each_lesson_ends_with_a_link_to_the_next_and_the_last_to_the_playground() -> None:
    order = nav_lessons()
    for name, following in zip(order, [*order[1:], "../playground.md"], strict=True):
        last = (LESSONS[0].parent / name).read_text(encoding="utf-8").rstrip().split("\n\n")[-1]
        assert re.findall(r"\]\(([^)#]+)\)", last) == [following], name


def test_the_readme_lists_the_lessons_in_the_navigation_order() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    section = readme.split("\n## Lessons\n", 1)[1].split("\n## ", 1)[0]
    listed = re.findall(r"^\d+\. \[[^\]]+\]\(docs/lessons/(\S+?\.md)\)", section, re.M)
    assert listed == nav_lessons()


@pytest.mark.parametrize("lesson", LESSONS, ids=lambda p: p.stem)
def test_lesson_examples_print_what_the_text_says(lesson: Path) -> None:
    result = doctest.testfile(str(lesson), module_relative=False, optionflags=doctest.ELLIPSIS)
    assert result.attempted > 0 and result.failed == 0


@pytest.mark.parametrize("lesson", LESSONS, ids=lambda p: p.stem)
def test_linked_pictures_and_lessons_exist(lesson: Path) -> None:
    for target in re.findall(r"\]\(([^)#]+)\)", lesson.read_text()):
        assert (lesson.parent / target).exists(), target
