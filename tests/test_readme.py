"""The README's Python examples run, in order, and its quick start is two commands."""

import contextlib
import io
import os
import re
import shutil
from pathlib import Path

import pytest

README = Path(__file__).resolve().parents[1] / "README.md"


def test_quick_start_is_one_block_of_two_commands() -> None:
    section = README.read_text().split("## Quick start", 1)[1].split("\n## ", 1)[0]
    blocks = re.findall(r"```bash\n(.*?)```", section, re.S)
    assert len(blocks) == 1
    assert blocks[0].split("\n")[:2] == ["./scripts/demo", "./scripts/test"]
    assert len([line for line in blocks[0].splitlines() if line.strip()]) == 2


@pytest.mark.slow
@pytest.mark.skipif(shutil.which("dot") is None, reason="Graphviz's dot is missing")
def test_python_examples_run_in_order(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    pytest.importorskip("matplotlib")
    blocks = re.findall(r"```python\n(.*?)```", README.read_text(), re.S)
    assert len(blocks) >= 4
    monkeypatch.chdir(tmp_path)
    namespace: dict[str, object] = {}
    output = io.StringIO()
    with contextlib.redirect_stdout(output):
        for block in blocks:
            exec(compile(block, str(README), "exec"), namespace)  # our own README, trusted
    printed = output.getvalue()
    assert "0.7071 -1.5000 1.0000 0.5000" in printed  # the numbers the comment promises
    assert "x = 1.1309012" in printed  # Newton's method reaches the stationary point
    assert "\n1.40663\n" in printed  # the user's log1p and swish, by their own derivatives
    assert sorted(os.listdir(tmp_path)) == [
        "backward.html", "boundary.png", "neuron.svg", "slide.png", "training.png",
    ]  # fmt: skip
