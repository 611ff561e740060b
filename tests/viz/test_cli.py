"""The command line: DOT text, pictures, the explorer, and one-line errors."""

import shutil
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

import viz.output
from viz.cli import main

needs_dot = pytest.mark.skipif(shutil.which("dot") is None, reason="Graphviz's dot is missing")
NEURON = ["graph", "tanh(x*w + b)", "x=2", "w=-3", "b=6.88"]


def test_without_an_output_it_prints_the_dot_text(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(NEURON) == 0
    out = capsys.readouterr().out
    assert out.startswith("digraph") and "<B>w</B>" in out and "tanh" in out
    assert "grad 1.0000" in out  # backward ran


@needs_dot
def test_dash_o_writes_svg_with_the_labels(tmp_path: Path) -> None:
    target = tmp_path / "graph.svg"
    assert main([*NEURON, "-o", str(target), "--theme", "dark", "--rankdir", "TB"]) == 0
    text = "".join(ET.fromstring(target.read_bytes()).itertext())
    assert "w" in text and "data -3.0000" in text


@needs_dot
def test_explorer_page_is_written(tmp_path: Path) -> None:
    page = tmp_path / "page.html"
    assert main([*NEURON, "--explorer", str(page), "-o", str(tmp_path / "g.png")]) == 0
    assert page.read_text().startswith("<!DOCTYPE html>")
    assert (tmp_path / "g.png").read_bytes().startswith(b"\x89PNG")


@pytest.mark.parametrize(
    ("argv", "status", "message"),
    [
        (["graph", "__import__('os').system('echo pwned')"], 2, "attribute access not allowed"),
        (["graph", "__import__('os')"], 2, "unknown function '__import__'"),
        (["graph", "x.y", "x=1"], 2, "attribute access not allowed"),
        (["graph", "x", "x=1", "x=2"], 2, "the variable x is given twice"),
        (["graph", "x", "x=one"], 2, "must be a number"),
        (["graph", "x", "x=1", "-o", "graph.gif"], 2, "must end in .svg, .png, .pdf"),
        (["graph", "x", "x=1", "--format", "q"], 2, "number_format"),
        (["graph", "x", "x=1", "-o", "/no/such/folder/g.svg"], 1, "folder does not exist"),
    ],
)
def test_errors_are_one_line_without_traceback(
    argv: list[str], status: int, message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(argv) == status
    err = capsys.readouterr().err
    assert err.startswith("viz: error: ") and message in err
    assert len(err.strip().splitlines()) == 1 and "Traceback" not in err


def test_without_dot_it_says_how_to_install_graphviz(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    monkeypatch.setenv("PATH", "")
    assert main([*NEURON, "-o", str(tmp_path / "g.svg")]) == 1
    assert "apt-get install graphviz" in capsys.readouterr().err
    assert list(tmp_path.iterdir()) == []
    assert viz.output.GraphvizNotFoundError.__mro__[1] is RuntimeError


def test_help_shows_an_example(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as info:
        main(["graph", "--help"])
    assert info.value.code == 0
    assert (
        'python -m viz graph "tanh(x*w + b)" x=2 w=-3 b=6.88 -o graph.svg'
        in capsys.readouterr().out
    )


def test_python_dash_m_viz_runs_the_command_line() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "viz", "graph", "x*2", "x=1.5"],
        capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert done.returncode == 0 and done.stdout.startswith("digraph")
    bad = subprocess.run(
        [sys.executable, "-m", "viz", "graph", "lambda: 0"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert (
        bad.returncode == 2
        and "Traceback" not in bad.stderr
        and "lambdas not allowed" in bad.stderr
    )
