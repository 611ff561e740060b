"""Pictures out of Graphviz: SVG text, and SVG, PNG or PDF files written atomically."""

import os
import re
from pathlib import Path
from typing import Any

import graphviz

from engine import Value

# One atomic write for the project, shared with nn.save; viz.explorer and viz.plots import it
# from here. It follows symbolic links: the file a link leads to is replaced, the link stays.
from nn.files import write_atomically as write_atomically
from viz.graph import draw_dot

FORMATS = {".svg": "svg", ".png": "png", ".pdf": "pdf"}

MAX_MEGAPIXELS = 30
"""The largest PNG ``render`` writes, in millions of pixels: about what image libraries open."""

INSTALL_HINT = (
    "Graphviz's `dot` program is needed to render pictures and was not found on PATH. "
    "Install it: `apt-get install graphviz` (Debian, Ubuntu), `brew install graphviz` (macOS), "
    "`conda install graphviz`, or see https://graphviz.org/download/. "
    "The DOT text needs no program: draw_dot(root).source."
)


class GraphvizError(RuntimeError):
    """Graphviz's ``dot`` could not make a picture; the message gives dot's own words."""


class GraphvizNotFoundError(GraphvizError):
    """Graphviz's ``dot`` program is missing; the message says how to install it."""


def pipe(dot: graphviz.Digraph, fmt: str, **graph_attrs: str) -> bytes:
    """Run ``dot`` on a digraph and return the picture's bytes in ``fmt`` (svg, png, pdf).

    Raises:
        GraphvizNotFoundError: ``dot`` is not installed.
        GraphvizError: ``dot`` ran and failed; the message holds its error output.
    """
    if graph_attrs:
        dot = dot.copy()
        dot.attr("graph", **graph_attrs)
    try:
        data: bytes = dot.pipe(format=fmt, quiet=True)
    except graphviz.ExecutableNotFound as e:
        raise GraphvizNotFoundError(INSTALL_HINT) from e
    except graphviz.CalledProcessError as e:
        raise GraphvizError(_failure_message(fmt, e.returncode, e.stderr)) from e
    return data


def _failure_message(fmt: str, status: int, stderr: bytes | str | None) -> str:
    if isinstance(stderr, bytes):
        stderr = stderr.decode("utf-8", errors="replace")
    said = (stderr or "").strip()
    said = f"dot said:\n{said}\n" if said else "dot printed no error message.\n"
    # A negative status is the signal that killed dot, as subprocess reports it.
    how = f"was killed by signal {-status}" if status < 0 else f"exited with status {status}"
    return (
        f"Graphviz's dot failed to render the picture as {fmt} (it {how}). {said}"
        "The DOT text chainrule makes should always render, so this is likely a bug: please "
        "report it with the DOT text, draw_dot(root, ...).source with the same options, "
        "and the output of `dot -V`."
    )


def to_svg(root: Value, **options: Any) -> str:
    """Return the SVG text of ``root``'s graph.

    ``options`` are those of [`draw_dot`][viz.draw_dot].
    """
    return pipe(draw_dot(root, **options), "svg").decode("utf-8")


def save_svg(root: Value, path: str | os.PathLike[str], **options: Any) -> Path:
    """Write ``root``'s graph to ``path`` as SVG and return the path."""
    target = Path(os.fspath(path))
    write_atomically(target, to_svg(root, **options).encode("utf-8"))
    return target


def render(root: Value, path: str | os.PathLike[str], *, dpi: int = 150, **options: Any) -> Path:
    """Write ``root``'s graph to ``path`` as SVG, PNG or PDF, chosen by the extension.

    ``dpi`` sets a PNG's resolution (150 suits slides); a PNG of more than
    ``MAX_MEGAPIXELS`` is refused with a ValueError that says how to get a smaller one.
    ``options`` are those of [`draw_dot`][viz.draw_dot] (``theme``, ``font_size``, ...).
    """
    target = Path(os.fspath(path))
    fmt = FORMATS.get(target.suffix.lower())
    if fmt is None:
        raise ValueError(
            f"render: the extension of {str(target)!r} must be one of {', '.join(FORMATS)}"
        )
    if isinstance(dpi, bool) or not isinstance(dpi, int) or not 10 <= dpi <= 2400:
        raise ValueError(f"render: dpi must be an int from 10 to 2400, got {dpi!r}")
    dot = draw_dot(root, **options)
    extra = {}
    if fmt == "png":
        _check_pixels(dot, dpi)
        extra = {"dpi": str(dpi)}
    write_atomically(target, pipe(dot, fmt, **extra))
    return target


def _check_pixels(dot: graphviz.Digraph, dpi: int) -> None:
    """Refuse a PNG of more than ``MAX_MEGAPIXELS``, saying how to get a smaller picture."""
    try:
        svg = pipe(dot, "svg").decode("utf-8")
    except GraphvizError:
        return  # the PNG's own run of dot reports it, as PNG

    size = re.search(r'<svg[^>]*?width="([\d.]+)pt"[^>]*?height="([\d.]+)pt"', svg)
    if size is None:
        return
    width, height = (round(float(v) / 72 * dpi) for v in size.groups())
    megapixels = width * height / 1e6
    if megapixels <= MAX_MEGAPIXELS:
        return
    fitting = max(10, int(dpi * (MAX_MEGAPIXELS / megapixels) ** 0.5))
    raise ValueError(
        f"render: the PNG would be {width} × {height} pixels at dpi={dpi} ({megapixels:.0f} "
        f"megapixels), more than the {MAX_MEGAPIXELS} that image viewers and slides open. "
        f'For a smaller picture: dpi={fitting}; or model= with detail="neurons" or '
        '"layers"; or max_nodes=; or an .svg or .pdf path, which have no pixel size.'
    )
