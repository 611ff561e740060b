"""SVG, PNG and PDF out of Graphviz: valid XML, labels intact, atomic files, clear errors."""

import shutil
import xml.etree.ElementTree as ET
from pathlib import Path

import graphviz
import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

import viz
import viz.drawing.output
from engine import Value

needs_dot = pytest.mark.skipif(shutil.which("dot") is None, reason="Graphviz's dot is missing")
SVG = "{http://www.w3.org/2000/svg}"
# Each example runs dot, about 10 ms: a quarter of the profile's count, and at least 60.
DOT_EXAMPLES = max(60, settings.default.max_examples // 4)


def svg_text(svg: str) -> str:
    """All the text an SVG shows, joined per <text> element."""
    root = ET.fromstring(svg)
    return "\n".join("".join(t.itertext()) for t in root.iter(f"{SVG}text"))


def expected_visible(label: str) -> list[str]:
    """The lines Graphviz shows for a label: visible escapes, split at newlines."""
    return viz.drawing.text.visible(label).replace("\t", " ").split("\n")


def squeezed_lines(lines: list[str]) -> list[str]:
    """Lines with runs of whitespace made one space, blank ones left out.

    Graphviz drops a line's leading and trailing spaces and writes runs of spaces as
    no-break spaces, so lines are compared with their whitespace squeezed.
    """
    squeezed = (" ".join(line.split()) for line in lines)
    return [line for line in squeezed if line]


def shows_as_lines(svg: str, label: str) -> bool:
    """Whether the label's lines are consecutive <text> elements of the SVG, each whole."""
    shown = squeezed_lines(svg_text(svg).split("\n"))  # parsing proves the SVG is valid XML
    wanted = squeezed_lines(expected_visible(label))
    n = len(wanted)
    return any(shown[i : i + n] == wanted for i in range(len(shown) - n + 1))


@needs_dot
@settings(max_examples=DOT_EXAMPLES)
@given(st.text(max_size=40))
# Graphviz 2.43 feeds the text between two tags to expat unfinished, and expat holds back a
# trailing "]" or "]]": alone in a line they were a syntax error; before a line break they
# moved into the next line or cell. viz.drawing.text writes "]" as a character reference.
@example("]")
@example("]]")
@example("a\n]")
@example("]\nb")
@example("a]]\n]]b")
@example("\t]")
@example("]]>")
def test_any_label_gives_valid_svg_with_the_text_intact(label: str) -> None:
    x = Value(1.5, label=label)
    assert shows_as_lines(viz.to_svg(x * 2.0), label)


@needs_dot
def test_markup_in_a_label_is_text_not_markup() -> None:
    label = '</text><script>alert(1)</script><a href="x">&amp;{|}\\'
    svg = viz.to_svg(Value(1.0, label=label))
    root = ET.fromstring(svg)
    assert not list(root.iter(f"{SVG}script")) and not list(root.iter(f"{SVG}a"))
    assert label in svg_text(svg)


@needs_dot
def test_control_characters_show_as_visible_escapes() -> None:
    svg = viz.to_svg(Value(1.0, label="nul\x00bell\x07"))
    assert "nul\\x00bell\\x07" in svg_text(svg)


@needs_dot
@pytest.mark.parametrize(
    ("suffix", "magic"), [(".svg", b"<?xml"), (".png", b"\x89PNG"), (".pdf", b"%PDF")]
)
def test_render_picks_the_format_from_the_extension(
    tmp_path: Path, suffix: str, magic: bytes
) -> None:
    target = viz.render(Value(1.0, label="x").tanh(), tmp_path / f"graph{suffix}")
    assert target.read_bytes().startswith(magic)


@needs_dot
def test_save_svg_writes_the_same_svg_as_to_svg(tmp_path: Path) -> None:
    y = Value(2.0, label="x").exp()
    path = viz.save_svg(y, tmp_path / "g.svg")
    assert path.read_text(encoding="utf-8") == viz.to_svg(y)


def test_an_unknown_extension_is_refused_and_leaves_the_old_file(tmp_path: Path) -> None:
    old = tmp_path / "graph.gif"
    old.write_bytes(b"old")
    with pytest.raises(ValueError, match=r"\.svg, \.png, \.pdf"):
        viz.render(Value(1.0), old)
    assert old.read_bytes() == b"old"


def test_a_failed_render_leaves_the_old_file_and_no_temporary(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    old = tmp_path / "graph.svg"
    old.write_bytes(b"old picture")

    def broken_replace(src: str, dst: object) -> None:
        raise OSError("disk full")

    monkeypatch.setattr(viz.drawing.output, "pipe", lambda dot, fmt, **kw: b"<svg/>")
    monkeypatch.setattr("os.replace", broken_replace)
    with pytest.raises(OSError, match="disk full"):
        viz.save_svg(Value(1.0), old)
    assert old.read_bytes() == b"old picture"
    assert [p.name for p in tmp_path.iterdir()] == ["graph.svg"]


def broken_dot(root: Value, **options: object) -> graphviz.Digraph:
    """A digraph that dot refuses: its body is not DOT."""
    return graphviz.Digraph(body=["this is { not DOT"])


@needs_dot
@pytest.mark.parametrize("name", ["graph.svg", "graph.png", "graph.pdf"])
def test_a_dot_failure_says_what_dot_said_and_leaves_the_old_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, name: str
) -> None:
    old = tmp_path / name
    old.write_bytes(b"old picture")
    monkeypatch.setattr(viz.drawing.output, "draw_dot", broken_dot)
    with pytest.raises(viz.GraphvizError) as info:
        viz.render(Value(1.0), old)
    message = str(info.value)
    assert f"dot failed to render the picture as {old.suffix[1:]}" in message
    assert "syntax error in line" in message  # dot's own words
    assert "draw_dot(root, ...).source" in message  # what to do
    assert isinstance(info.value.__cause__, graphviz.CalledProcessError)
    assert old.read_bytes() == b"old picture"
    assert [p.name for p in tmp_path.iterdir()] == [name]


def fake_dot(folder: Path, monkeypatch: pytest.MonkeyPatch, script: str) -> None:
    """Put a ``dot`` that runs the shell ``script`` first on PATH."""
    dot = folder / "dot"
    dot.write_text(f"#!/bin/sh\n{script}\n")
    dot.chmod(0o755)
    monkeypatch.setenv("PATH", str(folder))


def test_a_dot_failure_is_a_graphviz_error_with_dots_message(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    bin_ = tmp_path / "bin"
    bin_.mkdir()
    fake_dot(bin_, monkeypatch, r"printf 'Error: something \377 went wrong\n  \n' >&2; exit 1")
    old = tmp_path / "graph.svg"
    old.write_bytes(b"old picture")
    for call in (lambda: viz.to_svg(Value(1.0)), lambda: viz.save_svg(Value(1.0), old)):
        with pytest.raises(RuntimeError) as info:
            call()
        assert type(info.value) is viz.GraphvizError
        said = "dot said:\nError: something \ufffd went wrong\nThe DOT text"
        assert f"as svg (it exited with status 1). {said}" in str(info.value)
    assert old.read_bytes() == b"old picture"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["bin", "graph.svg"]


def test_a_dot_that_says_nothing_still_gives_a_clear_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    fake_dot(tmp_path, monkeypatch, "kill -9 $$")
    said = r"as png \(it was killed by signal 9\)\. dot printed no error message"
    with pytest.raises(viz.GraphvizError, match=said):
        viz.drawing.output.pipe(graphviz.Digraph(), "png")


def test_without_dot_the_error_says_how_to_install_graphviz(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("PATH", "")
    with pytest.raises(RuntimeError) as info:
        viz.to_svg(Value(1.0, label="x"))
    assert isinstance(info.value, viz.GraphvizNotFoundError)
    assert isinstance(info.value, viz.GraphvizError)  # one except clause catches both
    assert "apt-get install graphviz" in str(info.value)
    assert "digraph" in viz.draw_dot(Value(1.0)).source  # the DOT text still works


def test_viz_registers_an_svg_formatter_for_values_in_ipython() -> None:
    ipython = pytest.importorskip("IPython")
    from IPython.testing.globalipapp import start_ipython

    shell = start_ipython()
    assert ipython.get_ipython() is shell
    from viz.notebook import register

    assert register()
    formatter = shell.display_formatter.formatters["image/svg+xml"]
    assert formatter.lookup_by_type(Value) is not None


def test_a_png_past_30_megapixels_is_refused_with_how_to_get_a_smaller_one(
    tmp_path: Path,
) -> None:
    if shutil.which("dot") is None:
        pytest.skip("Graphviz's dot is missing")
    x = Value(0.5, label="x")
    for i in range(300):
        x = (x * 1.01).tanh() if i % 2 else x + 0.1
    target = tmp_path / "chain.png"
    target.write_bytes(b"old")
    with pytest.raises(ValueError, match=r"megapixels.*dpi=\d+.*detail=.*\.svg") as e:
        viz.render(x, target, detail="values", max_nodes=1000, dpi=600)
    assert "more than the 30" in str(e.value)
    assert target.read_bytes() == b"old"
    fitting = int(str(e.value).split("For a smaller picture: dpi=")[1].split(";")[0])
    viz.render(x, target, detail="values", max_nodes=1000, dpi=fitting)
    assert target.read_bytes().startswith(b"\x89PNG")
