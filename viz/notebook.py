"""Jupyter shows a Value as its graph: a display formatter, registered when ``viz`` is imported.

``engine`` never imports ``viz``; importing ``viz`` in a notebook is what turns
this on. Outside IPython, or without IPython installed, nothing happens.
"""

import sys

from engine import Value


def _svg(value: Value) -> str | None:
    from viz.drawing.output import GraphvizError, to_svg

    try:
        return to_svg(value)  # detail="auto": a model-sized graph shows as neurons or layers
    except GraphvizError:
        return None  # dot missing or failing: IPython then falls back to the text repr


def register() -> bool:
    """Register the SVG formatter for Value in the running IPython; return whether it did."""
    ipython_module = sys.modules.get("IPython")
    if ipython_module is None:
        return False
    shell = ipython_module.get_ipython()
    if shell is None:
        return False
    formatter = shell.display_formatter.formatters["image/svg+xml"]
    formatter.for_type(Value, _svg)
    return True
