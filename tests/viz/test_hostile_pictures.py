"""Careless and hostile input to the pictures and the command line: a clear error, or the right
picture, in bounded time, and a failed call writes nothing (issue 23, items 11 to 17)."""

import json
import math
import os
import re
import shutil
import time
import xml.etree.ElementTree as ET
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

import engine
import viz
import viz.drawing.output
from engine import Value
from viz.cli import main
from viz.drawing.text import LABEL_LENGTH, TOOLTIP_LENGTH, shorten
from viz.explorer import code_view

needs_dot = pytest.mark.skipif(shutil.which("dot") is None, reason="Graphviz's dot is missing")
posix_only = pytest.mark.skipif(os.name != "posix", reason="the fake dot is a shell script")
SVG = "{http://www.w3.org/2000/svg}"
XLINK = "{http://www.w3.org/1999/xlink}"


def edges_of(source: str) -> list[tuple[str, str]]:
    return re.findall(r"^\s*(\w+) -> (\w+)", source, flags=re.MULTILINE)


def svg_texts(svg: str) -> list[str]:
    """The text of every <text> element; parsing proves the SVG is valid XML."""
    return ["".join(t.itertext()) for t in ET.fromstring(svg).iter(f"{SVG}text")]


def svg_tooltips(svg: str) -> list[str]:
    return [a.get(f"{XLINK}title", "") for a in ET.fromstring(svg).iter(f"{SVG}a")]


def cli(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    status = main(argv)
    out, err = capsys.readouterr()
    return status, out, err


def one_error_line(err: str) -> str:
    assert err.startswith("viz: error: ") and err.endswith("\n"), err
    assert len(err.splitlines()) == 1 and "Traceback" not in err, err
    return err.rstrip("\n")


def fake_dot(folder: Path, monkeypatch: pytest.MonkeyPatch, script: str) -> None:
    """Put a ``dot`` that runs the shell ``script`` alone on PATH."""
    folder.mkdir(exist_ok=True)
    dot = folder / "dot"
    dot.write_text(f"#!/bin/sh\n{script}\n")
    dot.chmod(0o755)
    monkeypatch.setenv("PATH", str(folder))


def chain(n: int) -> Value:
    y = Value(0.5, label="x")
    for _ in range(n):
        y = y * 1.0001
    return y


# -- 11. the fold keeps one edge per operation it feeds ------------------------------------


def test_the_fold_sends_one_edge_to_each_operation_whatever_it_holds() -> None:
    x = Value(1.0, label="x")
    total = engine.sum([Value(0.1 * i, label=f"w{i}") * x for i in range(50)])
    source = viz.draw_dot(total, detail="values", max_nodes=5).source
    from_fold = [head for tail, head in edges_of(source) if tail == "hidden"]
    assert from_fold and len(from_fold) == len(set(from_fold))
    # The sum's operation gets one edge from the fold for its 46 hidden terms.
    assert from_fold.count(f"v{len(engine.topological_order(total)) - 1}_op") == 1


@needs_dot
@pytest.mark.parametrize("detail", ["auto", "values"])
def test_a_sum_of_8000_labelled_terms_renders(detail: str) -> None:
    x = Value(1.0, label="x")
    total = engine.sum([Value(0.1 * i, label=f"w{i}") * x for i in range(8000)])
    start = time.perf_counter()
    svg = viz.to_svg(total, detail=detail)  # was: "Edge length 71769 larger than maximum 65535"
    assert time.perf_counter() - start < 30  # about 0.3 s (auto) and 1 s (values, 500 nodes)
    assert any("more values not shown" in t for t in svg_texts(svg))


# -- 12. long labels are shortened, in full in the tooltip ---------------------------------


@needs_dot
@pytest.mark.parametrize(
    "label", ["&" * 3300, "]" * 3300, "a" * 17_000, "b" * 100_000 + "c" * 100_000]
)
def test_a_long_label_shows_shortened_and_in_full_in_its_tooltip(label: str) -> None:
    x = Value(1.5, label=label)
    svg = viz.to_svg(x * 2.0)  # was: Graphviz's HTML string limit, or a BrokenPipeError
    shown = shorten(label, LABEL_LENGTH)
    assert len(shown) == LABEL_LENGTH and "…" in shown
    assert shown in svg_texts(svg)
    assert shorten(label, TOOLTIP_LENGTH) in svg_tooltips(svg)


def test_the_explorer_text_shows_a_long_label_shortened() -> None:
    x = Value(1.5, label="x" * 20_000)
    page = viz.explorer(x * 2.0)
    text = "\n".join(page.text(k) for k in range(len(page.steps)))
    assert shorten("x" * 20_000, LABEL_LENGTH) in text
    assert "x" * (LABEL_LENGTH + 1) not in text and "x" * 20_000 not in page.html


def test_labels_that_shorten_alike_stay_apart() -> None:
    a = Value(1.0, label="a" * 100 + "1" + "a" * 100)
    b = Value(2.0, label="a" * 100 + "2" + "a" * 100)
    source = viz.draw_dot(a * b).source
    shown = shorten(a.label, LABEL_LENGTH)
    assert shown == shorten(b.label, LABEL_LENGTH)
    assert f"<B>{shown}</B>" in source and f"<B>{shown}#2</B>" in source


@needs_dot
def test_a_tooltip_shows_any_text_as_typed() -> None:
    typed = "x" * LABEL_LENGTH + ' \\N \\\\ &amp; &#92; <b>"q"</b> \\'
    svg = viz.to_svg(Value(1.0, label=typed))
    assert typed in svg_tooltips(svg)


# -- 13. lone surrogates in the explorer --------------------------------------------------


@needs_dot
@pytest.mark.parametrize("code", [False, True])
def test_a_lone_surrogate_shows_as_its_escape_in_the_explorer(tmp_path: Path, code: bool) -> None:
    x = Value(2.0, label="a\udc80b")
    y = (x * 3.0).tanh()
    target = tmp_path / "page.html"
    viz.explorer(y, target, title="title \udc80", code=code)  # was: UnicodeEncodeError
    html = target.read_text(encoding="utf-8")
    assert "<title>title \\udc80</title>" in html and "<h1>title \\udc80</h1>" in html
    data = json.loads(re.search(r'id="steps">(.*?)</script>', html, re.DOTALL)[1])  # type: ignore[index]
    text = json.dumps(data, ensure_ascii=False)
    assert "a\\\\udc80b" in text and "\udc80" not in text
    assert any(
        "a\\udc80b" in t for t in svg_texts(html[html.index("<svg") : html.index("</svg>") + 6])
    )


# -- 14. the code panel is bounded ----------------------------------------------------------


@needs_dot
def test_the_code_panel_of_a_large_graph_says_it_is_left_out_without_compiling(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def no_compile(*args: object, **kwargs: object) -> None:
        raise AssertionError("engine.compile ran for a graph past MAX_NODES")

    y = chain(code_view.MAX_NODES)  # 2 nodes per link: twice the bound
    monkeypatch.setattr(engine, "compile", no_compile)
    start = time.perf_counter()
    page = viz.explorer(y, code=True)
    assert time.perf_counter() - start < 30  # about 0.3 s; with the code it took seconds
    data = json.loads(re.search(r'id="steps">(.*?)</script>', page.html, re.DOTALL)[1])  # type: ignore[index]
    lines = "\n".join(data["code"]["lines"])
    assert f"{2 * code_view.MAX_NODES + 1:,} nodes" in lines
    assert (
        "viz.explorer.code_view.MAX_NODES" in lines
        and "engine.compile(root, leaves).source" in lines
    )
    assert all(step["own"] == [] and step["feeding"] == [] for step in data["steps"])


def test_the_code_panel_of_a_small_graph_still_shows_the_code() -> None:
    data = viz.explorer(chain(3), code=True).html
    assert "def " in data and "left out" not in data


# -- 15. dot runs with a timeout -------------------------------------------------------------


@posix_only
def test_a_dot_that_never_returns_is_stopped_with_a_clear_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    fake_dot(tmp_path / "bin", monkeypatch, f"exec {shutil.which('sleep')} 60")
    monkeypatch.setattr(viz.drawing.output, "DOT_TIMEOUT", 0.5)
    target = tmp_path / "g.svg"
    start = time.perf_counter()
    with pytest.raises(viz.drawing.output.GraphvizTimeoutError) as info:
        viz.save_svg(chain(2), target)
    assert time.perf_counter() - start < 20
    assert isinstance(info.value, viz.GraphvizError)
    message = str(info.value)
    assert "dot took longer than 0.5 s" in message
    assert "max_nodes=" in message and 'detail="neurons"' in message
    assert "viz.drawing.output.DOT_TIMEOUT = 1" in message
    assert not target.exists()
    # The command line: the same bound, one line, exit 1, nothing written.
    start = time.perf_counter()
    status, out, err = cli(["graph", "x*y", "x=1", "y=2", "-o", str(target)], capsys)
    assert time.perf_counter() - start < 20
    assert status == 1 and out == ""
    assert "dot took longer than 0.5 s" in one_error_line(err)
    assert not target.exists()


@pytest.mark.parametrize("timeout", [0, -1.0, math.nan, "60", True])
def test_a_bad_dot_timeout_is_a_clear_error(
    monkeypatch: pytest.MonkeyPatch, timeout: object
) -> None:
    monkeypatch.setattr(viz.drawing.output, "DOT_TIMEOUT", timeout)
    with pytest.raises(ValueError, match="DOT_TIMEOUT must be a positive number of seconds"):
        viz.to_svg(Value(1.0))


# -- 16. the Python API checks options as the command line does ----------------------------


def draw_calls(tmp_path: Path) -> dict[str, Callable[..., Any]]:
    y = Value(2.0, label="x") * 3.0
    return {
        "draw_dot": lambda **o: viz.draw_dot(y, **o),
        "to_svg": lambda **o: viz.to_svg(y, **o),
        "render": lambda **o: viz.render(y, tmp_path / "g.png", **o),
        "explorer": lambda **o: viz.explorer(y, tmp_path / "page.html", **o),
    }


BAD_OPTIONS = {
    "wide format": ("number_format", ".50000f", "--format", "must be a float format spec"),
    "huge font": ("font_size", 1e9, "--font-size", "must be a positive number of points"),
    "nan font": ("font_size", math.nan, "--font-size", "must be a positive number of points"),
    "inf font": ("font_size", math.inf, "--font-size", "must be a positive number of points"),
}


@pytest.mark.parametrize("call", ["draw_dot", "to_svg", "render", "explorer"])
@pytest.mark.parametrize(("name", "value", "flag", "words"), BAD_OPTIONS.values(), ids=BAD_OPTIONS)
def test_the_python_api_refuses_what_the_command_line_refuses(
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    call: str,
    name: str,
    value: object,
    flag: str,
    words: str,
) -> None:
    with pytest.raises(ValueError) as info:
        draw_calls(tmp_path)[call](**{name: value})
    python = str(info.value)
    assert python.startswith(f"draw_dot: {name} {words}") and f"got {value!r}" in python
    status, _, err = cli(["graph", "x", "x=1", flag, str(value)], capsys)
    line = one_error_line(err)
    assert status == 2 and f"argument {flag}: {words}" in line
    # The same check, word for word: the allowed values as the Python error states them.
    allowed = python.removeprefix(f"draw_dot: {name} ").rsplit(", got ", 1)[0]
    assert allowed in line
    assert list(tmp_path.iterdir()) == []  # a failed call writes nothing


@pytest.mark.parametrize("dpi", [math.nan, 1e9, 5, 10**6, True, "150"])
def test_render_checks_dpi(tmp_path: Path, dpi: object) -> None:
    with pytest.raises(ValueError, match=r"render: dpi must be an int from 10 to 2400, got "):
        viz.render(Value(1.0), tmp_path / "g.png", dpi=dpi)
    assert list(tmp_path.iterdir()) == []


# -- 17. the command line: bounded quotes, two files, .html --------------------------------


def test_an_unknown_name_of_10000_characters_gives_a_short_error_line(
    capsys: pytest.CaptureFixture[str],
) -> None:
    name = "y" * 9_990 + "_end"
    status, out, err = cli(["graph", name, "x=1"], capsys)
    line = one_error_line(err)
    assert status == 2 and out == ""
    assert "unknown name 'yyy" in line and "…" in line and "_end'" in line
    assert len(line) < 400  # was 10,233 characters


def test_long_text_quoted_by_argparse_is_shortened(capsys: pytest.CaptureFixture[str]) -> None:
    for argv in (
        ["graph", "x", "x=1", "--rankdir", "Q" * 5000],
        ["graph", "x", "x=1", "-z" * 3000],
    ):
        status, _, err = cli(argv, capsys)
        assert status == 2 and len(one_error_line(err)) < 400


def test_the_same_file_for_the_picture_and_the_page_is_refused(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    same = tmp_path / "same.svg"
    status, _, err = cli([*["graph", "x", "x=1"], "-o", str(same), "--explorer", str(same)], capsys)
    assert status == 2 and "must end in .html or .htm" in one_error_line(err)
    # A page that is a link to the picture is the same file too.
    picture, page = tmp_path / "g.svg", tmp_path / "page.html"
    page.symlink_to(picture)
    status, _, err = cli(["graph", "x", "x=1", "-o", str(picture), "--explorer", str(page)], capsys)
    line = one_error_line(err)
    assert status == 2 and "-o and --explorer name the same file" in line
    assert not picture.exists()


def test_the_explorer_page_must_be_html(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    status, _, err = cli(["graph", "x", "x=1", "--explorer", str(tmp_path / "page")], capsys)
    line = one_error_line(err)
    assert status == 2 and "argument --explorer" in line and "must end in .html or .htm" in line
    assert list(tmp_path.iterdir()) == []


def test_an_option_that_is_not_a_number_is_refused_in_the_checks_words(
    capsys: pytest.CaptureFixture[str],
) -> None:
    status, _, err = cli(["graph", "x", "x=1", "--font-size", "big"], capsys)
    line = one_error_line(err)
    assert status == 2 and "must be a positive number of points, from 1 to 200, got 'big'" in line
    assert "could not convert" not in line
