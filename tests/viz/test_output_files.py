"""Pictures written through symbolic links, as nn.save writes models: one atomic write for both."""

import os
import shutil
import stat
from pathlib import Path

import pytest

import nn.files
import viz
import viz.drawing.output
from engine import Value
from viz.cli import main

needs_dot = pytest.mark.skipif(shutil.which("dot") is None, reason="Graphviz's dot is missing")
needs_symlinks = pytest.mark.skipif(os.name == "nt", reason="symbolic links need privileges")
NEURON = ["graph", "tanh(x*w + b)", "x=2", "w=-3", "b=6.88"]


def linked(tmp_path: Path, name: str) -> tuple[Path, Path]:
    """A link in ``links/`` to an existing file ``pictures/<name>``, relative, across folders."""
    (tmp_path / "pictures").mkdir()
    (tmp_path / "links").mkdir()
    target = tmp_path / "pictures" / name
    target.write_text("old picture")
    target.chmod(0o640)
    link = tmp_path / "links" / name
    link.symlink_to(Path("..") / "pictures" / name)
    return link, target


def assert_written_through(link: Path, target: Path, name: str) -> None:
    assert link.is_symlink() and os.readlink(link) == os.path.join("..", "pictures", name)
    assert target.read_text() != "old picture"
    assert stat.S_IMODE(target.stat().st_mode) == 0o640  # the replaced file keeps its mode
    for folder in (link.parent, target.parent):  # no temporary file is left in either
        assert [p.name for p in folder.iterdir()] == [name]


def test_viz_writes_with_the_one_atomic_write_in_nn() -> None:
    assert viz.drawing.output.write_atomically is nn.files.write_atomically


@needs_symlinks
def test_write_atomically_writes_through_a_link(tmp_path: Path) -> None:
    link, target = linked(tmp_path, "page.html")
    viz.drawing.output.write_atomically(link, b"<p>new</p>")
    assert target.read_bytes() == b"<p>new</p>"
    assert_written_through(link, target, "page.html")


@needs_dot
@needs_symlinks
def test_save_svg_onto_a_link_replaces_the_file_it_leads_to(tmp_path: Path) -> None:
    link, target = linked(tmp_path, "graph.svg")
    x = Value(2.0, label="x")
    assert viz.save_svg(x.tanh(), link) == link
    assert target.read_text().lstrip().startswith("<?xml")
    assert_written_through(link, target, "graph.svg")


@needs_dot
@needs_symlinks
def test_the_output_option_writes_through_a_link(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    link, target = linked(tmp_path, "graph.svg")
    assert main([*NEURON, "-o", str(link)]) == 0
    assert "<svg" in target.read_text()
    assert_written_through(link, target, "graph.svg")
    assert capsys.readouterr().out.startswith(f"viz: wrote {link}")


@needs_dot
@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no named pipes here")
def test_the_output_option_onto_a_named_pipe_is_one_error_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    fifo = tmp_path / "graph.svg"
    os.mkfifo(fifo)
    assert main([*NEURON, "-o", str(fifo)]) == 1  # refused unopened: nothing waits for a reader
    err = capsys.readouterr().err
    assert err == (
        f"viz: error: cannot write {str(fifo)!r}: it is a named pipe (FIFO); only a regular "
        "file can be replaced\n"
    )
    assert stat.S_ISFIFO(fifo.stat().st_mode)
