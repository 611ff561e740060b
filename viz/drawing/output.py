"""Pictures out of Graphviz: SVG text, and SVG, PNG or PDF files written atomically.

Graphviz's ``dot`` runs for at most ``DOT_TIMEOUT`` seconds per picture.
"""

import math
import os
import re
import subprocess
from pathlib import Path
from typing import Any

import graphviz

from engine import Value

# One atomic write for the project, shared with nn.save; viz.explorer and viz.plots import it
# from here. It follows symbolic links: the file a link leads to is replaced, the link stays.
from nn.files import write_atomically as write_atomically
from viz.drawing.graph import draw_dot
from viz.drawing.options import check_dpi, checked, quoted

FORMATS = {".svg": "svg", ".png": "png", ".pdf": "pdf"}

DOT_TIMEOUT: float | None = 60.0
"""How long Graphviz's ``dot`` may take to lay out one picture, in seconds (None: no limit).

Set it (``viz.drawing.output.DOT_TIMEOUT = 300``) before drawing a picture that takes longer;
``dot`` is stopped when the time is up, with a ``GraphvizTimeoutError`` saying what to draw.
"""

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


class GraphvizTimeoutError(GraphvizError):
    """``dot`` took longer than ``DOT_TIMEOUT`` and was stopped; the message says what to draw."""


def pipe(dot: graphviz.Digraph, fmt: str, **graph_attrs: str) -> bytes:
    """Run ``dot`` on a digraph and return the picture's bytes in ``fmt`` (svg, png, pdf).

    Raises:
        GraphvizNotFoundError: ``dot`` is not installed.
        GraphvizTimeoutError: ``dot`` took longer than ``DOT_TIMEOUT`` seconds.
        GraphvizError: ``dot`` ran and failed; the message holds its error output.
    """
    if graph_attrs:
        dot = dot.copy()
        dot.attr("graph", **graph_attrs)
    timeout = _timeout()
    # subprocess, not Digraph.pipe: the graphviz package (0.21) takes no timeout, and it
    # writes the DOT text line by line, so a dot that fails early is a BrokenPipeError.
    command = ["dot", "-Kdot", f"-T{fmt}"]
    source = dot.source.encode("utf-8")
    try:
        done = subprocess.run(command, input=source, capture_output=True, timeout=timeout)
    except FileNotFoundError as e:
        raise GraphvizNotFoundError(INSTALL_HINT) from e
    except OSError as e:  # found but not runnable: not a file the caller writes
        raise GraphvizError(f"Graphviz's dot could not be run: {e}") from e
    except subprocess.TimeoutExpired as e:
        raise GraphvizTimeoutError(_timeout_message(fmt, e.timeout)) from None
    if done.returncode != 0:
        failed = graphviz.CalledProcessError(done.returncode, command, done.stdout, done.stderr)
        raise GraphvizError(_failure_message(fmt, done.returncode, done.stderr)) from failed
    data: bytes = done.stdout
    return data


def _timeout() -> float | None:
    timeout = DOT_TIMEOUT
    if timeout is not None and (
        isinstance(timeout, bool)
        or not isinstance(timeout, int | float)
        or not math.isfinite(timeout)
        or timeout <= 0
    ):
        raise ValueError(
            f"viz.drawing.output.DOT_TIMEOUT must be a positive number of seconds or None, "
            f"got {quoted(timeout)}"
        )
    return timeout


def _timeout_message(fmt: str, timeout: float) -> str:
    return (
        f"Graphviz's dot took longer than {timeout:g} s to lay out the picture as {fmt} and "
        'was stopped. Draw less: a smaller max_nodes=, or model= with detail="neurons" or '
        f'"layers"; or give dot more time: viz.drawing.output.DOT_TIMEOUT = {2 * timeout:g}.'
    )


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
            f"render: the extension of {quoted(str(target))} must be one of {', '.join(FORMATS)}"
        )
    dpi = checked("render", "dpi", check_dpi, dpi)
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
    except GraphvizTimeoutError:
        raise  # a second run would only wait as long again
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
