"""SVG, PNG and PDF out of Graphviz: valid XML, labels intact, atomic files, clear errors."""

import shutil
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import viz
import viz.output
from engine import Value

needs_dot = pytest.mark.skipif(shutil.which("dot") is None, reason="Graphviz's dot is missing")
SVG = "{http://www.w3.org/2000/svg}"


def svg_text(svg: str) -> str:
    """All the text an SVG shows, joined per <text> element."""
    root = ET.fromstring(svg)
    return "\n".join("".join(t.itertext()) for t in root.iter(f"{SVG}text"))


def expected_visible(label: str) -> list[str]:
    """The lines Graphviz shows for a label: visible escapes, split at newlines."""
    return viz.text.visible(label).replace("\t", " ").split("\n")


@needs_dot
@settings(max_examples=60)
@given(st.text(max_size=40))
def test_any_label_gives_valid_svg_with_the_text_intact(label: str) -> None:
    x = Value(1.5, label=label)
    svg = viz.to_svg(x * 2.0)
    shown = svg_text(svg)  # parsing proves the SVG is well-formed XML
    for line in expected_visible(label):
        # Graphviz drops leading/trailing spaces of a line and turns runs of spaces into one
        # text element per chunk at most; compare with whitespace squeezed.
        assert " ".join(line.split()) in " ".join(shown.split())


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

    monkeypatch.setattr(viz.output, "pipe", lambda dot, fmt, **kw: b"<svg/>")
    monkeypatch.setattr("os.replace", broken_replace)
    with pytest.raises(OSError, match="disk full"):
        viz.save_svg(Value(1.0), old)
    assert old.read_bytes() == b"old picture"
    assert [p.name for p in tmp_path.iterdir()] == ["graph.svg"]


def test_without_dot_the_error_says_how_to_install_graphviz(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("PATH", "")
    with pytest.raises(RuntimeError) as info:
        viz.to_svg(Value(1.0, label="x"))
    assert isinstance(info.value, viz.GraphvizNotFoundError)
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
