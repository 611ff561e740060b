"""The copy button of the site's code blocks copies code that runs (docs/assets/copy.js).

The pages show code as interactive sessions (```pycon). Material's button would copy a
session whole, prompts and printed output included; a student who pastes that into a file
gets a syntax error, or an output line such as ``y = 0.7071`` that reassigns ``y``. Each
test clicks the real buttons of a served page in Chromium and reads the clipboard back.
"""

import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[2]
PROMPT = re.compile(r"^(>>>|\.\.\.)( |$)")
SENTINEL = "(the clipboard before the click)"


def fenced_blocks(page: str) -> list[tuple[str, str]]:
    """The fenced code blocks of a Markdown page of docs/, as (language, text), in order."""
    text = (ROOT / "docs" / page).read_text(encoding="utf-8")
    return re.findall(r"^```(\w+)\n(.*?)^```\s*$", text, re.M | re.S)


def session_code(session: str) -> str:
    """What a student types in a session: its prompted lines, without their prompts."""
    return "\n".join(line[4:] for line in session.splitlines() if PROMPT.match(line))


@pytest.fixture(scope="module")
def context(browser: Any, served_site: str) -> Iterator[Any]:
    """A browser context that may read the clipboard of the served site's pages."""
    ctx = browser.new_context()
    ctx.grant_permissions(["clipboard-read", "clipboard-write"], origin=served_site.rstrip("/"))
    yield ctx
    ctx.close()


def copied(context: Any, url: str) -> list[str]:
    """Open ``url`` and press the copy button of each code block in turn: what each copied."""
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    try:
        page.goto(url)
        texts = []
        for block in page.locator(".md-content .highlight").all():
            page.evaluate("text => navigator.clipboard.writeText(text)", SENTINEL)
            block.locator("button[data-clipboard-target]").click()
            texts.append(page.evaluate("navigator.clipboard.readText()"))
    finally:
        page.close()
    assert not errors
    assert SENTINEL not in texts, "a button copied nothing"
    return texts


@pytest.fixture(scope="module")
def lesson_2(context: Any, served_site: str) -> list[tuple[str, str]]:
    """Lesson 2's sessions as written, each with what its copy button copied."""
    blocks = fenced_blocks("lessons/02-a-neuron.md")
    assert blocks and {language for language, _ in blocks} == {"pycon"}
    sessions = [text for _, text in blocks]
    texts = copied(context, served_site + "lessons/02-a-neuron.html")
    assert len(texts) == len(sessions)
    return list(zip(sessions, texts, strict=True))


def test_copy_button_copies_a_sessions_code_without_prompts_or_output(
    lesson_2: list[tuple[str, str]],
) -> None:
    for session, text in lesson_2:
        lines = text.splitlines()
        assert not [line for line in lines if PROMPT.match(line)], text
        outputs = [line for line in session.splitlines() if line.strip() and not PROMPT.match(line)]
        assert outputs, "each session of lesson 2 prints something"
        assert not set(outputs) & set(lines), text
        assert text == session_code(session)


def test_a_lessons_copied_sessions_run_when_pasted_one_after_another(
    lesson_2: list[tuple[str, str]],
) -> None:
    program = "\n".join(text for _, text in lesson_2) + "\n"
    run = subprocess.run(
        [sys.executable, "-c", program], cwd=ROOT, capture_output=True, text=True, timeout=60
    )
    assert run.returncode == 0, run.stderr
    # The copy leaves out the printed output, not the print: the program prints it again.
    assert "y = 0.7071" in run.stdout.splitlines()


def test_copy_button_copies_other_blocks_unchanged(context: Any, served_site: str) -> None:
    # docs/development.md holds the site's only bash block, and a text block.
    blocks = fenced_blocks("development.md")
    assert {"bash", "text"} <= {language for language, _ in blocks}
    texts = copied(context, served_site + "development.html")
    assert texts == [text.rstrip() for _, text in blocks]
