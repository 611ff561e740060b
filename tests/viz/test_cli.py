"""The command line: DOT text, pictures, the explorer, and one-line errors without tracebacks."""

import importlib.util
import io
import os
import shutil
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

import viz.drawing.output
from viz.cli import main

ROOT = Path(__file__).resolve().parents[2]
needs_dot = pytest.mark.skipif(shutil.which("dot") is None, reason="Graphviz's dot is missing")
needs_explorer = pytest.mark.skipif(
    importlib.util.find_spec("viz.explorer") is None, reason="viz.explorer is not written yet"
)
NEURON = ["graph", "tanh(x*w + b)", "x=2", "w=-3", "b=6.88"]
EXAMPLE = 'python -m viz graph "tanh(x*w + b)" x=2 w=-3 b=6.88 -o graph.svg'


def run(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    status = main(argv)
    out, err = capsys.readouterr()
    return status, out, err


def assert_one_error_line(err: str) -> None:
    assert err.startswith("viz: error: "), err
    assert len(err.splitlines()) == 1 and err.endswith("\n"), err
    assert "Traceback" not in err


# -- the DOT text, without -o ---------------------------------------------------------------


def test_without_an_output_it_prints_the_dot_text(capsys: pytest.CaptureFixture[str]) -> None:
    status, out, err = run(NEURON, capsys)
    assert status == 0
    assert out.startswith("digraph") and out.rstrip().endswith("}")
    for label in ("<B>x</B>", "<B>w</B>", "<B>b</B>", "tanh", "data -3.0000", "data 6.8800"):
        assert label in out
    assert "grad 1.0000" in out and "grad -1.5029" in out  # backward ran: dy/dx shows
    assert err == "viz: wrote the DOT text of 6 values, 3 operations to stdout\n"
    assert run(NEURON, capsys)[1] == out  # the same text every run


def test_options_reach_the_picture(capsys: pytest.CaptureFixture[str]) -> None:
    argv = [*NEURON, "--rankdir", "TB", "--theme", "dark", "--format", ".2f", "--font-size", "16"]
    status, out, _ = run(argv, capsys)
    assert status == 0
    assert "rankdir=TB" in out and "#111827" in out and "fontsize=16.0" in out
    assert "data -3.00<" in out and "data -3.0000" not in out
    status, out, _ = run([*NEURON, "--no-grad"], capsys)
    assert status == 0 and "grad" not in out and "data 2.0000" in out


def test_options_may_come_between_the_variables(capsys: pytest.CaptureFixture[str]) -> None:
    status, out, _ = run(["graph", "x*y", "x=2", "--rankdir", "TB", "y=3"], capsys)
    assert status == 0 and "rankdir=TB" in out and "data 6.0000" in out


def test_an_expression_starting_with_minus_goes_after_dashes_or_a_space(
    capsys: pytest.CaptureFixture[str],
) -> None:
    for argv in (["graph", "--", "-x*y", "x=2", "y=3"], ["graph", " -x*y", "x=2", "y=3"]):
        status, out, _ = run(argv, capsys)
        assert status == 0 and "data -6.0000" in out
    status, _, err = run(["graph", "-x", "x=1"], capsys)
    assert status == 2
    assert_one_error_line(err)
    assert "starts with '-' goes after --" in err


# -- files: -o and --explorer -------------------------------------------------------------


@needs_dot
def test_dash_o_writes_an_svg_that_is_xml_with_the_labels(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    target = tmp_path / "graph.svg"
    status, out, err = run([*NEURON, "-o", str(target)], capsys)
    assert status == 0 and err == ""
    assert out == f"viz: wrote {target}: 6 values, 3 operations\n"
    root = ET.fromstring(target.read_bytes())
    assert root.tag.endswith("svg")
    text = " ".join(t.strip() for t in root.itertext() if t.strip())
    for label in ("x", "w", "b", "tanh", "data 2.0000", "data -3.0000", "grad 1.0000"):
        assert label in text


@needs_dot
@pytest.mark.parametrize(("suffix", "magic"), [(".png", b"\x89PNG"), (".PDF", b"%PDF")])
def test_dash_o_picks_the_format_by_the_extension(
    suffix: str, magic: bytes, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    target = tmp_path / f"graph{suffix}"
    assert run([*NEURON, "-o", str(target)], capsys)[0] == 0
    assert target.read_bytes().startswith(magic)


@needs_dot
@needs_explorer
def test_explorer_writes_a_page(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    page = tmp_path / "page.html"
    status, out, err = run([*NEURON, "--explorer", str(page)], capsys)
    assert status == 0 and err == ""
    assert out.startswith(f"viz: wrote {page} (the backward-pass explorer)")
    html = page.read_text(encoding="utf-8")
    assert "<svg" in html and "<script src" not in html


@needs_dot
@needs_explorer
def test_both_a_picture_and_the_explorer(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    page, picture = tmp_path / "page.html", tmp_path / "g.svg"
    status, out, _ = run([*NEURON, "--explorer", str(page), "-o", str(picture)], capsys)
    assert status == 0 and page.exists() and picture.exists()
    assert len(out.splitlines()) == 1 and str(page) in out and str(picture) in out


# -- errors: one line, the right status, no traceback --------------------------------------

USAGE_ERRORS = {
    "attribute": (["graph", "__import__('os').system('echo pwned')"], "attribute access"),
    "unknown function": (["graph", "__import__('os')"], "unknown function '__import__'"),
    "unknown name": (["graph", "tanh(y)", "x=1"], "unknown name 'y' at column 6: y"),
    "syntax": (["graph", "tanh(x", "x=1"], "at column 5"),
    "lambda": (["graph", "lambda: 0"], "lambdas are not allowed at column 1"),
    "empty": (["graph", ""], "the expression is empty"),
    "twice": (["graph", "x", "x=1", "x=2"], "the variable 'x' is given twice"),
    "not a number": (["graph", "x", "x=one"], "must be a number"),
    "nan": (["graph", "x", "x=nan"], "must be finite"),
    "function name": (["graph", "x", "tanh=1"], "the name of a function"),
    "no equals": (["graph", "x", "x"], "NAME=VALUE"),
    "extension": (["graph", "x", "x=1", "-o", "graph.gif"], "must end in one of .svg, .png, .pdf"),
    "format": (["graph", "x", "x=1", "--format", "q"], "argument --format"),
    "font size": (["graph", "x", "x=1", "--font-size", "0"], "argument --font-size"),
    "rankdir": (["graph", "x", "x=1", "--rankdir", "XX"], "invalid choice: 'XX'"),
    "theme": (["graph", "x", "x=1", "--theme", "neon"], "invalid choice: 'neon'"),
    "no expression": (["graph"], "the expression is missing"),
    "no command": ([], "required: COMMAND"),
    "unknown command": (["draw", "x"], "invalid choice: 'draw'"),
    "unknown option": (["graph", "x", "x=1", "--colour", "red"], "unrecognized arguments"),
}


@pytest.mark.parametrize(("argv", "message"), USAGE_ERRORS.values(), ids=USAGE_ERRORS.keys())
def test_usage_errors_exit_2_with_one_line(
    argv: list[str], message: str, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    status, out, err = run(argv, capsys)
    assert status == 2 and out == ""
    assert_one_error_line(err)
    assert message in err


def test_a_missing_folder_exits_1(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    target = tmp_path / "no" / "such" / "folder" / "g.svg"
    # Without dot, the missing program is reported first: exit 1 either way.
    status, out, err = run([*NEURON, "-o", str(target)], capsys)
    assert status == 1 and out == ""
    assert_one_error_line(err)
    assert ("folder" in err and "does not exist" in err) or "graphviz" in err.lower()


@needs_dot
def test_an_unwritable_target_exits_1(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "g.svg").mkdir()  # a folder where the file should go
    status, _, err = run([*NEURON, "-o", str(tmp_path / "g.svg")], capsys)
    assert status == 1
    assert_one_error_line(err)
    assert f"cannot write {str(tmp_path / 'g.svg')!r}" in err


@needs_dot
@needs_explorer
def test_a_failure_after_a_file_was_written_says_so(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    picture = tmp_path / "g.svg"
    page = tmp_path / "missing" / "page.html"
    status, _, err = run([*NEURON, "-o", str(picture), "--explorer", str(page)], capsys)
    assert status == 1 and picture.exists()
    assert_one_error_line(err)
    assert f"already written: {picture}" in err


def test_without_dot_it_says_how_to_install_graphviz(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    monkeypatch.setenv("PATH", "")
    status, out, err = run([*NEURON, "-o", str(tmp_path / "g.svg")], capsys)
    assert status == 1 and out == ""
    assert_one_error_line(err)
    assert "apt-get install graphviz" in err and "draw_dot(root).source" in err
    assert list(tmp_path.iterdir()) == []
    # The DOT text needs no program.
    assert run(NEURON, capsys)[0] == 0


def test_a_pipe_that_raises_graphviz_not_found_is_reported(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    def no_dot(*args: object, **kwargs: object) -> bytes:
        raise viz.drawing.output.GraphvizNotFoundError(viz.drawing.output.INSTALL_HINT)

    monkeypatch.setattr(viz.drawing.output, "pipe", no_dot)
    status, _, err = run([*NEURON, "-o", str(tmp_path / "g.png")], capsys)
    assert status == 1
    assert_one_error_line(err)
    assert "brew install graphviz" in err


@needs_explorer
def test_the_explorer_without_dot_says_how_to_install_graphviz(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    monkeypatch.setenv("PATH", "")
    status, _, err = run([*NEURON, "--explorer", str(tmp_path / "p.html")], capsys)
    assert status == 1
    assert_one_error_line(err)
    assert "apt-get install graphviz" in err


# -- help, and python -m viz --------------------------------------------------------------


@pytest.mark.parametrize("argv", [["graph", "--help"], ["--help"], ["graph", "-h"]])
def test_help_exits_0_and_shows_examples(
    argv: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    status, out, _ = run(argv, capsys)
    assert status == 0
    assert EXAMPLE in out and "--explorer page.html" in out
    assert "leaky_relu" in out and "never run as Python" in out


def _python_m_viz(*args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.run(
        [sys.executable, "-m", "viz", *args],
        capture_output=True, text=True, check=False, cwd=ROOT, env=env, timeout=120,
    )  # fmt: skip


def test_python_dash_m_viz_runs_the_command_line(tmp_path: Path) -> None:
    done = _python_m_viz("graph", "x*2", "x=1.5")
    assert done.returncode == 0 and done.stdout.startswith("digraph")
    assert "data 3.0000" in done.stdout
    marker = tmp_path / "pwned_cli"
    bad = _python_m_viz("graph", f"__import__('os').system('touch {marker}')")
    assert bad.returncode == 2 and "Traceback" not in bad.stderr
    assert bad.stderr.startswith("viz: error: attribute access is not allowed at column 1")
    assert not marker.exists()
    not_utf8 = _python_m_viz("graph", "x\udcff", "x=1")  # the byte 0xff on the command line
    assert not_utf8.returncode == 2 and "Traceback" not in not_utf8.stderr
    assert "not UTF-8" in not_utf8.stderr
    helped = _python_m_viz("--help")
    assert helped.returncode == 0 and EXAMPLE in helped.stdout


def test_a_reader_that_stops_early_gets_no_traceback(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    class GoneReader(io.StringIO):
        """Stdout piped into `head -c 7` after head has exited."""

        def __init__(self, fd: int) -> None:
            super().__init__()
            self.fd = fd

        def write(self, text: str) -> int:
            raise BrokenPipeError(32, "Broken pipe")

        def fileno(self) -> int:
            return self.fd

    fd = os.open(tmp_path / "stdout", os.O_WRONLY | os.O_CREAT)
    try:
        monkeypatch.setattr(sys, "stdout", GoneReader(fd))
        status = main(NEURON)
    finally:
        os.close(fd)
    assert status == 1
    assert capsys.readouterr().err == ""  # quiet, as `yes | head -1` is
